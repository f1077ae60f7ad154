"""Pictures of an exported video: `video.generate_thumbnail()` (its thumbnail_url) and
`video.generate_thumbnail(time=t)` (an Image of the frame at t seconds), JPEGs the media routes
draw from the scenario (`/media/frame/...`), as the video itself shows them.
"""
from __future__ import annotations

import math

from ...schema import media
from ..engine import Engine
from ..errors import BadRequest
from . import Answer, Req, render
from .videos import find_video


def get_thumbnail(engine: Engine, req: Req) -> Answer:
    """GET video/{vid}/thumbnail: {"thumbnail_url"} (openapi.yaml)."""
    return {"thumbnail_url": render.video_thumbnail(req.base, find_video(engine, req))}


def generate_thumbnail(engine: Engine, req: Req) -> Answer:
    """POST video/{vid}/thumbnail {"time": t}: the frame at t seconds as an Image
    {id, collection_id, name, url}, what the SDK's Image takes."""
    video = find_video(engine, req)
    time = req.body.get("time")
    if isinstance(time, bool) or not isinstance(time, (int, float)) or not math.isfinite(time) \
            or not 0 <= time <= video.length:
        raise BadRequest(f"time must be seconds into the video, from 0 to {video.length}, not {time!r}")
    return {"id": f"img-{video.id}-{round(time * 1000)}", "collection_id": video.collection_id,
            "name": f"{video.name} at {time:g} s",
            "url": media.frame_url(req.base, video.rtstream_id, video.start_s + time)}


__all__ = ["generate_thumbnail", "get_thumbnail"]
