"""One HTTP request -> a validated delivery, or a refusal that tells the sender what to fix.

Checks run cheapest first and nothing is read beyond the size limit: method (405), declared
or actual size (413), signature when the receiver has a secret (401), JSON (400 bad_json),
one JSON object (400 not_object), nesting at most `max_depth` deep (400 too_deep: a deeper
payload would exhaust the stack of whatever copies or hashes it later).
"""
from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ..schema import json_depth
from .dedup import delivery_key
from .signing import Verifier

# 64 KiB: lifecycle and alert payloads are a few hundred bytes to a few KB; with the default
# store's 10,000 events this caps what anyone who can reach the receiver can make it hold
MAX_BODY = 64 * 1024
READ_TIMEOUT_S = 30.0  # a body still arriving after this long is refused (408)
MAX_DEPTH = 64  # VideoDB payloads nest 4 deep; Python's recursion limit is 1000
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Delivery:
    """A validated webhook: its dedup key, the sender's id (if any), the payload, arrival time."""

    key: str
    webhook_id: str | None
    payload: dict[str, Any]
    received_at: float  # epoch ms


@dataclass(frozen=True)
class Refusal:
    """A delivery we will not accept: the HTTP status, a short reason (counted), a message."""

    status: int
    reason: str
    message: str

    def response(self) -> web.Response:
        headers = {"Allow": "POST"} if self.status == 405 else None
        return web.json_response({"ok": False, "error": self.reason, "message": self.message},
                                 status=self.status, headers=headers)


def _too_large(size: str, max_body: int) -> Refusal:
    return Refusal(413, "too_large", (
        f"body is {size} bytes; this receiver accepts at most {max_body:,} - send one event "
        "per delivery, or start the receiver with a larger max_body="))


async def _read_body(request: web.Request, max_body: int) -> bytes | Refusal:
    declared = request.content_length
    if declared is not None and declared > max_body:
        return _too_large(f"{declared:,}", max_body)
    chunks: list[bytes] = []
    size = 0
    while True:
        try:
            chunk = await request.content.read(min(_CHUNK, max_body + 1 - size))
        except Exception as exc:  # the sender hung up or broke the chunked encoding
            return Refusal(400, "incomplete_body", (
                f"the body could not be read ({type(exc).__name__}: {exc}); send it whole"))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > max_body:
            return _too_large(f"more than {max_body:,}", max_body)


def _parse(body: bytes, max_depth: int) -> dict[str, Any] | Refusal:
    if not body.strip():
        return Refusal(400, "bad_json", "body is empty: POST one JSON object (the webhook payload)")
    try:
        payload = json.loads(body)
    except RecursionError:  # deeper than the JSON parser itself can go
        return _too_deep(max_depth)
    except ValueError as exc:  # UnicodeDecodeError is a ValueError
        return Refusal(400, "bad_json", (
            f"body is not JSON ({str(exc)[:120]}): POST one JSON object with "
            "Content-Type: application/json"))
    if not isinstance(payload, dict):
        return Refusal(400, "not_object", (
            f"body is a JSON {type(payload).__name__}, not an object: POST one webhook payload "
            "(a JSON object) per delivery"))
    if json_depth(payload) > max_depth:
        return _too_deep(max_depth)
    return payload


def _too_deep(max_depth: int) -> Refusal:
    return Refusal(400, "too_deep", (
        f"the payload nests more than {max_depth} levels deep: flatten it, or start the "
        "receiver with a larger max_depth="))


async def read_delivery(request: web.Request, *, max_body: int = MAX_BODY,
                        max_depth: int = MAX_DEPTH, read_timeout: float = READ_TIMEOUT_S,
                        verifier: Verifier | None = None) -> Delivery | Refusal:
    """Validate one request; never raises for anything the sender did."""
    if request.method != "POST":
        return Refusal(405, "bad_method", (
            f"{request.method} is not accepted here: POST the webhook payload as JSON"))
    try:
        async with asyncio.timeout(read_timeout):
            body = await _read_body(request, max_body)
    except TimeoutError:
        return Refusal(408, "slow_body", (
            f"the body took more than {read_timeout:g} s to arrive: send it at once, or start "
            "the receiver with a larger read_timeout="))
    if isinstance(body, Refusal):
        return body
    if verifier is not None:
        problem = verifier.check(body, request.headers)
        if problem is not None:
            return Refusal(401, problem.reason, problem.message)
    payload = _parse(body, max_depth)
    if isinstance(payload, Refusal):
        return payload
    webhook_id = request.headers.get("webhook-id") or None
    return Delivery(delivery_key(webhook_id, payload), webhook_id, payload, time.time() * 1000.0)
