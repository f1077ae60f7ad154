"""The emulator guarded as a local development server: credential, Host and Origin checks,
callback URLs, WebSocket tickets, scenario names, idle and slow connections."""
from __future__ import annotations

import asyncio
import socket

import pytest
import requests
import websockets

from vdb_notebook.emulator import Emulator
from vdb_notebook.emulator.scenario import ORIGIN_MS, Scenario
from vdb_notebook.schema.media import stream_url


@pytest.fixture(scope="module")
def emu():
    with Emulator(speed="max", idle_timeout=0.3, read_timeout=0.3, ticket_ttl=0.5) as emulator:
        yield emulator


def key(emu) -> dict[str, str]:
    return {"x-access-token": emu.api_key}


def test_the_control_plane_needs_the_emulators_key(emu):
    url = f"{emu.base_url}/_emulator/state"
    refused = requests.get(url, timeout=10)
    assert refused.status_code == 401 and "x-access-token" in refused.json()["message"]
    assert requests.post(f"{emu.base_url}/_emulator/reset", timeout=10).status_code == 401
    assert requests.get(url, headers={"x-access-token": "wrong"}, timeout=10).status_code == 401
    assert requests.get(url, headers=key(emu), timeout=10).status_code == 200
    emu.reset()  # the Python API calls in-process and needs nothing


@pytest.mark.parametrize("host", ["evil.example", "evil.example:1234", "127.0.0.1:1"])
def test_a_foreign_host_header_is_refused(emu, host):
    for path in ("_emulator/state", "collection/default"):
        answer = requests.get(f"{emu.base_url}/{path}", timeout=10,
                              headers={**key(emu), "Host": host})
        assert answer.status_code == 421 and "Host" in answer.json()["message"]


def test_a_cross_site_origin_and_a_text_plain_post_are_refused(emu):
    cross = requests.post(f"{emu.base_url}/_emulator/reset", timeout=10, data="{}",
                          headers={**key(emu), "Origin": "https://evil.example",
                                   "Content-Type": "application/json"})
    assert cross.status_code == 403 and "Origin" in cross.json()["message"]
    plain = requests.post(f"{emu.base_url}/_emulator/reset", timeout=10, data="{}",
                          headers={**key(emu), "Content-Type": "text/plain"})
    assert plain.status_code == 415 and "application/json" in plain.json()["message"]
    same = requests.post(f"{emu.base_url}/_emulator/reset", timeout=10, json={},
                         headers={**key(emu), "Origin": emu.base_url})
    assert same.status_code == 200


@pytest.mark.parametrize("callback", ["file:///etc/passwd", "gopher://127.0.0.1:70/",
                                      "ftp://example.com/x", "not a url", "http:///nohost",
                                      "SELF/_emulator/reset", "SELF_LOCALHOST/_emulator/reset",
                                      # other spellings of 127.0.0.1 a client connects to alike
                                      "http://[::ffff:127.0.0.1]:PORT/_emulator/reset",
                                      "http://[::ffff:7f00:1]:PORT/", "http://127.1:PORT/",
                                      "http://2130706433:PORT/", "http://localhost.:PORT/"])
def test_a_callback_url_must_be_http_and_not_the_emulator(emu, callback):
    port = emu.port
    callback = (callback.replace("SELF_LOCALHOST", f"http://localhost:{port}")
                .replace("SELF", emu.base_url).replace("PORT", str(port)))
    conn = emu.connect()
    with pytest.raises(Exception) as raised:
        conn.create_capture_session(end_user_id="u", callback_url=callback)
    assert "callback_url" in str(raised.value)
    session = conn.create_capture_session(end_user_id="u", callback_url="http://127.0.0.1:9/hook")
    assert session.id


def test_the_websocket_url_does_not_come_from_the_host_header(emu):
    answer = requests.get(f"{emu.base_url}/collection/default/websocket", timeout=10,
                          headers={**key(emu), "Host": f"localhost:{emu.port}"})
    assert answer.status_code == 200
    assert answer.json()["data"]["websocket_url"].startswith(f"ws://127.0.0.1:{emu.port}/ws?")


@pytest.fixture
def expiring():
    """An emulator whose expiry clock the test moves: `(emu, now)`, `now[0]` in seconds."""
    now = [1000.0]
    with Emulator(speed="max", ticket_ttl=60, expiry_clock=lambda: now[0]) as emulator:
        yield emulator, now


