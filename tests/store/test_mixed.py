"""A flush of many sessions' rows: one file per date in `session=_mixed` (store/layout.py),
read by session like any other, moved to the sessions' own folders by compaction; a dataset
of an older format keeps one file per session."""
from __future__ import annotations

import json
from pathlib import Path

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
