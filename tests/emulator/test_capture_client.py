"""The SDK's own `videodb.capture.CaptureClient` against the emulator: the stand-in capture
binary runs as a real subprocess on real pipes and calls the emulator over real HTTP with the
client token (vdb_notebook/emulator/capture_client.py, capture_binary.py, responses/desktop.py)."""
from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import requests
from videodb.capture import CaptureClient

from vdb_notebook.emulator import capture_binary
from vdb_notebook.schema import CAPTURE_CHANNELS

DOCUMENTED_CHANNEL_IDS = ["mic:default", "display:1", "system_audio:default"]  # mics, displays, system audio


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


def drain_events(client):
    events = []
    while not client._event_queue.empty():
        events.append(client._event_queue.get_nowait())
    return events


def exported(conn, session_id, timeout=20.0):
    """The session once its export finished (it runs after stop); `timeout` guards against a hang."""
    deadline = time.monotonic() + timeout
    while (session := conn.get_capture_session(session_id)).status != "exported":
        assert time.monotonic() < deadline, f"not exported: {session.status}"
        time.sleep(0.01)
    return session


async def wait_events(client, count):
    """The first `count` events the binary emitted, read through the SDK's `events()`."""
    seen = []
    async for event in client.events():
        seen.append(event)
        if len(seen) == count:
            return seen
    raise AssertionError(f"the binary exited after {seen}")


@pytest.fixture
def backend(emu):
    """What the quickstart's backend.py does: a session and a client token for the desktop."""
    conn = emu.connect()
    session = conn.create_capture_session(end_user_id="quickstart-user", collection_id="default",
                                          metadata={"app": "python-quickstart"})
    return conn, session, conn.generate_client_token()


def test_quickstart_desktop_client_runs_offline_unchanged(emu, backend):
    conn, session, token = backend
    seen = {}

    async def run_capture():  # quickstart/python-quickstart/client.py's run_capture, base_url added
        client = CaptureClient(client_token=token, base_url=emu.base_url)
        await client.request_permission("microphone")
        await client.request_permission("screen_capture")
        channels = await client.list_channels()
        seen["channels"] = [(ch.id, ch.type) for ch in channels.all()]
        mic, display, system_audio = channels.mics.default, channels.displays.default, channels.system_audio.default
        mic.store = display.store = system_audio.store = True
        with pytest.warns(DeprecationWarning, match="primary_video_channel_id"):
            await client.start_session(capture_session_id=session.id,
                                       channels=[mic, display, system_audio],
                                       primary_video_channel_id=display.id)
        seen["started"] = await wait_events(client, 1)
        live = conn.get_capture_session(session.id)
        seen["status_while_recording"] = live.status
        seen["rtstreams"] = {c: [r.name for r in live.get_rtstream(c)] for c in ("mic", "screen", "system_audio")}
        await client.stop_session()
        seen["stopped"] = await wait_events(client, 1)
        proc = client._proc
        await client.shutdown()
        seen["exit_code"] = proc.returncode

    run(run_capture())
    assert seen["channels"] == [("mic:default", "audio"), ("display:1", "video"), ("system_audio:default", "audio")]
    assert seen["started"] == [{"type": "event", "event": "recording:started", "payload": {"sessionId": session.id}}]
    assert seen["status_while_recording"] == "active"
    assert seen["rtstreams"] == {c.category: [c.name] for c in CAPTURE_CHANNELS}
    assert seen["stopped"] == [{"type": "event", "event": "recording:stopped", "payload": {"sessionId": session.id}}]
    assert seen["exit_code"] == 0
    assert exported(conn, session.id).exported_video_id


def test_lifecycle_frames_reach_the_sessions_websocket(emu):
    """created -> starting -> active, then stopping -> stopped -> exported, all driven by the binary."""
    conn = emu.connect()

    async def scenario():
        ws = await conn.connect_websocket().connect()
        session = conn.create_capture_session(end_user_id="u", ws_connection_id=ws.connection_id)
        client = CaptureClient(client_token=conn.generate_client_token(), base_url=emu.base_url)
        channels = await client.list_channels()
        await client.start_session(capture_session_id=session.id, channels=channels.all())
        await client.stop_session()
        await client.shutdown()
        statuses = []
        async for frame in ws.receive():
            if frame.get("channel") == "capture_session":
                statuses.append(frame["status"])
            if statuses[-1:] == ["exported"]:
                break
        await ws.close()
        return statuses

    assert run(scenario()) == ["created", "starting", "active", "stopping", "stopped", "exported"]


def test_base_url_from_VIDEO_DB_API_as_the_quickstart_leaves_it(emu, backend, monkeypatch):
    _conn, _session, token = backend
    monkeypatch.setenv("VIDEO_DB_API", emu.base_url)
    client = CaptureClient(client_token=token)  # exactly as client.py writes it
    assert client._binary_path == str(capture_binary.launcher_path())

    async def channels():
        found = await client.list_channels()
        await client.shutdown()
        return [ch.id for ch in found.all()]

    assert run(channels()) == DOCUMENTED_CHANNEL_IDS


