"""Session time: mm:ss since the capture session went active, the one clock analysis uses.

    >>> mmss(95.4), mmss(-3), mmss(3725)
    ('01:35', '-00:03', '62:05')
"""
from __future__ import annotations

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
