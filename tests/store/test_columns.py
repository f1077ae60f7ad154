"""Arrow storage (vdb_notebook/store/columns.py): exact times, refresh at the cost of what is
new (buffers shared, O(log n) batches), views that follow the ring buffer."""
from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest

from vdb_notebook.store import EventStore

T = 1_710_000_000_101


def line(i: int, final: bool = True, rts: str = "rts-1") -> dict:
    return {"channel": "transcript", "rtstream_id": rts, "rtstream_name": "mic:default",
            "data": {"text": f"t{i}", "is_final": final, "start": T + i, "end": T + i + 1}}


def test_milliseconds_are_exact_in_every_frame_file_and_query(tmp_path):
    store = EventStore()
    store.add(line(0), received_at_ms=T)
    df = store.df
    assert str(df["start"].iloc[0]) == "2024-03-09 16:00:00.101000+00:00"
    assert df["start"].astype("int64").tolist() == [T] == df["received_at"].astype("int64").tolist()
    assert store.transcript()["start"].iloc[0] == pd.Timestamp(T, unit="ms", tz="UTC")
    for fmt in ("jsonl", "parquet"):
        back = getattr(EventStore, f"from_{fmt}")(getattr(store, f"to_{fmt}")(tmp_path / f"e.{fmt}"))
        assert back.df["start"].astype("int64").tolist() == [T]
        assert back._records()[0]["received_at"] == T
    assert json.loads((tmp_path / "e.jsonl").read_text())["received_at"] == T
    assert pd.read_parquet(tmp_path / "e.parquet")["start"].astype("int64").tolist() == [T]
    assert store.sql("select epoch_ms(start) as ms from events")["ms"].tolist() == [T]


def test_a_refresh_seals_only_what_is_new_and_shares_the_rest():
    store = EventStore()
    for i in range(5000):
        store.add(line(i))
    before = store.df
    store.add(line(5000))
    after = store.df
    old = before["text"].array._pa_array
    new = after["text"].array._pa_array
    # the rows held before are the same Arrow buffers, not a copy
    assert new.chunk(0).buffers()[2].address == old.chunk(0).buffers()[2].address
    assert len(after) == 5001 and after["text"].iloc[-1] == "t5000"
    for i in range(5001, 5300):  # many small refreshes keep the batch count logarithmic
        store.add(line(i))
        _ = store.df, store.transcript()
    assert len(store._cols.batches) <= 2 * 13
    assert len(store._views["transcript"].chunks) <= 2 * 13
    assert store.transcript()["text"].tolist() == [f"t{i}" for i in range(5300)]


@pytest.mark.parametrize("every", [1, 3, 50])
def test_views_follow_the_ring_buffer(every):
    bounded, unbounded = EventStore(max_events=40), EventStore()
    for i in range(300):
        frame = line(i, final=i % 4 != 0, rts=f"rts-{i % 2}") if i % 5 else {
            "channel": "alert", "data": {"label": f"l{i}", "start": T + i}}
        for store in (bounded, unbounded):
            store.add(frame, received_at_ms=T)
        if i % every == 0:
            _ = bounded.transcript(), bounded.alerts(), bounded.df
    tail_seqs = set(unbounded.df["seq"].tolist()[-40:])
    for view in ("transcript", "alerts"):
        full = getattr(unbounded, view)(full=True)
        expected = full[full["seq"].isin(tail_seqs)]
        pd.testing.assert_frame_equal(getattr(bounded, view)(full=True), expected)
    pd.testing.assert_frame_equal(bounded.df, unbounded.df.tail(40).reset_index(drop=True))


def test_views_show_the_reader_columns_and_full_gives_every_column():
    store = EventStore()
    store.add(line(0))
    store.add({"channel": "alert", "rtstream_id": "rts-9", "data": {"label": "pii",
                                                                   "confidence": 0.5}})
    store.add({"event": "capture_session.active", "capture_session_id": "cap-1"})
    assert list(store.transcript().columns) == ["at", "start", "end", "stream", "text"]
    assert list(store.transcript(final_only=False).columns) == [
        "at", "start", "end", "stream", "text"]
    assert list(store.alerts().columns) == [
        "at", "start", "end", "stream", "label", "confidence", "text"]
    assert list(store.scenes().columns) == list(store.audio().columns) == [
        "at", "start", "end", "stream", "text"]
    assert list(store.lifecycle().columns) == [
        "timestamp", "capture_session_id", "end_user_id", "event", "status", "text"]
    assert store.transcript()["stream"].tolist() == ["mic:default"]
    assert store.alerts()["stream"].tolist() == ["rts-9"]  # no name: the id
    assert list(store.alerts(full=True).columns) == ["at", *store.df.columns, "stream"]
    assert list(store.lifecycle(full=True).columns) == [*store.df.columns, "stream"]


def test_batches_are_arrow_with_the_documented_types():
    store = EventStore()
    store.add(line(0))
    table = store._arrow()
    assert table.schema.field("start").type == pa.timestamp("ms", tz="UTC")
    assert table.schema.field("text").type == pa.large_string()  # what string[pyarrow] holds
    assert table.num_rows == 1
