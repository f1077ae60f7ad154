"""The DataFrame tail (widgets/table.py)."""
from __future__ import annotations

from vdb_notebook.widgets import Dashboard
from vdb_notebook.widgets.table import CELL_TEXT
from vdb_notebook.widgets.testing import shows, transcript_frame, wait_until


def test_the_tail_is_the_store_tail_with_the_wall_clock_labelled(log, store):
    dash = Dashboard(store, max_rate_hz=20, tail=5)
    for n in range(12):
        store.add(transcript_frame(f"line {n} " + "x" * 200))
    wait_until(shows(dash, "table", "last 5 of 12 rows"))
    value = dash.panes["table"].value
    assert [row[0] for row in dash.renderer.panes["table"].rows] == store.df["seq"].tail(5).tolist()
    assert "line 6" not in value and "line 11" in value
    assert "received (UTC wall clock)" in value and "title='when the store received" in value
    shown = "line 11 " + "x" * (CELL_TEXT - len("line 11 ") - 1) + "…"
    assert shown in value  # clipped in the cell, whole in its tooltip
    dash.close()


def test_the_header_sits_above_the_scrolled_rows_so_none_passes_under_it():
    from types import SimpleNamespace as Ev

    from vdb_notebook.widgets.table import TablePane
    pane = TablePane(tail=5)
    for n in range(5):
        pane.record(Ev(seq=n, received_at=0, channel="transcript", event="transcript",
                       rtstream_name="mic", text=f"line {n}", is_final=True, label=None,
                       confidence=None, status=None))
    html = pane.render(pane.snapshot(), 0)
    header, scrolled = html.split("overflow-y:auto", 1)
    assert "<thead>" in header and "<thead>" not in scrolled and "line 0" in scrolled
    assert "position:sticky" not in html and html.count("table-layout:fixed") == 2
