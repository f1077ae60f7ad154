"""store/persist.py: the dataset writer is a subscriber with its own thread, clock and retries."""
from __future__ import annotations

import errno
import threading

import pyarrow.parquet as pq
import pytest

import vdb_notebook as vn
from vdb_notebook.store import EventStore, durable
from vdb_notebook.store.filling import FillingFiles
from vdb_notebook.store.persist import ENCODE_ROWS, DatasetWriter
from vdb_notebook.widgets.testing import wait_until

T = 1_710_000_000_101


def frame(i: int, session: str = "cap-1") -> dict:
    return {"channel": "transcript", "capture_session_id": session,
            "data": {"text": f"line {i}", "start": T + i}}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_quiet_stream_is_written_once_its_time_comes_without_close(tmp_path):
    clock = Clock()
    store = EventStore()
    writer = store.persist_to(tmp_path / "d", flush_seconds=2.0, clock=clock)
    for i in range(10):
        store.add(frame(i), received_at_ms=T + i)
    assert not writer._due()  # 10 rows are far below flush_rows, and no time has passed
    clock.now = 2.0
    writer.wake()
    assert writer.wait_durable(timeout=60)
    assert len(vn.open_dataset(tmp_path / "d")) == 10
    writer.close()


def test_add_does_no_file_io(tmp_path, monkeypatch):
    store = EventStore(path=tmp_path / "d", flush_rows=1)
    adding = threading.current_thread()
    writes_on_adding_thread = []
    real_put = durable.put_all

    def watched_put(*args, **kwargs):
        if threading.current_thread() is adding:
            writes_on_adding_thread.append(args[1][0][0])
        return real_put(*args, **kwargs)

    monkeypatch.setattr(durable, "put_all", watched_put)
    for i in range(50):
        store.add(frame(i), received_at_ms=T + i)
    assert store.writer.wait_durable(timeout=60)  # flush_rows=1: the thread wrote them all
    assert writes_on_adding_thread == []
    assert len(vn.open_dataset(tmp_path / "d")) == 50


def test_a_full_disk_never_reaches_add_leaves_nothing_and_is_retried_once(tmp_path, monkeypatch):
    path = tmp_path / "d"
    store = EventStore()
    writer = store.persist_to(path, start=False)
    real_fsync, full = durable.os.fsync, [True]

    def fsync(fd: int) -> None:
        if full[0]:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(durable.os, "fsync", fsync)
    for i in range(30):
        store.add(frame(i, session=f"cap-{i % 3}"), received_at_ms=T + i)  # never raises
        if i % 10 == 9:
            with pytest.raises(OSError, match="No space"):
                writer.flush()
    assert writer.error is not None and writer.durable_ticket == 0
    assert not [p for p in path.rglob("*") if p.is_file() and p.name != "_format.json"]
    full[0] = False
    writer.flush()
    written = sorted(p.name for p in path.rglob("*.parquet"))
    assert len(written) == len(set(written)) == 9  # 3 flushes x 3 sessions, each once
    assert len(vn.open_dataset(path)) == 30 and writer.error is None
    store.close()


def test_durable_callbacks_fire_only_after_the_write(tmp_path):
    store = EventStore()
    writer = store.persist_to(tmp_path / "d", start=False)
    store.add(frame(1), received_at_ms=T)
    fired = []
    writer.when_durable(writer.ticket(), lambda: fired.append(len(vn.open_dataset(tmp_path / "d"))))
    assert fired == []
    writer.flush()
    assert fired == [1]
    writer.when_durable(writer.ticket(), lambda: fired.append("now"))
    assert fired == [1, "now"]


def test_the_ring_buffer_keeps_rows_until_the_writer_has_them(tmp_path):
    store = EventStore(max_events=5)
    writer = store.persist_to(tmp_path / "d", start=False)
    for i in range(5000):  # beyond a sealed batch: drops cross batch boundaries
        store.add(frame(i), received_at_ms=T + i)
    assert len(store) == 5 and store.dropped == 4995
    writer.flush()
    texts = vn.open_dataset(tmp_path / "d").df["text"].tolist()
    assert texts == [f"line {i}" for i in range(5000)]
    assert store._cols.evicted == []  # released once written


def test_options_are_checked(tmp_path):
    with pytest.raises(ValueError, match="flush_rows"):
        DatasetWriter(EventStore(), tmp_path / "d", flush_rows=0)


def test_rows_are_encoded_ahead_of_the_flush_and_written_only_by_it(tmp_path):
    """The thread encodes what the store has sealed while adds go on; nothing reaches the disk
    (or counts as durable) before the flush, which writes one file whose row groups are the
    encodings, each row once and in order, dropped rows of the ring buffer included."""
    path = tmp_path / "d"
    store = EventStore(max_events=100)
    writer = store.persist_to(path, clock=Clock())  # the clock never moves: no timed flush
    n = 3 * ENCODE_ROWS
    for i in range(n):
        store.add(frame(i), received_at_ms=T + i)
    wait_until(lambda: writer.files.encoded >= 2 * ENCODE_ROWS, timeout=60)
    assert not list(path.rglob("*.parquet")) and writer.durable_ticket == 0
    writer.close()
    [written] = path.rglob("*.parquet")
    assert pq.ParquetFile(written).metadata.num_row_groups >= 2
    assert vn.open_dataset(path).df["text"].tolist() == [f"line {i}" for i in range(n)]


def test_an_encoding_that_fails_is_done_again_from_the_store(tmp_path, monkeypatch):
    path = tmp_path / "d"
    store = EventStore(max_events=100)
    writer = store.persist_to(path, clock=Clock())
    real_write, failures = FillingFiles.write, [1]

    def write_failing_once(self, folder, rows):
        if failures:
            failures.pop()
            raise MemoryError("no memory for this row group")
        real_write(self, folder, rows)

    monkeypatch.setattr(FillingFiles, "write", write_failing_once)
    n = 2 * ENCODE_ROWS
    for i in range(n):
        store.add(frame(i), received_at_ms=T + i)
    wait_until(lambda: isinstance(writer.error, MemoryError), timeout=60)
    store.close()  # never raised into add; the flush encodes the rows again
    assert writer.error is None
    assert vn.open_dataset(path).df["text"].tolist() == [f"line {i}" for i in range(n)]
