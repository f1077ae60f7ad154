"""The WebSocket side: open connections by id, and sending frames to them.

Sending awaits the socket's drain, so a slow consumer slows the pipeline down instead of losing
frames; a frame addressed to a connection that is not open is gone (best-effort delivery).
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Callable

from aiohttp import web

from .faults import GARBAGE_FRAME, Faults

log = logging.getLogger(__name__)


class Client:
    """One open WebSocket."""

    __slots__ = ("id", "ws", "request", "sent", "lock")

    def __init__(self, conn_id: str, ws: web.WebSocketResponse, request: web.Request) -> None:
        self.id = conn_id
        self.ws = ws
        self.request = request
        self.sent = 0
        self.lock = asyncio.Lock()


class Hub:
    """Open connections by id; `send` delivers a frame to one of them, or to nobody."""

    def __init__(self, faults: Callable[[], Faults]) -> None:
        self._faults = faults
        self.clients: dict[str, Client] = {}
        self.frames_sent = 0

    def attach(self, conn_id: str, ws: web.WebSocketResponse, request: web.Request) -> Client:
        client = Client(conn_id, ws, request)
        self.clients[conn_id] = client
        return client

    def detach(self, client: Client) -> None:
        if self.clients.get(client.id) is client:
            del self.clients[client.id]

    async def send(self, conn_id: str | None, frame: dict[str, Any]) -> bool:
        """Send one frame; False if nobody is connected under `conn_id`."""
        client = self.clients.get(conn_id) if conn_id else None
        if client is None:
            return False
        text = json.dumps(frame, separators=(",", ":"))
        try:
            async with client.lock:
                if client.ws.closed:
                    self.detach(client)
                    return False
                await client.ws.send_str(text)
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
            async with client.lock:
                if not client.ws.closed:
                    await client.ws.send_str(GARBAGE_FRAME)
                    client.sent += 1
                    self.frames_sent += 1
        except (ConnectionError, RuntimeError) as exc:
            log.debug("garbage frame to %s lost: %s", client.id, exc)

    def _maybe_drop(self, client: Client) -> None:
        faults = self._faults()
        if faults.drop_ws_after is not None and client.sent >= faults.drop_ws_after:
            faults.drop_ws_after = None
            self.detach(client)
            transport = client.request.transport
            if transport is not None:
                transport.abort()

    async def close_all(self) -> None:
        for client in list(self.clients.values()):
            self.detach(client)
            try:
                await asyncio.wait_for(client.ws.close(code=1001, message=b"emulator reset"), 1.0)
            except (asyncio.TimeoutError, ConnectionError, RuntimeError):
                pass
