"""Webhook receiver benchmark: answers stay fast while every event's handler sleeps 1 s.

    python bench/webhooks.py                    # 5,000 deliveries (2,500 events sent twice)
    python bench/webhooks.py --deliveries 1000 --handler-seconds 0.2   # quicker

Concurrent senders (`deliver(..., concurrency=N)`, reordered, each event sent 1 + duplicates
times) post to, in the same run and from the same process:

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
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from aiohttp import web

from vdb_notebook.webhooks import WebhookReceiver, deliver, lifecycle
from vdb_notebook.webhooks.deliver import DeliverySummary
from vdb_notebook.webhooks.loopthread import LoopThread


def payloads(events: int) -> list[dict]:
    """`events` distinct lifecycle payloads: sessions of five events (created .. stopped)."""
    out: list[dict] = []
    session = 0
    while len(out) < events:
        out += lifecycle(f"cap-bench-{session:05d}", seed=session, outcome="stopped")
        session += 1
    return out[:events]


async def run_baseline(items: list[dict], args: argparse.Namespace) -> DeliverySummary:
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
        return await send(f"http://127.0.0.1:{port}/webhooks", items, args)
    finally:
        await server.call(runner.cleanup())
        server.stop()


async def send(url: str, items: list[dict], args: argparse.Namespace) -> DeliverySummary:
    return await deliver(url, items, duplicates=args.duplicates, reorder=True, seed=1,
                         concurrency=args.senders)


async def run_receiver(items: list[dict], args: argparse.Namespace,
                       journal: Path | None) -> tuple[DeliverySummary, dict]:
    calls: Counter[str] = Counter()
    lock = threading.Lock()

    def slow_handler(payload: dict) -> None:
        time.sleep(args.handler_seconds)
        with lock:
            calls[f'{payload["capture_session_id"]}/{payload["event"]}'] += 1

    rx = await WebhookReceiver.start(journal=journal, workers=args.workers,
                                     handlers={"*": slow_handler})
    summary = await send(rx.url, items, args)
    waited = time.perf_counter()
    try:
        await rx.wait_for(timeout=args.wait)
    except TimeoutError:
        pass
    waited = time.perf_counter() - waited
    stats = rx.stats
    await rx.close(timeout=0)
    return summary, {"stats": stats, "calls": calls, "waited": waited, "rows": len(rx.store)}


def report(name: str, summary: DeliverySummary, base: DeliverySummary | None) -> float:
    rate = summary.sends / summary.seconds
    p50, p99 = summary.latency_ms(0.5), summary.latency_ms(0.99)
    line = (f"{name:<22} {rate:8.0f} deliveries/s   answer p50 {p50:6.1f} ms   "
            f"p99 {p99:6.1f} ms   2xx {summary.delivered}/{summary.events} events, "
            f"{summary.attempts} attempts")
    if base is not None:
        base_rate = base.sends / base.seconds
        line += (f"\n{'':<22} vs baseline: throughput x{rate / base_rate:.2f}, "
                 f"p50 x{p50 / base.latency_ms(0.5):.2f}, p99 x{p99 / base.latency_ms(0.99):.2f}")
    print(line)
    return p99


def report_processing(distinct: int, result: dict, args: argparse.Namespace) -> bool:
    stats, calls = result["stats"], result["calls"]
    twice = sum(1 for n in calls.values() if n > 1)
    lost = stats.accepted - stats.processed
    print(f"{'':<22} duplicates detected {stats.duplicates}, rejected {stats.rejected or 0}, "
          f"accepted {stats.accepted} (distinct events sent: {distinct})")
    print(f"{'':<22} processed {stats.processed}/{stats.accepted} in {result['waited']:.1f} s "
          f"after the last answer (handler {args.handler_seconds} s x {args.workers} workers); "
          f"store rows {result['rows']}; handler calls {sum(calls.values())}; "
          f"processed twice {twice}; not processed within --wait {lost}")
    return stats.accepted == distinct and lost == 0 and twice == 0


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--duplicates", type=int, default=1, help="extra sends per event")
    parser.add_argument("--senders", type=int, default=16, help="concurrent senders")
    parser.add_argument("--handler-seconds", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=250, help="receiver workers")
    parser.add_argument("--wait", type=float, default=60.0,
                        help="max seconds to wait for processing after the last answer")
    args = parser.parse_args()
    distinct = args.deliveries // (1 + args.duplicates)
    items = payloads(distinct)
    print(f"{len(items)} events x {1 + args.duplicates} sends = "
          f"{len(items) * (1 + args.duplicates)} deliveries, {args.senders} concurrent senders, "
          f"reordered")
    base = await run_baseline(items, args)
    report("baseline (bare aiohttp)", base, None)
    ok, p99s = True, []
    summary, result = await run_receiver(items, args, journal=None)
    p99s.append(report("WebhookReceiver", summary, base))
    ok &= report_processing(len(items), result, args)
    with tempfile.TemporaryDirectory() as tmp:
        summary, result = await run_receiver(items, args, journal=Path(tmp) / "hooks.jsonl")
    p99s.append(report("  + journal (fsync)", summary, base))
    ok &= report_processing(len(items), result, args)
    print(f"targets: answer p99 < 50 ms: {'met' if max(p99s) < 50 else 'NOT MET'} "
          f"({' / '.join(f'{p:.1f}' for p in p99s)} ms); 0 lost and 0 processed twice: "
          f"{'met' if ok else 'NOT MET'}")


if __name__ == "__main__":
    asyncio.run(main())
