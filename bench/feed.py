"""Feed throughput against its floor, measured in the same run on the same server.

    .venv/bin/python bench/feed.py [--frames 100000] [--rounds 3]

The emulator's `burst` scenario runs in a child process (its own interpreter, so the server and
the client do not share a GIL) and sends, as fast as the socket goes, the system_audio
transcript of 100,000 frames to one WebSocket connection. Each round measures, from the
`start_transcript` call to the last frame:

- floor: a bare `websockets` client doing only `recv()` and `json.loads()`;
- feed:  `vn.Feed` through the real SDK WebSocket into an `EventStore` (normalise + store);
- feed+journal: the same with `record_to=` (every raw frame written to JSONL).

It prints each rate, the ratio feed/floor (target >= 0.6), and, for the no-loss target, the
frames the server sent to the feed's connection against frames in the store + rejected (and
lines in the journal).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

import requests
import videodb
import websockets
from videodb.rtstream import RTStream

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from vdb_notebook.feed import Feed
from vdb_notebook.feed.journal import count_lines

TRACK = "system_audio"  # its burst transcript is exactly 100,000 frames


def serve(queue: mp.Queue, stop: mp.Event) -> None:  # runs in the child process
    from vdb_notebook.emulator.server import Emulator
    with Emulator(scenario="burst", speed="max") as emu:
        queue.put((emu.base_url, emu.api_key))
        stop.wait()


class Server:
    """The emulator in a child process, driven over HTTP (SDK calls and /_emulator control)."""

    def __init__(self) -> None:
        ctx = mp.get_context("spawn")
        queue, self._stop = ctx.Queue(), ctx.Event()
        self._proc = ctx.Process(target=serve, args=(queue, self._stop), daemon=True)
        self._proc.start()
        self.base_url, api_key = queue.get(timeout=60)
        self.conn = videodb.connect(api_key=api_key, base_url=self.base_url)
        self.control_headers = {"x-access-token": api_key}

    def new_stream(self) -> RTStream:
        """A new active capture session; its system_audio rtstream (pipelines start at 0)."""
        session = self.conn.create_capture_session(end_user_id="bench")
        requests.post(f"{self.base_url}/_emulator/capture/{session.id}/start", timeout=30,
                      headers=self.control_headers).raise_for_status()
        session = self.conn.get_capture_session(session.id)
        return next(r for r in session.rtstreams if (r.name or "").startswith(TRACK))

    def sent_to(self, connection_id: str, rts: RTStream) -> int:
        """Frames sent to `connection_id`, once the transcript pipeline of `rts` has finished."""
        for _ in range(600):
            state = requests.get(f"{self.base_url}/_emulator/state", timeout=30,
                                 headers=self.control_headers).json()["data"]
            if not state["pipelines"][f"transcript:{rts.id}"]["running"]:
                return state["frames_by_connection"].get(connection_id, 0)
            time.sleep(0.05)
        raise TimeoutError("the burst pipeline did not finish")

    def close(self) -> None:
        self._stop.set()
        self._proc.join(10)


class Timer:
    """Wall-clock frames/s, and frames per second of this process's CPU time (the client's
    own cost: the server runs in another process)."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu

    def rates(self, frames: int) -> tuple[float, float]:
        return frames / self.wall, frames / self.cpu


async def floor(server: Server, frames: int) -> tuple[float, float]:
    """A bare client: recv + json.loads, nothing else."""
    url = server.conn.connect_websocket().url
    async with websockets.connect(url) as ws:
        connection_id = json.loads(await ws.recv())["connection_id"]
        rts = server.new_stream()
        with Timer() as timer:
            await asyncio.to_thread(rts.start_transcript, ws_connection_id=connection_id)
            for _ in range(frames):
                json.loads(await ws.recv())
        return timer.rates(frames)


async def feed(server: Server, frames: int, record_to: Path | None = None) -> tuple[tuple[float, float], dict]:
    """Socket -> vn.Feed -> EventStore rates, and the frame accounting."""
    f = await Feed.open(server.conn, record_to=record_to)
    rts = server.new_stream()
    with Timer() as timer:
        await asyncio.to_thread(rts.start_transcript, ws_connection_id=f.connection_id)
        await f.wait_for(until=lambda s: len(s) + len(s.rejected) >= frames, timeout=300)
    rate = timer.rates(frames)
    sent = await asyncio.to_thread(server.sent_to, f.connection_id, rts)
    await f.close()
    own = f.store.counts().get("feed", 0)  # the feed's own records (feed.closed), not sent frames
    counts = {"sent": sent, "read": f.frames, "stored": len(f.store) - own, "rejected": len(f.store.rejected),
              "gaps": len(f.gaps), "journal": count_lines(record_to) - own if record_to else None}
    return rate, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    server = Server()
    floors, feeds, journaled, checks = [], [], [], []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for round_no in range(1, args.rounds + 1):
                floors.append(asyncio.run(floor(server, args.frames)))
                rate, counts = asyncio.run(feed(server, args.frames))
                feeds.append(rate)
                checks.append(counts)
                rate_j, counts_j = asyncio.run(feed(server, args.frames, Path(tmp) / f"r{round_no}.jsonl"))
                journaled.append(rate_j)
                checks.append(counts_j)
                print(f"round {round_no}: wall frames/s floor {floors[-1][0]:,.0f}, feed "
                      f"{feeds[-1][0]:,.0f}, feed+journal {rate_j[0]:,.0f} | client-CPU frames/s "
                      f"floor {floors[-1][1]:,.0f}, feed {feeds[-1][1]:,.0f}, feed+journal "
                      f"{rate_j[1]:,.0f}", flush=True)
    finally:
        server.close()
    print(f"\nburst: {args.frames:,} frames per run, emulator in a child process, best of {args.rounds}")
    for i, what in enumerate(("wall-clock frames/s (end to end)",
                              "frames per client CPU-second (the client's own cost)")):
        best_floor, best_feed, best_j = (max(r[i] for r in runs) for runs in (floors, feeds, journaled))
        print(f"{what}:")
        print(f"  floor (bare websockets recv + json.loads): {best_floor:>9,.0f}")
        print(f"  feed -> store:                             {best_feed:>9,.0f}   "
              f"ratio {best_feed / best_floor:.2f} (target >= 0.6)")
        print(f"  feed -> store + journal:                   {best_j:>9,.0f}   "
              f"ratio {best_j / best_floor:.2f}")
    lossless = all(c["sent"] == c["read"] == c["stored"] + c["rejected"] and c["gaps"] == 0
                   and c["journal"] in (None, c["sent"]) for c in checks)
    for c in checks:
        journal = "" if c["journal"] is None else f", journal lines of sent frames {c['journal']:,}"
        print(f"no-loss: server sent {c['sent']:,}; feed read {c['read']:,}; store {c['stored']:,} + "
              f"rejected {c['rejected']:,} = {c['stored'] + c['rejected']:,}{journal}")
    print("no-loss target:", "met" if lossless else "MISSED")


if __name__ == "__main__":
    main()
