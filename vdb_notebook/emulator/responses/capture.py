"""Collections, capture sessions and their export, the WebSocket URL and client tokens."""
from __future__ import annotations

from ..engine import Engine
from ..errors import BadRequest
from . import Answer, Req, check_callback_url, render


def list_collections(engine: Engine, req: Req) -> Answer:
    return {"collections": list(engine.state.collections.by_id.values()), "default_collection": "default"}


def get_collection(engine: Engine, req: Req) -> Answer:
    return engine.state.collection(req.params["cid"])


def create_collection(engine: Engine, req: Req) -> Answer:
    return engine.state.collections.create(req.body)


def update_collection(engine: Engine, req: Req) -> Answer:
    return engine.state.collections.update(req.params["cid"], req.body)


def delete_collection(engine: Engine, req: Req) -> Answer:
    engine.state.collections.delete(req.params["cid"])
    return {}


def get_websocket_url(engine: Engine, req: Req) -> Answer:
    engine.state.collection(req.params["cid"])
    ticket = engine.state.passes.issue_ws_ticket(engine.ticket_ttl)
    ws_base = req.base.replace("http://", "ws://", 1)
    return {"websocket_url": f"{ws_base}/ws?token={ticket}"}


def create_capture_session(engine: Engine, req: Req) -> Answer:
    check_callback_url(req)
    return render.session(engine.state, engine.create_session(req.params["cid"], req.body))


def list_capture_sessions(engine: Engine, req: Req) -> Answer:
    sessions = engine.state.list_sessions(req.params["cid"], req.query.get("status"))
    return {"sessions": [render.session(engine.state, s) for s in sessions], "next_page": None}


def get_capture_session(engine: Engine, req: Req) -> Answer:
    return render.session(engine.state, engine.state.session(req.params["cid"], req.params["sid"]))


def export_capture_session(engine: Engine, req: Req) -> Answer:
    """session.export(): 'exporting' until the export is done, then 'exported' with the video."""
    session = engine.state.session(req.params["cid"], req.params["sid"])
    channel = req.body.get("video_channel_id") or render.PRIMARY_VIDEO_CHANNEL
    if channel != render.PRIMARY_VIDEO_CHANNEL:
        raise BadRequest(f"video_channel_id {channel!r} is not a video channel of this session; "
                         f"use {render.PRIMARY_VIDEO_CHANNEL!r} (or leave it out for the primary display)")
    engine.request_export(session, req.body.get("connection_id"))
    answer = {"session_id": session.id, "video_channel_id": channel, "export_status": session.export_status}
    if session.export_status == "exported":
        video = engine.state.export_session(session)  # the one made when it was exported
        answer.update(video_id=video.id, **render.urls(req.base, video.rtstream_id, video.start_s, video.end_s))
    return answer


def generate_client_token(engine: Engine, req: Req) -> Answer:
    expires_in = req.body.get("expires_in", 86400)
    issued = engine.clock.epoch_for(0.0).timestamp()  # EPOCH, or now on the wall clock
    return {"token": engine.state.passes.issue_client_token(expires_in), "expires_at": issued + expires_in,
            "expires_in": expires_in}
