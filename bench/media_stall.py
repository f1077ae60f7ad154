"""An API call's latency while 10 clients pull 24-hour media windows, against its usual latency
measured in the same run.

    .venv/bin/python bench/media_stall.py [--clients 10] [--calls 40]

Each client (its own Origin, as 10 notebook pages would be) asks for a different 24-hour window
of the screen rtstream: the playlist (21,600 segments), then segments spread over the day, each
encoded for the first time, for as long as the API calls are measured. The API call is
`conn.get_capture_session` through the SDK. Target (issue 21): under load, within 100 ms of
its usual time.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vdb_notebook.emulator import Emulator
from vdb_notebook.emulator.media import configure
from vdb_notebook.emulator.scenario import ORIGIN_MS
from vdb_notebook.schema.media import stream_url

DAY_S = 24 * 3600


def pull(base: str, rid: str, client: int, stop: threading.Event, counts: list[int]) -> None:
    """One client: a day-long window's playlist, then its segments until `stop`."""
    http = requests.Session()
    http.headers["Origin"] = f"http://page-{client}.example"
    start = ORIGIN_MS / 1000 + client * 100
    url = stream_url(base, rid, start, start + DAY_S)
    segments = [line for line in http.get(url, timeout=120).text.splitlines() if line and line[0] != "#"]
    folder, n = url.rsplit("/", 1)[0], client * 997
    while not stop.is_set():
        n = (n + 131) % len(segments)
        answer = http.get(f"{folder}/{segments[n]}", timeout=120)
        counts[answer.status_code // 100] += 1


def latencies(call, count: int) -> list[float]:
    found = []
    for _ in range(count):
        t0 = time.perf_counter()
        call()
        found.append(time.perf_counter() - t0)
        time.sleep(0.02)
    return found


def summary(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()
    configure(tempfile.mkdtemp(prefix="vdb-bench-stall-"), max_bytes=512 * 1024 * 1024)
    with Emulator(speed="max", seed=0) as emu:
        conn = emu.connect()
        session = conn.create_capture_session(end_user_id="bench")
        emu.start_capture(session.id)
        screen = next(r for r in conn.get_capture_session(session.id).rtstreams if r.name.startswith("display"))
        call = lambda: conn.get_capture_session(session.id)
        usual = latencies(call, args.calls)
        stop, counts = threading.Event(), [0] * 6
        pullers = [threading.Thread(target=pull, args=(emu.base_url, screen.id, c, stop, counts), daemon=True)
                   for c in range(args.clients)]
        for thread in pullers:
            thread.start()
        time.sleep(2)  # the clients have their playlists and are encoding segments
        loaded = latencies(call, args.calls)
        stop.set()
        for thread in pullers:
            thread.join(timeout=120)
        after = latencies(call, args.calls)
    (u_med, u_p95), (l_med, l_p95), (_, _) = summary(usual + after), summary(loaded), summary(after)
    print(f"{args.clients} clients on 24-hour windows: {counts[2]} segments served, {counts[4]} answered 4xx "
          f"(the per-client limit), {counts[5]} 5xx")
    print(f"API call, usual      : median {u_med:7.1f} ms, p95 {u_p95:7.1f} ms")
    print(f"API call, under load : median {l_med:7.1f} ms, p95 {l_p95:7.1f} ms")
    print(f"difference           : median {l_med - u_med:+7.1f} ms ({l_med / u_med:5.2f} x usual), "
          f"p95 {l_p95 - u_p95:+7.1f} ms; target within 100 ms")


if __name__ == "__main__":
    main()
