"""The static snapshot's page (widgets/snapshot.py); one dashboard per cell is tested in a real
kernel in tests/test_notebooks.py."""
from __future__ import annotations

import pytest
from jupyter_client.manager import start_new_kernel

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


RENDERERS = "sum(t.name == 'vdb-dashboard-renderer' for t in threading.enumerate())"


@pytest.fixture(scope="module")
def kernel():
    """A real IPython kernel, sent requests as JupyterLab sends them (with the cell's id)."""
    manager, client = start_new_kernel(kernel_name="python3")
    run = lambda code, cell_id: _execute(client, code, cell_id)  # noqa: E731
    run("import threading, vdb_notebook as vn; store = vn.EventStore()", "setup")
    yield run
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def _execute(client, code: str, cell_id: str) -> str:
    """Run `code` as cell `cell_id`; its text/plain result."""
    msg = client.session.msg("execute_request", {
        "code": code, "silent": False, "store_history": True, "user_expressions": {},
        "allow_stdin": False, "stop_on_error": True}, metadata={"cellId": cell_id})
    client.shell_channel.send(msg)
    result = ""
    while True:
        reply = client.get_iopub_msg(timeout=30)
        if reply["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
            continue
        if reply["msg_type"] == "execute_result":
            result = reply["content"]["data"]["text/plain"]
        elif reply["msg_type"] == "error":
            raise AssertionError("\n".join(reply["content"]["traceback"]))
        elif reply["msg_type"] == "status" and reply["content"]["execution_state"] == "idle":
            return result


def test_rerunning_a_dashboard_cell_leaves_one_renderer_thread(kernel):
    for _ in range(5):
        kernel("dash = vn.Dashboard(store)\ndash", "the-dashboard-cell")
    assert kernel(RENDERERS, "count") == "1"
    kernel("other = vn.Dashboard(store)", "another-cell")  # another cell keeps its own
    assert kernel(RENDERERS, "count") == "2"
    kernel("dash.close(); other.close()", "cleanup")
    assert kernel(RENDERERS, "count") == "0"
