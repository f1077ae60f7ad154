"""The sessions pane (widgets/sessions.py)."""
from __future__ import annotations

import vdb_notebook as vn
from vdb_notebook.widgets import Dashboard
from vdb_notebook.widgets.testing import shows, wait_until


def test_session_status_never_moves_back_and_timeline_shows_steps(log, store):
    dash = Dashboard(store, max_rate_hz=20)
    for payload in reversed(vn.webhooks.lifecycle("cap-1")):  # worst order, then duplicates
        store.add(payload, source="webhook")
    for payload in vn.webhooks.lifecycle("cap-1")[:3]:
        store.add(payload, source="webhook")
    wait_until(shows(dash, "counters", ">9<"))
    wait_until(shows(dash, "sessions", "cap-1"))
    pane = dash.renderer.panes["sessions"]
    assert pane.sessions["cap-1"].status == "exported"
    assert list(pane.sessions["cap-1"].seen) == ["exported", "stopped", "stopping", "active",
                                                 "starting", "created"]
    store.add(vn.webhooks.build("failed", capture_session_id="cap-2", error="mic unplugged"))
    wait_until(shows(dash, "sessions", "mic unplugged"))
    assert pane.sessions["cap-2"].status == "failed"
    dash.close()
