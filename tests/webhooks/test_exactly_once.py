"""kill -9 mid-burst into a receiver whose store writes a dataset: every acknowledged delivery is
in the dataset exactly once after the restarts, with and without a slow handler."""
from __future__ import annotations

import asyncio
import signal
import textwrap
from pathlib import Path

import pytest

import vdb_notebook as vn

CRASHES = 3
EVENTS = 150

CHILD = textwrap.dedent("""
    import sys, time
    import vdb_notebook as vn
    from vdb_notebook.webhooks import WebhookReceiver
    journal, dataset, pause = sys.argv[1], sys.argv[2], float(sys.argv[3])

    def handler(payload):
        time.sleep(pause)  # a slow handler: many events in flight when the kill comes

    store = vn.EventStore(path=dataset)
    rx = WebhookReceiver.start_sync(store, journal=journal, workers=32,
                                    handlers={"*": handler} if pause else {})
    print(rx.url, flush=True)
    sys.stdin.read()  # until the test closes our stdin (or kills us)
    rx.close_sync(timeout=60)
    store.close()
""")


@pytest.mark.parametrize("pause", [0.0, 1.0], ids=["no-handler", "1s-handler"])
async def test_kill_9_three_times_mid_burst_then_each_acknowledged_delivery_once(
        tmp_path: Path, pause: float, start_child, burst) -> None:
    journal, dataset = tmp_path / "hooks.jsonl", tmp_path / "events"
    acked: set[str] = set()
    for _ in range(CRASHES):
        proc, url = await start_child(CHILD, journal, dataset, pause)
        todo = [i for i in range(EVENTS) if f"id:msg-{i}" not in acked]
        await burst(url, todo + list(range(0, EVENTS, 5)), acked, proc,
                    kill_after=EVENTS // (CRASHES + 2))
        if proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
        await asyncio.wait_for(proc.wait(), 30)
    proc, url = await start_child(CHILD, journal, dataset, pause)
    for _ in range(5):  # the sender retries what was never acknowledged
        await burst(url, [i for i in range(EVENTS) if f"id:msg-{i}" not in acked], acked)
    assert proc.stdin is not None
    proc.stdin.close()  # a clean close: processing drains, the store writes what is left
    assert await asyncio.wait_for(proc.wait(), 120) == 0
    assert len(acked) == EVENTS
    keys = vn.open_dataset(dataset).df["key"].tolist()
    lost, duplicated = acked - set(keys), len(keys) - len(set(keys))
    assert (len(lost), duplicated) == (0, 0)
    scanned = vn.scan_dataset(dataset).aggregate("count(*), count(distinct key)").fetchall()
    assert scanned == [(EVENTS, EVENTS)]
    assert len(vn.EventStore(path=dataset)) == EVENTS
