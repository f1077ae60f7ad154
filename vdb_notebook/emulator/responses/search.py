"""rtstream.search(query) and coll.search(query, namespace="rtstream"): shots over what the
rtstream's indexes and transcript have produced so far, best first. Ranking is relevance.py's.

Each result is a shot: {start, end (epoch seconds), text, score, scene_index_id} as openapi.yaml
answers rtstream search; a collection search adds rtstream_id and rtstream_name, which the SDK
reads there. A transcript segment is a shot without a scene_index_id.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..engine import Engine
from ..errors import BadRequest, NotFound
from ..models import RtStream
from ..relevance import rank
from ..state import EmulatorState
from . import Answer, Req, number_field

DEFAULT_RESULTS = 10  # openapi.yaml: result_threshold defaults to 10


def _shots(state: EmulatorState, rts: RtStream, index_id: str | None) -> Iterable[dict[str, Any]]:
    """Every searchable record of `rts` (of one index if `index_id`), as a shot without a score."""
    scene = [i for i in state.indexes_of(rts) if index_id in (None, i.id)]
    stream = [i for i in state.stream_indexes_of(rts) if index_id in (None, i.id)]
    if index_id is not None and not scene and not stream:
        raise NotFound(f"index {index_id!r} not found on rtstream {rts.id}; pass an id from "
                       "rtstream.list_scene_indexes() or rtstream.list_indexes()")
    for index in scene:
        for record in index.records:
            yield {"start": record["start"], "end": record["end"], "text": record["description"],
                   "scene_index_id": index.id}
    for stream_index in stream:
        for output in stream_index.records:
            yield {"start": output["start"], "end": output["end"], "text": output["data"]["description"],
                   "scene_index_id": stream_index.id}
    if index_id is None:
        for segment in rts.transcript:
            yield {"start": segment["start"], "end": segment["end"], "text": segment["text"]}


def _search(req: Req, shots: list[dict[str, Any]]) -> dict[str, Any]:
    query = req.body.get("query")
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("query is required: what to look for, e.g. rtstream.search('invoice ticket')")
    if req.body.get("filter"):
        raise BadRequest("metadata filters are not emulated offline; search without filter=")
    limit = req.body.get("result_threshold", DEFAULT_RESULTS)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise BadRequest(f"result_threshold must be a whole number >= 1, not {limit!r}")
    threshold = number_field(req.body, "score_threshold", 0.0) or 0.0
    dynamic = number_field(req.body, "dynamic_score_percentage")
    ranked = rank(query, [s["text"] for s in shots])
    if dynamic is not None and ranked:  # keep what scores within dynamic% of the best
        floor = ranked[0][1] * (1 - dynamic / 100)
        ranked = [(i, score) for i, score in ranked if score >= floor]
    results = [{**shots[i], "score": score} for i, score in ranked if score >= threshold][:limit]
    return {"results": results}


def search_rtstream(engine: Engine, req: Req) -> Answer:
    rts = engine.state.rtstream(req.params["rid"])
    index_id = req.body.get("scene_index_id")
    return _search(req, list(_shots(engine.state, rts, index_id)))


def search_collection(engine: Engine, req: Req) -> Answer:
    engine.state.collection(req.params["cid"])
    shots = [{**shot, "rtstream_id": rts.id, "rtstream_name": rts.name}
             for rts in engine.state.rtstreams.values() if rts.collection_id == req.params["cid"]
             for shot in _shots(engine.state, rts, None)]
    index_id = req.body.get("scene_index_id")
    if index_id is not None:
        shots = [s for s in shots if s.get("scene_index_id") == index_id]
    return _search(req, shots)
