"""A flush of many sessions' rows: one file per date in `session=_mixed` (store/layout.py),
read by session like any other, moved to the sessions' own folders by compaction; a dataset
of an older format keeps one file per session."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import vdb_notebook as vn
from vdb_notebook.store import EventStore
from vdb_notebook.store.layout import MIXED_OVER

T = 1_710_000_000_000
SESSIONS = 3 * MIXED_OVER


def line(session: int, n: int) -> dict:
    return {"channel": "transcript", "capture_session_id": f"cap-{session}",
            "rtstream_id": f"rts-{session}", "data": {"text": f"line {n} of {session}",
                                                      "is_final": True}}


def fleet_store(path: Path) -> EventStore:
    store = EventStore(path=path, clock=lambda: T)
    for n in range(5):
        for session in range(SESSIONS):
            store.add(line(session, n))
    store.close()
    return store


def parquet_folders(path: Path) -> set[str]:
    return {f.parent.name for f in path.rglob("*.parquet")}


def test_a_flush_of_many_sessions_is_one_file_read_by_session_and_compacted_to_each(tmp_path):
    path = tmp_path / "fleet"
    store = fleet_store(path)
    assert [f.parent.name for f in path.rglob("*.parquet")] == ["session=_mixed"]
    everything = vn.open_dataset(path)
    assert len(everything) == len(store) == 5 * SESSIONS
    one = vn.open_dataset(path, capture_session_id="cap-7")
    assert one.df["text"].tolist() == [f"line {n} of 7" for n in range(5)]
    report = vn.compact_dataset(path)
    assert parquet_folders(path) == {f"session=cap-{s}" for s in range(SESSIONS)}
    assert report.files_after == SESSIONS and report.rows_dropped == 0
    assert vn.open_dataset(path).df["key"].tolist() == everything.df["key"].tolist()
    assert vn.open_dataset(path, capture_session_id="cap-7").df["text"].tolist() == \
        [f"line {n} of 7" for n in range(5)]


def test_a_dataset_of_the_format_before_keeps_a_file_per_session(tmp_path):
    path = tmp_path / "old"
    EventStore(path=path, clock=lambda: T).close()  # a new dataset: marked with this format
    (path / "_format.json").write_text(json.dumps({"format": 2}) + "\n")  # as a release ago
    fleet_store(path)  # readers of format 2 filter by folder: no mixed folder for them
    assert parquet_folders(path) == {f"session=cap-{s}" for s in range(SESSIONS)}
    assert json.loads((path / "_format.json").read_text()) == {"format": 2}
    assert len(vn.open_dataset(path)) == 5 * SESSIONS


#: A compaction in a child process, killed (SIGKILL, no cleanup) right after its
#: `kill_after`-th durable write: 1 is after the mixed rows are in their sessions' folders and
#: before a mixed file is removed; 2 after the first merged file, before its sources go.
COMPACT_THEN_DIE = """
import os, signal, sys
from vdb_notebook.store import compact_dataset
from vdb_notebook.store.dataset import DatasetFiles

path, kill_after = sys.argv[1], int(sys.argv[2])
write_queued, writes = DatasetFiles.write_queued, []

def write_then_die(self):
    write_queued(self)
    writes.append(1)
    if len(writes) == kill_after:
        os.kill(os.getpid(), signal.SIGKILL)

DatasetFiles.write_queued = write_then_die
compact_dataset(path)
"""


@pytest.mark.parametrize("kill_after", [1, 2])
def test_a_compaction_killed_between_writing_and_removing_loses_and_repeats_nothing(tmp_path, kill_after):
    path = tmp_path / "fleet"
    fleet_store(path)  # one mixed file
    with EventStore(path=path, clock=lambda: T) as late:  # and two files in cap-0's folder
        late.add(line(0, 99))
    before = sorted(vn.open_dataset(path).df["key"])
    child = subprocess.run([sys.executable, "-c", COMPACT_THEN_DIE, str(path), str(kill_after)],
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr
    left = [f.parent.name for f in path.rglob("*.parquet")]
    if kill_after == 1:  # stopped before removing the mixed file
        assert "session=_mixed" in left
    else:  # stopped before removing the two files it merged
        assert "session=_mixed" not in left and left.count("session=cap-0") == 3
    assert sorted(vn.open_dataset(path).df["key"]) == before  # each event once, none lost
    report = vn.compact_dataset(path)  # the next compaction finishes the job
    assert parquet_folders(path) == {f"session=cap-{s}" for s in range(SESSIONS)}
    assert report.files_after == SESSIONS
    assert sorted(vn.open_dataset(path).df["key"]) == before
    assert len(list(path.rglob("*.parquet"))) == SESSIONS
