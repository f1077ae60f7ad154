"""Re-running a notebook cell that opened a feed, in a real IPython kernel sent requests as
JupyterLab sends them (with the cell's id): the earlier run's feed is closed (no WebSocket left
open), and a cell that opens several feeds in one run keeps them all."""
from __future__ import annotations

import pytest
from jupyter_client.manager import start_new_kernel

SETUP = ("import vdb_notebook as vn\n"
         "conn = vn.connect(offline=True)\n"
         "def open_sockets(): return len(conn.emulator.state()['connections'])")
COUNT = "open_sockets()"


@pytest.fixture(scope="module")
def kernel():
    manager, client = start_new_kernel(kernel_name="python3")
    yield lambda code, cell_id: _execute(client, code, cell_id)
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
        reply = client.get_iopub_msg(timeout=60)
        if reply["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
            continue
        if reply["msg_type"] == "execute_result":
            result = reply["content"]["data"]["text/plain"]
        elif reply["msg_type"] == "error":
            raise AssertionError("\n".join(reply["content"]["traceback"]))
        elif reply["msg_type"] == "status" and reply["content"]["execution_state"] == "idle":
            return result


def test_a_rerun_cell_closes_the_feed_it_opened_before(kernel):
    kernel(SETUP, "setup")
    counts = []
    for _ in range(3):
        kernel("feed = await vn.Feed.open(conn)", "open-cell")
        counts.append(kernel(COUNT, "count"))
    assert counts == ["1", "1", "1"]
    kernel("await feed.close()", "close-cell")
    assert kernel(COUNT, "count") == "0"


def test_a_fleet_opened_in_one_run_stays_open_until_the_cell_runs_again(kernel):
    kernel(SETUP, "setup")
    kernel("fleet = [await vn.Feed.open(conn) for _ in range(3)]", "fleet-cell")
    assert kernel(COUNT, "count") == "3"
    kernel("fleet = [await vn.Feed.open(conn) for _ in range(3)]", "fleet-cell")
    assert kernel(COUNT, "count") == "3"
    kernel("feed_sync = vn.Feed.open_sync(conn)", "sync-cell")
    kernel("feed_sync = vn.Feed.open_sync(conn)", "sync-cell")
    assert kernel(COUNT, "count") == "4"
    assert kernel("[f.state for f in fleet] + [feed_sync.state]", "states") == \
        "['open', 'open', 'open', 'open']"
