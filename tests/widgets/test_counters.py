"""The counters strip (widgets/counters.py)."""
from __future__ import annotations



import vdb_notebook as vn
from vdb_notebook.widgets import Dashboard
from vdb_notebook.widgets.testing import T0, alert_frame, shows, transcript_frame, wait_until


def test_counters_count_channels_rejections_and_feed_gaps(log, store):
    dash = Dashboard(store, max_rate_hz=20)
    store.add(transcript_frame("a"))
    store.add(alert_frame())
    store.add({"channel": "feed", "event": "feed.gap",
               "data": {"start": T0, "end": T0 + 2500, "reason": "connection dropped",
                        "old_connection_id": "c1", "new_connection_id": "c2"}}, source="feed")
    store.add({"channel": "feed", "event": "feed.reconnected", "data": {}}, source="feed")
    store.add("{not json")
    wait_until(shows(dash, "counters", "reconnects"))
    snap = dash.counters.snapshot()
    assert snap.total == len(store) and snap.counts == store.counts()
    assert snap.rejected == 1 and snap.gaps == 1 and snap.gap_ms == 2500
    assert "2.5s" in dash.panes["counters"].value
    dash.close()
