"""Control endpoints under /_emulator/ (as moto has /moto-api/): reset, seed, speed, faults,
state, deliveries, and the desktop client's start/stop/fail of a capture session.

    POST /_emulator/reset                      forget everything (same seed)
    POST /_emulator/seed      {"seed": 7}      forget everything, new seed
    GET|POST /_emulator/speed {"speed": 60}    a number, "max", or null for the scenario's default
    GET|POST /_emulator/faults {"drop_ws_after": 10}   ?replace=1 resets unnamed faults to off
    GET /_emulator/state       sessions, pipelines, connections, counters
    GET /_emulator/deliveries  every webhook attempt
    POST /_emulator/capture/{session_id}/start | stop | fail {"message": "..."}
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from aiohttp import web

from . import views
from .engine import Engine
from .routes import answer, failure, read_body
from .state import ApiError

PREFIX = "/_emulator"


def add_control_routes(app: web.Application, engine: Engine) -> None:
    def endpoint(fn: Callable[[web.Request, dict[str, Any]], Awaitable[Any]]) -> Callable[..., Any]:
        async def handle(request: web.Request) -> web.Response:
            try:
                return answer(await fn(request, await read_body(request)))
            except ApiError as exc:
                return failure(exc.message, exc.status)
            except ValueError as exc:
                return failure(str(exc), 400)
        return handle

    async def reset(request: web.Request, body: dict[str, Any]) -> Any:
        await engine.reset()
        return engine.snapshot()

    async def seed(request: web.Request, body: dict[str, Any]) -> Any:
        value = body.get("seed")
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"seed must be a whole number, not {value!r}")
        await engine.reset(value)
        return engine.snapshot()

    async def speed(request: web.Request, body: dict[str, Any]) -> Any:
        if request.method == "POST":
            engine.set_speed(body.get("speed"))
        return {"speed": engine.speed}

    async def faults(request: web.Request, body: dict[str, Any]) -> Any:
        if request.method == "POST":
            engine.set_faults(body, replace=request.query.get("replace") in ("1", "true"))
        return engine.faults.as_dict()

    async def state(request: web.Request, body: dict[str, Any]) -> Any:
        return engine.snapshot()

    async def deliveries(request: web.Request, body: dict[str, Any]) -> Any:
        return {"deliveries": engine.sender.deliveries}

    async def capture(request: web.Request, body: dict[str, Any]) -> Any:
        sid, verb = request.match_info["sid"], request.match_info["verb"]
        if verb == "start":
            session = engine.start_capture(sid)
        elif verb == "stop":
            session = engine.stop_capture(sid)
        elif verb == "fail":
            session = engine.fail_capture(sid, str(body.get("message") or "capture failed"))
        else:
            raise ApiError(f"unknown capture action {verb!r}; use start, stop or fail", status=404)
        return views.session(engine.state, session)

    app.router.add_post(f"{PREFIX}/reset", endpoint(reset))
    app.router.add_post(f"{PREFIX}/seed", endpoint(seed))
    app.router.add_route("*", f"{PREFIX}/speed", endpoint(speed))
    app.router.add_route("*", f"{PREFIX}/faults", endpoint(faults))
    app.router.add_get(f"{PREFIX}/state", endpoint(state))
    app.router.add_get(f"{PREFIX}/deliveries", endpoint(deliveries))
    app.router.add_post(PREFIX + "/capture/{sid}/{verb}", endpoint(capture))
