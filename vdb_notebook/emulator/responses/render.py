"""How state objects look in API answers: the field names the `videodb` SDK reads."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from ...schema import CAPTURE_CHANNELS, EPOCH, payloads
from ..scenario import ACTIVE_OFFSET_MS
from ..state import Alert, EmulatorState, Event, RtStream, SceneIndex, Session

#: rtstreams open when their session turns active.
ACTIVE_AT = payloads.iso(EPOCH + timedelta(milliseconds=ACTIVE_OFFSET_MS))


def session(state: EmulatorState, s: Session) -> dict[str, Any]:
    """A capture session. Only `id` (never also `session_id`): the SDK pops one and passes the rest on."""
    connected = s.status != "created"
    return {
        "id": s.id,
        "collection_id": s.collection_id,
        "end_user_id": s.end_user_id,
        "client_id": None,
        "status": s.status,
        "callback_url": s.callback_url,
        "ws_connection_id": s.ws_connection_id,
        "metadata": s.metadata,
        "created_at": payloads.iso(EPOCH),
        "channels": [
            {"channel_id": cid, "name": name, "type": media, "store": True, "is_primary": media == "video"}
            for cid, name, media, _ in CAPTURE_CHANNELS
        ] if connected else [],
        "primary_video_channel_id": "screen" if connected else None,
        "rtstreams": [rtstream_summary(state.rtstreams[r]) for r in s.rtstream_ids],
        "exported_video_id": s.exported_video_id,
        "export_status": "exported" if s.exported_video_id else None,
        "error": s.error,
    }


def _rtstream_fields(r: RtStream) -> dict[str, Any]:
    return {"name": r.name, "media_types": [r.media_type], "channel_id": r.channel_id,
            "status": r.status, "sample_rate": 30, "created_at": ACTIVE_AT}


def rtstream_summary(r: RtStream) -> dict[str, Any]:
    """An rtstream inside a session answer: `rtstream_id`, which the SDK renames to `id`."""
    return {"rtstream_id": r.id, **_rtstream_fields(r)}


def rtstream(r: RtStream) -> dict[str, Any]:
    return {"id": r.id, **_rtstream_fields(r), "collection_id": r.collection_id,
            "capture_session_id": r.session_id, "stream_url": None, "player_url": None}


def index(i: SceneIndex) -> dict[str, Any]:
    return {
        "rtstream_index_id": i.id,
        "rtstream_id": i.rtstream_id,
        "extraction_type": i.extraction_type,
        "extraction_config": i.extraction_config,
        "prompt": i.prompt,
        "name": i.name,
        "status": i.status,
        "ws_connection_id": i.ws_connection_id,
    }


def event(e: Event) -> dict[str, Any]:
    return {"event_id": e.id, "event_prompt": e.prompt, "label": e.label}


def alert(a: Alert) -> dict[str, Any]:
    """An alert and the times it fired so far (`fired`, one record per trigger)."""
    return {
        "alert_id": a.id,
        "event_id": a.event_id,
        "label": a.label,
        "status": a.status,
        "callback_url": a.callback_url,
        "ws_connection_id": a.ws_connection_id,
        "rtstream_id": a.rtstream_id,
        "rtstream_index_id": a.index_id,
        "fired": list(a.fired),
    }


def page(items: list[dict[str, Any]], page_no: int, page_size: int) -> tuple[list[dict[str, Any]], bool]:
    start = (page_no - 1) * page_size
    return items[start:start + page_size], start + page_size < len(items)
