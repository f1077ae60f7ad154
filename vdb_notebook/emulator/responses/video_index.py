"""An exported video's indexes: index_spoken_words, index_scenes / index_visuals / index_audio
(one route), list_scene_index, get_scene_index, delete_scene_index.

Indexing answers at once (the SDK would poll a 'processing' answer for minutes). Scene index
records are {start, end, description} in seconds into the video, and list entries are
{name, scene_index_id, status: "done"}, as VideoDB's cookbook prints them; ids are 16 hex digits
like the cookbook's, so public code that pulls one out of VideoDB's "Scene index with id ...
already exists" message (re `id\\s+([a-f0-9]+)`) finds it.
"""
from __future__ import annotations

from typing import Any

from .. import footage
from ..engine import Engine
from ..errors import BadRequest
from ..models import SceneRecord, Video
from . import Answer, Req, number_field, render
from .videos import find_video

#: how index_scenes names an index it is given no name for ("Scene Index 2024-07-22 10:06")
DEFAULT_NAME = "Scene Index %Y-%m-%d %H:%M"


def index_spoken_words(engine: Engine, req: Req) -> Answer:
    """POST video/{id}/index {"index_type": "spoken_word", "force": ...}."""
    video = find_video(engine, req)
    kind = req.body.get("index_type") or "spoken_word"
    if kind != "spoken_word":
        raise BadRequest(f"index_type {kind!r}: this call indexes spoken words; index scenes with "
                         "video.index_scenes()")
    engine.state.library.index_spoken_words(video, bool(req.body.get("force")))
    return {}


def index_scenes(engine: Engine, req: Req) -> Answer:
    """POST video/{id}/index/scene: index_scenes / index_visuals (what the screen showed),
    index_audio (extraction_type "transcript": what the audio index says), or the `scenes`
    a user described (custom annotations)."""
    video = find_video(engine, req)
    name = req.body.get("name") or engine.clock.epoch_for(0.0).strftime(DEFAULT_NAME)
    index = engine.state.library.add_scene_index(video, req.body, str(name), _records(engine, video, req.body))
    return {"scene_index_id": index.id}


def _records(engine: Engine, video: Video, body: dict[str, Any]) -> list[SceneRecord]:
    scenes = body.get("scenes")
    if scenes:
        return [_given_scene(s, video) for s in scenes]
    streams = engine.state.rtstreams
    audio = [streams[r] for r in video.audio_rtstream_ids]
    kind = "audio_index" if body.get("extraction_type") == "transcript" else "visual_index"
    return footage.scenes(video, streams[video.rtstream_id], audio, kind)


def _given_scene(scene: Any, video: Video) -> SceneRecord:
    """A scene the caller described (Scene.to_json()): its window and description."""
    if not isinstance(scene, dict):
        raise BadRequest(f"each of scenes must be a Scene (start, end, description), not {scene!r}")
    start, end = number_field(scene, "start"), number_field(scene, "end")
    if start is None or end is None or not 0 <= start < end <= video.length:
        raise BadRequest(f"a scene's start and end must lie within the video (0 to {video.length} s), "
                         f"start < end; not {start!r} .. {end!r}")
    return SceneRecord(start=start, end=end, description=str(scene.get("description") or ""))


def list_scene_index(engine: Engine, req: Req) -> Answer:
    return {"scene_indexes": [render.video_index(i) for i in find_video(engine, req).scene_indexes.values()]}


def get_scene_index(engine: Engine, req: Req) -> Answer:
    index = engine.state.library.scene_index(find_video(engine, req), req.params["sid"])
    return {"scene_index_records": [dict(r) for r in index.records]}


def delete_scene_index(engine: Engine, req: Req) -> Answer:
    engine.state.library.delete_scene_index(find_video(engine, req), req.params["sid"])
    return {}

