"""The endpoints the desktop capture binary calls, with the client token or the API key
(access "client" in urls.py).

Public evidence is videodb-python's openapi.yaml: `POST /capture/session/start` takes
`{session_id, channels: [{channel_id, channel_name, type, store}], ws_connection_id,
callback_url}` and answers `{session_id, status: "starting"}`; `POST
/capture/session/{id}/stop` answers a plain success. videodb-node's types mark its
startSession config "Matches API: POST /capture/session/start". The stand-in binary
(capture_client.py) calls these; they drive the session as `Emulator.start_capture` and
`stop_capture` do (created -> starting -> active; active -> stopping -> stopped -> exported).
"""
from __future__ import annotations

from typing import Any

from ...schema import CAPTURE_CHANNELS
from ..engine import Engine
from ..errors import BadRequest
from . import Answer, Req, check_callback_url

CHANNEL_IDS = tuple(c.name for c in CAPTURE_CHANNELS)
MEDIA_TYPES = ("audio", "video")


def start_capture_session(engine: Engine, req: Req) -> Answer:
    sid = req.body.get("session_id")
    if not isinstance(sid, str) or not sid:
        raise BadRequest("session_id is required: the id of a capture session in status 'created'")
    _check_channels(req.body.get("channels"))
    if req.body.get("callback_url") is not None:
        check_callback_url(req)
    routing = {key: req.body.get(key) for key in ("ws_connection_id", "callback_url")}
    for key, value in routing.items():
        if value is not None and not isinstance(value, str):
            raise BadRequest(f"{key} must be a string, not {type(value).__name__}")
    session = engine.state.find_session(sid)
    if session.status == "created":  # else start_capture refuses, and nothing changes
        for key, value in routing.items():
            if value:
                setattr(session, key, value)
    engine.start_capture(sid)
    # The status the session entered on this call, as openapi.yaml shows; the emulator moves
    # it on to active at once (the service does when the first media arrives).
    return {"session_id": session.id, "status": "starting"}


def stop_capture_session(engine: Engine, req: Req) -> Answer:
    engine.stop_capture(req.params["sid"])
    return None


def _check_channels(channels: Any) -> None:
    if not isinstance(channels, list) or not channels:
        raise BadRequest("channels is required: a non-empty list of {channel_id, type, store}")
    for channel in channels:
        if not isinstance(channel, dict) or channel.get("channel_id") not in CHANNEL_IDS:
            got = channel.get("channel_id") if isinstance(channel, dict) else channel
            raise BadRequest(f"unknown channel {got!r}; the emulated desktop has {', '.join(CHANNEL_IDS)}")
        if channel.get("type", "audio") not in MEDIA_TYPES:
            raise BadRequest(f"channel type must be audio or video, not {channel.get('type')!r}")
