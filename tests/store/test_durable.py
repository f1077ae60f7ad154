"""store/durable.py: damaged files never stop a read; a killed writer's leftovers are swept."""
from __future__ import annotations

import errno
import json
import os
import time

import pytest

import vdb_notebook as vn
from vdb_notebook.store import EventStore, durable
from vdb_notebook.store.dataset import DatasetFiles

T = 1_710_000_000_101


def written(path) -> None:
    with EventStore(path=path) as store:
        for i in range(3):
            store.add({"channel": "transcript", "capture_session_id": "cap-1",
                       "data": {"text": f"line {i}"}}, received_at_ms=T + i)
        store.add("not json")


def test_an_empty_and_a_garbage_file_are_skipped_and_named(tmp_path):
    path = tmp_path / "d"
    written(path)
    folder = next(path.rglob("*.parquet")).parent
    (folder / "part-dead-000000001.parquet").write_bytes(b"")  # a crash before fsync
    (folder / "part-dead-000000002.parquet").write_bytes(b"PAR1 garbage")
    (path / "_rejected" / "part-dead-000000003.jsonl").write_bytes(b"")
    with pytest.warns(RuntimeWarning, match="part-dead-000000001.parquet"):
        store = EventStore(path=path)
    assert len(store) == 3 and [r.raw for r in store.rejected] == ["not json"]
    assert sorted(os.path.basename(d.path) for d in store.damaged) == [
        "part-dead-000000001.parquet", "part-dead-000000002.parquet",
        "part-dead-000000003.jsonl"]
    assert "empty" in str(store.damaged[0]) or "empty" in str(store.damaged[-1])
    with pytest.warns(RuntimeWarning, match="part-dead-000000002.parquet"):
        assert len(vn.open_dataset(path)) == 3
    store.close()


def test_leftovers_are_swept_by_writer_and_age_never_a_live_writers(tmp_path):
    path = tmp_path / "d"
    written(path)
    folder = next(path.rglob("*.parquet")).parent
    old = time.time() - 7200
    dead = folder / ".part-deadbeef-000000001.parquet.tmp"
    live = folder / ".part-cafe-000000001.parquet.tmp"  # young: a writer in mid-write
    mine = folder / ".part-f00d-000000001.parquet.tmp"
    for leftover in (dead, live, mine):
        leftover.write_bytes(b"half")
    os.utime(dead, (old, old))
    os.utime(mine, (old, old))
    files = DatasetFiles(path, writer="f00d")
    assert files.swept == [str(dead)]
    assert not dead.exists() and live.exists() and mine.exists()
    assert len(vn.open_dataset(path)) == 3  # temporary names are never read


def test_a_dataset_from_a_newer_release_says_to_upgrade(tmp_path):
    path = tmp_path / "d"
    written(path)
    (path / "_format.json").write_text(json.dumps({"format": 99}))
    with pytest.raises(ValueError, match="upgrade vdb_notebook"):
        vn.open_dataset(path)


def test_a_new_dataset_is_marked_with_its_format(tmp_path):
    written(tmp_path / "d")
    assert json.loads((tmp_path / "d" / "_format.json").read_text()) == {"format": 3}


@pytest.mark.parametrize(("code", "raises"), [(errno.EINVAL, False), (errno.EIO, True)])
def test_a_folder_fsync_the_filesystem_cannot_do_is_skipped_and_a_disk_error_raises(
        tmp_path, monkeypatch, code, raises):
    def failing_fsync(fd):
        raise OSError(code, os.strerror(code))
    monkeypatch.setattr(durable.os, "fsync", failing_fsync)
    if raises:
        with pytest.raises(OSError) as caught:
            durable.fsync_dir(tmp_path)
        assert caught.value.errno == code
    else:
        durable.fsync_dir(tmp_path)
