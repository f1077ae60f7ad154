"""Emulator send rate against a bare WebSocket server, measured in the same run.

    .venv/bin/python bench/emulator.py [--frames 100000] [--rounds 3]

A child process (its own interpreter, so server and client do not share a GIL) runs both:

- floor: a bare aiohttp WebSocket handler sending the same frames, pre-built, in a loop
  (`send_str`, nothing else): the most this stack can do here;
- emulator: the `burst` scenario at speed "max": `start_transcript` on the mic rtstream, frames
  built from the scenario, paced, recorded for REST reads and sent through the hub.

The parent reads each with a bare `websockets` client (`recv()` only) and prints both rates and
the ratio emulator/floor.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests
import videodb
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def serve(queue: mp.Queue, stop: mp.Event, frames: int) -> None:  # runs in the child process
    from aiohttp import web

    from vdb_notebook.emulator import Emulator, Scenario

    scenario = Scenario.load("burst")
    steps = scenario.steps("mic", "transcript", rtstream_id="rts-bench", rtstream_name="mic:default")
    texts = [json.dumps(next(steps).frame, separators=(",", ":")) for _ in range(frames)]

    async def bare(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False)  # as the emulator's
        await ws.prepare(request)
        await ws.send_str('{"connection_id": "bare"}')
        for text in texts:
            await ws.send_str(text)
        await ws.close()
        return ws

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/ws", bare)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        with Emulator(scenario="burst", speed="max") as emu:
            queue.put((f"ws://127.0.0.1:{runner.addresses[0][1]}/ws", emu.base_url, emu.api_key))
            while not stop.is_set():
                await asyncio.sleep(0.1)
        await runner.cleanup()

    asyncio.run(main())


async def read(url: str, frames: int, start: Callable[[str], None] | None = None) -> float:
    """Seconds to the `frames`-th frame: from when `start(connection_id)` returns, or from the hello."""
    async with websockets.connect(url, max_size=None) as ws:
        hello = json.loads(await ws.recv())
        began = time.perf_counter()
        if start is not None:
            await asyncio.to_thread(start, hello["connection_id"])
            began = time.perf_counter()
        for _ in range(frames):
            await ws.recv()
        return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    queue, stop = ctx.Queue(), ctx.Event()
    proc = ctx.Process(target=serve, args=(queue, stop, args.frames), daemon=True)
    proc.start()
    bare_url, base_url, key = queue.get(timeout=120)
    conn = videodb.connect(api_key=key, base_url=base_url)

    def start_burst(connection_id: str) -> None:
        session = conn.create_capture_session(end_user_id="bench", ws_connection_id=connection_id)
        requests.post(f"{base_url}/_emulator/capture/{session.id}/start", timeout=30,
                      headers={"x-access-token": key}).raise_for_status()
        mic = conn.get_capture_session(session.id).get_rtstream("mic")[0]
        mic.start_transcript(ws_connection_id=connection_id)

    floor, emulator = [], []
    try:
        for _ in range(args.rounds):
            floor.append(asyncio.run(read(bare_url, args.frames)))
            # skip the 3 lifecycle frames of the new session, then time the transcript frames
            emulator.append(asyncio.run(read(conn.connect_websocket().url, args.frames + 3, start_burst)))
    finally:
        stop.set()
        proc.join(20)
    best_floor, best_emu = min(floor), min(emulator)
    print(f"{args.frames:,} frames, best of {args.rounds} rounds (server in a child process)")
    print(f"  floor (bare aiohttp send_str loop): {args.frames / best_floor:>10,.0f} frames/s")
    print(f"  emulator (burst, speed='max')     : {args.frames / best_emu:>10,.0f} frames/s")
    print(f"  ratio emulator/floor              : {best_floor / best_emu:.2f}")


if __name__ == "__main__":
    main()
