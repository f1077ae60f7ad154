"""kill -9 mid-burst, again and again: nothing acknowledged is lost, and handlers run again only
for the events that were in flight at each crash (at most `workers` per crash)."""
from __future__ import annotations

import asyncio
import signal
import textwrap
from collections import Counter
from pathlib import Path

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


async def test_kill_9_mid_burst_loses_nothing_and_repeats_at_most_workers_per_crash(
        tmp_path: Path, start_child, burst) -> None:
    journal, handled = tmp_path / "hooks.jsonl", tmp_path / "handled.log"
    acked: set[str] = set()
    for crash in range(CRASHES):
        proc, url = await start_child(CHILD, journal, handled, WORKERS)
        unacked = [i for i in range(EVENTS) if f"id:msg-{i}" not in acked]
        killed = await burst(url, unacked + list(range(0, EVENTS, 7)), acked,
                             kill_after=EVENTS // (CRASHES + 2), proc=proc)
        if proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
        # otherwise the crash came after the burst and nothing was in flight to lose or repeat
        assert killed, f"crash {crash}: the receiver was not killed mid-burst"
        await asyncio.wait_for(proc.wait(), 30)
        assert proc.returncode != 0  # killed (asyncio may report 255 for a reaped child)
    proc, url = await start_child(CHILD, journal, handled, WORKERS)
    try:
        for _ in range(5):  # the sender retries what was never acknowledged
            await burst(url, [i for i in range(EVENTS) if f"id:msg-{i}" not in acked], acked)
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
