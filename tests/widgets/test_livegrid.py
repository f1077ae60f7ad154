"""vn.grid: sort, filter, page and live updates, driven through the controls' traits
(widgets/livegrid.py), alone and as a Dashboard pane."""
from __future__ import annotations

import pytest

import vdb_notebook as vn
from vdb_notebook.widgets import Dashboard
from vdb_notebook.widgets.testing import (
    alert_frame,
    shows,
    transcript_frame,
    wait_until,
)


def texts(grid) -> list[str]:
    at = grid.pane.columns.index("text")
    return [row[at] for row in grid.pane.page()]


def test_sort_filter_and_page_through_the_controls(log, store):
    for n, word in enumerate(["delta", "alpha", "charlie", "bravo", "echo"]):
        store.add(transcript_frame(word, at=n * 1000))
    grid = vn.grid(store, page_size=2)
    assert texts(grid) == ["echo", "bravo"]  # newest first by default
    grid.controls.sort_by.value = "text"
    grid.controls.order.value = False
    assert texts(grid) == ["alpha", "bravo"]
    grid.controls.next.click()
    assert texts(grid) == ["charlie", "delta"]
    grid.controls.next.click()
    grid.controls.next.click()  # past the end: stays on the last page
    assert texts(grid) == ["echo"]
    grid.controls.previous.click()
    assert texts(grid) == ["charlie", "delta"]
    grid.controls.filter.value = "a"  # back to the first page of what matches
    assert texts(grid) == ["alpha", "bravo"]
    grid.controls.filter.value = "li"
    assert texts(grid) == ["charlie"]
    wait_until(shows_grid(grid, "rows 1–1 of 1 matching “li”"))
    grid.close()


def shows_grid(grid, text: str):
    return lambda: text in grid.renderer.widgets["grid"].value


def test_rows_arrive_live_within_the_panes_message_budget(log, store):
    grid = vn.grid(store, page_size=5, max_rate_hz=20)
    log.clock = lambda: grid.renderer.frame_at  # which frame each message belongs to
    for n in range(500):
        store.add(transcript_frame(f"line {n}", at=n))
    wait_until(shows_grid(grid, "line 499"))
    updates = [m.at for m in log.of(grid.renderer.widgets["grid"])]
    assert max(updates.count(at) for at in set(updates)) == 1  # one message per frame at most
    assert len(updates) < 500
    assert "line 494" not in grid.renderer.widgets["grid"].value  # page 1: the newest 5
    grid.close()


def test_a_view_gets_its_own_columns_and_a_static_copy_for_exports(log, store):
    store.add(alert_frame(confidence=0.4))
    store.add(alert_frame(label="shouting", confidence=0.9))
    grid = vn.grid(store.alerts(), page_size=10)
    assert grid.pane.columns == tuple(store.alerts().columns)
    grid.sort("confidence", descending=True)
    labels = [row[grid.pane.columns.index("label")] for row in grid.pane.page()]
    assert labels == ["shouting", "sensitive_content"]
    bundle = grid._bundle()
    assert "<table" in bundle["text/html"] and "shouting" in bundle["text/html"]
    assert "<script" not in bundle["text/html"]
    assert "aria-sort='descending'" in bundle["text/html"]
    grid.close()


def test_bad_input_says_what_to_pass(log, store):
    with pytest.raises(TypeError, match="EventStore, a Feed or a DataFrame"):
        vn.grid([1, 2, 3])
    with pytest.raises(ValueError, match="page_size must be"):
        vn.grid(store, page_size=0)
    grid = vn.grid(store)
    with pytest.raises(ValueError, match="no column 'nope'"):
        grid.sort("nope")
    grid.close()


def test_the_grid_as_a_dashboard_pane_follows_the_dashboard_filter(log, store):
    store.add(transcript_frame("the card number"))
    dash = Dashboard(store, max_rate_hz=20, grid=True)
    store.add(transcript_frame("the launch plan"))
    wait_until(shows(dash, "grid", "the launch plan"))
    assert "table" not in dash.panes
    dash.select(text="card")
    wait_until(lambda: "launch plan" not in dash.panes["grid"].value)
    assert "the card number" in dash.panes["grid"].value
    sort_by = dash.grid.children[0].sort_by  # the grid's own controls, inside the dashboard
    sort_by.value = "text"
    wait_until(shows(dash, "grid", "text ▼"))
    assert "the card number" in dash.snapshot_html()  # the static copy has the grid too
    dash.close()
