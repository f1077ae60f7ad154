"""`python -m vdb_notebook.offline`: whole programs, and the children they start, offline."""
from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import requests

from vdb_notebook.offline.runner import UsageError, parse

sys.path.insert(0, str(Path(__file__).parent))
from offline_support import clean_env, wait_for


def run_offline(args: list[str], cwd: Path, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vdb_notebook.offline", "--speed", "max", *args],
                          cwd=cwd, env=clean_env(**env), capture_output=True, text=True, check=False, timeout=timeout)


PARENT = textwrap.dedent('''
    import json, subprocess, sys
    import videodb
    conn = videodb.connect()
    session = conn.create_capture_session(end_user_id="from-parent")
    child = subprocess.run([sys.executable, "child.py", session.id], capture_output=True, text=True)
    print(json.dumps({"parent": conn.base_url, "argv": sys.argv[1:], "child": child.stdout.strip(),
                      "child_err": child.stderr[-2000:]}))
''')
CHILD = textwrap.dedent('''
    import json, sys
    import videodb
    conn = videodb.connect()
    print(json.dumps({"base_url": conn.base_url, "status": conn.get_capture_session(sys.argv[1]).status}))
''')


def test_a_script_and_the_children_it_starts_reach_one_emulator(tmp_path):
    (tmp_path / "app.py").write_text(PARENT)
    (tmp_path / "child.py").write_text(CHILD)
    done = run_offline(["app.py", "--flag", "x"], tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["argv"] == ["--flag", "x"]
    child = json.loads(report["child"] or "null") or pytest.fail(report["child_err"])
    assert child == {"base_url": report["parent"], "status": "created"}
    assert report["parent"].startswith("http://127.0.0.1:")
    assert f"videodb calls go to the emulator at {report['parent']}" in done.stderr


def test_a_module_runs_with_dash_m_from_the_working_directory(tmp_path):
    (tmp_path / "tracker.py").write_text(textwrap.dedent('''
        import sys, videodb
        print(videodb.connect().get_collection().id, *sys.argv[1:])
    '''))
    done = run_offline(["--quiet", "-m", "tracker", "--port", "8000"], tmp_path)
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "default --port 8000", "")


def test_the_programs_exit_status_and_errors_come_through(tmp_path):
    (tmp_path / "fails.py").write_text("import sys\nsys.exit(3)\n")
    (tmp_path / "raises.py").write_text("raise RuntimeError('boom')\n")
    assert run_offline(["fails.py"], tmp_path).returncode == 3
    raised = run_offline(["raises.py"], tmp_path)
    assert raised.returncode == 1 and "RuntimeError: boom" in raised.stderr


def test_a_user_key_in_the_environment_is_never_printed(tmp_path):
    secret = "sk-users-own-key-42"
    (tmp_path / "app.py").write_text("import logging, videodb\nlogging.basicConfig(level=logging.DEBUG)\n"
                                     "print(videodb.connect().get_collection().id)\n")
    done = run_offline(["app.py"], tmp_path, VIDEO_DB_API_KEY=secret)
    assert done.returncode == 0 and done.stdout.strip() == "default"
    assert secret not in done.stdout + done.stderr


def test_bad_command_lines_say_what_to_fix(tmp_path):
    done = run_offline(["--colour", "red", "app.py"], tmp_path)
    assert done.returncode == 2 and "unknown option '--colour'" in done.stderr
    assert "usage: python -m vdb_notebook.offline" in run_offline([], tmp_path).stderr
    with pytest.raises(UsageError, match="-m needs a module name"):
        parse(["-m"])
    assert parse(["--seed=3", "app.py", "--seed", "4"]).options == {"--seed": "3"}


SERVERS = Path(__file__).resolve().parent / "servers"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_server_module_runs_with_dash_m_and_is_driven_through_its_routes(tmp_path):
    port, key = free_port(), "runner-test-key"
    server = subprocess.Popen(
        [sys.executable, "-m", "vdb_notebook.offline", "--speed", "max", "-m", "aiohttp.web",
         "-H", "127.0.0.1", "-P", str(port), "capture_backend:make_app"],
        cwd=SERVERS, env=clean_env(VDB_EMULATOR_KEY=key), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    backend = f"http://127.0.0.1:{port}"
    try:
        emulator = re.search(r"emulator at (\S+) ", server.stderr.readline()).group(1)
        wait_for(lambda: requests.get(f"{backend}/health", timeout=5).ok, "the backend to serve")
        created = requests.post(f"{backend}/init-session", timeout=30).json()
        # the desktop client's part, from outside the program (the emulator's control route)
        requests.post(f"{emulator}/_emulator/capture/{created['session_id']}/start", json={},
                      headers={"x-access-token": key}, timeout=30).raise_for_status()
        seen = wait_for(lambda: (body := requests.get(f"{backend}/transcript", timeout=30,
                                                  params={"session_id": created["session_id"]}).json())["lines"] and body,
                    "transcript lines through the backend's own route")
    finally:
        server.terminate()
        server.communicate(timeout=60)
    assert created["token"] and "capture_session.active" in seen["events"]
    assert seen["lines"][0].startswith("Morning, both.")
