"""Which rtstreams a capture session has, from whatever the caller holds.

`start_pipelines` accepts a `CaptureSession`, a session id, a `capture_session.active` payload
(webhook or WebSocket frame) or the store `Event` of one. Payloads are read defensively, as the
sample apps do (`capture_session_id or session_id`, `data.rtstreams or streams or channels`).

    >>> sid, streams = session_streams(None, {"capture_session_id": "cap-1", "data": {"rtstreams": [
    ...     {"rtstream_id": "rts-1", "name": "mic:default", "media_types": ["audio"]},
    ...     {"rtstream_id": "rts-3", "name": "display:1", "media_types": ["video"]}]}})
    >>> sid, [(s.id, s.media) for s in streams]
    ('cap-1', [('rts-1', 'audio'), ('rts-3', 'video')])
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from ..events.fields import stream_list

if TYPE_CHECKING:
    from videodb import CaptureSession, Connection

    from ..events.event import Event

#: what names a capture session: the SDK's CaptureSession, its id, a capture_session.active
#: payload (dict or JSON text) or the store Event of one
SessionSource: TypeAlias = "CaptureSession | str | bytes | Mapping[str, Any] | Event"

_AUDIO_NAMES = ("mic", "system_audio", "audio", "speaker")
_VIDEO_NAMES = ("display", "screen", "video", "camera")


@dataclass(frozen=True)
class Stream:
    id: str
    name: str
    media: str  # "audio" or "video"


def session_streams(conn: Connection | None, source: SessionSource, collection_id: str = "default") -> tuple[str, list[Stream]]:
    """(session id, its rtstreams). Fetches the session when the input does not list them."""
    payload = _payload(source)
    if payload is not None:
        session_id = payload.get("capture_session_id") or payload.get("session_id") or payload.get("id")
        if not isinstance(session_id, str) or not session_id:
            raise ValueError("this payload has no capture_session_id; pass a capture_session.active "
                             "payload, a CaptureSession or a session id")
        data = payload.get("data")
        listed = stream_list(data if isinstance(data, dict) else {}) or payload.get("rtstreams")
    elif isinstance(source, str):
        session_id, listed = source, None
    elif hasattr(source, "id") and hasattr(source, "rtstreams"):  # a CaptureSession
        session_id, listed = source.id, None
        collection_id = getattr(source, "collection_id", None) or collection_id
    else:
        raise TypeError("pass a CaptureSession, a session id, or a capture_session.active payload "
                        f"(dict), not {type(source).__name__}")
    if not listed:
        listed = _fetch(conn, session_id, collection_id)
    streams = [_stream(item) for item in listed]
    if not streams:
        raise ValueError(f"capture session {session_id} has no rtstreams yet; start pipelines once it "
                         "is active (e.g. from its capture_session.active webhook or feed event)")
    return session_id, streams


def _payload(source: object) -> dict[str, Any] | None:
    raw = getattr(source, "raw", source) if hasattr(source, "channel") else source
    if isinstance(raw, (str, bytes)) and raw[:1] in ("{", b"{"):
        raw = json.loads(raw)
    return dict(raw) if isinstance(raw, Mapping) else None


def _fetch(conn: Connection | None, session_id: str, collection_id: str) -> list[Any]:
    """The session's rtstreams as the service lists them (with media types, which the SDK's
    RTStream objects drop)."""
    if conn is None:
        raise ValueError(f"need a connection to look up capture session {session_id}")
    data = conn.get(path=f"collection/{collection_id}/capture/session/{session_id}")
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        data = data["data"]
    status = data.get("status") if isinstance(data, dict) else None
    listed = data.get("rtstreams") if isinstance(data, dict) else None
    if not listed or not isinstance(listed, list):
        raise ValueError(f"capture session {session_id} has no rtstreams yet (status {status!r}); "
                         "start pipelines once it is active")
    return listed


def _stream(item: object) -> Stream:
    if not isinstance(item, dict):
        raise ValueError(f"an rtstream entry must be an object with rtstream_id, name and "
                         f"media_types, not {item!r}")
    rid = item.get("rtstream_id") or item.get("id")
    name = item.get("name") or item.get("channel_id") or ""
    if not isinstance(rid, str) or not rid:
        raise ValueError(f"rtstream entry without rtstream_id: {item!r}")
    return Stream(rid, name, _media(item, name))


def _media(item: dict[str, Any], name: str) -> str:
    types = item.get("media_types") or [item.get("media_type") or item.get("type")]
    if "video" in types:
        return "video"
    if "audio" in types:
        return "audio"
    prefix = name.split(":", 1)[0].lower()
    if prefix in _VIDEO_NAMES or str(item.get("channel_id", "")).lower() in _VIDEO_NAMES:
        return "video"
    if prefix in _AUDIO_NAMES or str(item.get("channel_id", "")).lower() in _AUDIO_NAMES:
        return "audio"
    raise ValueError(f"cannot tell whether rtstream {item.get('rtstream_id') or item.get('id')} "
                     f"({name!r}) is audio or video; give it media_types")
