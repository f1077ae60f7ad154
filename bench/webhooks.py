"""Webhook receiver benchmark: answers stay fast while every event's handler sleeps 1 s.

    python bench/webhooks.py                    # 5,000 deliveries (2,500 events sent twice)
    python bench/webhooks.py --deliveries 1000 --handler-seconds 0.2   # quicker

Concurrent senders (`deliver(..., concurrency=N)`, reordered, each event sent 1 + duplicates
times, in a child process as a remote sender would be) post to, in the same run:

1. baseline: a bare aiohttp handler on its own thread that reads the body and answers 200;
2. WebhookReceiver: validate, deduplicate, queue, answer; processing (store + a handler that
   sleeps --handler-seconds per event, on a pool of --workers threads) happens afterwards;
3. the same with journal= (each accept fsync'd before the answer, group-committed).

Processing 2,500 events x 1 s serially would take 42 min; with --workers 250 it takes ~10 s.
The bench waits for processing up to --wait seconds and prints what was processed: events
lost (accepted, never processed) and events processed twice must both be 0.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from vdb_notebook._aio import LoopThread
from vdb_notebook.webhooks import DeliverySummary, WebhookReceiver, deliver, lifecycle


def payloads(events: int) -> list[dict]:
    """`events` distinct lifecycle payloads: sessions of five events (created .. stopped)."""
    out: list[dict] = []
    session = 0
    while len(out) < events:
        out += lifecycle(f"cap-bench-{session:05d}", seed=session, outcome="stopped")
        session += 1
    return out[:events]


def thread_cpu_s(name: str) -> float:
    """CPU seconds used so far by this process's threads named `name` (Linux /proc)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for thread in threading.enumerate():
        if thread.name == name and thread.native_id is not None:
            with open(f"/proc/self/task/{thread.native_id}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


async def run_baseline(items: list[dict], args: argparse.Namespace) -> tuple[DeliverySummary, float]:
    async def answer(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=200)

    server = LoopThread("bench-baseline")
    app = web.Application()
    app.router.add_post("/{tail:.*}", answer)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)

    async def up() -> int:
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        return runner.addresses[0][1]

    port = await server.call(up())
    try:
        return await send(f"http://127.0.0.1:{port}/webhooks", items, args, "bench-baseline")
    finally:
        await server.call(runner.cleanup())
        server.stop()


async def send(url: str, items: list[dict], args: argparse.Namespace,
               answering_thread: str) -> tuple[DeliverySummary, float]:
    """Run the senders in a child process, as VideoDB is not inside the kernel's process:
    their CPU does not compete with the receiver's threads for this process's GIL.
    Returns the summary and the answering thread's CPU microseconds per delivery."""
    cpu_before = thread_cpu_s(answering_thread)
    child = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--sender", url, "--events", str(len(items)),
        "--duplicates", str(args.duplicates), "--senders", str(args.senders),
        stdout=asyncio.subprocess.PIPE)
    out, _ = await child.communicate()
    if child.returncode:
        raise SystemExit(f"the sender process failed (exit {child.returncode})")
    summary = DeliverySummary(**json.loads(out))
    return summary, (thread_cpu_s(answering_thread) - cpu_before) / summary.attempts * 1e6


async def sender(args: argparse.Namespace) -> None:
    summary = await deliver(args.sender, payloads(args.events), duplicates=args.duplicates,
                            reorder=True, seed=1, concurrency=args.senders)
    fields = ("events", "sends", "attempts", "delivered", "failed", "latencies_ms", "seconds")
    print(json.dumps({name: getattr(summary, name) for name in fields}))


async def run_receiver(items: list[dict], args: argparse.Namespace,
                       journal: Path | None) -> tuple[DeliverySummary, float, dict]:
    calls: Counter[str] = Counter()
    lock = threading.Lock()

    def slow_handler(payload: dict) -> None:
        time.sleep(args.handler_seconds)
        with lock:
            calls[f'{payload["capture_session_id"]}/{payload["event"]}'] += 1

    rx = await WebhookReceiver.start(journal=journal, workers=args.workers,
                                     handlers={"*": slow_handler})
    summary, cpu_us = await send(rx.url, items, args, "vdb-webhooks-http")
    waited = time.perf_counter()
    try:
        await rx.wait_for(timeout=args.wait)
    except TimeoutError:
        pass
    waited = time.perf_counter() - waited
    stats = rx.stats
    await rx.close(timeout=0)
    return summary, cpu_us, {"stats": stats, "calls": calls, "waited": waited,
                             "rows": len(rx.store)}