def test_bad_command_is_answered_with_an_error_and_the_binary_keeps_serving(emu, backend):
    _conn, session, token = backend

    async def scenario():
        client = CaptureClient(client_token=token, base_url=emu.base_url)
        await client.list_channels()
        pid = client._proc.pid
        with pytest.raises(RuntimeError, match=r"unknown command 'teleport'.*startRecording"):
            await client._send_command("teleport", {"to": "mars"})
        with pytest.raises(RuntimeError, match="not recording: startRecording first"):
            await client._send_command("stopRecording", {"sessionId": session.id})
        with pytest.raises(RuntimeError, match="unknown permission 'telepathy'"):
            await client._send_command("requestPermission", {"permission": "telepathy"})
        channels = await client.list_channels()  # same process, still answering
        same = client._proc.pid == pid and client._proc.returncode is None
        await client.shutdown()
        return same, len(channels.all())

    assert run(scenario()) == (True, 3)


def test_refused_start_brings_the_services_message_and_a_recording_error_event(emu, backend):
    conn, session, token = backend

    async def scenario():
        client = CaptureClient(client_token=token, base_url=emu.base_url)
        channels = (await client.list_channels()).all()
        with pytest.raises(RuntimeError, match=r"404.*capture session 'cap-nope' not found"):
            await client.start_session(capture_session_id="cap-nope", channels=channels)
        errors = drain_events(client)
        stranger = CaptureClient(client_token="ct-never-issued", base_url=emu.base_url)
        with pytest.raises(RuntimeError, match=r"401.*x-access-token"):
            await stranger.start_session(capture_session_id=session.id, channels=channels)
        await client.shutdown()
        await stranger.shutdown()
        return errors

    errors = run(scenario())
    assert [(e["event"], e["payload"]["code"]) for e in errors] == [("recording:error", "start_failed")]
    assert conn.get_capture_session(session.id).status == "created"  # nothing moved


def test_shutdown_while_recording_stops_the_session_and_exits(emu, backend):
    conn, session, token = backend

    async def scenario():
        client = CaptureClient(client_token=token, base_url=emu.base_url)
        await client.start_session(capture_session_id=session.id, channels=(await client.list_channels()).all())
        proc = client._proc
        await client.shutdown()
        return proc.returncode, client._proc

    assert run(scenario()) == (0, None)
    assert conn.get_capture_session(session.id).status in ("stopped", "exported")  # stopped by the binary


