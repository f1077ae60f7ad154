"""The core install works without the heavy extras: `import vdb_notebook` and the offline
events path (connect, feed, pipelines, store, dashboard) run in a process where PyAV, Pillow,
DuckDB and Dask cannot be imported, and what needs them says which extra to install."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BLOCKER = """
import importlib.abc, sys
BLOCKED = {"av", "PIL", "duckdb", "dask", "distributed"}
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)", name=name)
        return None
sys.meta_path.insert(0, Refuse())
"""

PROGRAM = BLOCKER + """
import json, requests
import vdb_notebook as vn
from vdb_notebook._optional import MissingExtra
from vdb_notebook.schema.media import stream_url

result = {}
conn = vn.connect(offline=True, speed="max")
feed = vn.Feed.open_sync(conn)
session = conn.create_capture_session(end_user_id="user_abc", callback_url="",
                                      ws_connection_id=feed.connection_id)
conn.emulator.start_capture(session.id)
vn.start_pipelines(conn, session.id, feed)
feed.wait_for_sync(until=conn.emulator.scenario_over(feed), timeout=120)
dash = vn.Dashboard(feed)
result["transcript"] = len(feed.store.transcript())
result["sessions"] = feed.store.sessions()["status"].tolist()
result["dashboard"] = type(dash).__name__
rid = feed.store.df["rtstream_id"].dropna().iloc[0]
answer = requests.get(stream_url(conn.emulator.base_url, rid, 1768912500, 1768912510), timeout=30)
result["media"] = [answer.status_code, answer.json()]
for name, call in (("sql", lambda: feed.store.sql("select 1")),
                   ("scan", lambda: vn.scan_dataset(".")),):
    try:
        call()
        result[name] = "no error"
    except MissingExtra as exc:
        result[name] = str(exc)
feed.close_sync()
dash.close()
result["imported"] = sorted(m for m in ("av", "PIL", "duckdb", "dask") if m in sys.modules)
print(json.dumps(result))
"""


def run(program: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          env=env, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_touches_no_optional_part() -> None:
    result = run(BLOCKER + textwrap.dedent("""
        import json, sys
        import vdb_notebook as vn
        vn.EventStore, vn.Feed, vn.Dashboard, vn.Emulator, vn.WebhookReceiver, vn.webhooks
        print(json.dumps({"loaded": sorted(sys.modules)}))
    """))
    assert not {"av", "PIL", "duckdb", "dask", "distributed"} & set(result["loaded"])


def test_offline_events_work_without_media_sql_or_dask() -> None:
    result = run(PROGRAM)
    assert result["transcript"] > 0 and result["dashboard"] == "Dashboard"
    assert result["sessions"] == ["active"]
    status, body = result["media"]
    assert 400 <= status < 500 and body["success"] is False
    assert "pip install 'vdb_notebook[media]'" in body["message"]
    assert "pip install 'vdb_notebook[sql]'" in result["sql"]
    assert "pip install 'vdb_notebook[sql]'" in result["scan"]
    assert result["imported"] == []
