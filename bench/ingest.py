"""Ingest benchmark: EventStore against the per-row concat habit, and the ring buffer's peak RSS.

    python bench/ingest.py            # 100,000 mixed frames; prints rates, ratios and peak RSS
    python bench/ingest.py --n 20000  # quicker

Ingest against the json.loads + from_records floor and memory per event are measured in
bench/store.py (one place for each measurement); `frames` and `floor` here are shared with it.

Everything is measured in the same run on the same frames (JSON strings, as they come off a
socket), so the ratios hold on a noisy shared machine even when absolute numbers do not.
"""
from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterator

import pandas as pd

from vdb_notebook.store import EventStore

T0 = 1_768_912_496_000  # the scenario epoch, 2026-01-20T12:34:56Z, in ms
WORDS = ["schedule", "meeting", "Thursday", "budget", "review", "slack", "unread", "deploy", "customer", "latency", "roadmap", "hiring", "design", "launch", "metrics"]


def frames(n: int, seed: int = 0) -> Iterator[str]:
    """n mixed frames as JSON text: mostly transcript (interim and final), then visual and
    audio index, alerts in their shapes, and lifecycle frames."""
    rng = random.Random(seed)
    streams = [(f"rts-{i:04x}", name) for i, name in
               enumerate(("mic:default", "system_audio:default", "display:1") * 4)]
    for i in range(n):
        t = T0 + i * 250
        rts, name = streams[i % len(streams)]
        text = " ".join(rng.choices(WORDS, k=rng.randint(3, 12)))
        kind = rng.random()
        if kind < 0.55:
            frame = {"channel": "transcript", "rtstream_id": rts, "rtstream_name": name,
                     "data": {"text": text, "is_final": kind < 0.2, "start": t, "end": t + 900}}
        elif kind < 0.75:
            frame = {"channel": rng.choice(("visual_index", "scene_index")), "rtstream_id": rts,
                     "rtstream_name": name, "data": {"text": text, "start": t, "end": t + 5000}}
        elif kind < 0.9:
            frame = {"channel": "audio_index", "rtstream_id": rts, "rtstream_name": name,
                     "data": {"text": text, "start": t, "end": t + 8000}}
        elif kind < 0.93:
            frame = {"channel": "alert", "rtstream_id": rts,
                     "data": {"label": "sensitive_content", "triggered": True,
                              "confidence": round(rng.random(), 3), "start": t, "end": t + 2000}}
        elif kind < 0.96:
            frame = {"channel": "alert", "rtstream_id": rts,
                     "data": {"event_label": "off_topic", "timestamp": t, "text": text}}
        elif kind < 0.98:
            frame = {"event_label": "pricing", "rtstream_id": rts, "timestamp": t,
                     "data": {"text": text}}
        else:
            status = rng.choice(("created", "starting", "active", "stopping", "stopped"))
            # an active event lists its session's rtstreams, so .df fills in their session
            data = {"rtstreams": [{"rtstream_id": sid, "name": sname}
                                  for sid, sname in streams[3 * (i % 4):3 * (i % 4) + 3]]
                    } if status == "active" else {}
            frame = {"channel": "capture_session", "event": f"capture_session.{status}",
                     "capture_session_id": f"cap-{i % 50:03d}", "status": status, "data": data}
        yield json.dumps(frame)


def timed(fn) -> tuple[float, object]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def store_ingest(texts: list[str]) -> EventStore:
    store = EventStore()
    add = store.add
    for text in texts:
        add(text)
    _ = store.df  # materialise
    return store


def floor(texts: list[str]) -> pd.DataFrame:
    loads = json.loads
    return pd.DataFrame.from_records([loads(t) for t in texts])


def concat_habit(texts: list[str]) -> pd.DataFrame:
    df = pd.DataFrame()
    for text in texts:
        df = pd.concat([df, pd.json_normalize(json.loads(text))], ignore_index=True)
    return df


def peak_rss_kib(n: int, max_events: int) -> tuple[int, int]:
    """Run `n` events through a bounded store in a fresh interpreter: its ru_maxrss and VmHWM
    (KiB). Linux carries the parent's RSS at fork into the child's ru_maxrss, so main() runs
    this first, while the parent holds nothing but its imports."""
    out = subprocess.run([sys.executable, __file__, "--peak", str(n), "--max-events",
                          str(max_events)], check=True, capture_output=True, text=True)
    maxrss, hwm = out.stdout.split()[-2:]
    return int(maxrss), int(hwm)


def _vm_hwm_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


def peak_child(n: int, max_events: int) -> None:
    store = EventStore(max_events=max_events)
    for i, text in enumerate(frames(n)):
        store.add(text)
        if i % 20_000 == 0:
            _ = store.df  # the cache is part of what a notebook holds
    _ = store.df
    assert len(store) == min(n, max_events) and store.dropped == max(0, n - max_events)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, _vm_hwm_kib())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--concat-n", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of floor and store")
    parser.add_argument("--peak", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--max-events", type=int, default=10_000)
    args = parser.parse_args()
    if args.peak:
        return peak_child(args.peak, args.max_events)

    parent = _vm_hwm_kib()
    (small, small_hwm), (large, large_hwm) = (peak_rss_kib(n, args.max_events)
                                              for n in (100_000, 1_000_000))
    texts = list(frames(args.n))
    print(f"{args.n:,} mixed frames as JSON text; best of {args.repeat} runs of the store")
    t_store = min(timed(lambda: store_ingest(texts))[0] for _ in range(args.repeat))
    t_concat, _ = timed(lambda: concat_habit(texts[:args.concat_n]))
    rate_store, rate_concat = args.n / t_store, args.concat_n / t_concat
    print(f"store   add() each + .df          : {rate_store:>10,.0f} events/s")
    print(f"habit   per-row pd.concat ({args.concat_n:,}) : {rate_concat:>10,.0f} events/s")
    print(f"ratio   store / concat = {rate_store / rate_concat:.0f}x   (target >= 100x)")

    print(f"peak    max_events={args.max_events:,}, fresh process each, started before this "
          f"process loaded anything (its VmHWM then: {parent / 1024:.0f} MiB):")
    print(f"        ru_maxrss {small / 1024:.1f} MiB over 100,000 events, {large / 1024:.1f} MiB "
          f"over 1,000,000 (VmHWM {small_hwm / 1024:.1f} / {large_hwm / 1024:.1f} MiB)")
    print(f"ratio   peak 1M / peak 100k = {large / small:.3f}   (target <= 1.10)")


if __name__ == "__main__":
    main()