def test_online_capture_client_never_picks_the_standin(emu, tmp_path, monkeypatch):
    standin = str(capture_binary.launcher_path())
    monkeypatch.delenv("VIDEO_DB_API", raising=False)
    for online in ({"base_url": "https://api.videodb.io"}, {}):  # {}: the SDK's default, VideoDB itself
        if importlib.util.find_spec("videodb_capture_bin") is None:  # as here: no real binary
            with pytest.raises(RuntimeError, match="Capture runtime not found"):
                CaptureClient(client_token="ct-x", **online)
        else:
            assert CaptureClient(client_token="ct-x", **online)._binary_path != standin

    # with the real package installed, online clients get the real binary, offline ones the stand-in
    (tmp_path / "videodb_capture_bin.py").write_text("def get_binary_path():\n    return '/opt/real/recorder'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert CaptureClient(client_token="ct-x", base_url="https://api.videodb.io")._binary_path == "/opt/real/recorder"
    assert CaptureClient(client_token="ct-x", base_url=emu.base_url)._binary_path == standin
    url = emu.base_url
    emu.stop()  # a stopped emulator's URL no longer selects the stand-in
    assert CaptureClient(client_token="ct-x", base_url=url)._binary_path == "/opt/real/recorder"


def test_client_token_opens_only_the_binarys_endpoints(emu, backend):
    conn, session, token = backend
    headers = {"x-access-token": token}
    answer = requests.get(f"{emu.base_url}/collection/default", headers=headers, timeout=10)
    assert answer.status_code == 401
    bad = requests.post(f"{emu.base_url}/capture/session/start", headers=headers, timeout=10,
                        json={"session_id": session.id, "channels": [{"channel_id": "webcam:9"}]})
    assert bad.status_code == 400 and "unknown channel 'webcam:9'" in bad.json()["message"]
    good = requests.post(f"{emu.base_url}/capture/session/start", headers=headers, timeout=10,
                         json={"session_id": session.id, "channels": [{"channel_id": "mic:default", "type": "audio"}]})
    assert good.json() == {"success": True, "data": {"session_id": session.id, "status": "starting"}}
    again = requests.post(f"{emu.base_url}/capture/session/start", headers=headers, timeout=10,
                          json={"session_id": session.id, "channels": [{"channel_id": "mic:default"}]})
    assert again.status_code == 409
    stop = requests.post(f"{emu.base_url}/capture/session/{session.id}/stop", headers=headers, timeout=10)
    assert stop.status_code == 200 and conn.get_capture_session(session.id).status in ("stopped", "exported")


def test_the_module_speaks_the_protocol_on_its_own_pipes():
    """`python -m vdb_notebook.emulator.capture_client`: lines that are not commands get an
    error event, never a crash; end of input ends it cleanly."""
    lines = ["hello there",
             "videodb_recorder|{not json",
             'videodb_recorder|{"command": "ping"}',
             'videodb_recorder|{"command": "getChannels", "commandId": "c1", "params": {}}',
             'videodb_recorder|{"command": "startRecording", "commandId": "c2", "params": {}}']
    done = subprocess.run([sys.executable, "-m", "vdb_notebook.emulator.capture_client"], timeout=60,
                          input="\n".join(lines) + "\n", capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    out = [json.loads(line.split("|", 1)[1]) for line in done.stdout.splitlines()]
    assert [(m["type"], m.get("event"), m.get("commandId"), m.get("status")) for m in out] == [
        ("event", "error", None, None), ("event", "error", None, None), ("event", "error", None, None),
        ("response", None, "c1", "success"), ("response", None, "c2", "error")]
    assert [c["channel_id"] for c in out[3]["result"]["channels"]] == [c.name for c in CAPTURE_CHANNELS]
    assert "startRecording needs sessionId" in out[4]["result"]


def test_channel_pause_and_resume_are_accepted_only_while_recording(emu, backend):
    """Channel.pause()/resume() send pauseTracks/resumeTracks {tracks: [mic|system_audio|screen]}.
    The stand-in keeps which tracks are paused; the emulated streams play on (there is no media)."""
    _conn, session, token = backend

    async def scenario():
        client = CaptureClient(client_token=token, base_url=emu.base_url)
        channels = await client.list_channels()
        with pytest.raises(RuntimeError, match="not recording"):
            await channels.mics.default.pause()
        await client.start_session(capture_session_id=session.id, channels=channels.all())
        await channels.mics.default.pause()
        await channels.displays.default.pause()
        await channels.displays.default.resume()
        with pytest.raises(RuntimeError, match="tracks must be a non-empty list of mic, system_audio, screen"):
            await client._send_command("pauseTracks", {"tracks": ["webcam"]})
        await client.shutdown()

    run(scenario())


def _standin(lines: list[bytes]) -> tuple[subprocess.CompletedProcess, list[dict]]:
    done = subprocess.run([sys.executable, "-m", "vdb_notebook.emulator.capture_client"], timeout=120,
                          input=b"\n".join(lines) + b"\n", capture_output=True)
    return done, [json.loads(line.split(b"|", 1)[1]) for line in done.stdout.splitlines()]


def test_the_standin_survives_a_100000_deep_line_and_answers_the_next():
    deep = b"videodb_recorder|" + b"[" * 100_000 + b"]" * 100_000
    deep_dict = b'videodb_recorder|{"commandId": "c0", "params": ' + b'{"a": ' * 40 + b"1" + b"}" * 41
    done, out = _standin([deep, deep_dict, b'videodb_recorder|{"command": "ping", "commandId": "c1"}'])
    assert done.returncode == 0, done.stderr[-2000:]
    assert b"RecursionError" not in done.stderr
    assert [(m["type"], m.get("commandId")) for m in out] == [("event", None), ("event", None), ("response", "c1")]
    assert all("nested more than 32 levels deep" in m["payload"]["message"] for m in out[:2])


def test_the_standin_drops_an_overlong_line_without_holding_it():
    from vdb_notebook.emulator.capture_client import MAX_LINE_BYTES
    huge = b"videodb_recorder|" + b" " * (3 * MAX_LINE_BYTES) + b'{"command": "ping", "commandId": "c0"}'
    done, out = _standin([huge, b'videodb_recorder|{"command": "ping", "commandId": "c1"}'])
    assert done.returncode == 0, done.stderr[-2000:]
    assert [(m["type"], m.get("commandId")) for m in out] == [("event", None), ("response", "c1")]
    assert f"longer than {MAX_LINE_BYTES:,} bytes" in out[0]["payload"]["message"]


def test_the_standin_does_not_import_the_emulator_server():
    """One stand-in runs per desktop client: it loads the standard library and schema only."""
    probe = ("import sys, vdb_notebook.emulator.capture_client as c; "
             "print(' '.join(sorted(sys.modules)))")
    loaded = set(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                timeout=60, check=True).stdout.split())
    assert "vdb_notebook.emulator.capture_client" in loaded  # the probe did import it
    heavy = {"aiohttp", "videodb", "pandas", "pyarrow", "numpy", "vdb_notebook.emulator.server",
             "vdb_notebook.emulator.engine"}
    assert loaded & heavy == set()


def test_a_parent_killed_with_9_leaves_no_launcher_behind(tmp_path):
    """The launcher the SDK execs is a file of the package, not a temporary one."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    child = textwrap.dedent("""
        import threading
        from videodb.capture import CaptureClient
        from vdb_notebook.emulator import capture_binary
        capture_binary.register("http://127.0.0.1:9")  # what Emulator.start() does for its URL
        print(CaptureClient(client_token="ct-x", base_url="http://127.0.0.1:9")._binary_path, flush=True)
        threading.Event().wait()
    """)
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(temp)})
    try:
        launcher = proc.stdout.readline().strip()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert launcher == str(capture_binary.launcher_path())
    assert not launcher.startswith(str(temp)) and list(temp.iterdir()) == []
