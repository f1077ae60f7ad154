"""HTTP answers for media: a window's playlist and segments, a timeline of windows, the player
page and its script.

Handlers take `(engine, req)` like the API's (see the route table) and answer raw aiohttp
responses: HLS playlists, MPEG-TS segments, HTML, JavaScript. They need no key (a browser
fetches them, as it fetches VideoDB's stream URLs) and allow any origin, so a notebook page
served from Jupyter can play them. Work per request does not grow with the window (plans are
cached, a segment is worked out alone) and encoding is bounded per client (`limits`).
"""
from __future__ import annotations

import asyncio
import html
import json
import re
from typing import TYPE_CHECKING

from aiohttp import web

from ..._optional import MissingExtra, require
from ..._player import ATTACH_JS, hls_js
from ...schema.media import MAX_WINDOW_S, parse_timeline
from ..errors import ApiError, BadRequest, NotFound
from . import hls
from .limits import ClientLimits, client_of
from .plan import Source, WindowPlan, plans
from .service import service

if TYPE_CHECKING:
    from ..engine import Engine
    from ..responses import Req

CORS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=3600"}
HLS_JS_PATH = "/media/hls.light.min.js"
MPEGURL = "application/vnd.apple.mpegurl"
FRAME = re.compile(r"^([0-9]{16})\.jpg$")
WIDTH = 640  # synth.WIDTH, without importing the encoder here
limits = ClientLimits()


#: What a media route answers when PyAV or Pillow is missing: a client error naming the extra
#: (424 Failed Dependency), never a 5xx.
MISSING_EXTRA_STATUS = 424


def _need_media() -> None:
    """ApiError (424, naming the `[media]` extra) unless PyAV and Pillow can be imported."""
    try:
        require("av", "media")
        require("PIL", "media")
    except MissingExtra as exc:
        raise ApiError(f"this emulator cannot synthesise media: {exc}",
                       MISSING_EXTRA_STATUS) from None


def source_of(engine: Engine, rid: str) -> Source:
    """What rtstream `rid` plays (404 for an unknown id; 424 without the [media] extra)."""
    _need_media()
    rts = engine.state.rtstream(rid)
    if "video" in rts.media_types:
        track, media_type = rts.track, "video"
    else:
        track, media_type = rts.track_for("transcript"), "audio"
    origin_ms = round(rts.origin_s * 1000)  # scenario time 0 on this stream's timeline
    return Source(rts.world, rts.name, track, media_type, origin_ms, rts.audio_track)


def plan_of(engine: Engine, rid: str, window: str) -> WindowPlan:
    try:
        start_us, end_us = hls.parse_window(window)
    except hls.WindowError as exc:
        raise BadRequest(str(exc)) from None
    return plans.get(source_of(engine, rid), start_us, end_us)


async def playlist(engine: Engine, req: Req) -> web.Response:
    """GET /media/rtstream/{rid}/{window}.m3u8"""
    window = req.params["window"].removesuffix(".m3u8")
    plan = plan_of(engine, req.params["rid"], window)
    # a day-long window lists 21,600 segments: made once, in a thread, never on the loop
    text = await asyncio.to_thread(plan.playlist, lambda p: hls.playlist([(f"{window}/", p.duration)]))
    return web.Response(text=text, content_type=MPEGURL, headers=CORS)


async def timeline(engine: Engine, req: Req) -> web.Response:
    """GET /media/timeline/{rid}:{window},{window},{rid2}:{window}.m3u8: windows in order."""
    name = req.params["timeline"]
    if not name.endswith(".m3u8"):
        raise NotFound(f"{name[:80]!r} is not a timeline playlist (.m3u8)")
    try:
        windows = parse_timeline(name.removesuffix(".m3u8"))
        for _, start_us, end_us in windows:
            hls.check_span(start_us, end_us)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    if sum(end - start for _, start, end in windows) > MAX_WINDOW_S * 1_000_000:
        raise BadRequest(f"a timeline plays at most {MAX_WINDOW_S // 3600} h in all")
    for rid in {rid for rid, _, _ in windows}:
        source_of(engine, rid)  # 404 for an rtstream that does not exist
    parts = [(f"../rtstream/{rid}/{start_us:016d}-{end_us:016d}/", (end_us - start_us) / 1e6)
             for rid, start_us, end_us in windows]
    text = await asyncio.to_thread(hls.playlist, parts)
    return web.Response(text=text, content_type=MPEGURL, headers=CORS)


async def segment(engine: Engine, req: Req) -> web.Response:
    """GET /media/rtstream/{rid}/{window}/{n}.ts"""
    plan = plan_of(engine, req.params["rid"], req.params["window"])
    try:
        number = hls.parse_segment(req.params["segment"], plan.count)
    except hls.WindowError as exc:
        raise NotFound(str(exc)) from None
    async with limits.slot(client_of(req.request)):
        data = await service().segment(plan.segment(number))
    return web.Response(body=data, content_type="video/mp2t", headers=CORS)


async def frame(engine: Engine, req: Req) -> web.Response:
    """GET /media/frame/{rid}/{at_us:016d}.jpg[?width=160]: what the rtstream shows at that
    moment (a thumbnail, a clip's poster), a JPEG 16 to 640 pixels wide (default 640)."""
    found = FRAME.match(req.params["frame"])
    if found is None:
        raise NotFound(f"{req.params['frame'][:60]!r} is not a frame: expected {{at_us:016d}}.jpg "
                       "(epoch microseconds), as schema.media.frame_url makes it")
    at_us, width = int(found.group(1)), _width(req.query.get("width"))
    seg = WindowPlan(source_of(engine, req.params["rid"]), at_us, at_us + 1_000_000).segment(0)
    async with limits.slot(client_of(req.request)):
        data = await service().still(seg, width)
    return web.Response(body=data, content_type="image/jpeg", headers=CORS)


def _width(raw: str | None) -> int:
    if raw is None:
        return WIDTH
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 4 and 16 <= int(raw) <= WIDTH):
        raise BadRequest(f"width must be a whole number of pixels from 16 to {WIDTH}, not {raw[:20]!r}")
    return int(raw)


async def player(engine: Engine, req: Req) -> web.Response:
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


async def player_script(engine: Engine, req: Req) -> web.Response:
    """GET /media/hls.light.min.js: the bundled hls.js the player page uses."""
    return web.Response(body=hls_js(), content_type="application/javascript", headers=CORS)


__all__ = [
    "HLS_JS_PATH",
    "frame",
    "plan_of",
    "player",
    "player_script",
    "playlist",
    "segment",
    "source_of",
    "timeline",
]
