"""The emulator's one route table: the VideoDB API, the WebSocket, the media and the /_emulator/
control routes, each a (method, path, handler, access) row, matched by the server in one place.

access: "api" needs the `x-access-token` header (the SDK's API key); "client" takes the API key
or a client token the service issued (`conn.generate_client_token()`, which the desktop capture
binary holds); "control" is the emulator's own control plane (the same key, checked with the
Host, Origin and content-type checks by the server's guard middleware, see guard.py); "open"
needs no key: the WebSocket checks its own ticket (which expires), and media (playlists,
segments, the player) is fetched by browsers, as VideoDB's stream URLs are.

    >>> match("GET", "rtstream/rts-1/index/scene/rti-2")[0].handler.__name__
    'get_scenes'
"""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import NamedTuple

from .engine import Engine
from .errors import ApiError, NotFound
from .media import handlers as media
from .responses import (
    Answer,
    Req,
    capture,
    control,
    desktop,
    indexes,
    rtstreams,
    search,
    thumbnails,
    understanding,
    video_index,
    video_search,
    videos,
    websocket,
)

CONTROL_PREFIX = "_emulator/"
MEDIA_PREFIX = "media/"


#: what every call that is not emulated answers (404), wherever it is routed
OUT_OF_SCOPE = ("offline, the emulator serves VideoDB's capture and rtstream API and the exported "
                "video's stream, transcript, indexes and search; run this against VideoDB itself "
                "(uploads, generation, dubbing, editing and the rest of the media library)")


def not_emulated(engine: Engine, req: Req) -> Answer:
    """A call the SDK makes on a path the emulator serves with another method: 404, never 405."""
    raise NotFound(f"{req.method} /{req.request.match_info['path'].strip('/')} is not emulated: {OUT_OF_SCOPE}")


class Route(NamedTuple):
    method: str
    path: str                      # "{name}" matches one path segment
    handler: Callable[[Engine, Req], Answer | Awaitable[Answer]]  # see responses/__init__.py
    access: str = "api"            # "api" | "client" | "control" | "open"


