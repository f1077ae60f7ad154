"""`vn.mock_videodb`: the real `videodb` SDK reaches a local emulator, as moto's `mock_aws` does for boto3.

One object, three uses, each restoring everything on exit (also when the body raises):

    >>> import videodb
    >>> with mock_videodb(speed="max") as emu:          # a context manager yielding the Emulator
    ...     conn = videodb.connect()                    # no key, no base_url: the emulator
    ...     session = conn.create_capture_session(end_user_id="user_abc")
    ...     emu.start_capture(session.id)["status"]
    'active'
    >>> @mock_videodb(scenario="standup", speed="max")  # a decorator, sync or async
    ... def count_collections():
    ...     return len(videodb.connect(api_key="sk-your-real-key").get_collections())
    >>> count_collections()
    1

and the pytest plugin's `videodb_emulator` fixture. Nested and repeated use works: the innermost
emulator wins, and leaving it hands back the outer one. `mock_videodb(emulator=emu)` redirects to
an emulator you started (and leaves it running afterwards). `subprocesses=True` also redirects
the children this process starts with its own interpreter (the runner and `--videodb-offline`
use it; see children.py). What is patched, and the rules: redirect.py.
"""
from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar, cast

from . import children, redirect

if TYPE_CHECKING:
    from ..emulator import Emulator

__all__ = ["mock_videodb"]

F = TypeVar("F", bound=Callable[..., Any])


class World(TypedDict, total=False):
    """The world an Emulator plays, when one is named (else its shipped default)."""

    scenario: str


class _Options(TypedDict):
    """mock_videodb's arguments, kept to make a fresh mock per call of a decorated function."""

    scenario: str | None
    speed: float | str | None
    seed: int
    clock: str
    emulator: Emulator | None
    subprocesses: bool


class mock_videodb:
    """Redirect `videodb.connect()` and `videodb.capture.CaptureClient(...)` to an emulator.

    scenario, speed, seed, clock: as `vn.Emulator` (scenario None: the shipped default world;
    clock "wall" by default, so programs that ask for "the last 5 minutes" find their data).
    emulator: use this (started if needed) instead of starting one; it is not stopped on exit.
    subprocesses: also redirect children started with this interpreter (environment + PYTHONPATH).
    """

    def __init__(self, scenario: str | None = None, speed: float | str | None = None, seed: int = 0,
                 clock: str = "wall", *, emulator: Emulator | None = None,
                 subprocesses: bool = False) -> None:
        self._options: _Options = {"scenario": scenario, "speed": speed, "seed": seed, "clock": clock,
                         "emulator": emulator, "subprocesses": subprocesses}
        self._given = emulator
        self._emulator: Emulator | None = None
        self._token: object | None = None
        self._environ: dict[str, str | None] = {}

    def __repr__(self) -> str:
        state = "active" if self._token is not None else "inactive"
        return f"mock_videodb({self._emulator or self._given!r}, {state})"

    @property
    def emulator(self) -> Emulator | None:
        """The Emulator calls go to while active, else None."""
        return self._emulator

    # context manager --------------------------------------------------------------------------------
    def start(self) -> Emulator:
        """Start the redirect (and the emulator, unless one was given); returns the Emulator."""
        if self._token is not None:
            raise RuntimeError("this mock_videodb is already active; use a new one to nest")
        emulator = self._given if self._given is not None else self._new_emulator()
        emulator.start()  # before the patch: the emulator registers its capture stand-in first
        try:
            self._token = redirect.push(redirect.Target(emulator.base_url, emulator.api_key, emulator))
            if self._options["subprocesses"]:
                self._export(emulator)
        except BaseException:
            self._stop_emulator(emulator)
            raise
        self._emulator = emulator
        return emulator

    def stop(self) -> None:
        """Undo `start()`: the SDK as it was, the environment as it was, our emulator stopped."""
        if self._token is None:
            return
        token, emulator = self._token, self._emulator
        self._token, self._emulator = None, None
        try:
            self._restore_environ()
            redirect.pop(token)
        finally:
            self._stop_emulator(emulator)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # decorator --------------------------------------------------------------------------------------
    def __call__(self, func: F) -> F:
        """Run each call of `func` (a function or a coroutine function) inside a fresh mock."""
        if inspect.iscoroutinefunction(func):
            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with mock_videodb(**self._options):
                    return await func(*args, **kwargs)
            return cast(F, run_async)  # the same signature: wraps(func)

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with mock_videodb(**self._options):
                return func(*args, **kwargs)
        return cast(F, run)

    # helpers ----------------------------------------------------------------------------------------
    def _new_emulator(self) -> Emulator:
        from ..emulator import Emulator
        options = self._options
        world: World = {} if options["scenario"] is None else {"scenario": options["scenario"]}
        return Emulator(**world, speed=options["speed"], seed=options["seed"], clock=options["clock"])

    def _stop_emulator(self, emulator: Emulator | None) -> None:
        if emulator is not None and emulator is not self._given:
            emulator.stop()

    def _export(self, emulator: Emulator) -> None:
        wanted = children.child_environment(emulator.base_url, emulator.api_key, os.environ)
        changed = {name: value for name, value in wanted.items() if os.environ.get(name) != value}
        self._environ = {name: os.environ.get(name) for name in changed}
        os.environ.update(changed)

    def _restore_environ(self) -> None:
        for name, value in self._environ.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._environ = {}
