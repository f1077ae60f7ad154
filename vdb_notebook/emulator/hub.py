"""The WebSocket side: open connections by id, and sending frames to them.

Sending awaits the socket's drain, so a slow consumer slows the pipeline down instead of losing
frames; a frame addressed to a connection that is not open is gone (best-effort delivery).
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .faults import GARBAGE_FRAME, Faults

log = logging.getLogger(__name__)
_encode = json.JSONEncoder(separators=(",", ":")).encode


class Client:
    """One open WebSocket."""

    __slots__ = ("id", "request", "sent", "ws")

    def __init__(self, conn_id: str, ws: web.WebSocketResponse, request: web.Request) -> None:
        self.id = conn_id
        self.ws = ws
        self.request = request
        self.sent = 0


class Hub:
    """Open connections by id; `send` delivers a frame to one of them, or to nobody."""

    def __init__(self, faults: Callable[[], Faults]) -> None:
        self._faults = faults
        self.clients: dict[str, Client] = {}
        self.frames_sent = 0
        self.sent_to_closed: dict[str, int] = {}  # frames sent to connections now closed

    def attach(self, conn_id: str, ws: web.WebSocketResponse, request: web.Request) -> Client:
        client = Client(conn_id, ws, request)
        self.clients[conn_id] = client
        return client

    def detach(self, client: Client) -> None:
        if self.clients.get(client.id) is client:
            del self.clients[client.id]
            self.sent_to_closed[client.id] = client.sent

    def sent_by_connection(self) -> dict[str, int]:
        """Frames sent to every connection so far, open or closed."""
        return {**self.sent_to_closed, **{cid: c.sent for cid, c in self.clients.items()}}

    async def send(self, conn_id: str | None, frame: dict[str, Any]) -> bool:
        """Send one frame; False if nobody is connected under `conn_id`."""
        client = self.clients.get(conn_id) if conn_id else None
        if client is None:
            return False
        if client.ws.closed or self._maybe_drop(client):  # drop_ws_after=0: before any frame
            self.detach(client)
            return False
        try:
            # No lock needed: aiohttp writes each frame whole before it awaits a drain, and
            # concurrent senders share one drain waiter (it locks compressed sends itself).
            await client.ws.send_str(_encode(frame))
            client.sent += 1
            self.frames_sent += 1
        except (ConnectionError, RuntimeError) as exc:
            log.debug("frame to %s lost: %s", conn_id, exc)
            self.detach(client)
            return False
        self._maybe_drop(client)
        await self._maybe_garbage(client)
        return True

    async def _maybe_garbage(self, client: Client) -> None:
        faults = self._faults()
        if faults.garbage_ws_after is None or client.sent < faults.garbage_ws_after:
            return
        faults.garbage_ws_after = None
        try:
            if not client.ws.closed:
                await client.ws.send_str(GARBAGE_FRAME)
                client.sent += 1
                self.frames_sent += 1
        except (ConnectionError, RuntimeError) as exc:
            log.debug("garbage frame to %s lost: %s", client.id, exc)

    def _maybe_drop(self, client: Client) -> bool:
        """Abort the connection (no close frame) once it has had drop_ws_after frames."""
        faults = self._faults()
        if faults.drop_ws_after is None or client.sent < faults.drop_ws_after:
            return False
        faults.drop_ws_after = None
        self.detach(client)
        transport = client.request.transport
        if transport is not None:
            transport.abort()
        return True

    async def hang_up(self, client: Client, grace_s: float = 0.5) -> None:
        """Finish the close handshake; then, if frames are still queued behind it (a reader that
        stopped reading, so it would never see our close frame), cut the connection."""
        await _close_or_cut(client, 1000, b"", grace_s)

    async def close_all(self) -> None:
        for client in list(self.clients.values()):
            self.detach(client)
            await _close_or_cut(client, 1001, b"emulator reset", 1.0)


async def _close_or_cut(client: Client, code: int, message: bytes, grace_s: float) -> None:
    """Close with a close frame when the client is reading; cut (abort) the connection when it
    has stopped reading (frames queued unread) or the close does not finish within `grace_s`.

    A client that stopped reading leaves senders waiting on aiohttp's shared drain; cancelling
    one of them (a pipeline, at reset) cancels that drain for every waiter, our close included:
    such a CancelledError is the close failing, not this task being cancelled.
    """
    transport = client.request.transport
    if transport is not None and transport.get_write_buffer_size() == 0:
        try:
            await asyncio.wait_for(client.ws.close(code=code, message=message), grace_s)
        except asyncio.CancelledError:
            if _being_cancelled():
                raise
        except (TimeoutError, ConnectionError, RuntimeError):
            pass
    transport = client.request.transport
    if transport is not None and (not client.ws.closed or transport.get_write_buffer_size() > 0):
        transport.abort()


def _being_cancelled() -> bool:
    """Whether the running task itself is being cancelled (Task.cancelling())."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
