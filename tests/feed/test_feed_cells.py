"""Re-running a notebook cell that opened a feed, in a real IPython kernel sent requests as
JupyterLab sends them (with the cell's id): the earlier run's feed is closed (no WebSocket left
open), and a cell that opens several feeds in one run keeps them all."""
from __future__ import annotations

import pytest
from jupyter_client.manager import start_new_kernel

from vdb_notebook.widgets.testing import run_cell

SETUP = ("import vdb_notebook as vn\n"
         "conn = vn.connect(offline=True)\n"
         "def open_sockets(): return len(conn.emulator.state()['connections'])")
COUNT = "open_sockets()"


@pytest.fixture(scope="module")
def kernel():
    manager, client = start_new_kernel(kernel_name="python3")
    yield lambda code, cell_id: run_cell(client, code, cell_id)
    client.stop_channels()
    manager.shutdown_kernel(now=True)



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
