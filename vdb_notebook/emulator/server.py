"""`Emulator`: the VideoDB capture API on loopback, served from its own thread and event loop.

The real `videodb` SDK reaches it through `base_url` over real HTTP and WebSockets. Because it
has its own loop, a synchronous SDK call from a notebook cell (which blocks the kernel's loop)
is still answered.

    >>> with Emulator(speed="max") as emu:
    ...     conn = emu.connect()
    ...     session = conn.create_capture_session(end_user_id="user_abc")
    ...     emu.start_capture(session.id)["status"]
    'active'
"""
from __future__ import annotations

import asyncio
import atexit
import inspect
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

import videodb
from aiohttp import web

from .._aio import LoopThread
from .._compat import keyword_only
from . import capture_binary, matching
from .dispatch import READ_TIMEOUT_S, make_dispatcher, make_guard
from .engine import Engine
from .faults import Faults
from .responses import control, render
from .scenario import Scenario, parse_clock, parse_speed
from .worlds import Worlds

if TYPE_CHECKING:
    from .fleet import Fleet

log = logging.getLogger(__name__)
T = TypeVar("T")
CALL_TIMEOUT_S = 30.0
IDLE_TIMEOUT_S = 15.0  # a connection without a (complete) request for this long is closed
#: After an answer sent before its request body was read whole (413), how long aiohttp keeps
#: reading and discarding that body so the client sees the answer (aiohttp's default: 10 s).
LINGERING_TIME_S = 1.0
TICKET_TTL_S = 60.0  # a WebSocket URL from connect_websocket() opens within this long


class SessionAnswer(dict[str, Any]):
    """A capture session as the service renders it (a dict), with a one-line repr, so a cell
    ending in `emu.start_capture(session.id)` does not print fifty lines.

        >>> SessionAnswer({"session_id": "cap-1", "status": "active", "rtstreams": [1, 2, 3]})
        CaptureSession cap-1: active, 3 rtstreams (a dict: answer["rtstreams"], ...)
    """

    def __repr__(self) -> str:
        streams = self.get("rtstreams") or []
        return (f"CaptureSession {self.get('session_id') or self.get('id')}: {self.get('status')}, "
                f"{len(streams)} rtstream{'' if len(streams) == 1 else 's'} "
                f"(a dict: answer[\"rtstreams\"], ...)")

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


