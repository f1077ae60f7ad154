"""HTTP in front of the engine: the SDK's envelope, request bodies, the guard middleware and
one dispatcher over urls.ROUTES. Needs only what `Served` names of the server (its address,
key and read timeout), so it never imports server.py.

    >>> import json
    >>> json.loads(answer({"id": "cap-1"}).text)
    {'success': True, 'data': {'id': 'cap-1'}}
"""
from __future__ import annotations

import asyncio
import inspect
import json
from typing import Any, Protocol

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from .._aio import answer_and_close
from ..schema import json_depth
from . import guard, urls
from .engine import Engine
from .errors import ApiError, BadRequest
from .responses import Req

READ_TIMEOUT_S = 30.0  # a request body still arriving after this long is answered 408
MAX_DEPTH = 32  # request bodies nest 3 deep; a deeper one could not be echoed back


class Served(Protocol):
    """What the HTTP side reads of the server it fronts (an `Emulator`)."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def api_key(self) -> str: ...
    @property
    def read_timeout(self) -> float: ...


def answer(data: Any, status: int = 200) -> web.Response:
    return web.json_response({"success": True, "data": data}, status=status)


def failure(message: str, status: int) -> web.Response:
    return web.json_response({"success": False, "message": message}, status=status)


async def read_body(request: web.Request, read_timeout: float = READ_TIMEOUT_S,
                    array_key: str | None = None) -> dict[str, Any]:
    """The JSON object a request carries ({} for none); a JSON array only where `array_key` is
    given (POST compile: the SDK sends its shots as a bare array), as {array_key: [...]}."""
    if request.method not in ("POST", "PATCH", "PUT"):
        return {}
    try:
        raw = await asyncio.wait_for(request.read(), read_timeout)
    except TimeoutError:
        raise ApiError(f"the request body took more than {read_timeout:g} s to arrive; "
                       "send it at once", status=408) from None
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except RecursionError:
        raise BadRequest(f"request body nests more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:
        raise BadRequest(f"request body is not JSON ({exc}); send one JSON object") from None
    if json_depth(body) > MAX_DEPTH:
        raise BadRequest(f"request body nests more than {MAX_DEPTH} levels deep; flatten it")
    if isinstance(body, list) and array_key is not None:
        return {array_key: body}
    if not isinstance(body, dict):
        raise BadRequest(f"request body must be a JSON object, not {type(body).__name__}")
    return body


def make_guard(emu: Served) -> Middleware:
    """An aiohttp middleware applying guard.py's checks before any route runs."""
    @web.middleware
    async def guard_request(request: web.Request, handler: Handler) -> web.StreamResponse:
        port = emu.port
        if not guard.host_allowed(request.headers.get("Host"), emu.host, port):
            return failure(f"Host {request.headers.get('Host', '')[:80]!r} is not this emulator; "
                           f"call it as {emu.host}:{port}", 421)
        if not guard.origin_allowed(request.headers.get("Origin"), emu.host, port) \
                and not _public_media(request):
            return failure(f"Origin {request.headers['Origin'][:80]!r} may not call the emulator: "
                           "a web page cannot drive it", 403)
        if request.path.lstrip("/").startswith(urls.CONTROL_PREFIX):
            if request.headers.get("x-access-token") != emu.api_key:
                return failure("the /_emulator/ control routes need the emulator's key in "
                               "x-access-token (emu.api_key)", 401)
            if request.method == "POST" and request.can_read_body \
                    and request.content_type != "application/json":
                return failure(f"send control requests as application/json, not "
                               f"{request.content_type}", 415)
        return await handler(request)
    return guard_request


def _public_media(request: web.Request) -> bool:
    """Media GETs are for any page's player (notebook outputs live on Jupyter's origin), as
    VideoDB's stream URLs are; they read generated video and change nothing."""
    return request.method in ("GET", "HEAD") and request.path.lstrip("/").startswith(urls.MEDIA_PREFIX)


def make_dispatcher(engine: Engine, emu: Served) -> Handler:
    """One aiohttp handler for every path: match urls.ROUTES, check access, call, envelope.

    Every answer is `{"success": true, "data": ...}` or `{"success": false, "message": ...}` with
    401 (bad `x-access-token`), 400 (bad body or parameters), 404 (unknown id or path), 405 or 409.
    """
    async def dispatch(request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"].strip("/")
        try:
            route, params = urls.match(request.method, path)
        except ApiError as exc:
            route, params, unmatched = None, {}, exc
        access = route.access if route else ("control" if path.startswith(urls.CONTROL_PREFIX) else "api")
        token = request.headers.get("x-access-token")
        if access in ("api", "client") and token != emu.api_key and not (
                access == "client" and engine.state.passes.client_token_valid(token)):
            return failure("invalid or missing x-access-token: connect with the emulator's key "
                           "(emu.api_key, or emu.connect())", 401)
        try:
            if route is None:
                raise unmatched
            body = await read_body(request, emu.read_timeout, "items" if route.path == "compile" else None)
            # our own address, never the Host header: answers must not point elsewhere
            base = f"http://{emu.host}:{emu.port}"
            req = Req(request.method, params, request.query, body, base, request)
            result = route.handler(engine, req)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as exc:
            if exc.status == 408:  # the body stopped arriving: nothing more to wait for
                closing = failure(exc.message, exc.status)
                await answer_and_close(request, closing)
                return closing
            return failure(exc.message, exc.status)
        return result if isinstance(result, web.StreamResponse) else answer(result)
    return dispatch


__all__ = ["MAX_DEPTH", "READ_TIMEOUT_S", "Served", "answer", "failure", "make_dispatcher",
           "make_guard", "read_body"]
