"""The panes' one clock: mm:ss since the capture session went active (session time).

Until a session's `active` event is seen, time counts from the first event's own time, and
the counters strip says which (`basis`). Wall-clock times appear only where labelled so (the
table's `received` column).

    >>> from types import SimpleNamespace as Ev
    >>> clock = SessionClock()
    >>> clock.see(Ev(channel="transcript", start=1768912500000.0, timestamp=None))
    True
    >>> clock.see(Ev(channel="capture_session", status="active", event="capture_session.active",
    ...              timestamp=1768912496000.0, start=None))
    True
    >>> clock.origin_ms, clock.basis
    (1768912496000.0, 'session active')
"""
from __future__ import annotations

import pandas as pd

from ..analysis.clock import session_start
from .frames import EventRow
from .sessions import status_of

ACTIVE, FIRST_EVENT = "session active", "first event"


class SessionClock:
    """Where session time counts from (`origin_ms`, epoch ms) and what that instant is."""

    def __init__(self) -> None:
        self.origin_ms: float | None = None
        self.basis = FIRST_EVENT

    def see(self, event: EventRow) -> bool:
        """Take `event` into account; True when the origin moved (every time shown changes)."""
        if self.basis == ACTIVE:
            return False
        if getattr(event, "channel", None) == "capture_session" and status_of(event) == "active":
            at = getattr(event, "timestamp", None) or getattr(event, "received_at", None)
            if at:
                self.origin_ms, self.basis = float(at), ACTIVE
                return True
        at = getattr(event, "start", None) or getattr(event, "timestamp", None)
        if at and (self.origin_ms is None or at < self.origin_ms):  # the earliest, as seed()
            self.origin_ms = float(at)
            return True
        return False

    def seed(self, df: pd.DataFrame) -> None:
        """The origin of a filled store's rows (as `see` would find it, event by event)."""
        start = session_start(df)
        if start.at is not None:
            self.origin_ms = start.at.value / 1e6
            self.basis = ACTIVE if start.basis == "session active" else FIRST_EVENT
