"""kill -9 mid-burst, again and again: nothing acknowledged is lost, and handlers run again only
for the events that were in flight at each crash (at most `workers` per crash)."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
from collections import Counter
from pathlib import Path

import aiohttp

from vdb_notebook.webhooks import build

WORKERS = 4
CRASHES = 4
EVENTS = 400

CHILD = textwrap.dedent("""
    import os, sys, threading, time
    from vdb_notebook.webhooks import WebhookReceiver
    journal, handled = sys.argv[1], sys.argv[2]
    log = os.open(handled, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def handler(payload):
        os.write(log, (payload.delivery_id + "\\n").encode())  # a side effect, before returning
        time.sleep(0.002)  # some work, so handlers are in flight when the kill comes

    rx = WebhookReceiver.start_sync(journal=journal, workers=int(sys.argv[3]),
                                    handlers={"*": handler})
    print(rx.url, flush=True)
    threading.Event().wait()
""")


async def _start(journal: Path, handled: Path) -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, str(journal), str(handled), str(WORKERS),
        stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert proc.stdout is not None
    url = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode().strip()
    assert url.startswith("http://127.0.0.1:"), url
    return proc, url


async def _send(session: aiohttp.ClientSession, url: str, i: int, acked: set[str]) -> None:
    try:
        async with session.post(url, json=build("active", capture_session_id=f"cap-{i}"),
                                headers={"webhook-id": f"msg-{i}"}) as resp:
            if 200 <= resp.status < 300:
                acked.add(f"id:msg-{i}")
    except (TimeoutError, aiohttp.ClientError):
        pass  # the receiver died under us: not acknowledged, the sender sends it again


async def _burst(url: str, todo: list[int], acked: set[str], kill_after: int | None = None,
                 proc: asyncio.subprocess.Process | None = None) -> bool:
    """Send `todo` 8 at a time; with kill_after, kill -9 the receiver once that many more
    deliveries are acknowledged. True if it killed the receiver with deliveries still to send."""
    target = None if kill_after is None else len(acked) + kill_after
    queue = list(todo)
    killed = False
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async def lane() -> None:
            nonlocal killed
            while queue:
                await _send(session, url, queue.pop(0), acked)
                if target is not None and proc is not None and len(acked) >= target \
                        and proc.returncode is None:
                    killed = killed or bool(queue)
                    proc.send_signal(signal.SIGKILL)
                    return
        await asyncio.gather(*(lane() for _ in range(8)))
    return killed


async def test_kill_9_mid_burst_loses_nothing_and_repeats_at_most_workers_per_crash(tmp_path: Path) -> None:
    journal, handled = tmp_path / "hooks.jsonl", tmp_path / "handled.log"
    acked: set[str] = set()
    for crash in range(CRASHES):
        proc, url = await _start(journal, handled)
        unacked = [i for i in range(EVENTS) if f"id:msg-{i}" not in acked]
        killed = await _burst(url, unacked + list(range(0, EVENTS, 7)), acked,
                              kill_after=EVENTS // (CRASHES + 2), proc=proc)
        if proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
        # otherwise the crash came after the burst and nothing was in flight to lose or repeat
        assert killed, f"crash {crash}: the receiver was not killed mid-burst"
        await asyncio.wait_for(proc.wait(), 30)
        assert proc.returncode != 0  # killed (asyncio may report 255 for a reaped child)
    proc, url = await _start(journal, handled)
    try:
        for _ in range(5):  # the sender retries what was never acknowledged
            await _burst(url, [i for i in range(EVENTS) if f"id:msg-{i}" not in acked], acked)
        assert len(acked) == EVENTS
        for _ in range(600):  # bounded: wait up to 60 s for the last handlers
            calls = Counter(handled.read_text().split())
            if set(calls) >= acked:
                break
            await asyncio.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    calls = Counter(handled.read_text().split())
    lost = acked - set(calls)
    repeats = sum(n - 1 for n in calls.values())
    assert lost == set()
    assert repeats <= WORKERS * CRASHES, calls.most_common(WORKERS * CRASHES + 1)
    assert set(calls) == acked  # nothing handled that was not sent
