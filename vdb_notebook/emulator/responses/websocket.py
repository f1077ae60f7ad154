"""The WebSocket endpoint: a ticket from `conn.connect_websocket()` opens it; frames flow out."""
from __future__ import annotations

import json

from aiohttp import WSMsgType, web

from ..engine import Engine
from ..errors import ApiError
from . import Req


async def connect(engine: Engine, req: Req) -> web.StreamResponse:
    if not engine.state.passes.ws_ticket_valid(req.query.get("token")):
        raise ApiError("invalid, expired or missing token in the WebSocket URL: get a fresh URL "
                       "from conn.connect_websocket()", status=401)
    ws = web.WebSocketResponse(autoclose=False, compress=False)  # small JSON frames on loopback
    await ws.prepare(req.request)
    client = engine.hub.attach(engine.state.ids.new("ws"), ws, req.request)
    try:
        await ws.send_str(json.dumps({"connection_id": client.id}))
        async for msg in ws:  # clients send nothing we act on; this ends on close or error
            if msg.type == WSMsgType.ERROR:
                break
    except (ConnectionError, RuntimeError):
        pass
    finally:
        engine.hub.detach(client)
        await engine.hub.hang_up(client)
    return ws