ROUTES: tuple[Route, ...] = (
    # collections, capture sessions, WebSocket URL, client tokens
    Route("GET", "collection", capture.list_collections),
    Route("POST", "collection", capture.create_collection),
    Route("GET", "collection/{cid}", capture.get_collection),
    Route("PATCH", "collection/{cid}", capture.update_collection),
    Route("DELETE", "collection/{cid}", capture.delete_collection),
    Route("GET", "collection/{cid}/websocket", capture.get_websocket_url),
    Route("POST", "collection/{cid}/capture/session", capture.create_capture_session),
    Route("GET", "collection/{cid}/capture/session", capture.list_capture_sessions),
    Route("GET", "collection/{cid}/capture/session/{sid}", capture.get_capture_session),
    Route("POST", "collection/{cid}/capture/session/{sid}/export", capture.export_capture_session),
    Route("POST", "capture/session/token", capture.generate_client_token),
    # what the desktop capture binary calls (the SDK's CaptureClient starts it)
    Route("POST", "capture/session/start", desktop.start_capture_session, "client"),
    Route("POST", "capture/session/{sid}/stop", desktop.stop_capture_session, "client"),
    # rtstreams: connect, list, status, transcripts, playable windows, export
    Route("POST", "rtstream", rtstreams.connect_rtstream),
    Route("GET", "rtstream", rtstreams.list_rtstreams),
    Route("POST", "rtstream/event", indexes.create_event),
    Route("GET", "rtstream/event", indexes.list_events),
    Route("POST", "rtstream/collection/{cid}/search", search.search_collection),
    Route("GET", "rtstream/{rid}", rtstreams.get_rtstream),
    Route("PATCH", "rtstream/{rid}/status", rtstreams.set_rtstream_status),
    Route("POST", "rtstream/{rid}/transcription", rtstreams.transcription),
    Route("GET", "rtstream/{rid}/transcription", rtstreams.get_transcript),
    Route("GET", "rtstream/{rid}/stream", rtstreams.generate_stream),
    Route("POST", "rtstream/{rid}/export", rtstreams.export_rtstream),
    Route("POST", "rtstream/{rid}/search", search.search_rtstream),
    # scene indexes and their alerts
    Route("POST", "rtstream/{rid}/index/scene", indexes.create_index),
    Route("GET", "rtstream/{rid}/index/scene", indexes.list_indexes),
    Route("GET", "rtstream/{rid}/index/scene/{idx}", indexes.get_scenes),
    Route("PATCH", "rtstream/{rid}/index/scene/{idx}/status", indexes.set_index_status),
    Route("GET", "rtstream/{rid}/index/{idx}", indexes.get_index),
    Route("POST", "rtstream/{rid}/index/{idx}/alert", indexes.create_alert),
    Route("GET", "rtstream/{rid}/index/{idx}/alert", indexes.list_alerts),
    Route("PATCH", "rtstream/{rid}/index/{idx}/alert/{aid}/status", indexes.set_alert_status),
    # understandings, the indexes made from them, and their alerts
    Route("POST", "rtstream/{rid}/understand", understanding.understand),
    Route("GET", "rtstream/{rid}/understand", understanding.list_understandings),
    Route("GET", "rtstream/{rid}/understand/{uid}", understanding.get_understanding),
    Route("PATCH", "rtstream/{rid}/understand/{uid}/status", understanding.set_understanding_status),
    Route("GET", "rtstream/{rid}/understand/{uid}/records", understanding.understanding_records),
    Route("POST", "rtstream/{rid}/indexes", understanding.create_index),
    Route("GET", "rtstream/{rid}/indexes", understanding.list_indexes),
    Route("GET", "rtstream/{rid}/indexes/{iid}", understanding.get_index),
    Route("PATCH", "rtstream/{rid}/indexes/{iid}/status", understanding.set_index_status),
    Route("GET", "rtstream/{rid}/indexes/{iid}/records", understanding.index_records),
    Route("POST", "rtstream/{rid}/indexes/{iid}/alert", indexes.create_alert),
    Route("GET", "rtstream/{rid}/indexes/{iid}/alert", indexes.list_alerts),
    Route("PATCH", "rtstream/{rid}/indexes/{iid}/alert/{aid}/status", indexes.set_alert_status),
    # exported videos
    Route("GET", "video", videos.list_videos),
    Route("GET", "video/{vid}", videos.get_video),
    Route("PATCH", "video/{vid}", videos.update_video),
    Route("DELETE", "video/{vid}", videos.delete_video),
    Route("POST", "video/{vid}/stream", videos.generate_stream),
    Route("GET", "video/{vid}/thumbnail", thumbnails.get_thumbnail),
    Route("POST", "video/{vid}/thumbnail", thumbnails.generate_thumbnail),
    Route("GET", "video/{vid}/transcription", videos.get_transcript),
    Route("POST", "video/{vid}/transcription", videos.generate_transcript),
    Route("POST", "video/{vid}/index", video_index.index_spoken_words),
    Route("POST", "video/{vid}/index/scene", video_index.index_scenes),
    Route("GET", "video/{vid}/index/scene", video_index.list_scene_index),
    Route("GET", "video/{vid}/index/scene/{sid}", video_index.get_scene_index),
    Route("DELETE", "video/{vid}/index/scene/{sid}", video_index.delete_scene_index),
    Route("POST", "video/{vid}/search", video_search.legacy_search),
    Route("POST", "video/{vid}/search/v2", video_search.search),
    Route("POST", "compile", video_search.compile_shots),
    # calls the SDK makes on the paths above that stay out (get_scenes, index status): 404, not 405
    Route("GET", "video/{vid}/index", not_emulated),
    # the WebSocket (its URL carries a ticket from collection/{cid}/websocket)
    Route("GET", "ws", websocket.connect, "open"),
    # media (MEDIA_PREFIX): HLS windows of an rtstream and a player page; browsers on any origin
    # fetch them without a key, as they fetch VideoDB's stream URLs
    Route("GET", "media/rtstream/{rid}/{window}", media.playlist, "open"),
    Route("GET", "media/rtstream/{rid}/{window}/{segment}", media.segment, "open"),
    Route("GET", "media/timeline/{timeline}", media.timeline, "open"),
    Route("GET", "media/frame/{rid}/{frame}", media.frame, "open"),
    Route("GET", "media/watch", media.player, "open"),
    Route("GET", "media/embed", media.player, "open"),
    Route("GET", "media/hls.light.min.js", media.player_script, "open"),
    # the emulator's control plane
    Route("POST", "_emulator/reset", control.reset, "control"),
    Route("POST", "_emulator/seed", control.seed, "control"),
    Route("GET", "_emulator/speed", control.get_speed, "control"),
    Route("POST", "_emulator/speed", control.set_speed, "control"),
    Route("GET", "_emulator/faults", control.get_faults, "control"),
    Route("POST", "_emulator/faults", control.set_faults, "control"),
    Route("GET", "_emulator/state", control.state, "control"),
    Route("GET", "_emulator/deliveries", control.deliveries, "control"),
    Route("POST", "_emulator/capture/{sid}/{verb}", control.capture, "control"),
    Route("POST", "_emulator/world", control.set_world, "control"),
)

def _compile(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$")


_COMPILED = [(route, _compile(route.path)) for route in ROUTES]


def match(method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route for `method` on `path` (no leading slash) and its path parameters.

    An unknown path is a NotFound; a known path with another method is a 405 naming the allowed ones.
    """
    allowed = []
    for route, regex in _COMPILED:
        found = regex.match(path)
        if found:
            if route.method == method:
                return route, found.groupdict()
            allowed.append(route.method)
    if allowed:
        raise ApiError(f"{method} is not allowed on /{path}; use {' or '.join(sorted(set(allowed)))}", status=405)
    raise NotFound(f"no such endpoint: {method} /{path} ({OUT_OF_SCOPE})")
