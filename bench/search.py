"""Search ranking over thousands of records: relevance.rank (BM25 with stemming) against a plain
substring scan of the same texts, measured in the same run.

    .venv/bin/python bench/search.py [--records 5000] [--queries 20]

The records are the burst scenario's lines and screen descriptions, numbered per repeat (what
rtstream.search ranks after a long session). `rank` builds its index once per set of texts and
reuses it, so the first query pays for the index and the next ones only for scoring.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vdb_notebook.emulator import relevance
from vdb_notebook.emulator.moments import window
from vdb_notebook.emulator.scenario import Scenario

QUERIES = ["merging now", "tests are green", "ship it", "pull request merge button", "build status",
           "terminal running the test suite", "next item", "sounds good", "checking the build"]


def texts(count: int) -> list[str]:
    burst = Scenario.load("burst")
    found: list[str] = []
    end = 2.0
    while len(found) < count:
        found = [m.text for track, kind in (("mic", "transcript"), ("system_audio", "transcript"),
                                            ("display", "visual_index"))
                 for m in window(burst, track, kind, 0.0, end)]
        end *= 2
    return found[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=20)
    args = parser.parse_args()
    corpus = texts(args.records)
    queries = [QUERIES[i % len(QUERIES)] + f" {i}" for i in range(args.queries)]
    t0 = time.perf_counter()
    relevance.rank(queries[0], corpus)
    first = time.perf_counter() - t0
    ranked, scanned = [], []
    for q in queries:
        t0 = time.perf_counter()
        relevance.rank(q, corpus)
        ranked.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        words = q.lower().split()
        [i for i, text in enumerate(corpus) if any(w in text.lower() for w in words)]
        scanned.append(time.perf_counter() - t0)
    r, s = statistics.median(ranked), statistics.median(scanned)
    print(f"{len(corpus)} records, {len(queries)} queries")
    print(f"substring scan (baseline): {s * 1000:7.2f} ms per query")
    print(f"rank, first (builds index): {first * 1000:7.2f} ms  ({first / s:6.1f} x baseline)")
    print(f"rank, index reused        : {r * 1000:7.2f} ms  ({r / s:6.1f} x baseline)")


if __name__ == "__main__":
    main()
