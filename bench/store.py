"""Store benchmark: refresh cost against what is held, Parquet I/O against pandas', ingest
against the json.loads + from_records floor, memory per event against the plain DataFrame, and
dataset append throughput. Same frames, same run: the ratios hold on a noisy machine.

    python bench/store.py                # 1,000,000 held for the refresh; 100,000 elsewhere
    python bench/store.py --held 200000  # quicker

(bench/ingest.py keeps the per-row concat habit and the ring buffer's peak RSS.)
"""
from __future__ import annotations

import argparse
import gc
import json
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import pandas as pd
import pyarrow as pa
from ingest import floor, frames  # bench/ingest.py: the same mixed frames

from vdb_notebook.store import EventStore

ONE_MORE = json.dumps({"channel": "transcript", "rtstream_id": "rts-0000",
                       "rtstream_name": "mic:default",
                       "data": {"text": "one more line", "is_final": True,
                                "start": 1_768_912_496_000, "end": 1_768_912_497_000}})


def best(fn, repeat: int) -> float:
    """The fastest of `repeat` runs of fn(), in seconds."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def filled(texts: list[str], **kwargs) -> EventStore:
    store = EventStore(**kwargs)
    add = store.add
    for text in texts:
        add(text, received_at_ms=1_768_912_496_000)
    return store


def alternating(first, second, repeat: int) -> tuple[list[float], list[float]]:
    """Seconds of `repeat` runs of each, run in turns (a loaded machine slows both alike)."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for fn, kept in zip((first, second), times, strict=True):
            gc.collect()
            start = time.perf_counter()
            fn()
            kept.append(time.perf_counter() - start)
    return times


def refresh_cost(store: EventStore, read, repeat: int = 30) -> float:
    """Median seconds of: one add, then `read(store)` (the DataFrame a cell would show)."""
    read(store)
    times = []
    for _ in range(repeat):
        store.add(ONE_MORE)
        start = time.perf_counter()
        read(store)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def retained_bytes(build) -> int:
    """Bytes still allocated after build() returns: tracemalloc (Python, numpy) plus
    pyarrow's allocator."""
    gc.collect()
    arrow_before = pa.total_allocated_bytes()
    tracemalloc.start()
    result = build()
    gc.collect()
    traced, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    held = traced + pa.total_allocated_bytes() - arrow_before
    del result
    return held


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--held", type=int, default=1_000_000, help="the large store")
    parser.add_argument("--small", type=int, default=10_000, help="the small store")
    parser.add_argument("--n", type=int, default=100_000, help="frames for I/O, ingest, memory")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    texts = list(frames(max(args.held, args.n)))
    print(f"{len(texts):,} mixed frames as JSON text, "
          f"{sum(map(len, texts[:args.n])) / args.n:.0f} chars each")

    # 1. refresh after one add: .df and a view, small store against large
    ratios = {}
    for label, read in ((".df", lambda s: s.df), (".transcript()", lambda s: s.transcript())):
        small = refresh_cost(filled(texts[:args.small]), read)
        large_store = filled(texts[:args.held])
        large = refresh_cost(large_store, read)
        del large_store
        ratios[label] = large / small
        print(f"refresh {label:<14} after one add: {small * 1e3:7.2f} ms with {args.small:,} held, "
              f"{large * 1e3:7.2f} ms with {args.held:,}")
        print(f"ratio   refresh {label} {args.held:,} / {args.small:,} = {large / small:.2f}x"
              "   (target <= 3x)")

    texts = texts[:args.n]
    # 2. ingest against the floor
    t_floor = best(lambda: floor(texts), args.repeat)
    t_store = best(lambda: filled(texts).df, args.repeat)
    print(f"ingest  floor json.loads + from_records: {args.n / t_floor:>10,.0f} events/s")
    print(f"ingest  store add() each + .df         : {args.n / t_store:>10,.0f} events/s")
    print(f"ratio   ingest store / floor = {t_floor / t_store:.2f}x   (target >= 1.0x)")

    # 3. Parquet against pandas' own, the same rows
    store = filled(texts)
    df = store.df
    with tempfile.TemporaryDirectory() as tmp:
        ours, theirs = Path(tmp, "store.parquet"), Path(tmp, "pandas.parquet")
        w_store = best(lambda: store.to_parquet(ours), args.repeat)
        w_pandas = best(lambda: df.to_parquet(theirs, index=False), args.repeat)
        r_store = best(lambda: EventStore.from_parquet(ours).df, args.repeat)
        r_pandas = best(lambda: pd.read_parquet(theirs), args.repeat)
    print(f"parquet write: store {w_store * 1e3:7.1f} ms, pandas {w_pandas * 1e3:7.1f} ms;"
          f" read: store {r_store * 1e3:7.1f} ms, pandas {r_pandas * 1e3:7.1f} ms")
    print(f"ratio   parquet write store / pandas = {w_pandas / w_store:.2f}x   (target >= 0.5x)")
    print(f"ratio   parquet read  store / pandas = {r_pandas / r_store:.2f}x   (target >= 0.5x)")
    store = df = None  # free the memory for what follows (a del would leave the lambdas above a free name)

    # 4. memory per event
    plain = retained_bytes(lambda: floor(texts))
    ours = retained_bytes(lambda: (lambda s: (s, s.df, s.transcript()))(filled(texts)))
    print(f"memory  store (with .df and .transcript() built): {ours / args.n:6.0f} bytes/event;"
          f" plain from_records DataFrame: {plain / args.n:6.0f} bytes/event")
    print(f"ratio   memory store / plain = {ours / plain:.2f}x   (target <= 1.0x)")

    # 5. dataset append throughput: the writer thread against the in-memory store
    with tempfile.TemporaryDirectory() as tmp:
        def to_dataset() -> None:
            with filled(texts, path=Path(tmp, f"d{time.monotonic_ns()}")):
                pass
        memory, on_disk = alternating(lambda: filled(texts), to_dataset, 4 * args.repeat)
        quiet = quiet_stream_seconds(Path(tmp, "quiet"))
    t_memory, t_dataset = min(memory), min(on_disk)
    paired = statistics.median(m / d for m, d in zip(memory, on_disk, strict=True))
    print(f"dataset in-memory add each: {args.n / t_memory:>10,.0f} events/s; "
          f"EventStore(path=...) add each + close: {args.n / t_dataset:>10,.0f} events/s")
    print(f"ratio   dataset appends / in-memory = {t_memory / t_dataset:.2f}x   (target >= 0.9x)")
    print(f"        the median of {len(memory)} runs side by side: {paired:.2f}x"
          "   (a noisy machine moves the best of each apart)")
    print(f"dataset a quiet stream (10 events, no close) on disk after {quiet:.2f} s"
          "   (target <= 5 s)")


def quiet_stream_seconds(path: Path) -> float:
    """Seconds from the last of 10 adds until they are on disk, without close()."""
    store = EventStore(path=path)
    for _ in range(10):
        store.add(ONE_MORE)
    start = time.perf_counter()
    while not (path.exists() and len(list(path.rglob("*.parquet")))):
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed

if __name__ == "__main__":
    main()
