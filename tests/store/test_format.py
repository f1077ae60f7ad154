"""Datasets written by earlier releases still open: the committed fixture dataset_v0 (written
by tests/store/fixtures/make_dataset_v0.py with the release before format versions)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import vdb_notebook as vn
from vdb_notebook.store import EventStore

FIXTURES = Path(__file__).parent / "fixtures"


def v0_copy(tmp_path: Path) -> Path:
    """A copy (reopening may write: the fixture itself stays as committed)."""
    return Path(shutil.copytree(FIXTURES / "dataset_v0", tmp_path / "v0"))


def expected_records() -> list[dict]:
    return json.loads((FIXTURES / "dataset_v0.records.json").read_text(encoding="utf-8"))


def frames(records: list[dict]) -> list:
    return [(r["received_at"], r["source"], r["frame"]) for r in records]


def test_a_v0_dataset_reopens_with_every_frame(tmp_path):
    store = EventStore(path=v0_copy(tmp_path))
    assert frames(store._records()) == frames(expected_records())
    assert [r.raw for r in store.rejected] == ["not json at all"]


def test_a_v0_dataset_opens_and_filters(tmp_path):
    path = v0_copy(tmp_path)
    assert len(vn.open_dataset(path)) == sum("rejected" not in r for r in expected_records())
    assert vn.open_dataset(path, capture_session_id="cap-1").sessions()[
        "capture_session_id"].tolist() == ["cap-1"]


def test_a_v0_datasets_odd_ids_filter_exactly_and_new_rows_join_them(tmp_path):
    path = v0_copy(tmp_path)
    for sid in ("séance", "team/a", "a b"):
        store = vn.open_dataset(path, capture_session_id=sid)
        assert store.transcript()["text"].tolist() == [f"hello from {sid}"]
    with EventStore(path=path) as store:  # a format-2 writer appends to the old dataset
        store.add({"channel": "transcript", "capture_session_id": "séance",
                   "data": {"text": "again"}}, received_at_ms=1_710_000_009_000)
    texts = vn.open_dataset(path, capture_session_id="séance").transcript()["text"].tolist()
    assert texts == ["hello from séance", "again"]
