"""Session time (analysis/clock.py)."""
from __future__ import annotations

import vdb_notebook as vn
from vdb_notebook.analysis.clock import mmss, session_start
from vdb_notebook.widgets.testing import T0, transcript_frame


def test_mmss_rounds_and_counts_minutes_past_the_hour():
    assert [mmss(s) for s in (0, 59.4, 59.6, 3600, -61)] == ["00:00", "00:59", "01:00", "60:00", "-01:01"]


def test_session_time_counts_from_active_else_the_first_event():
    store = vn.EventStore()
    store.add(transcript_frame("early", at=3000))
    assert session_start(store.df).basis == "first event"
    assert session_start(store.df).at.value // 1_000_000 == T0 + 3000
    store.add(vn.webhooks.build("active", capture_session_id="cap-1"))
    start = session_start(store.df)
    assert start.basis == "session active" and start.at.value // 1_000_000 == T0
