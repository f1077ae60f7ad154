"""`python -m vdb_notebook.offline [options] (app.py | -m module) [args...]`: a whole program offline.

The emulator runs in the runner's own process, on its own thread; the program runs in the same
process (as `python app.py` / `python -m module` would: `sys.argv`, `sys.path[0]` and
`__main__` are set the same way) inside `mock_videodb(subprocesses=True)`, so the children it
starts with this interpreter (uvicorn's reloader and workers, `subprocess.run([sys.executable,
...])`) are redirected too (children.py). The emulator lives as long as the program; its exit
code is the program's.

    python -m vdb_notebook.offline backend.py
    python -m vdb_notebook.offline --scenario standup --speed 4 -m uvicorn app:app --port 8000

Options (before the program): --scenario NAME, --speed N|max, --seed N, --clock wall|scenario,
--port N (the emulator's port; 0, the default, picks a free one), --quiet (no banner).
"""
from __future__ import annotations

import os
import runpy
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from .mock import World, mock_videodb

if TYPE_CHECKING:
    from ..emulator import Emulator


class EmulatorOptions(TypedDict):
    """The emulator the runner starts, as its command line sets it."""

    scenario: str | None
    speed: float | str | None
    seed: int
    clock: str
    port: int

__all__ = ["Invocation", "UsageError", "main", "parse"]

USAGE = ("usage: python -m vdb_notebook.offline [--scenario NAME] [--speed N|max] [--seed N] "
         "[--clock wall|scenario] [--port N] [--quiet] (script.py | -m module) [args...]")
_VALUED = {"--scenario", "--speed", "--seed", "--clock", "--port"}


class UsageError(ValueError):
    """The command line names no program, or an option without its value."""


@dataclass
class Invocation:
    """What to run (a script path or a module name), with its arguments and emulator options."""

    target: str
    is_module: bool
    args: list[str]
    options: dict[str, str] = field(default_factory=dict)
    quiet: bool = False

    def emulator_options(self) -> EmulatorOptions:
        speed = self.options.get("--speed")
        return {"scenario": self.options.get("--scenario"),
                "speed": None if speed is None else (speed if speed == "max" else float(speed)),
                "seed": int(self.options.get("--seed", 0)), "clock": self.options.get("--clock", "wall"),
                "port": int(self.options.get("--port", 0))}


def parse(argv: Sequence[str]) -> Invocation:
    """The runner's command line -> Invocation; options stop at the program.

        >>> parse(["--speed", "max", "-m", "uvicorn", "app:app", "--port", "8000"]).args
        ['app:app', '--port', '8000']
    """
    rest, options, quiet = list(argv), {}, False
    while rest and rest[0].startswith("--"):
        name, _, value = rest.pop(0).partition("=")
        if name == "--quiet":
            quiet = True
            continue
        if name not in _VALUED:
            raise UsageError(f"unknown option {name!r}\n{USAGE}")
        if not value:
            if not rest:
                raise UsageError(f"{name} needs a value\n{USAGE}")
            value = rest.pop(0)
        options[name] = value
    if rest[:1] == ["-m"]:
        if len(rest) < 2:
            raise UsageError(f"-m needs a module name\n{USAGE}")
        return Invocation(rest[1], True, rest[2:], options, quiet)
    if not rest:
        raise UsageError(f"name a script or -m module to run\n{USAGE}")
    return Invocation(rest[0], False, rest[1:], options, quiet)


def _emulator(invocation: Invocation) -> Emulator:
    from ..emulator import Emulator
    options = invocation.emulator_options()
    # A fixed key from the environment (as `python -m vdb_notebook.emulator` takes it) lets a
    # process outside the redirect, such as a test driving the capture, reach this emulator.
    world: World = {} if options["scenario"] is None else {"scenario": options["scenario"]}
    return Emulator(**world, speed=options["speed"], seed=options["seed"], clock=options["clock"],
                    port=options["port"], api_key=os.environ.get("VDB_EMULATOR_KEY") or None)


def _run_program(invocation: Invocation) -> None:
    if invocation.is_module:
        sys.argv = [invocation.target, *invocation.args]  # runpy puts the module's path in argv[0]
        sys.path.insert(0, os.getcwd())
        runpy.run_module(invocation.target, run_name="__main__", alter_sys=True)
    else:
        script = os.path.abspath(invocation.target)
        sys.argv = [invocation.target, *invocation.args]
        sys.path.insert(0, os.path.dirname(script))
        runpy.run_path(script, run_name="__main__")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the program offline; its exit status (2 for a bad command line)."""
    try:
        invocation = parse(sys.argv[1:] if argv is None else argv)
        emulator = _emulator(invocation)
    except (UsageError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    with emulator, mock_videodb(emulator=emulator, subprocesses=True):
        if not invocation.quiet:
            print(f"vdb_notebook.offline: videodb calls go to the emulator at {emulator.base_url} "
                  f"({emulator!r})", file=sys.stderr, flush=True)
        return _exit_status(invocation)


def _exit_status(invocation: Invocation) -> int:
    try:
        _run_program(invocation)
    except SystemExit as exc:
        code = exc.code
        if code is None or isinstance(code, int):
            return code or 0
        print(code, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        _join_program_threads()
    return 0


def _join_program_threads() -> None:
    """Wait for the program's non-daemon threads, as the interpreter would before exiting; the
    emulator (a daemon thread) stays up for them."""
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
