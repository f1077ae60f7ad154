"""The static snapshot's page (widgets/snapshot.py); one dashboard per cell is tested in a real
kernel in tests/test_notebooks.py."""
from __future__ import annotations

from vdb_notebook.widgets.snapshot import MARK_END, MARK_START, ROWS, page


def test_the_page_lays_out_every_pane_in_the_live_order_between_markers():
    panes = {name: f"<i>{name}</i>" for row in ROWS for name in row}
    html = page(panes, "replayed", 42)
    assert html.startswith(MARK_START) and html.endswith(MARK_END)
    assert [html.index(f"<i>{n}</i>") for row in ROWS for n in row] == sorted(
        html.index(f"<i>{n}</i>") for row in ROWS for n in row)
    assert "static snapshot (replayed, 42 events)" in html


def test_a_dashboard_without_a_table_leaves_its_row_out():
    html = page({"counters": "<i>c</i>"}, "live", 0)
    assert html.count("display:flex;width:100%") == 1