@dataclass
class Figures:
    """One run's answer figures."""

    rate: float  # deliveries/s answered 2xx over the sending time
    p50: float
    p99: float
    cpu_us: float  # CPU of the answering thread per delivery: insensitive to machine load

    @classmethod
    def of(cls, summary: DeliverySummary, cpu_us: float) -> Figures:
        return cls(summary.sends / summary.seconds, summary.latency_ms(0.5),
                   summary.latency_ms(0.99), cpu_us)

    def line(self, name: str, base: Figures | None) -> str:
        text = (f"  {name:<24} {self.rate:5.0f} deliveries/s  answer p50 {self.p50:5.1f} ms"
                f"  p99 {self.p99:5.1f} ms  answering CPU {self.cpu_us:4.0f} us/delivery")
        if base is not None:
            text += (f"\n  {'':<24} vs baseline: throughput x{self.rate / base.rate:.2f}, "
                     f"p50 x{self.p50 / base.p50:.2f}, p99 x{self.p99 / base.p99:.2f}, "
                     f"answering CPU x{self.cpu_us / base.cpu_us:.2f}")
        return text


def processing_line(distinct: int, result: dict, args: argparse.Namespace) -> tuple[str, bool]:
    stats, calls = result["stats"], result["calls"]
    twice = sum(1 for n in calls.values() if n > 1)
    lost = distinct - stats.processed
    ok = stats.accepted == distinct and lost == 0 and twice == 0
    return (f"  {'':<24} duplicates detected {stats.duplicates}, accepted {stats.accepted}/"
            f"{distinct} distinct, processed {stats.processed} ({result['waited']:.1f} s after the "
            f"last answer; {args.handler_seconds} s handler x {args.workers} workers), handler "
            f"calls {sum(calls.values())}, store rows {result['rows']}, lost {lost}, "
            f"processed twice {twice}", ok)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--duplicates", type=int, default=1, help="extra sends per event")
    parser.add_argument("--senders", type=int, default=16, help="concurrent senders")
    parser.add_argument("--handler-seconds", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=250, help="receiver workers")
    parser.add_argument("--wait", type=float, default=60.0,
                        help="max seconds to wait for processing after the last answer")
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved rounds of baseline, receiver, receiver + journal")
    parser.add_argument("--sender", metavar="URL", help=argparse.SUPPRESS)  # the child process
    parser.add_argument("--events", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sender:
        return await sender(args)
    items = payloads(args.deliveries // (1 + args.duplicates))
    print(f"{len(items)} events x {1 + args.duplicates} sends = "
          f"{len(items) * (1 + args.duplicates)} deliveries from {args.senders} concurrent "
          f"senders (a child process), reordered; {args.rounds} interleaved rounds; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    names = ("baseline (bare aiohttp)", "WebhookReceiver", "  + journal (fsync)")
    figures: dict[str, list[Figures]] = {name: [] for name in names}
    ok = True
    await run_baseline(items[:200], args)  # warm-up (imports, first connections), not counted
    for round_no in range(1, args.rounds + 1):
        print(f"round {round_no}:")
        base = Figures.of(*await run_baseline(items, args))
        figures[names[0]].append(base)
        print(base.line(names[0], None))
        for name, journaled in zip(names[1:], (False, True), strict=True):
            with tempfile.TemporaryDirectory() as tmp:
                summary, cpu_us, result = await run_receiver(
                    items, args, journal=Path(tmp) / "hooks.jsonl" if journaled else None)
            figures[name].append(Figures.of(summary, cpu_us))
            print(figures[name][-1].line(name, base))
            line, fine = processing_line(len(items), result, args)
            print(line)
            ok &= fine and summary.failed == 0

    def med(name: str, field: str) -> float:
        return statistics.median(getattr(f, field) for f in figures[name])

    print(f"median of {args.rounds} rounds:")
    medians = {name: Figures(med(name, "rate"), med(name, "p50"), med(name, "p99"),
                             med(name, "cpu_us")) for name in names}
    print(medians[names[0]].line(names[0], None))
    for name in names[1:]:
        print(medians[name].line(name, medians[names[0]]))
    p99s = [medians[name].p99 for name in names[1:]]
    print(f"targets: median answer p99 < 50 ms with a {args.handler_seconds} s handler: "
          f"{'met' if max(p99s) < 50 else 'NOT MET'} ({' / '.join(f'{p:.1f}' for p in p99s)} ms);"
          f" every run 0 lost and 0 processed twice: {'met' if ok else 'NOT MET'}")


if __name__ == "__main__":
    asyncio.run(main())
