"""Request handlers: parse the request, call the state (through the engine where a change also
sends webhooks or frames), render the answer. urls.py maps paths to them.

A handler is `handler(engine, req) -> data` (or an awaitable of it); the server wraps `data` in
the SDK's envelope `{"success": true, "data": ...}` and turns an `ApiError` into
`{"success": false, "message": ...}` with its status. A handler that needs the raw request
(the WebSocket) returns an aiohttp response, which the server passes through.

Modules by resource: capture.py (collections, capture sessions), rtstreams.py (rtstreams,
transcripts, playback, export), indexes.py (scene indexes, events, alerts), understanding.py
(understand and index), search.py, videos.py (exported videos), desktop.py (what the desktop
capture binary calls), control.py (/_emulator/), websocket.py; render.py holds how state objects look in answers.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from aiohttp import web

from ..errors import BadRequest
from ..guard import callback_problem
from ..models import Timed
from . import render

Job = TypeVar("Job")
R = TypeVar("R", bound=Timed)  # a record with a window


#: What a handler answers: the JSON `data` of the SDK's envelope (None: `"data": null`), or a
#: raw aiohttp response.
Answer = dict[str, Any] | None | web.StreamResponse


@dataclass
class Req:
    """What a handler needs from a request."""

    method: str
    params: dict[str, str]   # path parameters, e.g. {"rid": "rts-..."}
    query: Mapping[str, str]  # the query string (aiohttp's multidict)
    body: dict[str, Any]     # the JSON body ({} for none)
    base: str                # scheme://host:port of this server
    request: web.Request     # for handlers that answer with a raw aiohttp response


def check_callback_url(req: Req) -> None:
    """A BadRequest unless the body's callback_url is '' or an http(s) URL that is not this
    emulator (guard.py)."""
    own = urlsplit(req.base)
    problem = callback_problem(req.body.get("callback_url"), own.hostname or "", own.port or 80)
    if problem is not None:
        raise BadRequest(problem)


def query_value(req: Req, name: str) -> str | None:
    """A query parameter, or None when absent, empty or "None" (a None formatted into a URL)."""
    raw = req.query.get(name)
    return None if raw in (None, "", "None") else raw


def int_param(req: Req, name: str, default: int, minimum: int = 1) -> int:
    raw = query_value(req, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise BadRequest(f"{name} must be >= {minimum}, not {value}")
    return value


def seconds_param(req: Req, name: str) -> float | None:
    """A time filter in epoch seconds, as VideoDB's REST API takes it (epoch ms, values of 1e11
    and above, are read as ms so a frame's time can be passed back as is)."""
    raw = query_value(req, name)
    if raw is None:
        return None
    try:
        value = float(raw) if raw.isascii() else math.nan  # float() takes '١٢٣' too
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise BadRequest(f"{name} must be a finite timestamp in epoch seconds, not {raw[:40]!r}")
    return value / 1000 if value >= 1e11 else value


def number_field(body: dict[str, Any], name: str, default: float | None = None) -> float | None:
    """A number in a JSON body (None or `default` when absent)."""
    value = body.get(name, default)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise BadRequest(f"{name} must be a number, not {value!r}")
    return value


def action(req: Req, allowed: tuple[str, ...]) -> str:
    value = req.body.get("action")
    if not isinstance(value, str) or value not in allowed:
        raise BadRequest(f"action must be one of {list(allowed)}, not {value!r}")
    return value


def start_or_stop(req: Req, job: Job, start: Callable[[Job], None], stop: Callable[[Job], None]) -> Job:
    """The PATCH .../status of an index or understanding: body {"action": "start" | "stop"}."""
    (start if action(req, ("start", "stop")) == "start" else stop)(job)
    return job


def overlapping(records: Sequence[R], start: float | None, end: float | None) -> list[R]:
    """The records whose start..end overlaps start..end (an open side when None).

        >>> overlapping([{"start": 0, "end": 2}, {"start": 5, "end": 6}], 1, None)
        [{'start': 0, 'end': 2}, {'start': 5, 'end': 6}]
        >>> overlapping([{"start": 0, "end": 2}, {"start": 5, "end": 6}], 3, 4)
        []
    """
    return [r for r in records if (start is None or r["end"] >= start) and (end is None or r["start"] <= end)]


def records_page(records: Sequence[Timed], req: Req, key: str) -> dict[str, Any]:
    """{key: a page of `records` overlapping the query's start..end (epoch seconds), next_page}."""
    found = overlapping(records, seconds_param(req, "start"), seconds_param(req, "end"))
    items, more = render.page(found, int_param(req, "page", 1), int_param(req, "page_size", 100))
    return {key: items, "next_page": more}
