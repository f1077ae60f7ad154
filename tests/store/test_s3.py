"""Datasets on object storage for real: moto's S3 server on loopback, reached through the
standard AWS environment (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): writing,
reopening, filtered reads, DuckDB through pyarrow's dataset, and Dask through s3fs."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

import vdb_notebook as vn
from vdb_notebook.schema import payloads
from vdb_notebook.store import EventStore

pytest.importorskip("moto.server")
pytestmark = pytest.mark.slow  # a server process, and Dask
T = 1_710_000_000_101
AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
       "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answering(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def s3() -> Iterator[str]:
    """An S3 API on 127.0.0.1 (moto's server mode) and the AWS environment pointing at it."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                               str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    saved = {name: os.environ.get(name) for name in (*AWS, "AWS_ENDPOINT_URL")}
    os.environ.update(AWS, AWS_ENDPOINT_URL=endpoint)
    try:
        for _ in range(1200):  # bounded: the server starts within a minute on a loaded machine
            if answering(endpoint) or server.poll() is not None:
                break
            time.sleep(0.05)
        assert server.poll() is None and answering(endpoint), "moto's server did not start"
        import boto3
        boto3.client("s3").create_bucket(Bucket="events")
        yield endpoint
    finally:
        server.kill()
        server.wait()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def fill(store: EventStore, session: str, n: int) -> None:
    for i, payload in enumerate(payloads.lifecycle(session)[:3]):
        store.add(payload, source="webhook", received_at_ms=T + i)
    for i in range(n):
        store.add({"channel": "transcript", "capture_session_id": session,
                   "data": {"text": f"{session} line {i}", "start": T + 1000 * i,
                            "end": T + 1000 * i + 700}}, received_at_ms=T + 1000 * i)


def test_write_reopen_and_filter_on_s3(s3):
    uri = "s3://events/write-reopen"
    with EventStore(path=uri) as store:
        fill(store, "cap-1", 4)
        fill(store, "séance", 2)
        store.add("not json")
    back = EventStore(path=uri)
    assert len(back) == len(store) == 3 + 4 + 3 + 2
    assert [r.raw for r in back.rejected] == ["not json"]
    assert vn.open_dataset(uri, capture_session_id="séance").transcript()["text"].tolist() == [
        "séance line 0", "séance line 1"]
    import boto3
    names = [o["Key"] for o in boto3.client("s3").list_objects_v2(
        Bucket="events", Prefix="write-reopen/")["Contents"]]
    assert not [n for n in names if n.endswith(".tmp")]  # written under final names
    back.close()


def test_duckdb_reads_s3_through_pyarrow_and_deduplicates(s3):
    uri = "s3://events/duck"
    for _ in range(2):  # the same session written twice: read back once
        with EventStore(path=uri) as store:
            fill(store, "cap-2", 5)
    rel = vn.scan_dataset(uri, capture_session_id="cap-2")
    assert rel.aggregate("count(*)").fetchall() == [(8,)]
    assert len(vn.open_dataset(uri)) == 8


def test_dask_reads_s3_through_s3fs(s3):
    dd = pytest.importorskip("dask.dataframe")
    pytest.importorskip("s3fs")
    uri = "s3://events/dask"
    with EventStore(path=uri) as store:
        fill(store, "cap-3", 6)
    frame = vn.store.dataset.read_dask(uri, filters=[("channel", "==", "transcript")])
    assert isinstance(frame, dd.DataFrame)
    assert sorted(frame["text"].compute().tolist()) == [f"cap-3 line {i}" for i in range(6)]


def test_compaction_on_s3(s3):
    uri = "s3://events/compact"
    for _ in range(3):
        with EventStore(path=uri) as store:
            fill(store, "cap-4", 2)
    report = vn.compact_dataset(uri)
    assert (report.files_after, report.rows_dropped) == (1, 10)
    assert len(vn.open_dataset(uri)) == 5