class Emulator:
    """A local VideoDB capture service for the real SDK (the contract is in the project README).

    scenario: the default world: a shipped name ('standup', 'support_call', 'dev_screen',
        'cctv', 'burst'), a scenario JSON path, or a recording (.jsonl) made with
        `vn.Feed.open(conn, record_to=...)` (recorded.py says what it holds and what it lacks).
    stream_scenario: what `coll.connect_rtstream(url)` plays: 'cctv' (a camera) unless named,
        or `scenario` itself when that is a file of your own. A capture session plays its own
        world: `set_world(...)`, its metadata, its end user's, else `scenario` (worlds.py).
    speed: None for the scenario's default, a time multiplier, or 'max'.
    seed: same seed, same ids, texts and timestamps.
    api_key: the key its API and control plane accept; by default one generated for this
        emulator (`emu.api_key`), so no other process or web page can guess it.
    faults: dict of Faults fields, e.g. {"drop_ws_after": 10, "fail_webhooks": 2}.
    clock: "scenario" (default: times fixed from schema.EPOCH, reproducible) or "wall" (each
        session's times start when its capture starts, so now-relative queries work).
    Limits (docs/LIMITS.md): idle_timeout (s, 15), read_timeout (s, 30), ticket_ttl (s, 60:
    how long a WebSocket URL stays usable). expiry_clock: the monotonic clock (seconds) that
    WebSocket URLs and client tokens (`expires_in`) expire on; tests pass their own. The HTTP control plane under /_emulator/ needs
    `x-access-token: <api_key>` like the API (the methods here call in-process and need none);
    see guard.py for the Host, Origin and callback_url checks.
    """

    @keyword_only("speed", "seed", "host", "port", "faults", "api_key", "clock")
    def __init__(self, scenario: str | Path | Scenario = "standup", *, speed: float | str | None = None,
                 seed: int = 0, host: str = "127.0.0.1", port: int = 0,
                 faults: dict[str, Any] | Faults | None = None, api_key: str | None = None,
                 clock: str = "scenario", stream_scenario: str | Path | Scenario | None = None,
                 idle_timeout: float = IDLE_TIMEOUT_S, read_timeout: float = READ_TIMEOUT_S,
                 ticket_ttl: float = TICKET_TTL_S,
                 expiry_clock: Callable[[], float] = time.monotonic) -> None:
        self.worlds = Worlds(scenario, stream_scenario)
        self.scenario = self.worlds.default
        parse_speed(speed, self.scenario.default_speed)  # fail early on a bad speed
        self.clock = parse_clock(clock)  # fail early on a bad clock
        self._speed = speed
        self._seed = seed
        self.host = host
        self._port = port
        self._initial_faults = Faults.from_dict(faults)
        self._api_key = api_key or new_api_key()
        self.idle_timeout, self.read_timeout, self.ticket_ttl = idle_timeout, read_timeout, ticket_ttl
        self._expiry_clock = expiry_clock
        self._engine: Engine | None = None
        self._thread: LoopThread | None = None
        self._runner: web.AppRunner | None = None

    # lifecycle ----------------------------------------------------------------------------------
    def start(self) -> Emulator:
        """Start serving (idempotent). Returns self."""
        if self.running:
            return self
        thread = LoopThread(f"vdb-emulator-{self.scenario.name}")
        try:
            thread.run(self._serve())  # its error (e.g. the port is in use) is raised here
        except BaseException:
            thread.stop(CALL_TIMEOUT_S)
            raise
        self._thread = thread
        atexit.register(self.stop)  # no thread or loop outlives the interpreter
        capture_binary.register(self.base_url)  # CaptureClient(base_url=emu.base_url) works offline
        log.info("emulator serving %s (scenario %s)", self.base_url, self.scenario.name)
        return self

    def stop(self) -> None:
        """Stop serving: pipelines, deliveries and sockets are closed; the thread ends."""
        if not self.running:
            return
        thread = self._caller_may_block()
        atexit.unregister(self.stop)
        capture_binary.unregister(self.base_url)
        try:
            thread.run(self._shutdown(), CALL_TIMEOUT_S)
        finally:
            thread.stop(CALL_TIMEOUT_S)  # also cancels whatever tasks are left
            self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.running

    def __repr__(self) -> str:
        # No port (it differs per run, and notebook outputs must be reproducible); no key.
        state = "running" if self.running else "stopped"
        clock = ", clock='wall'" if self.clock == "wall" else ""  # the default stays unsaid
        return f"Emulator(scenario={self.scenario.name!r}, speed={self.speed!r}, seed={self.seed}{clock}, {state})"

    # where and how to connect ---------------------------------------------------------------------
    @property
    def seed(self) -> int:
        """The seed in use (a control endpoint may have changed it)."""
        return self._engine.state.seed if self._engine is not None else self._seed

    @property
    def speed(self) -> float | str | None:
        """The speed in use: a number, 'max', or None (the scenario's default) before start."""
        return self._engine.speed if self._engine is not None else self._speed

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        if not self.running:
            raise RuntimeError("the emulator is not running; call emu.start() (or use `with Emulator() as emu:`)")
        return f"http://{self.host}:{self._port}"

    @property
    def api_key(self) -> str:
        return self._api_key

    def connect(self, **kwargs: Any) -> videodb.client.Connection:
        """The plain SDK Connection to this emulator (starts it if needed); `vn.connect(emulator=emu)`
        gives the toolkit's Connection, with `conn.emulator` and the conveniences VideoDB's capture
        events page uses (`conn.get_rtstream`, `ws.stream()`)."""
        self.start()
        return videodb.connect(api_key=self._api_key, base_url=self.base_url, **kwargs)

    # the desktop capture client's part ------------------------------------------------------------
    def start_capture(self, session_id: str) -> SessionAnswer:
        """created -> starting -> active (webhooks and capture_session frames go out); the session."""
        return SessionAnswer(self._call(lambda e: render.session(e.state, e.start_capture(session_id))))

    def stop_capture(self, session_id: str) -> SessionAnswer:
        """active -> stopping -> stopped (the session, now stopped); exported follows once its
        export is done (2 scenario seconds: at once at speed="max")."""
        return SessionAnswer(self._call(lambda e: render.session(e.state, e.stop_capture(session_id))))

    def fail_capture(self, session_id: str, message: str = "capture failed") -> dict[str, Any]:
        """Any live status -> failed with data.error.message = message; the session."""
        return self._call(lambda e: render.session(e.state, e.fail_capture(session_id, message)))

    # worlds ---------------------------------------------------------------------------------------
    def set_world(self, scenario: str | Path | Scenario, *, session_id: str | None = None,
                  end_user_id: str | None = None) -> Scenario:
        """Play `scenario` in one capture session (while it is 'created'), or in every session
        an end user creates from now on (a fleet: one world per user). The loaded world.

            >>> emu.set_world("support_call", end_user_id="agent-7").name  # doctest: +SKIP
            'support_call'
            >>> emu.set_world("dev_screen", session_id=session.id).name     # doctest: +SKIP
            'dev_screen'

        A session's world can also come from its metadata: `conn.create_capture_session(...,
        metadata={"emulator_world": "cctv"})` (a shipped world, or one loaded here already).
        """
        if session_id is not None:
            return self._call(lambda e: e.set_world(session_id, scenario))
        if self.running:
            return self._call(lambda e: e.state.worlds.set(scenario, end_user_id=end_user_id))
        return self.worlds.set(scenario, end_user_id=end_user_id)

    def world_of(self, session_or_rtstream_id: str) -> str:
        """The name of the world a capture session or rtstream plays."""
        def find(e: Engine) -> str:
            if session_or_rtstream_id in e.state.sessions:
                return (e.state.sessions[session_or_rtstream_id].world or e.scenario).name
            return e.state.rtstream(session_or_rtstream_id).world.name
        return self._call(find)

    def start_fleet(self, n: int, **options: Any) -> Fleet:
        """N end users capturing at once through the SDK, each session in a world of its own
        (mixed by seed) with its streams and alerts; options and what each session gets:
        fleet.py. `fleet.stop()` stops them.

            >>> emu.start_fleet(8, ws_connection_id=feed.connection_id, callback_urls=[rx.url])  # doctest: +SKIP
            Fleet of 8 sessions (seed 0): 2 cctv, 2 dev_screen, 2 standup, 2 support_call
        """
        from .fleet import start_fleet
        return start_fleet(self, n, **options)

    # control ----------------------------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        """Forget sessions, pipelines, deliveries and sockets; keep (or change) the seed."""
        self._call(lambda e: e.reset(seed))

    def set_speed(self, speed: float | str | None) -> None:
        """A time multiplier, 'max', or None for the scenario's default; a bad one is a ValueError."""
        self._call(lambda e: e.set_speed(speed))

    def set_faults(self, faults: dict[str, Any] | Faults | None = None, *, replace: bool = False,
                   **values: Any) -> Faults:
        """Change faults: emu.set_faults(drop_ws_after=10) or emu.set_faults({...}, replace=True).

        A `Faults` object replaces the whole set."""
        if isinstance(faults, Faults):
            faults, replace = faults.as_dict(), True
        merged = {**(faults or {}), **values}
        return self._call(lambda e: e.set_faults(merged, replace=replace))

    @property
    def faults(self) -> Faults:
        return self._call(lambda e: Faults.from_dict(e.faults))

    @property
    def deliveries(self) -> list[dict[str, Any]]:
        """Every webhook delivery attempt so far (url, event, attempt, status, ok, error, payload)."""
        return self._call(lambda e: list(e.sender.deliveries))

    def state(self) -> dict[str, Any]:
        """A snapshot: sessions, pipelines, open connections, counters."""
        return self._call(control.snapshot)

    def scenario_over(self, reader: Any) -> Callable[[Any], bool]:
        """A condition for `feed.wait_for(until=...)`: every pipeline has played to its end and
        `reader` has read every frame this emulator sent to its current connection (frames sent
        to a connection that dropped may be lost: the WebSocket is best-effort). `reader` is
        anything with `connection_id` and `frames_on_connection`, such as a `vn.Feed`.

            await feed.wait_for(until=conn.emulator.scenario_over(feed), timeout=60)
        """
        def progress(e: Engine) -> tuple[bool, int]:
            # not the whole state(): it renders every session, and a fleet's is large
            client = e.hub.clients.get(reader.connection_id)
            return any(p.running for p in e.pipelines.values()), client.sent if client else 0

        def over(_store: Any) -> bool:
            playing, sent = self._call(progress)
            return not playing and reader.frames_on_connection >= sent
        return over

    def wait_webhooks(self, timeout: float = 10.0) -> None:
        """Block until every queued webhook was delivered (or given up after its retries)."""
        self._call(lambda e: asyncio.wait_for(e.sender.idle(), timeout), timeout=timeout + 1)

    def alert_matches(self, rtstream_id: str, prompt: str) -> list[dict[str, Any]]:
        """Where an alert with event prompt `prompt` fires on this rtstream offline: per moment
        its start and end (epoch ms), confidence and explanation; [] when nothing in the scenario
        matches the prompt (the alert then never fires offline).

            >>> emu.alert_matches(mic_id, "Someone mentions lunch")  # doctest: +SKIP
            []
        """
        def find(e: Engine) -> list[dict[str, Any]]:
            rts = e.state.rtstream(rtstream_id)
            track, origin_ms = rts.track, rts.origin_s * 1000  # scenario time 0 on its timeline
            return [{"start": round(origin_ms + m.start * 1000), "end": round(origin_ms + m.end * 1000),
                     "confidence": m.confidence, "explanation": m.explanation}
                    for m in matching.matches(rts.world, track, prompt)]
        return self._call(find)

    # plumbing ---------------------------------------------------------------------------------------
    @overload
    def _call(self, fn: Callable[[Engine], Awaitable[T]], timeout: float = ...) -> T: ...
    @overload
    def _call(self, fn: Callable[[Engine], T], timeout: float = ...) -> T: ...

    def _call(self, fn: Callable[[Engine], Any], timeout: float = CALL_TIMEOUT_S) -> Any:
        """`fn(engine)` run on the emulator's loop (awaited if it returns an awaitable)."""
        thread = self._caller_may_block()

        async def run() -> Any:
            assert self._engine is not None
            result = fn(self._engine)
            return await result if inspect.isawaitable(result) else result
        return thread.run(run(), timeout)

    def _caller_may_block(self) -> LoopThread:
        """The emulator's loop thread, if the calling thread may block waiting on it."""
        if self._thread is None or not self._thread.running:
            raise RuntimeError("the emulator is not running; call emu.start() first")
        if self._thread.is_current:
            raise RuntimeError("Emulator methods block; call them from another thread than the emulator's")
        return self._thread

    async def _serve(self) -> None:
        engine = Engine(self.worlds, speed=self._speed, seed=self._seed, faults=self._initial_faults,
                        clock=self.clock, now=self._expiry_clock)
        engine.ticket_ttl = self.ticket_ttl
        app = web.Application(middlewares=[make_guard(self)])
        app.router.add_route("*", "/{path:.*}", make_dispatcher(engine, self))
        # keepalive_timeout also closes a connection that never completes a request's headers
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0,
                               keepalive_timeout=self.idle_timeout, lingering_time=LINGERING_TIME_S)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self._port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._port = runner.addresses[0][1]
        engine.base_url = f"http://{self.host}:{self._port}"  # for the media URLs webhooks carry
        self._engine, self._runner = engine, runner

    async def _shutdown(self) -> None:
        if self._engine is not None:
            self._seed, self._speed = self.seed, self.speed  # a restart keeps the last in use
            await self._engine.shutdown()
        if self._runner is not None:
            await self._runner.cleanup()
        self._engine = self._runner = None


def new_api_key() -> str:
    """A fresh emulator key: 'emu-' and 24 random URL-safe characters.

        >>> key = new_api_key()
        >>> key.startswith("emu-"), len(key), key == new_api_key()
        (True, 28, False)
    """
    return "emu-" + secrets.token_urlsafe(18)
