"""A fleet of capture sessions, each in its own world: what one more session costs as the fleet
grows, and what mixing worlds costs against one shared world, measured in the same run.

    .venv/bin/python bench/worlds.py [--small 10] [--large 200]

Each session is created and made active through the real SDK (its three rtstreams open on its
world); worlds are loaded once and shared, so the cost per session should not grow with the
fleet, and four worlds should cost what one does.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vdb_notebook.emulator import Emulator

WORLDS = ["standup", "support_call", "dev_screen", "cctv"]


def per_session_ms(count: int, worlds: list[str]) -> float:
    """Milliseconds per session to create and start `count` sessions, worlds taken in turn."""
    with Emulator(speed="max") as emu:
        conn = emu.connect()
        for n in range(count):
            emu.set_world(worlds[n % len(worlds)], end_user_id=f"user-{n}")
        t0 = time.perf_counter()
        for n in range(count):
            session = conn.create_capture_session(end_user_id=f"user-{n}")
            emu.start_capture(session.id)
        return (time.perf_counter() - t0) * 1000 / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10)
    parser.add_argument("--large", type=int, default=200)
    args = parser.parse_args()
    per_session_ms(args.small, WORLDS)  # warm up: imports, first connections, world files
    one_small = per_session_ms(args.small, WORLDS[:1])
    one_large = per_session_ms(args.large, WORLDS[:1])
    mixed_large = per_session_ms(args.large, WORLDS)
    print(f"per session, one world:  {one_small:.2f} ms at {args.small} sessions, "
          f"{one_large:.2f} ms at {args.large}")
    print(f"per session, four worlds: {mixed_large:.2f} ms at {args.large}")
    print(f"ratio {args.large} vs {args.small} sessions: {one_large / one_small:.2f}x; "
          f"four worlds vs one: {mixed_large / one_large:.2f}x")


if __name__ == "__main__":
    main()
