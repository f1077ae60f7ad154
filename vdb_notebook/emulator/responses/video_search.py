"""Searching an exported video, and compiling shots into one stream.

`video.search(query)` (SDK 0.5.1's Search V2: POST video/{id}/search/v2, answering
`{response_type: "shots", results}`) searches every index the video has; the legacy form
(`search_type=SearchType.semantic | keyword`, `index_type=IndexType.spoken_word | scene`,
POST video/{id}/search) searches one kind. Both rank with relevance.py's BM25, as rtstream
search does, over the spoken-word index (one document per line said) and the scene indexes
(one per record), so the words that were said find their moment first. A keyword search keeps
only documents holding every term of the query. Each result is
`{collection_id, video_id, length, title, docs: [{start, end, text, score}]}` (a scene record's
doc adds its `scene_index_id`); nothing found is VideoDB's "No results found" error.

`SearchResult.compile()` posts the shots as `[{video_id, collection_id, shots: [[start, end]]}]`
to `compile`; the answer is one stream of those windows in order (media.streams.stream_urls).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import footage
from ..engine import Engine
from ..errors import BadRequest
from ..media.streams import stream_urls
from ..models import TranscriptRecord, Video
from ..relevance import rank, tokens
from . import Answer, Req, number_field
from .videos import find_video

SEARCH_TYPES = ("semantic", "keyword")
INDEX_TYPES = ("spoken_word", "scene")
DEFAULT_RESULTS = 5  # the SDK's SemanticSearchDefaultValues.result_threshold
DEFAULT_TOP_K = 10


def _spoken(engine: Engine, video: Video) -> list[TranscriptRecord]:
    if not video.spoken_indexed:
        raise BadRequest(f"video {video.id} has no spoken word index; call video.index_spoken_words() first")
    audio = [engine.state.rtstreams[r] for r in video.audio_rtstream_ids]
    return footage.lines(video, audio)


def _scenes(video: Video, scene_index_id: str | None) -> list[dict[str, Any]]:
    indexes = [i for i in video.scene_indexes.values() if scene_index_id in (None, i.id)]
    if not indexes:
        raise BadRequest(f"video {video.id} has no scene index {scene_index_id or ''}; call "
                         "video.index_scenes() first (video.list_scene_index() lists them)".replace("  ", " "))
    return [{"start": r["start"], "end": r["end"], "text": r["description"], "scene_index_id": i.id}
            for i in indexes for r in i.records]


def _answer(video: Video, docs: Sequence[Mapping[str, Any]], query: Any, *, keyword: bool = False,
            limit: int, threshold: float = 0.0, dynamic: float | None = None) -> list[dict[str, Any]]:
    """The ranked docs as the one result of `video`; VideoDB's error when none qualifies."""
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("query is required: what to look for, e.g. video.search('card number')")
    ranked = rank(query, [d["text"] for d in docs])
    if keyword:
        wanted = set(tokens(query))
        ranked = [(i, s) for i, s in ranked if wanted <= set(tokens(docs[i]["text"]))]
    if dynamic is not None and ranked:  # keep what scores within dynamic% of the best
        ranked = [(i, s) for i, s in ranked if s >= ranked[0][1] * (1 - dynamic / 100)]
    found = [{**docs[i], "score": score} for i, score in ranked if score >= threshold][:limit]
    if not found:
        raise BadRequest("No results found")
    return [{"collection_id": video.collection_id, "video_id": video.id, "length": video.length,
             "title": video.name, "docs": found}]


def _count(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name)
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise BadRequest(f"{name} must be a whole number >= 1, not {value!r}")
    return value


def legacy_search(engine: Engine, req: Req) -> Answer:
    """POST video/{id}/search: one index type, semantic or keyword."""
    video, body = find_video(engine, req), req.body
    search_type, index_type = body.get("search_type") or "semantic", body.get("index_type") or "spoken_word"
    if search_type not in SEARCH_TYPES or index_type not in INDEX_TYPES:
        raise BadRequest(f"search_type must be one of {list(SEARCH_TYPES)} and index_type one of "
                         f"{list(INDEX_TYPES)}, not {search_type!r} / {index_type!r}")
    if body.get("filter"):
        raise BadRequest("metadata filters are not emulated offline; search without filter=")
    docs: Sequence[Mapping[str, Any]] = (_spoken(engine, video) if index_type == "spoken_word"
                                         else _scenes(video, body.get("scene_index_id")))
    threshold = number_field(body, "score_threshold") or 0.0
    results = _answer(video, docs, body.get("query"), keyword=search_type == "keyword",
                      limit=_count(body, "result_threshold", DEFAULT_RESULTS), threshold=threshold,
                      dynamic=number_field(body, "dynamic_score_percentage"))
    return {"results": results}


def search(engine: Engine, req: Req) -> Answer:
    """POST video/{id}/search/v2: every index the video has, best first, top_k of them."""
    video = find_video(engine, req)
    if not video.spoken_indexed and not video.scene_indexes:
        raise BadRequest(f"video {video.id} has no index to search; call video.index_spoken_words() "
                         "or video.index_scenes() first")
    docs = [*(_spoken(engine, video) if video.spoken_indexed else []),
            *(_scenes(video, None) if video.scene_indexes else [])]
    results = _answer(video, docs, req.body.get("query"), limit=_count(req.body, "top_k", DEFAULT_TOP_K),
                      threshold=number_field(req.body, "score_threshold") or 0.0)
    return {"response_type": "shots", "results": results}


def compile_shots(engine: Engine, req: Req) -> Answer:
    """POST compile [{video_id, collection_id, shots: [[start, end]]}]: one stream of the shots."""
    items = req.body.get("items")
    if not isinstance(items, list) or not items:
        raise BadRequest("send the shots to compile as a list of {video_id, collection_id, shots: "
                         "[[start, end]]}, as SearchResult.compile() does")
    windows = [window for item in items for window in _windows(engine, item)]
    return stream_urls(req.base, windows)


def _windows(engine: Engine, item: Any) -> list[tuple[str, float, float]]:
    if not isinstance(item, dict) or not isinstance(item.get("shots"), list):
        raise BadRequest(f"each item to compile needs video_id and shots [[start, end]], not {item!r}")
    video = engine.state.library.video(str(item.get("video_id")), item.get("collection_id"))
    windows = []
    for shot in item["shots"]:
        if (not isinstance(shot, list) or len(shot) != 2
                or not all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in shot)
                or not 0 <= shot[0] < shot[1] <= video.length):
            raise BadRequest(f"a shot is [start, end] within the video (0 to {video.length} s), not {shot!r}")
        windows.append((video.rtstream_id, video.start_s + shot[0], video.start_s + shot[1]))
    return windows
