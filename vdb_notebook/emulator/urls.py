"""The emulator's one route table: the VideoDB API, the WebSocket and the /_emulator/ control
routes and the media routes, each a (method, path, handler, access) row, matched by the server in one place.

access: "api" needs the `x-access-token` header (the SDK's API key); "control" is the
emulator's own control plane (no key: the server binds loopback); "open" needs no key: the
WebSocket checks its own ticket, and media (playlists, segments, the player) is fetched by
browsers, as VideoDB's stream URLs are.

    >>> match("GET", "rtstream/rts-1/index/scene/rti-2")[0].handler.__name__
    'get_scenes'
"""
from __future__ import annotations

import re
from typing import Any, Callable, NamedTuple

from .media import handlers as media
from .responses import capture, control, rtstreams, websocket
from .state import ApiError, NotFound

CONTROL_PREFIX = "_emulator/"


class Route(NamedTuple):
    method: str
    path: str                      # "{name}" matches one path segment
    handler: Callable[..., Any]    # handler(engine, req), see responses/__init__.py
    access: str = "api"            # "api" | "control" | "open"


ROUTES: tuple[Route, ...] = (
    # collections and capture sessions
    Route("GET", "collection/{cid}", capture.get_collection),
    Route("GET", "collection/{cid}/websocket", capture.get_websocket_url),
    Route("POST", "collection/{cid}/capture/session", capture.create_capture_session),
    Route("GET", "collection/{cid}/capture/session", capture.list_capture_sessions),
    Route("GET", "collection/{cid}/capture/session/{sid}", capture.get_capture_session),
    Route("POST", "collection/{cid}/capture/session/{sid}/export", capture.export_capture_session),
    Route("POST", "capture/session/token", capture.generate_client_token),
    # rtstreams, transcripts, indexes, events, alerts
    Route("GET", "rtstream", rtstreams.list_rtstreams),
    Route("POST", "rtstream/event", rtstreams.create_event),
    Route("GET", "rtstream/event", rtstreams.list_events),
    Route("GET", "rtstream/{rid}", rtstreams.get_rtstream),
    Route("PATCH", "rtstream/{rid}/status", rtstreams.set_rtstream_status),
    Route("POST", "rtstream/{rid}/transcription", rtstreams.transcription),
    Route("GET", "rtstream/{rid}/transcription", rtstreams.get_transcript),
    Route("POST", "rtstream/{rid}/index/scene", rtstreams.create_index),
    Route("GET", "rtstream/{rid}/index/scene", rtstreams.list_indexes),
    Route("GET", "rtstream/{rid}/index/scene/{idx}", rtstreams.get_scenes),
    Route("PATCH", "rtstream/{rid}/index/scene/{idx}/status", rtstreams.set_index_status),
    Route("GET", "rtstream/{rid}/index/{idx}", rtstreams.get_index),
    Route("POST", "rtstream/{rid}/index/{idx}/alert", rtstreams.create_alert),
    Route("GET", "rtstream/{rid}/index/{idx}/alert", rtstreams.list_alerts),
    Route("PATCH", "rtstream/{rid}/index/{idx}/alert/{aid}/status", rtstreams.set_alert_status),
    # the WebSocket (its URL carries a ticket from collection/{cid}/websocket)
    Route("GET", "ws", websocket.connect, "open"),
    # media: HLS windows of an rtstream and a player page (browsers fetch them without a key)
    Route("GET", "media/rtstream/{rid}/{window}", media.playlist, "open"),
    Route("GET", "media/rtstream/{rid}/{window}/{segment}", media.segment, "open"),
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
    raise NotFound(f"no such endpoint: {method} /{path} (the emulator serves VideoDB's capture and "
                   "rtstream API; docs/emulator_coverage.md lists every call)")
