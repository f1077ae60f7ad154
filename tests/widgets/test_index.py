"""The visual-index and audio-index panes (widgets/index.py)."""
from __future__ import annotations

import pytest

import vdb_notebook as vn
from vdb_notebook.widgets import Dashboard
from vdb_notebook.widgets.index import IndexPane
from vdb_notebook.widgets.testing import T0, shows, wait_until


def test_descriptions_show_their_span_in_session_time_newest_last(log, store):
    dash = Dashboard(store, max_rate_hz=20)
    store.add(vn.webhooks.build("active", capture_session_id="cap-1"))  # at T0
    for n in range(3):
        store.add({"channel": "visual_index", "rtstream_id": "rts-3", "rtstream_name": "display:1",
                   "data": {"text": f"slide {n}", "start": T0 + 60_000 * n, "end": T0 + 60_000 * n + 5000}})
    store.add({"channel": "audio_index", "rtstream_id": "rts-1", "rtstream_name": "mic:default",
               "data": {"text": "they agree", "start": T0 + 95_000, "end": T0 + 125_000}})
    wait_until(shows(dash, "visual", "slide 2"))
    wait_until(shows(dash, "audio", "01:35–02:05"))
    visual = dash.panes["visual"].value
    assert "02:00–02:05" in visual and visual.index("slide 0") < visual.index("slide 2")
    assert "3 events" in visual and "they agree" not in visual
    dash.close()


def test_a_pane_keeps_its_last_entries_and_counts_all():
    pane = IndexPane("audio", max_entries=2)
    for frame in ({"text": f"summary {n}", "rtstream_name": "mic", "rtstream_id": "r", "start": None,
                   "end": None} for n in range(5)):
        pane.record(type("Ev", (), frame))
    entries, total, _ = pane.snapshot()
    assert [e.text for e in entries] == ["summary 3", "summary 4"] and total == 5
    with pytest.raises(ValueError, match="kind must be 'visual' or 'audio'"):
        IndexPane("video")
