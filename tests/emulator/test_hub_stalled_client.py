"""A WebSocket client that stopped reading must not break reset or stop."""
from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import urllib.request
from urllib.parse import urlsplit

from vdb_notebook.emulator import Emulator


def stalled_client(ws_url: str) -> socket.socket:
    """A WebSocket opened by hand that never reads after the handshake (tiny receive buffer)."""
    parts = urlsplit(ws_url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((parts.hostname, parts.port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                  "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    assert sock.recv(4096).startswith(b"HTTP/1.1 101")
    return sock


def jam(emu: Emulator) -> str:
    """Open a stalled client and have the emulator send it more than any buffer holds."""
    conn = emu.connect()
    sock = stalled_client(conn.connect_websocket().url)
    emu.stalled_socket = sock  # kept open for the test's life
    cid, = emu.state()["connections"]
    big = {"channel": "transcript", "data": {"text": "x" * 200_000}}

    session = conn.create_capture_session(end_user_id="u", ws_connection_id=cid)
    emu.start_capture(session.id)
    for rts in conn.get_capture_session(session.id).rtstreams:  # pipelines write to it too
        rts.start_transcript(ws_connection_id=cid)

    async def flood(engine):
        # 10 MB: the sends block on a full buffer; the tasks are kept for the test's life
        emu.flood_tasks = [asyncio.ensure_future(engine.hub.send(cid, big)) for _ in range(50)]
    emu._call(flood)
    return cid


def test_reset_and_stop_work_while_a_client_has_stopped_reading():
    emu = Emulator(scenario="burst", speed="max").start()
    try:
        jam(emu)
        emu.reset()
        assert emu.state()["connections"] == {} and emu.state()["sessions"] == []
        jam(emu)
        request = urllib.request.Request(emu.base_url + "/_emulator/reset", b"{}", method="POST",
                                         headers=_control_headers(emu))
        with urllib.request.urlopen(request, timeout=30) as resp:
            assert resp.status == 200 and json.load(resp)["data"]["connections"] == {}
        jam(emu)
    finally:
        emu.stop()  # no CancelledError
    assert not emu.running


def _control_headers(emu: Emulator) -> dict[str, str]:
    return {"Content-Type": "application/json", "x-access-token": emu.api_key}
