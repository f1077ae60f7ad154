"""Session time: mm:ss since the capture session went active, the one clock analysis uses.

    >>> mmss(95.4), mmss(-3), mmss(3725)
    ('01:35', '-00:03', '62:05')

Wall-clock times (labelled UTC wherever shown) have one formatter too:

    >>> clock(1768912496000.0), clock(1768912496123.0, millis=True), clock(None)
    ('12:34:56', '12:34:56.123', '')
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

import pandas as pd


class SessionStart(NamedTuple):
    """Where session time counts from: `at` (UTC) and what that instant is (`basis`)."""

    at: pd.Timestamp | None
    basis: str  # "session active", "first event", or "no events"


def mmss(seconds: float) -> str:
    """Seconds as mm:ss (minutes keep counting past 59; negative before the origin)."""
    whole = round(seconds)
    sign, whole = ("-", -whole) if whole < 0 else ("", whole)
    return f"{sign}{whole // 60:02d}:{whole % 60:02d}"


def clock(epoch_ms: float | None, *, millis: bool = False) -> str:
    """Epoch milliseconds as an HH:MM:SS UTC time of day ('' when unknown)."""
    if epoch_ms is None or epoch_ms != epoch_ms:  # None or NaN
        return ""
    try:
        when = datetime.fromtimestamp(float(epoch_ms) / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError, TypeError):
        return ""
    return when.strftime("%H:%M:%S.%f")[:12] if millis else when.strftime("%H:%M:%S")


def session_start(df: pd.DataFrame) -> SessionStart:
    """When the first capture session in `df` (a store's `.df`) went active; without a
    lifecycle event, the earliest event time.

        >>> import vdb_notebook as vn
        >>> store = vn.EventStore()
        >>> session_start(store.df)
        SessionStart(at=None, basis='no events')
    """
    lifecycle = df[df["channel"].astype(object).eq("capture_session")
                   & df["status"].astype(object).eq("active")]
    active = lifecycle["timestamp"].dropna()
    if len(active):
        return SessionStart(active.min(), "session active")
    times = pd.concat([df["start"].dropna(), df["timestamp"].dropna()])
    if len(times):
        return SessionStart(times.min(), "first event")
    return SessionStart(None, "no events")
