"""store/layout.py: any session id is stored, read back and filtered exactly; the "no session"
folder is no id's."""
from __future__ import annotations

import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vdb_notebook as vn
from vdb_notebook.store import EventStore
from vdb_notebook.store.layout import NO_SESSION, session_folder, session_value

T = 1_710_000_000_101
ODD = ["\N{GRINNING FACE}" * 22, "séance", "team/a", "a b", "x=y", "..", ".", "", "__none__",
       "none", "id-", "%2F", "a" * 300, "\u2028", "NUL\x00", "\N{REPLACEMENT CHARACTER}"]


def write(ids: list[str | None]) -> str:
    path = tempfile.mkdtemp()
    with EventStore(path=path) as store:
        for i, sid in enumerate(ids):
            frame = {"channel": "transcript", "data": {"text": f"row {i}", "start": T + i}}
            if sid is not None:
                frame["capture_session_id"] = sid
            assert store.add(frame, received_at_ms=T + i).capture_session_id == sid
    return path


def check(ids: list[str | None]) -> None:
    path = write(ids)
    back = vn.open_dataset(path).df["capture_session_id"].astype(object)
    assert back.where(back.notna(), None).tolist() == ids
    for sid in {s for s in ids if s is not None}:
        rows = vn.open_dataset(path, capture_session_id=sid).df
        assert rows["text"].tolist() == [f"row {i}" for i, s in enumerate(ids) if s == sid]


def test_odd_ids_are_stored_read_back_and_filtered_exactly():
    check([*ODD, None, *ODD])


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(ODD), st.text(max_size=80)),
                min_size=1, max_size=6))
def test_any_ids_are_stored_read_back_and_filtered_exactly(ids):
    check(ids)


@given(st.text())
def test_folders_are_short_and_never_the_no_session_marker(sid):
    assert len(session_folder(sid).encode()) <= 200
    assert session_value(sid) != NO_SESSION
