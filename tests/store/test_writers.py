"""Many writers, one dataset: rows unique per writer, each event read back once by its key,
compaction beside a writer that keeps appending."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import vdb_notebook as vn
from vdb_notebook.schema import payloads
from vdb_notebook.store import EventStore

T = 1_710_000_000_101
WRITER = """
import sys, vdb_notebook as vn
from vdb_notebook.schema import payloads
path, n, m, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
store = vn.EventStore(path=path, flush_rows=97)
for i in range(m):  # this writer's own frames
    store.add({"channel": "transcript", "capture_session_id": f"cap-{n}",
               "data": {"text": f"writer {n} line {i}", "start": 1710000000000 + i}})
    if i % 50 == 0:
        for j in range(k):  # the same deliveries reach every writer (retries, load balancer)
            body = payloads.build("capture_session.active", capture_session_id=f"cap-s{j}")
            store.add(body, source="webhook", key=f"id:shared-{j}")
store.close()
"""


@pytest.mark.slow
def test_four_processes_read_back_exactly_n_times_m_plus_k(tmp_path):
    n, m, k = 4, 600, 25
    env = {**os.environ, "PYTHONPATH": str(Path(vn.__file__).parent.parent)}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path / "d"), str(i),
                               str(m), str(k)], env=env) for i in range(n)]
    assert [p.wait(timeout=300) for p in procs] == [0] * n
    back = vn.open_dataset(tmp_path / "d")
    assert len(back) == n * m + k
    assert back.df["key"].is_unique
    rows = vn.scan_dataset(tmp_path / "d") if hasattr(vn, "scan_dataset") else \
        vn.open_dataset(tmp_path / "d", as_duckdb=True)
    assert rows.aggregate("count(*)").fetchall() == [(n * m + k,)]
    assert len(EventStore(path=tmp_path / "d")) == n * m + k


def lifecycle(sid: str, video: str) -> list[dict]:
    sequence = payloads.lifecycle(sid)
    for payload in sequence:
        if payload["event"] == "capture_session.exported":
            payload["data"]["exported_video_id"] = video
    return sequence


def test_two_writers_never_mix_sessions(tmp_path):
    path = tmp_path / "d"
    first, second = EventStore(path=path), EventStore(path=path)
    for a, b in zip(lifecycle("cap-a", "m-a"), lifecycle("cap-b", "m-b"), strict=True):
        first.add(a, source="webhook")
        second.add(b, source="webhook")
    first.close()
    second.close()
    writers = vn.open_dataset(path)
    sessions = writers.sessions().set_index("capture_session_id")
    assert sessions.loc["cap-a", "exported_video_id"] == "m-a"
    assert sessions.loc["cap-b", "exported_video_id"] == "m-b"
    assert writers.df["seq"].is_unique


def test_each_feeds_records_are_its_own_a_replayed_one_is_the_same(tmp_path):
    path = tmp_path / "d"
    for at in (T, T + 1):  # two feeds close, a millisecond apart
        with EventStore(path=path) as store:
            store.add({"channel": "feed", "event": "feed.closed"}, source="feed",
                      received_at_ms=at)
            store.add({"channel": "transcript", "data": {"text": "same frame"}},
                      received_at_ms=at)
    with EventStore(path=path) as store:  # the first feed's journal replayed
        store.add({"channel": "feed", "event": "feed.closed"}, source="feed", received_at_ms=T)
    back = vn.open_dataset(path).df
    assert back["event"].tolist().count("feed.closed") == 2
    assert (back["text"] == "same frame").sum() == 1


@pytest.mark.slow
def test_compaction_beside_an_appending_writer_keeps_every_event_once(tmp_path):
    path = tmp_path / "d"
    for _ in range(3):  # three writers wrote the same 40 events, in small files
        with EventStore(path=path, flush_rows=5) as store:
            for i in range(40):
                store.add({"channel": "transcript", "capture_session_id": f"cap-{i % 2}",
                           "data": {"text": f"line {i}"}}, received_at_ms=T + i)
            store.writer.wait_durable(timeout=60)
    appending, done = EventStore(path=path, flush_rows=3), threading.Event()

    def append() -> None:
        for i in range(300):
            appending.add({"channel": "audio_index", "capture_session_id": f"cap-{i % 2}",
                           "data": {"text": f"new {i}"}}, received_at_ms=T + i)
        done.set()

    thread = threading.Thread(target=append)
    thread.start()
    reports = []
    while not done.is_set():
        reports.append(vn.compact_dataset(path))
    thread.join()
    appending.close()
    reports.append(vn.compact_dataset(path))
    # the second and third writers read the 40 back and added them again: 80 copies on disk
    assert sum(r.rows_dropped for r in reports) == 80
    back = vn.open_dataset(path).df
    assert (back["text"] == "line 7").sum() == 1
    assert len(back) == 40 + 300
    assert reports[-1].files_after == 2  # one file per session folder


def test_dask_over_the_files_gives_each_event_once(tmp_path):
    path = tmp_path / "d"
    for _ in range(2):  # the same session written twice by two writers
        with EventStore(path=path) as store:
            for i in range(5):
                store.add({"channel": "transcript", "capture_session_id": "cap-1",
                           "data": {"text": f"line {i}"}}, received_at_ms=T + i)
    from vdb_notebook.store.dataset import read_dask
    assert len(read_dask(path)) == 5
    import dask.dataframe as dd
    assert len(dd.read_parquet(str(path))) == 10  # the raw files hold both copies


def test_writers_starting_together_on_a_new_path_each_mark_its_format(tmp_path, monkeypatch):
    """Both see no marker and write one: each under a temporary name of its own (a shared one
    made the second rename fail, FileNotFoundError, and its writer never started)."""
    from vdb_notebook.store import durable
    from vdb_notebook.store.dataset import DatasetFiles

    both_written = threading.Barrier(2, timeout=30)
    real_replace = durable.os.replace

    def replace_together(source, target):
        if str(target).endswith("_format.json"):
            both_written.wait()  # each has written its temporary file before either renames
        real_replace(source, target)

    monkeypatch.setattr(durable.os, "replace", replace_together)
    started, failed = [], []

    def start(name: str) -> None:
        try:
            started.append(DatasetFiles(tmp_path / "d", writer=name).format)
        except Exception as exc:
            failed.append(exc)

    threads = [threading.Thread(target=start, args=(name,)) for name in ("a1", "b2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failed == [] and started == [3, 3]
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["_format.json"]
