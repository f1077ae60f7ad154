"""After (or during) a session: its timeline and what happened around an alert.

    >>> import vdb_notebook as vn
    >>> store = vn.EventStore()
    >>> vn.timeline(store)
    Timeline(no events yet)
"""
from __future__ import annotations

from .chart import Timeline, timeline
from .clock import mmss, session_start
from .context import alert_context

__all__ = ["Timeline", "alert_context", "mmss", "session_start", "timeline"]
