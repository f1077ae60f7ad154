"""kill -9 mid-burst into a receiver whose store writes a dataset: every acknowledged delivery is
in the dataset exactly once after the restarts, with and without a slow handler."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
from pathlib import Path

import aiohttp
import pytest

import vdb_notebook as vn
from vdb_notebook.webhooks import build

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


async def start(journal: Path, dataset: Path, pause: float) -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, str(journal), str(dataset), str(pause),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert proc.stdout is not None
    url = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode().strip()
    assert url.startswith("http://127.0.0.1:"), url
    return proc, url


async def burst(url: str, todo: list[int], acked: set[str],
                proc: asyncio.subprocess.Process | None = None, kill_after: int | None = None) -> None:
    """Send `todo` 8 at a time; with kill_after, kill -9 the receiver after that many acks."""
    target = None if kill_after is None else len(acked) + kill_after
    queue = list(todo)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        async def lane() -> None:
            while queue:
                i = queue.pop(0)
                try:
                    async with session.post(url, json=build("active", capture_session_id=f"cap-{i}"),
                                            headers={"webhook-id": f"msg-{i}"}) as resp:
                        if 200 <= resp.status < 300:
                            acked.add(f"id:msg-{i}")
                except (TimeoutError, aiohttp.ClientError):
                    pass  # killed under us: not acknowledged, sent again later
                if target is not None and proc is not None and len(acked) >= target \
                        and proc.returncode is None:
                    proc.send_signal(signal.SIGKILL)
                    return
        await asyncio.gather(*(lane() for _ in range(8)))


@pytest.mark.slow
@pytest.mark.parametrize("pause", [0.0, 1.0], ids=["no-handler", "1s-handler"])
async def test_kill_9_three_times_mid_burst_then_each_acknowledged_delivery_once(tmp_path: Path, pause: float) -> None:
    journal, dataset = tmp_path / "hooks.jsonl", tmp_path / "events"
    acked: set[str] = set()
    for _ in range(CRASHES):
        proc, url = await start(journal, dataset, pause)
        todo = [i for i in range(EVENTS) if f"id:msg-{i}" not in acked]
        await burst(url, todo + list(range(0, EVENTS, 5)), acked, proc,
                    kill_after=EVENTS // (CRASHES + 2))
        if proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
        await asyncio.wait_for(proc.wait(), 30)
    proc, url = await start(journal, dataset, pause)
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
