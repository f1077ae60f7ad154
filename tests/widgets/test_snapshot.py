"""The static snapshot's page (widgets/snapshot.py); one dashboard per cell is tested in a real
kernel in tests/test_notebooks.py."""
from __future__ import annotations

import pytest
from jupyter_client.manager import start_new_kernel

from vdb_notebook.widgets.snapshot import MARK_END, MARK_START, ROWS, page
from vdb_notebook.widgets.testing import run_cell


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


RENDERERS = "sum(t.name == 'vdb-dashboard-renderer' for t in threading.enumerate())"


@pytest.fixture(scope="module")
def kernel():
    """A real IPython kernel, sent requests as JupyterLab sends them (with the cell's id)."""
    manager, client = start_new_kernel(kernel_name="python3")
    run = Kernel(client)
    run("import threading, vdb_notebook as vn; store = vn.EventStore()", "setup")
    yield run
    client.stop_channels()
    manager.shutdown_kernel(now=True)


class Kernel:
    """`kernel(code, cell_id)` runs a cell and returns its text/plain result; `.client` talks
    to the kernel directly (e.g. a widget's comm message, as a browser sends it)."""

    def __init__(self, client) -> None:
        self.client = client

    def __call__(self, code: str, cell_id: str) -> str:
        return run_cell(self.client, code, cell_id)



def test_rerunning_a_dashboard_cell_leaves_one_renderer_thread(kernel):
    for _ in range(5):
        kernel("dash = vn.Dashboard(store)\ndash", "the-dashboard-cell")
    assert kernel(RENDERERS, "count") == "1"
    kernel("other = vn.Dashboard(store)", "another-cell")  # another cell keeps its own
    assert kernel(RENDERERS, "count") == "2"
    kernel("dash.close(); other.close()", "cleanup")
    assert kernel(RENDERERS, "count") == "0"


def test_a_control_message_does_not_redraw_the_output_it_sits_in(kernel):
    """The comm package fires post_execute after each widget message; republishing the
    dashboard's output then would redraw its views and take the keyboard focus away."""
    kernel("said = vn.EventStore()\nsaid.add({'channel': 'transcript', 'data': {'text': 'hello'}})\n"
           "dash = vn.Dashboard(said)\ndash", "the-controls-cell")
    comm_id = kernel("dash.controls.filter.comm.comm_id", "ids").strip("'")
    client = kernel.client
    msg = client.session.msg("comm_msg", {"comm_id": comm_id, "data": {  # typed, then Enter
        "method": "update", "state": {"value": "nothing says this"}, "buffer_paths": []}})
    client.shell_channel.send(msg)
    sent = []
    while True:
        reply = client.get_iopub_msg(timeout=30)
        if reply["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
            continue
        sent.append(reply["msg_type"])
        if reply["msg_type"] == "status" and reply["content"]["execution_state"] == "idle":
            break
    assert kernel("dash.selection.text", "check") == "'nothing says this'"  # it did what it says
    assert "update_display_data" not in sent and "display_data" not in sent
    assert "update_display_data" in _execute_types(client, "said.add({'channel': 'alert'})")
    kernel("dash.close()", "cleanup")


def _execute_types(client, code: str) -> list[str]:
    """Run `code` as a cell; the types of the iopub messages it caused."""
    msg = client.session.msg("execute_request", {
        "code": code, "silent": False, "store_history": True, "user_expressions": {},
        "allow_stdin": False, "stop_on_error": True}, metadata={"cellId": "a-cell"})
    client.shell_channel.send(msg)
    types = []
    while True:
        reply = client.get_iopub_msg(timeout=30)
        if reply["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
            continue
        types.append(reply["msg_type"])
        if reply["msg_type"] == "status" and reply["content"]["execution_state"] == "idle":
            return types


def test_rerunning_a_cell_with_a_dashboard_and_a_grid_closes_both_earlier_ones(kernel):
    for _ in range(3):
        kernel("d = vn.Dashboard(store)\ng = vn.grid(store)\ndisplay(d, g)", "dashboard-and-grid")
    assert kernel(RENDERERS, "count") == "2"  # one each, not three each
    assert kernel("d.running and g.renderer.running", "alive") == "True"
    kernel("d.close(); g.close()", "cleanup")
    assert kernel(RENDERERS, "count") == "0"
