"""HTTP and WebSocket handlers: parse the request, call the engine, render the SDK's envelope.

Every answer is `{"success": true, "data": ...}` or `{"success": false, "message": ...}` with
401 (bad `x-access-token`), 400 (bad body or parameters), 404 (unknown id or path), 405 or 409.
Control endpoints live under `/_emulator/` and need no key (the server binds loopback).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from aiohttp import WSMsgType, web

from . import views
from .engine import Engine
from .state import ApiError, BadRequest, NotFound


@dataclass
class Req:
    """What a handler needs from a request."""

    params: dict[str, str]
    query: Any
    body: dict[str, Any]
    base: str  # scheme://host:port of this server


Handler = Callable[[Engine, Req], Any]
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")

    def register(handler: Handler) -> Handler:
        ROUTES.append((method, regex, handler))
        return handler
    return register


def query_value(req: Req, name: str) -> str | None:
    """A query parameter, or None when absent, empty or "None" (a None formatted into a URL)."""
    raw = req.query.get(name)
    return None if raw in (None, "", "None") else raw


def int_param(req: Req, name: str, default: int, minimum: int = 1) -> int:
    raw = query_value(req, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise BadRequest(f"{name} must be >= {minimum}, not {value}")
    return value


def ms_param(req: Req, name: str) -> float | None:
    """A time filter: epoch ms, or epoch seconds (values below 1e11 are read as seconds)."""
    raw = query_value(req, name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a timestamp (epoch ms or seconds), not {raw!r}") from None
    return value * 1000 if value < 1e11 else value


def action(req: Req, allowed: tuple[str, ...]) -> str:
    value = req.body.get("action")
    if value not in allowed:
        raise BadRequest(f"action must be one of {list(allowed)}, not {value!r}")
    return value


# collections, websocket, sessions ------------------------------------------------------------
@route("GET", "collection/{cid}")
def get_collection(engine: Engine, req: Req) -> Any:
    return engine.state.collection(req.params["cid"])


@route("GET", "collection/{cid}/websocket")
def get_websocket_url(engine: Engine, req: Req) -> Any:
    engine.state.collection(req.params["cid"])
    ticket = engine.state.ids.new("wst")
    engine.state.ws_tickets.add(ticket)
    ws_base = req.base.replace("http://", "ws://", 1)
    return {"websocket_url": f"{ws_base}/ws?token={ticket}"}


@route("POST", "collection/{cid}/capture/session")
def create_capture_session(engine: Engine, req: Req) -> Any:
    return views.session(engine.state, engine.create_session(req.params["cid"], req.body))


@route("GET", "collection/{cid}/capture/session")
def list_capture_sessions(engine: Engine, req: Req) -> Any:
    sessions = engine.state.list_sessions(req.params["cid"], req.query.get("status"))
    return {"sessions": [views.session(engine.state, s) for s in sessions]}


@route("GET", "collection/{cid}/capture/session/{sid}")
def get_capture_session(engine: Engine, req: Req) -> Any:
    return views.session(engine.state, engine.state.session(req.params["cid"], req.params["sid"]))


@route("POST", "collection/{cid}/capture/session/{sid}/export")
def export_capture_session(engine: Engine, req: Req) -> Any:
    session = engine.state.session(req.params["cid"], req.params["sid"])
    if session.status != "exported":
        raise ApiError(f"capture session {session.id} is {session.status!r}; it can be exported once "
                       "stopped (emu.stop_capture(session_id) drives it to 'exported')", status=409)
    video = session.exported_video_id
    return {"session_id": session.id, "video_channel_id": req.body.get("video_channel_id") or "screen",
            "export_status": "exported", "video_id": video,
            "stream_url": f"https://stream.videodb.io/v3/published/manifests/{video}.m3u8",
            "player_url": f"https://console.videodb.io/player?url={video}"}


@route("POST", "capture/session/token")
def generate_client_token(engine: Engine, req: Req) -> Any:
    expires_in = req.body.get("expires_in", 86400)
    if not isinstance(expires_in, int) or isinstance(expires_in, bool) or expires_in <= 0:
        raise BadRequest(f"expires_in must be a positive number of seconds, not {expires_in!r}")
    return {"token": engine.state.ids.new("ct"), "expires_in": expires_in}


# rtstreams and events ---------------------------------------------------------------------------
@route("GET", "rtstream")
def list_rtstreams(engine: Engine, req: Req) -> Any:
    status, name = req.query.get("status"), req.query.get("name")
    found = [r for r in engine.state.rtstreams.values()
             if (not status or r.status == status) and (not name or name in r.name)]
    offset = int_param(req, "offset", 0, minimum=0)
    limit = int_param(req, "limit", len(found) or 1)
    return {"results": [views.rtstream(r) for r in found[offset:offset + limit]]}


@route("POST", "rtstream/event")
def create_event(engine: Engine, req: Req) -> Any:
    return views.event(engine.state.create_event(req.body))


@route("GET", "rtstream/event")
def list_events(engine: Engine, req: Req) -> Any:
    return {"events": [views.event(e) for e in engine.state.events.values()]}


@route("GET", "rtstream/{rid}")
def get_rtstream(engine: Engine, req: Req) -> Any:
    return views.rtstream(engine.state.rtstream(req.params["rid"]))


@route("PATCH", "rtstream/{rid}/status")
def set_rtstream_status(engine: Engine, req: Req) -> Any:
    rts = engine.state.rtstream(req.params["rid"])
    if action(req, ("start", "stop")) == "start":
        session = engine.state.sessions[rts.session_id]
        if session.status != "active":
            raise ApiError(f"rtstream {rts.id} belongs to a {session.status!r} capture session; "
                           "it can only be started while the session is active", status=409)
        rts.status = "connected"
    else:
        rts.status = "stopped"
        engine.stop_rtstream_pipelines(rts)
    return views.rtstream(rts)


@route("POST", "rtstream/{rid}/transcription")
def transcription(engine: Engine, req: Req) -> Any:
    rts = engine.state.rtstream(req.params["rid"])
    if action(req, ("start", "stop")) == "start":
        engine.start_transcript(rts, req.body.get("ws_connection_id"))
    else:
        engine.stop_transcript(rts)
    return {"rtstream_id": rts.id, "status": "running" if rts.transcript_running else "stopped",
            "engine": req.body.get("engine") or "assemblyai",
            "ws_connection_id": engine.state.target_ws(rts, rts.transcript_ws)}


@route("GET", "rtstream/{rid}/transcription")
def get_transcript(engine: Engine, req: Req) -> Any:
    rts = engine.state.rtstream(req.params["rid"])
    start, end, since = ms_param(req, "start"), ms_param(req, "end"), ms_param(req, "since")
    found = [s for s in rts.transcript
             if (start is None or s["end"] >= start) and (end is None or s["start"] <= end)
             and (since is None or s["start"] > since)]
    page_no, size = int_param(req, "page", 1), min(int_param(req, "page_size", 100), 1000)
    items, more = views.page(found, page_no, size)
    return {"rtstream_id": rts.id, "status": "running" if rts.transcript_running else "stopped",
            "segments": items, "page": page_no, "page_size": size, "total": len(found), "next_page": more}


# indexes and alerts -------------------------------------------------------------------------------
@route("POST", "rtstream/{rid}/index/scene")
def create_index(engine: Engine, req: Req) -> Any:
    rts = engine.state.rtstream(req.params["rid"])
    engine.require_connected(rts, "index_audio/index_visuals")
    index = engine.state.create_index(rts, req.body)
    engine.start_index(index)
    return views.index(index)


@route("GET", "rtstream/{rid}/index/scene")
def list_indexes(engine: Engine, req: Req) -> Any:
    rts = engine.state.rtstream(req.params["rid"])
    return {"scene_indexes": [views.index(i) for i in engine.state.indexes.values() if i.rtstream_id == rts.id]}


@route("GET", "rtstream/{rid}/index/scene/{idx}")
def get_scenes(engine: Engine, req: Req) -> Any:
    rts = engine.state.rtstream(req.params["rid"])
    index = engine.state.index(rts, req.params["idx"])
    start, end = ms_param(req, "start"), ms_param(req, "end")
    found = [r for r in index.records
             if (start is None or r["end"] >= start) and (end is None or r["start"] <= end)]
    items, more = views.page(found, int_param(req, "page", 1), int_param(req, "page_size", 100))
    return {"scene_index_records": items, "next_page": more}


@route("PATCH", "rtstream/{rid}/index/scene/{idx}/status")
def set_index_status(engine: Engine, req: Req) -> Any:
    index = engine.state.index(engine.state.rtstream(req.params["rid"]), req.params["idx"])
    if action(req, ("start", "stop")) == "start":
        engine.start_index(index)
    else:
        engine.stop_index(index)
    return views.index(index)


@route("GET", "rtstream/{rid}/index/{idx}")
def get_index(engine: Engine, req: Req) -> Any:
    return views.index(engine.state.index(engine.state.rtstream(req.params["rid"]), req.params["idx"]))


@route("POST", "rtstream/{rid}/index/{idx}/alert")
def create_alert(engine: Engine, req: Req) -> Any:
    index = engine.state.index(engine.state.rtstream(req.params["rid"]), req.params["idx"])
    alert = engine.state.create_alert(index, req.body)
    if index.status == "connected":
        engine.start_alert(alert)
    return views.alert(alert)


@route("GET", "rtstream/{rid}/index/{idx}/alert")
def list_alerts(engine: Engine, req: Req) -> Any:
    index = engine.state.index(engine.state.rtstream(req.params["rid"]), req.params["idx"])
    return {"alerts": [views.alert(a) for a in engine.state.alerts_of(index)]}


@route("PATCH", "rtstream/{rid}/index/{idx}/alert/{aid}/status")
def set_alert_status(engine: Engine, req: Req) -> Any:
    index = engine.state.index(engine.state.rtstream(req.params["rid"]), req.params["idx"])
    alert = engine.state.alert(index, req.params["aid"])
    alert.status = "enabled" if action(req, ("enable", "disable")) == "enable" else "disabled"
    return views.alert(alert)


# dispatch ------------------------------------------------------------------------------------------
def answer(data: Any, status: int = 200) -> web.Response:
    return web.json_response({"success": True, "data": data}, status=status)


def failure(message: str, status: int) -> web.Response:
    return web.json_response({"success": False, "message": message}, status=status)


async def read_body(request: web.Request) -> dict[str, Any]:
    if request.method not in ("POST", "PATCH", "PUT"):
        return {}
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"request body is not JSON ({exc}); send one JSON object") from None
    if not isinstance(body, dict):
        raise BadRequest(f"request body must be a JSON object, not {type(body).__name__}")
    return body


def find_route(method: str, path: str) -> tuple[Handler, dict[str, str]]:
    allowed = []
    for verb, regex, handler in ROUTES:
        match = regex.match(path)
        if match:
            if verb == method:
                return handler, match.groupdict()
            allowed.append(verb)
    if allowed:
        raise ApiError(f"{method} is not allowed on /{path}; use {' or '.join(sorted(set(allowed)))}", status=405)
    raise NotFound(f"no such endpoint: {method} /{path} (the emulator serves VideoDB's capture and "
                   "rtstream API; docs/emulator_coverage.md lists every call)")


def make_api_handler(engine: Engine, api_key: str) -> Callable[..., Any]:
    async def api(request: web.Request) -> web.Response:
        path = request.match_info["path"].strip("/")
        if request.headers.get("x-access-token") != api_key:
            return failure("invalid or missing x-access-token: connect with the emulator's key "
                           "(emu.api_key, or emu.connect())", 401)
        try:
            handler, params = find_route(request.method, path)
            body = await read_body(request)
            base = f"{request.scheme}://{request.host}"
            return answer(handler(engine, Req(params, request.query, body, base)))
        except ApiError as exc:
            return failure(exc.message, exc.status)
    return api


def make_media_handler(engine: Engine, handler: Callable[..., Any]) -> Callable[..., Any]:
    """An aiohttp handler for a media route (no key: browsers fetch these)."""
    async def media(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(engine, Req(dict(request.match_info), request.query, {}, ""))
        except ApiError as exc:
            return failure(exc.message, exc.status)
    return media


def make_ws_handler(engine: Engine) -> Callable[..., Any]:
    async def websocket(request: web.Request) -> web.StreamResponse:
        if request.query.get("token") not in engine.state.ws_tickets:
            return failure("invalid or missing token in the WebSocket URL: get the URL from "
                           "conn.connect_websocket()", 401)
        ws = web.WebSocketResponse(autoclose=False, compress=False)  # small JSON frames on loopback
        await ws.prepare(request)
        client = engine.hub.attach(engine.state.ids.new("ws"), ws, request)
        try:
            await ws.send_str(json.dumps({"connection_id": client.id}))
            async for msg in ws:  # clients send nothing we act on; this ends on close or error
                if msg.type == WSMsgType.ERROR:
                    break
        except (ConnectionError, RuntimeError):
            pass
        finally:
            engine.hub.detach(client)
            await engine.hub.hang_up(client)
        return ws
    return websocket
