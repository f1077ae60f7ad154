"""Rtstreams: connect, get, list, start/stop, transcripts, playable windows and export."""
from __future__ import annotations

from ..engine import Engine
from ..errors import BadRequest
from . import Answer, Req, action, int_param, overlapping, query_value, render, seconds_param


def connect_rtstream(engine: Engine, req: Req) -> Answer:
    rts = engine.state.connect_rtstream(req.body, origin_s=engine.clock.live_origin_s(),
                                        live_mark=engine.clock.position())
    if "audio" in rts.media_types and req.body.get("enable_transcript", True):
        engine.start_transcript(rts, req.body.get("ws_connection_id"))
    return render.rtstream(rts)


def list_rtstreams(engine: Engine, req: Req) -> Answer:
    """Paged as openapi.yaml has it: results, count, next, previous (limit 10 by default)."""
    status, name = query_value(req, "status"), query_value(req, "name")
    found = [r for r in engine.state.rtstreams.values()
             if (not status or r.status == status) and (not name or name.lower() in r.name.lower())]
    ordering = query_value(req, "ordering")
    if ordering:
        key = ordering.lstrip("-")
        if key not in ("created_at", "name", "status"):
            raise BadRequest(f"ordering must be created_at, name or status (prefix - to reverse), not {ordering!r}")
        found.sort(key=lambda r: render.rtstream(r)[key], reverse=ordering.startswith("-"))
    offset, limit = int_param(req, "offset", 0, minimum=0), int_param(req, "limit", 10)

    def link(at: int) -> str:
        return f"/rtstream/?limit={limit}&offset={at}"
    return {"results": [render.rtstream(r) for r in found[offset:offset + limit]], "count": len(found),
            "next": link(offset + limit) if offset + limit < len(found) else None,
            "previous": link(max(0, offset - limit)) if offset > 0 else None}


def get_rtstream(engine: Engine, req: Req) -> Answer:
    return render.rtstream(engine.state.rtstream(req.params["rid"]))


def set_rtstream_status(engine: Engine, req: Req) -> Answer:
    rts = engine.state.rtstream(req.params["rid"])
    engine.set_rtstream_status(rts, "connected" if action(req, ("start", "stop")) == "start" else "stopped")
    return render.rtstream(rts)


def generate_stream(engine: Engine, req: Req) -> Answer:
    """rtstream.generate_stream(start, end) and shot.generate_stream(): a playable window."""
    rts = engine.state.rtstream(req.params["rid"])
    start, end = seconds_param(req, "start"), seconds_param(req, "end")
    if start is None or end is None or not end > start:
        raise BadRequest(f"start and end (epoch seconds, start < end) are required, not {start!r} .. {end!r}; "
                         "e.g. rtstream.generate_stream(int(time.time()) - 300, int(time.time()))")
    return render.urls(req.base, rts.id, start, end)


def export_rtstream(engine: Engine, req: Req) -> Answer:
    name = req.body.get("name")
    if name is not None and not isinstance(name, str):
        raise BadRequest(f"name must be a string, not {type(name).__name__}")
    rts = engine.state.rtstream(req.params["rid"])
    exported = engine.state.library.export_rtstream(rts, name)
    video = engine.state.library.videos.get(exported["video_id"])
    if video is None:  # an audio asset: no stream to play
        return {**exported, "stream_url": None, "player_url": None}
    return {**exported, **render.urls(req.base, rts.id, video.start_s, video.end_s)}


# transcripts --------------------------------------------------------------------------------
def transcription(engine: Engine, req: Req) -> Answer:
    """start_transcript / stop_transcript: {status, engine, updated_at} as openapi.yaml answers."""
    rts = engine.state.rtstream(req.params["rid"])
    if action(req, ("start", "stop")) == "start":
        engine.start_transcript(rts, req.body.get("ws_connection_id"))
    else:
        engine.stop_transcript(rts)
    return {"status": "running" if rts.transcript_running else "stopped",
            "engine": req.body.get("engine") or "default", "updated_at": render.live_since(rts)}


def get_transcript(engine: Engine, req: Req) -> Answer:
    """Final segments so far, epoch seconds; start/end overlap the window, since is strict."""
    rts = engine.state.rtstream(req.params["rid"])
    start, end, since = (seconds_param(req, k) for k in ("start", "end", "since"))
    found = [s for s in overlapping(rts.transcript, start, end) if since is None or s["start"] > since]
    page_no, size = int_param(req, "page", 1), int_param(req, "page_size", 100)
    if size > 1000:
        raise BadRequest(f"page_size must be at most 1000, not {size}")
    items, more = render.page(found, page_no, size)
    return {"transcription_records": items, "next_page": more, "total_count": len(found),
            "page": page_no, "page_size": size}

