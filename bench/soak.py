"""Soak: minutes of mixed good and bad traffic at a set rate against the webhook receiver and the
emulator, printing the servers' memory (RSS), open file descriptors and answer latency each
minute. Flat memory and descriptors are the target. Not run in CI.

    .venv/bin/python bench/soak.py [--minutes 3] [--rate 100] [--idle 2] [--max-events 10000]
                                   [--reset]

A child process (its own interpreter) runs both servers: a `WebhookReceiver` with a journal and
a handler (compact_after=2,000 so compaction happens during the run), and an `Emulator`. The
parent sends `--rate` requests a second, drawn in turn from a fixed mix (below), and opens
`--idle` idle sockets a second that it never uses (the servers' idle timeout must reap them).
Each minute it prints the child's RSS and descriptors (from /proc), answer counts by class and
latency percentiles (ms), and the receiver's counters (which must add up).
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing as mp
import os
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from vdb_notebook.webhooks.receiver import STORE_MAX_EVENTS


def serve(queue: mp.Queue, stop: mp.Event, folder: str, max_events: int) -> None:  # the child
    from vdb_notebook.emulator import Emulator
    from vdb_notebook.store import EventStore
    from vdb_notebook.webhooks import WebhookReceiver

    handled = Counter()
    rx = WebhookReceiver.start_sync(EventStore(max_events=max_events),
                                    journal=Path(folder) / "hooks.jsonl", compact_after=2_000,
                                    handlers={"*": lambda p: handled.update([p.delivery_id[:3]])})
    emu = Emulator(speed="max").start()
    queue.put((rx.url, emu.base_url, emu.api_key))
    while not stop.wait(1.0):
        queue.put(("stats", rx.stats.as_dict()))
    rx.close_sync()
    emu.stop()


def receiver_mix(url: str):
    """(method, url, body, headers) for each kind of webhook delivery, good and bad."""
    n = itertools.count()
    good = lambda i: json.dumps({"event": "capture_session.active", "capture_session_id": f"c{i}",
                                 "status": "active"}).encode()
    return [
        lambda: ("POST", url, good(next(n)), {"webhook-id": f"m{next(n)}"}),         # new
        lambda: ("POST", url, good(0), {"webhook-id": "m-dup"}),                       # duplicate
        lambda: ("POST", url, good(next(n)), {}),                                      # content key
        lambda: ("POST", url, b"not json", {}),                                        # 400
        lambda: ("POST", url, b'{"e":' + b"[" * 2000 + b"]" * 2000 + b"}", {}),       # too deep
        lambda: ("POST", url, b'{"event":"alert","t":"\\ud83d %d"}' % next(n), {}),   # surrogate
        lambda: ("POST", url, b"x" * (2 << 20), {}),                                   # 413
        lambda: ("GET", url, b"", {}),                                                 # 405
    ]


def emulator_mix(base: str, key: str):
    auth = {"x-access-token": key, "Content-Type": "application/json"}
    session = json.dumps({"end_user_id": "soak", "callback_url": ""}).encode()
    return [
        lambda: ("GET", f"{base}/collection/default", b"", auth),                      # 200
        lambda: ("GET", f"{base}/collection/default/websocket", b"", auth),             # a ticket
        lambda: ("POST", f"{base}/collection/default/capture/session", session, auth),  # 200
        lambda: ("POST", f"{base}/collection/default/capture/session", b"{]", auth),    # 400
        lambda: ("POST", f"{base}/collection/default/capture/session",
                 b'{"end_user_id":"u","callback_url":"file:///etc/passwd"}', auth),     # 400
        lambda: ("GET", f"{base}/_emulator/state", b"", {}),                           # 401
        lambda: ("GET", f"{base}/_emulator/state", b"", {**auth, "Host": "evil.test"}),  # 421
        lambda: ("POST", f"{base}/_emulator/reset", b"{}", {**auth, "Origin": "http://evil.test"}),
    ]


def rss_and_fds(pid: int) -> tuple[float, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    rss_kb = int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])
    return rss_kb / 1024, len(os.listdir(f"/proc/{pid}/fd"))


async def one(session: aiohttp.ClientSession, request, server: str, answers: Counter,
              latency: dict[str, list[float]]) -> None:
    method, url, body, headers = request()
    started = time.perf_counter()
    try:
        async with session.request(method, url, data=body or None, headers=headers) as resp:
            await resp.read()
            answers[f"{server} {resp.status // 100}xx"] += 1
    except (TimeoutError, aiohttp.ClientError) as exc:
        answers[f"{server} {type(exc).__name__}"] += 1
    latency[server].append((time.perf_counter() - started) * 1000)


def idle_socket(url: str) -> socket.socket | None:
    host, port = url.split("//")[1].split("/")[0].split(":")
    try:
        sock = socket.create_connection((host, int(port)), timeout=5)
    except OSError:
        return None
    sock.setblocking(False)  # still_open must not wait
    return sock


def still_open(sock: socket.socket) -> bool:
    """False (and closed here) once the server has closed it."""
    try:
        if sock.recv(1) == b"":
            sock.close()
            return False
    except BlockingIOError:
        return True
    except OSError:
        sock.close()
        return False
    return True


async def soak(args: argparse.Namespace, pid: int, rx_url: str, base: str, key: str,
               stats_queue: mp.Queue) -> None:
    mixes = {"receiver": receiver_mix(rx_url), "emulator": emulator_mix(base, key)}
    requests_ = itertools.cycle([(server, kind) for server, kinds in mixes.items() for kind in kinds])
    idle: list[socket.socket] = []  # opened, never used; the servers must close them
    tasks: set[asyncio.Task] = set()
    timeout = aiohttp.ClientTimeout(total=60)
    rx_stats: dict = {}
    print("idle_open: idle sockets the servers have not closed yet (idle timeout 15 s)")
    print(f"{'min':>3} {'sent':>6} {'rss MB':>7} {'fds':>4} {'rx p50/p99 ms':>14} "
          f"{'emu p50/p99 ms':>15} answers / receiver counters", flush=True)
    async with aiohttp.ClientSession(timeout=timeout,
                                     connector=aiohttp.TCPConnector(limit=64)) as session:
        start = time.monotonic()
        sent = opened = 0
        for minute in range(1, args.minutes + 1):
            answers: Counter = Counter()
            latency: dict[str, list[float]] = {"receiver": [], "emulator": []}
            minute_end = start + 60 * minute
            while (now := time.monotonic()) < minute_end:
                due = int((now - start) * args.rate)
                while sent < due:
                    server, request = next(requests_)
                    task = asyncio.create_task(one(session, request, server, answers, latency))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                    sent += 1
                while opened < args.idle * (now - start):
                    opened += 1
                    idle.extend(s for s in map(idle_socket, (rx_url, base)) if s is not None)
                idle = [s for s in idle if still_open(s)]
                await asyncio.sleep(0.01)
            if args.reset:  # the emulator keeps every session until reset, by design
                async with session.post(f"{base}/_emulator/reset", json={},
                                        headers={"x-access-token": key}) as resp:
                    assert resp.status == 200, resp.status
            while not stats_queue.empty():
                message = stats_queue.get()
                if message[0] == "stats":
                    rx_stats = message[1]
            rss, fds = rss_and_fds(pid)
            adds_up = rx_stats and rx_stats["received"] == (
                rx_stats["accepted"] + rx_stats["duplicates"] + sum(rx_stats["rejected"].values()))
            print(f"{minute:>3} {sent:>6} {rss:>7.1f} {fds:>4} {_pct(latency['receiver']):>14} "
                  f"{_pct(latency['emulator']):>15} {dict(sorted(answers.items()))} "
                  f"received={rx_stats.get('received')} accepted={rx_stats.get('accepted')} "
                  f"processed={rx_stats.get('processed')} pending={rx_stats.get('pending')} "
                  f"adds_up={bool(adds_up)} idle_open={len(idle)}", flush=True)
        await asyncio.gather(*tasks, return_exceptions=True)
    for sock in idle:
        sock.close()


def _pct(values: list[float]) -> str:
    if len(values) < 2:
        return "-"
    cuts = statistics.quantiles(values, n=100)
    return f"{cuts[49]:.1f}/{cuts[98]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=int, default=3)
    parser.add_argument("--rate", type=float, default=100.0, help="requests a second (both servers)")
    parser.add_argument("--idle", type=float, default=2.0, help="idle sockets opened a second")
    parser.add_argument("--max-events", type=int, default=STORE_MAX_EVENTS,
                        help=f"the receiver's store bound (default {STORE_MAX_EVENTS:,}: the default store's)")
    parser.add_argument("--reset", action="store_true",
                        help="reset the emulator each minute (it keeps sessions until reset)")
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    queue, stop = ctx.Queue(), ctx.Event()
    with tempfile.TemporaryDirectory() as folder:
        proc = ctx.Process(target=serve, args=(queue, stop, folder, args.max_events),
                          daemon=True)
        proc.start()
        rx_url, base, key = queue.get(timeout=120)
        print(f"soak: {args.minutes} min at {args.rate:g} requests/s, {args.idle:g} idle sockets/s; "
              f"server process {proc.pid}", flush=True)
        try:
            asyncio.run(soak(args, proc.pid, rx_url, base, key, queue))
        finally:
            stop.set()
            proc.join(60)
        journal = Path(folder) / "hooks.jsonl"
        print(f"journal at the end: {journal.stat().st_size / 1024:.0f} KiB", flush=True)


if __name__ == "__main__":
    main()
