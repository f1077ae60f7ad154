"""How state objects look in API answers: the fields VideoDB answers with (openapi.yaml of the
SDK repository, the cookbook's saved outputs) plus those the `videodb` SDK reads; no others.
docs/emulator_coverage.md lists where sources disagree and which one is followed."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from ...schema import CAPTURE_CHANNELS, CHANNEL_LABELS, media, payloads
from ..media.streams import stream_urls
from ..models import (
    Alert,
    Event,
    RtStream,
    SceneIndex,
    Session,
    StreamIndex,
    Understanding,
    Video,
    VideoIndex,
)
from ..state import EmulatorState

T = TypeVar("T")

PRIMARY_VIDEO_CHANNEL = next(c.name for c in CAPTURE_CHANNELS if c.media_type == "video")


def session(state: EmulatorState, s: Session) -> dict[str, Any]:
    """A capture session: openapi's CaptureSession, plus what CaptureSession reads
    (channels, rtstreams, export status, exported_video_id)."""
    connected = s.status != "created"
    return {
        "session_id": s.id,
        "collection_id": s.collection_id,
        "end_user_id": s.end_user_id,
        "client_id": None,
        "status": s.status,
        "callback_url": s.callback_url,
        "ws_connection_id": s.ws_connection_id,
        "metadata": s.metadata,
        "created_at": payloads.iso(s.epoch),
        "channels": [
            {"channel_id": c.name, "name": CHANNEL_LABELS[c.name], "type": c.media_type,
             "store": True, "is_primary": c.media_type == "video"}
            for c in CAPTURE_CHANNELS
        ] if connected else [],
        "primary_video_channel_id": PRIMARY_VIDEO_CHANNEL if connected else None,
        "rtstreams": [rtstream_summary(state.rtstreams[r]) for r in s.rtstream_ids],
        "export_status": s.export_status,
        "exported_video_id": s.exported_video_id,
    }


def live_since(r: RtStream) -> str:
    """When an rtstream went live (its session active, or connected), as ISO-8601."""
    return payloads.iso(r.origin_s * 1000)


def rtstream_summary(r: RtStream) -> dict[str, Any]:
    """An rtstream inside a session answer: `rtstream_id` (the SDK renames it to `id`) and the
    `channel_id` category that CaptureSession.get_rtstream("mic" | "screen" | "system_audio") matches."""
    return {"rtstream_id": r.id, "name": r.name, "channel_id": r.channel_id, "status": r.status,
            "media_types": list(r.media_types), "sample_rate": r.sample_rate, "created_at": live_since(r)}


def rtstream(r: RtStream) -> dict[str, Any]:
    """openapi's RTStream, plus `channel_id` for capture streams (the SDK's RTStream reads it)."""
    answer = {"id": r.id, "name": r.name, "status": r.status, "sample_rate": r.sample_rate,
              "media_types": list(r.media_types), "collection_id": r.collection_id,
              "store": r.store, "created_at": live_since(r)}
    if r.channel_id is not None:
        answer["channel_id"] = r.channel_id
    return answer


def index(i: SceneIndex) -> dict[str, Any]:
    return {"rtstream_index_id": i.id, "extraction_type": i.extraction_type,
            "extraction_config": i.extraction_config, "status": i.status, "prompt": i.prompt,
            "name": i.name}


def output_source(u: Understanding) -> dict[str, Any]:
    """understanding.outputs[name]: the continuous source descriptor rtstream.index() takes."""
    return {"type": "understanding", "asset_type": "rtstream", "rtstream_id": u.rtstream_id,
            "understanding_id": u.id, "output": u.output, "extract_type": "vlm", "mode": "continuous"}


def understanding(u: Understanding) -> dict[str, Any]:
    return {"understanding_id": u.id, "rtstream_id": u.rtstream_id, "status": u.status,
            "store": u.store, "segmentation": u.segmentation, "analyzers": u.analyzers,
            "outputs": {u.output: output_source(u)}}


def stream_index(i: StreamIndex) -> dict[str, Any]:
    return {"index_id": i.id, "rtstream_id": i.rtstream_id, "name": i.name, "status": i.status,
            "use_for": i.use_for, "source_understanding_id": i.understanding_id, "output": i.output}


def event(e: Event) -> dict[str, Any]:
    return {"event_id": e.id, "event_prompt": e.prompt, "label": e.label}


def alert(state: EmulatorState, a: Alert) -> dict[str, Any]:
    """An entry of list_alerts(), as openapi.yaml and the cookbook's output show it."""
    return {"alert_id": a.id, "event_id": a.event_id, "prompt": state.alerting.prompt_of(a),
            "label": a.label, "callback_url": a.callback_url, "status": a.status}


def urls(base: str, rtstream_id: str, start_s: float, end_s: float) -> dict[str, str]:
    """stream_url and player_url of a window of an rtstream (400 if it cannot be served)."""
    return stream_urls(base, [(rtstream_id, start_s, end_s)])


def video_thumbnail(base: str, v: Video) -> str:
    """A video's own thumbnail: its first frame (a JPEG the media routes draw)."""
    return media.frame_url(base, v.rtstream_id, v.start_s)


def video(base: str, v: Video) -> dict[str, Any]:
    """openapi's Video, for the fields an exported recording has."""
    return {"id": v.id, "name": v.name, "collection_id": v.collection_id, "length": v.length,
            **urls(base, v.rtstream_id, v.start_s, v.end_s),
            "thumbnail_url": video_thumbnail(base, v), "created_at": payloads.iso(v.end_s * 1000)}


def video_index(i: VideoIndex) -> dict[str, Any]:
    """An entry of video.list_scene_index(), as VideoDB's cookbook prints it."""
    return {"name": i.name, "scene_index_id": i.id, "status": i.status}


def page(items: Sequence[T], page_no: int, page_size: int) -> tuple[list[T], bool]:
    start = (page_no - 1) * page_size
    return list(items[start:start + page_size]), start + page_size < len(items)
