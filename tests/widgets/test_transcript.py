"""The transcript pane (widgets/transcript.py)."""
from __future__ import annotations

from vdb_notebook.widgets import Dashboard
from vdb_notebook.widgets.testing import shows, transcript_frame, wait_until


def test_interim_line_updates_in_place_per_stream_and_finals_append(log, store):
    dash = Dashboard(store, max_rate_hz=20)
    store.add(transcript_frame("lets sch", final=False))
    store.add(transcript_frame("lets schedule the", final=False))
    store.add(transcript_frame("on screen now", final=False, stream="system_audio:default", rts="rts-2"))
    wait_until(shows(dash, "transcript", "lets schedule the"))
    value = dash.panes["transcript"].value
    assert "lets sch …" not in value and "on screen now" in value
    store.add(transcript_frame("Lets schedule the meeting for Thursday"))
    wait_until(shows(dash, "transcript", "meeting for Thursday"))
    pane = dash.renderer.panes["transcript"]
    assert [line.text for line in pane.finals] == ["Lets schedule the meeting for Thursday"]
    assert list(pane.interim) == ["rts-2"]  # the mic's interim gave way to its final
    dash.close()