async def test_a_websocket_ticket_expires(expiring):
    emu, now = expiring
    url = (await asyncio.to_thread(emu.connect().connect_websocket)).url
    async with websockets.connect(url) as ws:  # fresh: it opens
        assert "connection_id" in await ws.recv()
    now[0] += 60  # at ticket_ttl: still usable
    async with websockets.connect(url) as ws:
        assert "connection_id" in await ws.recv()
    now[0] += 0.001  # past it
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(url):
            pass
    assert refused.value.response.status_code == 401


def test_a_client_token_is_refused_once_it_expires(expiring):
    emu, now = expiring
    conn = emu.connect()
    session = conn.create_capture_session(end_user_id="u")
    token = conn.generate_client_token(expires_in=1)
    start = {"session_id": session.id, "channels": [{"channel_id": "mic:default", "type": "audio"}]}
    now[0] += 1.001  # one second and a bit later: expired
    expired = requests.post(f"{emu.base_url}/capture/session/start", json=start, timeout=10,
                            headers={"x-access-token": token})
    assert expired.status_code == 401 and "x-access-token" in expired.json()["message"]
    fresh = requests.post(f"{emu.base_url}/capture/session/start", json=start, timeout=10,
                          headers={"x-access-token": conn.generate_client_token(expires_in=1)})
    assert fresh.json()["data"] == {"session_id": session.id, "status": "starting"}


@pytest.mark.parametrize("name", ["../../../../etc/passwd", "standup/../../burst",
                                  "scenarios/../standup", "/etc/hostname"])
def test_a_scenario_name_cannot_leave_the_scenario_folder(name):
    with pytest.raises(ValueError, match="unknown scenario"):
        Scenario.load(name)


def test_idle_and_slow_connections_are_closed(emu):
    with socket.create_connection(("127.0.0.1", emu.port), timeout=30) as idle:
        assert idle.recv(100) == b""  # closed by the emulator after idle_timeout
    with socket.create_connection(("127.0.0.1", emu.port), timeout=30) as slow:
        slow.sendall(f"POST /_emulator/reset HTTP/1.1\r\nHost: 127.0.0.1:{emu.port}\r\n"
                     f"x-access-token: {emu.api_key}\r\nContent-Type: application/json\r\n"
                     "Content-Length: 50\r\n\r\n{".encode())
        answer = b""
        while chunk := slow.recv(4096):
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 408")
        # said and done: closed at once rather than reading on for aiohttp's lingering_time
        assert b"\r\nConnection: close\r\n" in answer.split(b"\r\n\r\n")[0] + b"\r\n"
    assert requests.get(f"{emu.base_url}/_emulator/state", headers=key(emu), timeout=10).ok



def test_a_notebook_page_may_play_media_but_not_call_the_api(emu):
    """A clip in JupyterLab fetches the emulator's HLS from Jupyter's origin; that origin still
    may not call the API or the control plane."""
    conn = emu.connect()
    session = conn.create_capture_session(end_user_id="u", callback_url="")
    emu.start_capture(session.id)
    rid = conn.get_capture_session(session.id).get_rtstream("screen")[0].id
    jupyter = {"Origin": "http://127.0.0.1:8888"}
    url = stream_url(emu.base_url, rid, ORIGIN_MS / 1000, ORIGIN_MS / 1000 + 4)
    playlist = requests.get(url, headers=jupyter, timeout=30)
    assert playlist.status_code == 200 and playlist.text.startswith("#EXTM3U")
    for path in ("rtstream", "_emulator/state"):
        refused = requests.get(f"{emu.base_url}/{path}", headers={**jupyter, **key(emu)}, timeout=30)
        assert refused.status_code == 403


def test_each_emulator_has_its_own_key_and_no_public_one(emu):
    import vdb_notebook.emulator as package

    with pytest.raises(AttributeError, match=r"emu\.api_key"):
        _ = package.EMULATOR_KEY
    with Emulator(speed="max") as other:
        assert other.api_key != emu.api_key and other.api_key.startswith("emu-")
        for wrong in (emu.api_key, "emu-local-key"):  # another emulator's, the old constant
            refused = requests.get(f"{other.base_url}/_emulator/state", timeout=10,
                                   headers={"x-access-token": wrong})
            assert refused.status_code == 401
        assert requests.get(f"{other.base_url}/_emulator/state", headers=key(other), timeout=10).ok
    with Emulator(speed="max", api_key="chosen") as chosen:
        assert chosen.connect().get_collection().id == "default"
