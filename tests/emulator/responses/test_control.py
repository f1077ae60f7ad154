"""Control endpoints (/_emulator/...), the Emulator object's own methods, clean start/stop of
several emulators in one process, and the standalone CLI."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import warnings

import pytest
import requests
import videodb

import vdb_notebook as vn
from vdb_notebook.emulator import Emulator, Faults
from vdb_notebook.emulator.state import NotFound


def control(emu, verb, path, **body):
    response = getattr(requests, verb)(f"{emu.base_url}/_emulator/{path}", json=body or None,
                                       headers={"x-access-token": emu.api_key})
    return response.status_code, response.json()


def test_state_speed_and_faults_endpoints(emu):
    status, body = control(emu, "get", "state")
    assert status == 200 and body["success"] is True
    assert {k: body["data"][k] for k in ("scenario", "seed", "speed")} == {"scenario": "standup", "seed": 0, "speed": "max"}
    assert control(emu, "post", "speed", speed=12.5)[1]["data"] == {"speed": 12.5}
    assert control(emu, "post", "speed", speed=None)[1]["data"] == {"speed": 30.0}  # the scenario's default
    status, body = control(emu, "post", "speed", speed=-1)
    assert status == 400 and "positive number or 'max'" in body["message"]
    assert control(emu, "post", "faults", drop_ws_after=3)[1]["data"]["drop_ws_after"] == 3
    assert emu.faults.drop_ws_after == 3
    status, body = control(emu, "post", "faults", explode=True)
    assert status == 400 and "unknown fault(s) ['explode']" in body["message"]
    response = requests.post(f"{emu.base_url}/_emulator/faults?replace=1", json={"duplicate_webhooks": 2},
                             headers={"x-access-token": emu.api_key})
    assert response.json()["data"] == {**Faults().as_dict(), "duplicate_webhooks": 2}


def test_reset_and_seed_endpoints_forget_everything_and_restart_ids(emu):
    conn = vn.connect(emulator=emu)
    first = conn.create_capture_session(end_user_id="a").id
    control(emu, "post", "reset")
    assert conn.list_capture_sessions() == []
    assert conn.create_capture_session(end_user_id="a").id == first  # same seed, same ids again
    status, body = control(emu, "post", "seed", seed=3)
    assert status == 200 and body["data"]["seed"] == 3 and body["data"]["sessions"] == []
    assert conn.create_capture_session(end_user_id="a").id != first
    assert control(emu, "post", "seed", seed="x")[0] == 400


def test_capture_endpoints_drive_the_lifecycle(emu):
    conn = vn.connect(emulator=emu)
    sid = conn.create_capture_session(end_user_id="user_abc").id
    assert control(emu, "post", f"capture/{sid}/start")[1]["data"]["status"] == "active"
    body = control(emu, "post", f"capture/{sid}/fail", message="disk full")[1]["data"]
    assert body["status"] == "failed"
    status, body = control(emu, "post", "capture/cap-nope/start")
    assert status == 404 and "cap-nope" in body["message"]
    assert control(emu, "post", f"capture/{sid}/explode")[0] == 404


def test_deliveries_endpoint_lists_attempts(emu):
    conn = vn.connect(emulator=emu)
    conn.create_capture_session(end_user_id="user_abc", callback_url="http://127.0.0.1:9/x")  # nobody listens
    emu.wait_webhooks(15)
    deliveries = control(emu, "get", "deliveries")[1]["data"]["deliveries"]
    assert len(deliveries) == 7 and deliveries[0]["event"] == "capture_session.created"  # 1 try + 6 retries


def test_python_methods_match_the_endpoints(emu):
    conn = vn.connect(emulator=emu)
    sid = conn.create_capture_session(end_user_id="a").id
    emu.set_faults(duplicate_webhooks=1, reorder_webhooks=True)
    assert (emu.faults.duplicate_webhooks, emu.faults.reorder_webhooks) == (1, True)
    emu.set_faults(Faults(fail_webhooks=2))  # a Faults object replaces the whole set
    assert emu.faults == Faults(fail_webhooks=2)
    with pytest.raises(ValueError, match="drop_ws_after must be None or a whole number"):
        emu.set_faults(drop_ws_after=-2)
    emu.set_speed(2)
    assert emu.state()["speed"] == 2.0
    with pytest.raises(ValueError, match="speed must be"):
        emu.set_speed("fast")
    emu.reset(seed=11)
    assert emu.state()["seed"] == 11 and emu.state()["sessions"] == []
    with pytest.raises(NotFound, match=f"capture session '{sid}' not found"):
        emu.start_capture(sid)


def test_constructor_faults_and_validation():
    with pytest.raises(ValueError, match="unknown scenario 'nope'"):
        Emulator(scenario="nope")
    with pytest.raises(ValueError, match="speed must be"):
        Emulator(speed=0)
    with pytest.raises(ValueError, match="unknown fault"):
        Emulator(faults={"drop": 1})
    with Emulator(faults={"drop_ws_after": 2}) as emu:
        assert emu.faults.drop_ws_after == 2


def test_several_emulators_at_once_and_a_clean_stop():
    threads_before = set(threading.enumerate())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        emulators = [Emulator(speed="max", seed=n).start() for n in range(3)]
        assert len({e.base_url for e in emulators}) == 3
        ids = [videodb.connect(api_key=e.api_key, base_url=e.base_url)
               .create_capture_session(end_user_id="a").id for e in emulators]
        assert len(set(ids)) == 3  # each has its own state and seed
        for e in emulators:
            e.stop()
            e.stop()  # idempotent
    assert set(threading.enumerate()) == threads_before
    assert all(not e.running for e in emulators)
    with pytest.raises(RuntimeError, match="not running"):
        _ = emulators[0].base_url
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{emulators[0].port}/_emulator/state", timeout=2)


def test_restart_after_stop_serves_again():
    emu = Emulator(speed="max")
    with emu:
        port = emu.port
    with emu:
        assert emu.port == port and emu.state()["sessions"] == []


def test_cli_prints_base_url_and_key_and_serves(tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "vdb_notebook.emulator", "--port", "0",
                             "--scenario", "standup", "--speed", "max"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines = [proc.stdout.readline() for _ in range(4)]
        base_url = lines[1].split("=", 1)[1].strip()
        key = lines[2].split("=", 1)[1].split()[0]
        assert base_url.startswith("http://127.0.0.1:") and key.startswith("emu-") and len(key) == 28
        conn = videodb.connect(api_key=key, base_url=base_url)
        assert conn.get_collection().id == "default"
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err


def test_cli_rejects_an_unknown_scenario():
    result = subprocess.run([sys.executable, "-m", "vdb_notebook.emulator", "--scenario", "nope"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "unknown scenario 'nope'" in result.stderr


def test_worlds_are_chosen_over_http_too(emu):
    conn = videodb.connect(api_key=emu.api_key, base_url=emu.base_url)
    assert control(emu, "post", "world", world="support_call", end_user_id="agent-7")[1]["data"] == {
        "world": "support_call", "end_user_id": "agent-7"}
    session = conn.create_capture_session(end_user_id="agent-7")
    other = conn.create_capture_session(end_user_id="bob")
    assert control(emu, "post", "world", world="dev_screen", session_id=other.id)[0] == 200
    assert {k: v for k, v in control(emu, "get", "state")[1]["data"]["worlds"].items()} == {
        session.id: "support_call", other.id: "dev_screen"}
    status, body = control(emu, "post", "world", world="nope", end_user_id="x")
    assert status == 400 and "unknown scenario 'nope'" in body["message"]
    status, body = control(emu, "post", "world", world="cctv")
    assert status == 400 and "session_id" in body["message"]
