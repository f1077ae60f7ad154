"""vn.connect(): online vs offline, the process-wide default emulator, keys kept out of reprs and
logs, and the seed doc's snippets run as written against the emulator."""
from __future__ import annotations

import ast
import asyncio
import logging
import threading

import pytest
import videodb
from aiohttp import web
from videodb.exceptions import AuthenticationError

import vdb_notebook as vn
from vdb_notebook.connection import _stop_defaults, default_emulator, live_connections
from vdb_notebook.emulator import Emulator

SECRET = "sk-live-do-not-print-me-0123456789"

# The seed doc's Quick Example, verbatim except its first connect line (videodb.connect() would
# go online); `vn.connect()` returns the same SDK Connection class, pointed at the emulator.
QUICK_EXAMPLE = '''
import videodb

conn = vn.connect()
ws = conn.connect_websocket()
await ws.connect()

# Listen for events
async for ev in ws.stream():
    channel = ev.get("channel")

    if channel == "transcript":
        print(f"TRANSCRIPT: {ev['data']['text']}")
    elif channel == "scene_index":
        print(f"SCENE: {ev['data']['text']}")
    elif channel == "audio_index":
        print(f"AUDIO: {ev['data']['text']}")
'''

# The seed doc's webhook handler, verbatim.
ON_ACTIVE_WEBHOOK = '''
def on_active_webhook(payload):
    cap = conn.get_capture_session(payload["capture_session_id"])

    for rts_info in payload["data"]["rtstreams"]:
        rts_id = rts_info["rtstream_id"]
        rts_name = rts_info["name"]

        if "audio" in rts_info["media_types"]:
            rtstream = conn.get_rtstream(rts_id)
            rtstream.start_transcript()
            rtstream.index_audio(prompt="Extract key decisions")

        if "video" in rts_info["media_types"]:
            rtstream = conn.get_rtstream(rts_id)
            rtstream.index_visuals(prompt="Describe what user is doing")
'''


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch):
    monkeypatch.delenv("VIDEO_DB_API_KEY", raising=False)


def test_no_key_starts_and_reuses_the_default_emulator():
    first = vn.connect()
    second = vn.connect()
    assert isinstance(first, videodb.client.Connection)
    assert first.emulator is second.emulator and first.emulator.running
    assert first.base_url == first.emulator.base_url
    assert first.get_collection().id == "default"  # a real round trip
    other = vn.connect(seed=5)
    assert other.emulator is not first.emulator  # another seed, another default emulator


def test_default_emulators_stop_at_exit():
    emu = default_emulator("standup", seed=99)
    assert emu.running
    _stop_defaults()  # what atexit runs
    assert not emu.running
    assert default_emulator("standup", seed=99) is not emu  # a fresh one on next use


def test_a_key_without_offline_is_a_plain_online_connection(monkeypatch):
    conn = vn.connect(SECRET)
    assert conn.emulator is None and conn.base_url == "https://api.videodb.io"
    monkeypatch.setenv("VIDEO_DB_API_KEY", SECRET)
    assert vn.connect().emulator is None
    assert vn.connect(offline=True).emulator is not None  # offline=True wins over a key


def test_offline_false_without_a_key_says_what_to_do():
    with pytest.raises(AuthenticationError, match=r"pass api_key=\.\.\. or set VIDEO_DB_API_KEY"):
        vn.connect(offline=False)


def test_the_key_never_appears_in_reprs_or_logs(caplog):
    caplog.set_level(logging.DEBUG)
    online = vn.connect(SECRET)
    with Emulator(speed="max", api_key=SECRET) as emu:
        conn = vn.connect(emulator=emu)
        ws = conn.connect_websocket()
        session = conn.create_capture_session(end_user_id="user_abc")
        emu.start_capture(session.id)
        texts = [repr(online), repr(conn), repr(emu), str(emu), repr(ws), ws.url, repr(emu.state())]
    assert all(SECRET not in text for text in texts)
    # reprs are also the same every run (no port), so notebook outputs stay reproducible
    assert texts[1] == "Connection(offline, Emulator(scenario='standup', speed='max', seed=0, running))"
    assert repr(online) == "Connection(base_url='https://api.videodb.io', online)"
    assert SECRET not in caplog.text and "emulator serving" in caplog.text


