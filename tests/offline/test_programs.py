"""Public programs nobody here wrote, run unchanged through `python -m vdb_notebook.offline`
(sources and licences: programs/README.md). Every call inside the emulator's scope succeeds;
what stays out of scope fails with a message that says so."""
from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import requests
import videodb

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
sys.path.insert(0, str(HERE))
from offline_support import clean_env, wait_for  # noqa: E402  (beside this file: on the path just above)

BANNER = re.compile(r"videodb calls go to the emulator at (http://127\.0\.0\.1:\d+)")
#: The vendored files, byte for byte as published (programs/README.md names the commits).
VENDORED = {
    "skills_ws_listener/ws_listener.py": "9766dbde6fed7c0f907412506d7132cbed7146744b06738c2b96587b1a97f75c",
    "skills_ws_listener/LICENSE": "9531068dda9cb78b1140d016220656127b207b29ba9f567e04b3c5bfc23ffb6d",
    "cookbook_intrusion_detection/Intrusion_Detection.ipynb": "af1da6670cbf3fb5d65f8fb1c6ffc7b91d5c1bba6338954ea0953a85e5e817ef",
    "cookbook_intrusion_detection/LICENSE": "43070e2d4e532684de521b885f385d0841030efa2b1a20bafb76133a5e1379c1",
}


#: The runner's emulator key, fixed so this test can drive the capture from outside the redirect.
EMULATOR_KEY = "test-runner-key"


def environment(tmp_path: Path) -> dict[str, str]:
    return clean_env(PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
                     PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONUNBUFFERED="1",
                     VIDEODB_EVENTS_DIR=str(tmp_path), VDB_EMULATOR_KEY=EMULATOR_KEY)


def offline(args: list[str], tmp_path: Path, **popen: object) -> subprocess.Popen:
    # a session of its own: no controlling terminal, so getpass reads stdin as in CI
    return subprocess.Popen([sys.executable, "-m", "vdb_notebook.offline", *args], cwd=tmp_path,
                            env=environment(tmp_path), text=True, start_new_session=True, **popen)


def test_the_vendored_files_are_unchanged():
    for name, digest in VENDORED.items():
        assert hashlib.sha256((PROGRAMS / name).read_bytes()).hexdigest() == digest, name


# --- video-db/skills: python/scripts/ws_listener.py (MIT) ----------------------------------------------
def emulator_url(process: subprocess.Popen) -> str:
    found = BANNER.search(process.stderr.readline())
    assert found, "the runner printed no banner"
    return found.group(1)


def start_capture(base_url: str, ws_id: str) -> videodb.client.Connection:
    """What a capture app does meanwhile, from another process: a session whose frames go to the
    listener's WebSocket, made active by the emulator's desktop part, transcribed."""
    conn = videodb.connect(api_key=EMULATOR_KEY, base_url=base_url)
    session = conn.create_capture_session(end_user_id="skills-user", ws_connection_id=ws_id)
    requests.post(f"{base_url}/_emulator/capture/{session.id}/start", json={},
                  headers={"x-access-token": EMULATOR_KEY}, timeout=30).raise_for_status()
    mic = conn.get_capture_session(session.id).get_rtstream("mic")[0]
    mic.start_transcript(ws_connection_id=ws_id)
    return conn


def events_in(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_skills_ws_listener_records_the_sessions_events_and_shuts_down_on_sigterm(tmp_path):
    script = PROGRAMS / "skills_ws_listener" / "ws_listener.py"
    listener = offline(["--speed", "max", str(script), "--clear", str(tmp_path)], tmp_path,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        base_url = emulator_url(listener)
        ws_id = wait_for(lambda: (tmp_path / "videodb_ws_id").exists() and (tmp_path / "videodb_ws_id").read_text(),
                         "the listener's WS_ID file")
        start_capture(base_url, ws_id)
        events = wait_for(lambda: [e for e in events_in(tmp_path / "videodb_events.jsonl")
                                   if e.get("channel") == "transcript" and e["data"].get("is_final")],
                          "a final transcript line in videodb_events.jsonl")
        assert events[0]["data"]["text"] and "unix_ts" in events[0]
        assert any(e.get("channel") == "capture_session" for e in events_in(tmp_path / "videodb_events.jsonl"))
        listener.send_signal(signal.SIGTERM)
        out, err = listener.communicate(timeout=60)
    finally:
        if listener.poll() is None:
            listener.kill()
    assert listener.returncode == 0, err
    assert f"WS_ID={ws_id}" in out and "Shutdown complete" in out and "[transcript] " in out
    assert not (tmp_path / "videodb_ws_pid").exists()  # its own cleanup ran


# --- video-db/videodb-cookbook: real_time_streaming/Intrusion_Detection.ipynb (Apache-2.0) ---------------
#: Cells that fail offline, and why (every other code cell must succeed).
INTRUSION_FAILS = {
    17: "generate/text (offline,",  # coll.generate_text: generation is not emulated; the 404 says
    # to run it against VideoDB itself (the message itself is tested with the emulator)
    56: "NameError: name 'loitering_alert_id' is not defined",  # the notebook creates alerts only
    58: "NameError: name 'loitering_alert_id' is not defined",  # when given a webhook_url (online too)
}
OUT_OF_SCOPE = "run this against VideoDB itself"


def run_intrusion_notebook(tmp_path: Path, key: str, *runner_options: str) -> tuple[dict, str, str]:
    """Its cells' outcomes, stdout and stderr; `key` answers its getpass prompt."""
    notebook = PROGRAMS / "cookbook_intrusion_detection" / "Intrusion_Detection.ipynb"
    results = tmp_path / "cells.jsonl"
    run = offline([*runner_options, str(HERE / "run_cells.py"), str(notebook), str(results),
                   str(HERE / "intrusion_after.py")], tmp_path,
                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = run.communicate(input=key + "\n", timeout=300)
    assert run.returncode == 0, err
    cells = {r["cell"]: r for r in map(json.loads, results.read_text().splitlines())}
    return cells, out, err


def test_cookbook_intrusion_detection_runs_offline_with_a_users_key(tmp_path):
    secret = "sk-cookbook-reader-0042"
    cells, out, err = run_intrusion_notebook(tmp_path, secret, "--speed", "max")
    assert cells.pop("after")["ok"]  # its scene index described the stream
    failed = {index: r["error"] for index, r in cells.items() if not r["ok"]}
    assert set(failed) == set(INTRUSION_FAILS), failed
    for index, reason in INTRUSION_FAILS.items():
        assert reason in failed[index]
    assert OUT_OF_SCOPE in failed[17]  # says it is out of the emulator's scope, and what to do
    assert "Connected to VideoDB securely!" in out and "status=connected" in out
    assert "Intruder_Detection_Index" in out and "Loitering Event ID: event-" in out
    assert secret not in out + err


def test_cookbook_intrusion_detection_sees_a_camera_not_a_meeting(tmp_path):
    _, out, _ = run_intrusion_notebook(tmp_path, "sk-any", "--speed", "max")
    scenes = json.loads(out.split("SCENES=", 1)[1].splitlines()[0])
    assert scenes and not any(word in " ".join(scenes) for word in ("Slack", "Jira", "Notes document"))
