"""The live timeline pane (widgets/timeline.py)."""
from __future__ import annotations

import vdb_notebook as vn
from vdb_notebook.widgets import Dashboard
from vdb_notebook.widgets.testing import T0, alert_frame, shows, transcript_frame, wait_until


def test_the_timeline_grows_live_and_matches_vn_timeline(log, store):
    dash = Dashboard(store, max_rate_hz=20)
    store.add(vn.webhooks.build("active", capture_session_id="cap-1"))  # at T0
    store.add(transcript_frame("first words", at=1000))
    store.add(transcript_frame("not final", final=False, at=1500))
    wait_until(shows(dash, "timeline", "00:01-00:02 · mic:default · transcript"))
    assert "not final" not in dash.panes["timeline"].value
    store.add(alert_frame(label="decision", text="ship it"))
    store.add({"channel": "visual_index", "rtstream_id": "rts-3", "rtstream_name": "display:1",
               "data": {"text": "a slide", "start": T0 + 4000, "end": T0 + 9000}})
    wait_until(shows(dash, "timeline", "alert: decision"))
    value = dash.panes["timeline"].value
    assert "00:04-00:09 · display:1 · visual_index" in value and "mm:ss since session active" in value
    drawn = vn.timeline(store).svg
    assert drawn in value  # the pane draws what vn.timeline draws
    dash.close()


def test_the_timeline_keeps_a_bounded_number_of_bars(log, store):
    dash = Dashboard(store, max_rate_hz=20)
    pane = dash.renderer.panes["timeline"]
    for i in range(2000):
        store.add(transcript_frame(f"line {i} " + "word " * 100, at=i * 1000))
    wait_until(shows(dash, "timeline", "2000 spans (last 300 shown)"))
    assert len(pane.bars) == 300 and len(dash.panes["timeline"].value) < 150_000
    dash.close()
