"""HTTP answers for media: a window's playlist and segments, the player page and its script.

Handlers take `(engine, req)` like the API's (see the route table) and answer raw aiohttp
responses: HLS playlists, MPEG-TS segments, HTML, JavaScript. They need no key (a browser
fetches them, as it fetches VideoDB's stream URLs) and allow any origin, so a notebook page
served from Jupyter can play them.
"""
from __future__ import annotations

import html
import json
from typing import Any

from aiohttp import web

from ..._player import ATTACH_JS, hls_js
from ..errors import BadRequest, NotFound
from . import hls
from .plan import window_segments
from .service import service

CORS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=3600"}
HLS_JS_PATH = "/media/hls.light.min.js"


def _segments(engine: Any, rid: str, window: str) -> list[Any]:
    try:
        start_us, end_us = hls.parse_window(window)
    except hls.WindowError as exc:
        raise BadRequest(str(exc)) from None
    rts = engine.state.rtstream(rid)
    if "video" in rts.media_types:
        track, media_type = rts.track, "video"
    else:
        track, media_type = rts.track_for("transcript"), "audio"
    origin_ms = rts.origin_s * 1000  # scenario time 0 on this stream's timeline
    return window_segments(rts.world, rts.name, track, media_type,
                           start_us / 1000, end_us / 1000, round(origin_ms), rts.audio_track)


async def playlist(engine: Any, req: Any) -> web.Response:
    """GET /media/rtstream/{rid}/{window}.m3u8"""
    window = req.params["window"].removesuffix(".m3u8")
    segments = _segments(engine, req.params["rid"], window)
    text = hls.playlist(window, [(s.offset, s.offset + s.duration) for s in segments])
    return web.Response(text=text, content_type="application/vnd.apple.mpegurl", headers=CORS)


async def segment(engine: Any, req: Any) -> web.Response:
    """GET /media/rtstream/{rid}/{window}/{n}.ts"""
    segments = _segments(engine, req.params["rid"], req.params["window"])
    name = req.params["segment"]
    number = name.removesuffix(".ts")
    if not name.endswith(".ts") or not number.isdigit() or int(number) >= len(segments):
        raise NotFound(f"segment {name!r} is not in this window (it has {len(segments)}: 0.ts to "
                       f"{len(segments) - 1}.ts)")
    data = await service().segment(segments[int(number)])
    return web.Response(body=data, content_type="video/mp2t", headers=CORS)


async def player(engine: Any, req: Any) -> web.Response:
    """GET /media/watch?v=<stream url> (and /media/embed?v=, what the SDK's get_embed_code
    makes of it): a page that plays the stream."""
    url = req.query.get("v", "")
    if not url.startswith(("http://", "https://")):
        raise BadRequest("v must be the stream URL to play (http or https), e.g. the one "
                         "rtstream.generate_stream(start, end) set as rtstream.stream_url")
    source = json.dumps(url).replace("</", "<\\/")
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(url)}</title></head>
<body style="margin:0;background:#000">
<video controls autoplay muted playsinline style="width:100%;height:100vh"></video>
<script>{ATTACH_JS}
vdbAttach(document.querySelector("video"), {source},
          () => fetch("{HLS_JS_PATH}").then(r => r.text()));
</script></body></html>
"""
    return web.Response(text=page, content_type="text/html", headers=CORS)


async def player_script(engine: Any, req: Any) -> web.Response:
    """GET /media/hls.light.min.js: the bundled hls.js the player page uses."""
    return web.Response(body=hls_js(), content_type="application/javascript", headers=CORS)


__all__ = ["playlist", "segment", "player", "player_script", "HLS_JS_PATH"]
