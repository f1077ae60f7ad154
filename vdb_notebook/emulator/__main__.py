"""Run the emulator standalone.

    python -m vdb_notebook.emulator --port 8765 --scenario standup --speed 30 --seed 0 --clock wall

It prints the key it accepts: generated for this run, or the one given with --api-key (or in
VDB_EMULATOR_KEY) for scripts that need a fixed one.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from .scenario import CLOCKS, available
from .server import Emulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vdb_notebook.emulator",
                                     description="A local VideoDB capture API for the real videodb SDK.")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (0 picks a free one; default 8765)")
    parser.add_argument("--scenario", default="standup",
                        help=f"the default world: one of {available()}, a scenario JSON path, or a "
                             "recording (.jsonl) made with record_to= (default standup)")
    parser.add_argument("--stream-scenario", default=None,
                        help="what coll.connect_rtstream() plays (default: cctv, or --scenario "
                             "when that is a file)")
    parser.add_argument("--speed", default=None,
                        help="time multiplier, or 'max' (default: the scenario's own default)")
    parser.add_argument("--seed", type=int, default=0, help="same seed, same ids and frames (default 0)")
    parser.add_argument("--clock", choices=CLOCKS, default="scenario",
                        help="scenario: times fixed from the scenario epoch (default); wall: a "
                             "session's times start when its capture starts")
    parser.add_argument("--api-key", default=os.environ.get("VDB_EMULATOR_KEY") or None,
                        help="the key to accept (default: $VDB_EMULATOR_KEY, else one generated "
                             "for this run)")
    args = parser.parse_args(argv)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())  # before the URL is printed and used
    try:
        emu = Emulator(scenario=args.scenario, speed=args.speed, seed=args.seed, host=args.host,
                       port=args.port, clock=args.clock, api_key=args.api_key,
                       stream_scenario=args.stream_scenario).start()
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"VideoDB emulator ({emu.scenario.name}) on {emu.base_url}", flush=True)
    print(f"  base_url = {emu.base_url}", flush=True)
    print(f"  api_key  = {emu.api_key}   (this emulator's own key)", flush=True)
    print(f"  videodb.connect(api_key={emu.api_key!r}, base_url={emu.base_url!r})", flush=True)
    print(f"  control: {emu.base_url}/_emulator/state ; drive a session with "
          f"POST {emu.base_url}/_emulator/capture/<session_id>/start "
          f"(header x-access-token: {emu.api_key})", flush=True)
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
