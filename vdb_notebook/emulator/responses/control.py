"""The control routes under /_emulator/ (as moto has /moto-api/): they need the emulator's key
in `x-access-token` and JSON bodies (guard.py); `Emulator` methods call them in-process.

    POST /_emulator/reset                      forget everything (same seed)
    POST /_emulator/seed      {"seed": 7}      forget everything, new seed
    GET|POST /_emulator/speed {"speed": 60}    a number, "max", or null for the scenario's default
    GET|POST /_emulator/faults {"drop_ws_after": 10}   ?replace=1 resets unnamed faults to off
    GET /_emulator/state       sessions, pipelines, connections, counters
    GET /_emulator/deliveries  every webhook attempt
    POST /_emulator/capture/{sid}/start | stop | fail {"message": "..."}
    POST /_emulator/world {"world": "cctv", "session_id": "cap-..."}   or "end_user_id": "..."
"""
from __future__ import annotations

from typing import Any

from ..engine import Engine
from ..errors import ApiError, BadRequest
from . import Answer, Req, render


def snapshot(engine: Engine) -> dict[str, Any]:
    """Sessions, pipelines, open connections and counters (also `Emulator.state()`)."""
    return {
        "scenario": engine.scenario.name,
        "worlds": {s.id: (s.world or engine.scenario).name for s in engine.state.sessions.values()},
        "seed": engine.state.seed,
        "speed": engine.speed,
        "faults": engine.faults.as_dict(),
        "sessions": [render.session(engine.state, s) for s in engine.state.sessions.values()],
        "pipelines": {k: {"running": p.running, "frames": p.cursor} for k, p in engine.pipelines.items()},
        # where each index's and alert's frames go (no API answer carries that)
        "indexes": {i.id: {"rtstream_id": i.rtstream_id, "status": i.status, "ws_connection_id": i.ws_connection_id}
                    for i in engine.state.indexes.values()},
        "alerts": {a.id: {"index_id": a.index_id, "label": a.label, "status": a.status,
                          "ws_connection_id": a.ws_connection_id, "fired": len(a.fired)}
                   for a in engine.state.alerting.alerts.values()},
        "connections": {cid: c.sent for cid, c in engine.hub.clients.items()},  # open ones
        "frames_by_connection": engine.hub.sent_by_connection(),
        "frames_sent": engine.hub.frames_sent,
        "webhook_attempts": len(engine.sender.deliveries),
    }


async def reset(engine: Engine, req: Req) -> Answer:
    await engine.reset()
    return snapshot(engine)


async def seed(engine: Engine, req: Req) -> Answer:
    value = req.body.get("seed")
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest(f"seed must be a whole number, not {value!r}")
    await engine.reset(value)
    return snapshot(engine)


def get_speed(engine: Engine, req: Req) -> Answer:
    return {"speed": engine.speed}


def set_speed(engine: Engine, req: Req) -> Answer:
    try:
        engine.set_speed(req.body.get("speed"))
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    return get_speed(engine, req)


def get_faults(engine: Engine, req: Req) -> Answer:
    return engine.faults.as_dict()


def set_faults(engine: Engine, req: Req) -> Answer:
    try:
        engine.set_faults(req.body, replace=req.query.get("replace") in ("1", "true"))
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    return get_faults(engine, req)


def state(engine: Engine, req: Req) -> Answer:
    return snapshot(engine)


def deliveries(engine: Engine, req: Req) -> Answer:
    return {"deliveries": engine.sender.deliveries}


def capture(engine: Engine, req: Req) -> Answer:
    """The desktop client's part: start, stop or fail a capture session."""
    sid, verb = req.params["sid"], req.params["verb"]
    if verb == "start":
        session = engine.start_capture(sid)
    elif verb == "stop":
        session = engine.stop_capture(sid)
    elif verb == "fail":
        session = engine.fail_capture(sid, str(req.body.get("message") or "capture failed"))
    else:
        raise ApiError(f"unknown capture action {verb!r}; use start, stop or fail", status=404)
    return render.session(engine.state, session)


def set_world(engine: Engine, req: Req) -> Answer:
    """What `Emulator.set_world` does, for a process that drives the emulator over HTTP."""
    world, sid, user = req.body.get("world"), req.body.get("session_id"), req.body.get("end_user_id")
    if not isinstance(world, str) or not world or (sid is None) == (user is None):
        raise BadRequest('send {"world": "<name or path>", "session_id": "..."} or '
                         '{"world": ..., "end_user_id": "..."}')
    try:
        if sid is not None:
            return {"world": engine.set_world(str(sid), world).name, "session_id": sid}
        return {"world": engine.state.worlds.set(world, end_user_id=str(user)).name, "end_user_id": user}
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