async def test_get_rtstream_and_stream_alias():
    with Emulator(speed="max") as emu:
        conn = vn.connect(emulator=emu)
        assert conn.emulator is emu
        ws = conn.connect_websocket()
        assert isinstance(ws, videodb.websocket_client.WebSocketConnection)
        await ws.connect()
        session = conn.create_capture_session(end_user_id="user_abc", ws_connection_id=ws.connection_id)
        emu.start_capture(session.id)
        rts_id = conn.get_capture_session(session.id).rtstreams[2].id
        rts = conn.get_rtstream(rts_id)
        assert (rts.id, rts.name, rts.channel_id) == (rts_id, "display:1", "screen")
        stream = ws.stream()
        first = await asyncio.wait_for(anext(stream), 10)  # a hang guard, not a timing test
        assert (first["event"], first["capture_session_id"]) == ("capture_session.created", session.id)
        await stream.aclose()
        await ws.close()


async def test_seed_doc_quick_example_and_on_active_webhook_run_as_written(capsys):
    """The doc's flow: the Quick Example listens; on the active webhook, on_active_webhook
    starts the pipelines (without ws_connection_id: frames go to the session's connection)."""
    namespace = {"vn": vn, "__name__": "seed_doc"}
    listening = eval(compile(QUICK_EXAMPLE, "<seed doc>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT),
                     namespace)
    listener = asyncio.ensure_future(listening)
    for _ in range(1000):  # a hang guard: the example connects at once
        if "ws" in namespace and namespace["ws"].connection_id is not None:
            break
        await asyncio.sleep(0.01)
    conn, ws = namespace["conn"], namespace["ws"]
    emu = conn.emulator  # the process-wide default emulator
    emu.set_speed("max")
    try:
        exec(compile(ON_ACTIVE_WEBHOOK, "<seed doc>", "exec"), namespace)

        handled: list[dict] = []

        async def webhook(request: web.Request) -> web.Response:
            payload = await request.json()
            if payload["event"] == "capture_session.active":
                await asyncio.to_thread(namespace["on_active_webhook"], payload)
                handled.append(payload)
            return web.Response(status=204)

        app = web.Application()
        app.router.add_post("/hook", webhook)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        hook_url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"

        session = conn.create_capture_session(end_user_id="user_abc", callback_url=hook_url,
                                              ws_connection_id=ws.connection_id)
        emu.start_capture(session.id)  # the desktop client starts capturing

        tracks = emu.scenario.tracks
        wanted = {"TRANSCRIPT": 2 * (len(tracks["mic"]["transcript"]) + len(tracks["system_audio"]["transcript"])),
                  "SCENE": len(tracks["display"]["visual_index"]),
                  "AUDIO": len(tracks["mic"]["audio_index"]) + len(tracks["system_audio"]["audio_index"])}
        printed = ""
        for _ in range(1000):
            printed += capsys.readouterr().out
            counts = {k: printed.count(f"{k}: ") for k in wanted}
            if counts == wanted:
                break
            await asyncio.sleep(0.01)
        await runner.cleanup()
    finally:
        emu.set_speed(None)
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
        await ws.close()
    assert counts == wanted and len(handled) == 1
    assert "TRANSCRIPT: Good. So the plan is: we'll ship on Thursday" in printed
    assert "SCENE: Slack, channel #release-2-4" in printed
    assert "AUDIO: Decision: ship 2.4 on Thursday" in printed


def test_sync_sdk_calls_from_many_threads_do_not_deadlock():
    with Emulator(speed="max") as emu:
        conn = vn.connect(emulator=emu)
        errors: list[BaseException] = []

        def worker(n: int) -> None:
            try:
                for _ in range(5):
                    session = conn.create_capture_session(end_user_id=f"user_{n}")
                    emu.start_capture(session.id)
                    assert conn.get_capture_session(session.id).status == "active"
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert errors == [] and len(conn.list_capture_sessions(status="active")) == 20


def test_an_unreachable_service_names_its_host_and_the_next_step():
    import socket

    from videodb.exceptions import InvalidRequestError

    from vdb_notebook.connection import Connection
    with socket.socket() as sock:  # a port nobody listens on: as with no network
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    conn = Connection(api_key="bogus", base_url=f"http://127.0.0.1:{port}")
    with pytest.raises(InvalidRequestError, match=rf"cannot reach VideoDB at 127.0.0.1:{port} .*"
                                                  r"vn.connect\(offline=True\)") as caught:
        conn.get_collection()
    assert "bogus" not in str(caught.value)


def test_a_connection_whose_emulator_stopped_is_not_in_play() -> None:
    emu = vn.Emulator(speed="max")
    emu.start()
    conn = vn.connect(emulator=emu)
    assert conn in live_connections()
    emu.stop()
    assert conn not in live_connections()
