"""A clip request for a 20-second window: first time (synthesised) and cached, against a
baseline measured in the same run.

    .venv/bin/python bench/clip.py [--seconds 20] [--rounds 3]

A clip request is what a player does with the stream URL `rtstream.generate_stream(start, end)`
returns: fetch the playlist, then every segment. Each round uses a fresh window (first time:
every segment is encoded) and then repeats it (cached: read from the disk cache). The baseline
is one plain REST call through the SDK (`conn.get_capture_session`) on the same emulator.
Targets: first < 2 s, cached < 100 ms. Then the cached window remuxed into one MP4, as
`vn.clip(..., embed=True)` keeps it in the notebook (its time and size).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vdb_notebook.emulator import Emulator
from vdb_notebook.emulator.media import configure
from vdb_notebook.emulator.scenario import ORIGIN_MS
from vdb_notebook.review.embed import EMBED_MAX_BYTES, remux_mp4


def stream_url(conn, rtstream_id: str, start_s: int, end_s: int) -> str:
    """The stream URL of a window, as a notebook gets it: through the SDK."""
    from videodb.rtstream import RTStream

    rts = RTStream(conn, id=rtstream_id)
    rts.generate_stream(start_s, end_s)
    return rts.stream_url


def fetch(session: requests.Session, url: str) -> int:
    """Fetch the playlist and every segment; bytes received."""
    playlist = session.get(url, timeout=60)
    playlist.raise_for_status()
    folder = url.rsplit("/", 1)[0]
    total = 0
    for line in playlist.text.splitlines():
        if line and not line.startswith("#"):
            part = session.get(f"{folder}/{line}", timeout=60)
            part.raise_for_status()
            total += len(part.content)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    media = configure(tempfile.mkdtemp(prefix="vdb-bench-media-"), max_bytes=512 * 1024 * 1024)
    with Emulator(speed="max", seed=0) as emu:
        conn = emu.connect()
        session = conn.create_capture_session(end_user_id="bench")
        emu.start_capture(session.id)
        screen = next(r for r in conn.get_capture_session(session.id).rtstreams if r.name.startswith("display"))
        http = requests.Session()
        baseline, first, cached, embedded, size, mp4 = [], [], [], [], 0, b""
        for n in range(args.rounds):
            t0 = time.perf_counter()
            conn.get_capture_session(session.id)
            baseline.append(time.perf_counter() - t0)
            start = ORIGIN_MS // 1000 + 30 + n * (int(args.seconds) + 7)  # a window no round has asked for
            t0 = time.perf_counter()
            url = stream_url(conn, screen.id, start, start + int(args.seconds))
            size = fetch(http, url)
            first.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            fetch(http, stream_url(conn, screen.id, start, start + int(args.seconds)))
            cached.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            mp4 = remux_mp4(url, EMBED_MAX_BYTES)
            embedded.append(time.perf_counter() - t0)
    base, f, c = statistics.median(baseline), statistics.median(first), statistics.median(cached)
    print(f"window: {args.seconds:g} s of H.264 + AAC, {size / 1024:.0f} KiB, {media.encoded} segments encoded "
          f"in {args.rounds} rounds")
    print(f"baseline REST call : {base * 1000:8.1f} ms")
    print(f"clip, first time   : {f * 1000:8.1f} ms  ({f / base:6.1f} x baseline; target < 2000 ms)")
    print(f"clip, cached       : {c * 1000:8.1f} ms  ({c / base:6.1f} x baseline; target < 100 ms)")
    e = statistics.median(embedded)
    print(f"embedded as MP4    : {e * 1000:8.1f} ms  ({e / base:6.1f} x baseline), {len(mp4) / 1024:.0f} KiB "
          f"({len(mp4) / 1024 / args.seconds:.1f} KiB/s; the {EMBED_MAX_BYTES // 2**20} MiB limit holds "
          f"{EMBED_MAX_BYTES / (len(mp4) / args.seconds) / 60:.1f} min)")


if __name__ == "__main__":
    main()
