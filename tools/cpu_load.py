"""Keep every core busy, to check that tests pass on a loaded machine (stdlib only).

    python tools/cpu_load.py start --seconds 600   # busy processes on every core, in the background
    python tools/cpu_load.py stop                  # end them
    python tools/cpu_load.py run -- python -m pytest -q tests/feed   # load only while a command runs

`start` writes the load's process id to a pid file (default: cpu_load.pid in the system's
temporary folder) and returns at once; the load ends by itself after `--seconds`, or at `stop`.
`run` exits with the command's own exit status.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PID_FILE = Path(tempfile.gettempdir()) / "cpu_load.pid"


def spin(until: float) -> None:
    """Burn one core until the monotonic clock reaches `until`."""
    count = 0
    while time.monotonic() < until:
        count += 1


def hold(seconds: float, workers: int) -> None:
    """Run `workers` spinning processes for `seconds`; `stop` ends them all at once by SIGTERM
    to their process group."""
    until = time.monotonic() + seconds
    procs = [multiprocessing.Process(target=spin, args=(until,), daemon=True) for _ in range(workers)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()


def start(seconds: float, workers: int, pid_file: Path) -> int:
    """Start the load as a detached process; its pid goes to `pid_file`."""
    if pid_file.exists():
        print(f"a load seems to run already (pid file {pid_file}); stop it first", file=sys.stderr)
        return 1
    child = subprocess.Popen([sys.executable, __file__, "hold", "--seconds", str(seconds),
                              "--workers", str(workers)], start_new_session=True,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    pid_file.write_text(str(child.pid))
    print(f"cpu load: {workers} busy processes for {seconds:g} s (pid {child.pid}, {pid_file})")
    return 0


def stop(pid_file: Path) -> int:
    """End the load started by `start`."""
    try:
        pid = int(pid_file.read_text())
    except (OSError, ValueError):
        print(f"no load to stop ({pid_file} is missing)", file=sys.stderr)
        return 1
    pid_file.unlink()
    try:
        os.killpg(pid, signal.SIGTERM)  # the holder and its spinning children
    except ProcessLookupError:
        print("the load had already ended")
    return 0


def run(command: list[str], seconds: float, workers: int) -> int:
    """Run `command` while the load holds; the command's exit status."""
    if not command:
        print("run needs a command after --", file=sys.stderr)
        return 2
    holder = subprocess.Popen([sys.executable, __file__, "hold", "--seconds", str(seconds),
                               "--workers", str(workers)], start_new_session=True)
    try:
        return subprocess.call(command)
    finally:
        os.killpg(holder.pid, signal.SIGTERM)
        holder.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/cpu_load.py", description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["start", "stop", "run", "hold"])
    parser.add_argument("--seconds", type=float, default=3600.0, help="how long the load lasts (default 3600)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="busy processes (default: one per core)")
    parser.add_argument("--pid-file", type=Path, default=PID_FILE)
    argv = sys.argv[1:] if argv is None else argv
    split = argv.index("--") if "--" in argv else len(argv)
    args, command = parser.parse_args(argv[:split]), argv[split + 1:]
    if args.action == "start":
        return start(args.seconds, args.workers, args.pid_file)
    if args.action == "stop":
        return stop(args.pid_file)
    if args.action == "run":
        return run(command, args.seconds, args.workers)
    hold(args.seconds, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
