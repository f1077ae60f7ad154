"""Collections, capture sessions, the WebSocket URL and client tokens."""
from __future__ import annotations

from typing import Any

from ..engine import Engine
from ..state import ApiError, BadRequest
from . import Req, render


def get_collection(engine: Engine, req: Req) -> Any:
    return engine.state.collection(req.params["cid"])


def get_websocket_url(engine: Engine, req: Req) -> Any:
    engine.state.collection(req.params["cid"])
    ticket = engine.state.ids.new("wst")
    engine.state.ws_tickets.add(ticket)
    ws_base = req.base.replace("http://", "ws://", 1)
    return {"websocket_url": f"{ws_base}/ws?token={ticket}"}


def create_capture_session(engine: Engine, req: Req) -> Any:
    return render.session(engine.state, engine.create_session(req.params["cid"], req.body))


def list_capture_sessions(engine: Engine, req: Req) -> Any:
    sessions = engine.state.list_sessions(req.params["cid"], req.query.get("status"))
    return {"sessions": [render.session(engine.state, s) for s in sessions]}


def get_capture_session(engine: Engine, req: Req) -> Any:
    return render.session(engine.state, engine.state.session(req.params["cid"], req.params["sid"]))


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


def generate_client_token(engine: Engine, req: Req) -> Any:
    expires_in = req.body.get("expires_in", 86400)
    if not isinstance(expires_in, int) or isinstance(expires_in, bool) or expires_in <= 0:
        raise BadRequest(f"expires_in must be a positive number of seconds, not {expires_in!r}")
    return {"token": engine.state.ids.new("ct"), "expires_in": expires_in}
