"""EventStore(path=...) and vn.open_dataset: a hive-partitioned Parquet dataset of many sessions,
read back by the store, DuckDB, Polars and Dask."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import vdb_notebook as vn
from vdb_notebook.schema import payloads
from vdb_notebook.store import EventStore

T = 1_710_000_000_101  # not a round ms: it must come back exact


def session_frames(sid: str, user: str, n: int, at: int = T) -> list[tuple[dict, int]]:
    """(frame, received_at) for one session: its lifecycle, n transcript lines, an alert."""
    rts = payloads.default_rtstreams(int(sid[-1]))
    frames = [(f, at + i) for i, f in enumerate(
        payloads.lifecycle(sid, rtstreams=rts, end_user_id=user)[:3])]
    mic = rts[0]["rtstream_id"]
    frames += [({"channel": "transcript", "rtstream_id": mic, "rtstream_name": "mic:default",
                 "data": {"text": f"{user} says {i}", "is_final": True, "start": at + 1000 * i,
                          "end": at + 1000 * i + 700}}, at + 1000 * i + 800) for i in range(n)]
    frames.append(({"channel": "alert", "rtstream_id": rts[2]["rtstream_id"],
                    "data": {"label": "pii", "confidence": 0.9, "start": at + 5}}, at + 9))
    return frames


def fill(store: EventStore, sessions: dict[str, int]) -> None:
    for i, (sid, n) in enumerate(sessions.items()):
        for frame, received in session_frames(sid, f"user-{i}", n):
            store.add(frame, source="ws", received_at_ms=received)


@pytest.fixture
def written(tmp_path) -> tuple[Path, EventStore]:
    path = tmp_path / "events"
    with EventStore(path=path) as store:
        fill(store, {"cap-1": 3, "cap-2": 5})
        store.add("not json at all")
    return path, store


def test_reopening_the_path_gives_the_store_back(written):
    path, store = written
    back = EventStore(path=path)
    pd.testing.assert_frame_equal(back.df, store.df)
    assert back._records() == store._records()  # frames, sources, exact received_at
    assert [r.raw for r in back.rejected] == ["not json at all"]
    assert back.sessions()["capture_session_id"].tolist() == ["cap-1", "cap-2"]
    # appending after the reopen continues the sequence and lands in the same dataset
    back.add({"channel": "transcript", "capture_session_id": "cap-3", "data": {"text": "new"}},
             received_at_ms=T)
    back.close()
    again = EventStore(path=path)
    assert again.df["seq"].tolist() == list(range(len(store) + 1))
    assert again.df["text"].iloc[-1] == "new" and len(again.rejected) == 1


def test_layout_is_hive_partitioned_by_date_and_session(written):
    path, _ = written
    folders = sorted(str(p.parent.relative_to(path)) for p in path.rglob("*.parquet"))
    assert set(folders) == {"date=2024-03-09/session=cap-1", "date=2024-03-09/session=cap-2"}
    assert next((path / "_rejected").iterdir()).name.endswith(".jsonl")
    assert not list(path.rglob(".*"))  # no temporary file left behind


def test_rows_are_flushed_in_batches_before_close(tmp_path):
    store = EventStore(path=tmp_path / "d", flush_rows=4, flush_seconds=3600)
    fill(store, {"cap-1": 0})  # 3 lifecycle events + 1 alert = 4 rows: one flush
    assert store.writer.wait_durable(4, timeout=60)  # written by the writer's own thread
    on_disk = EventStore(path=tmp_path / "d")
    assert len(on_disk) == 4 and len(store) == 4
    store.add({"channel": "audio_index", "data": {"text": "pending"}}, received_at_ms=T)
    assert len(EventStore(path=tmp_path / "d")) == 4  # not flushed yet: below flush_rows
    store.flush()
    assert len(EventStore(path=tmp_path / "d")) == 5


def test_the_ring_buffer_never_drops_a_row_before_it_is_written(tmp_path):
    store = EventStore(max_events=3, path=tmp_path / "d", flush_rows=1000, flush_seconds=3600)
    for i in range(10):
        store.add({"channel": "audio_index", "capture_session_id": "cap-1",
                   "data": {"text": f"a{i}"}}, received_at_ms=T + i)
    store.close()
    assert store.df["text"].tolist() == ["a7", "a8", "a9"] and store.dropped == 7
    assert vn.open_dataset(tmp_path / "d").df["text"].tolist() == [f"a{i}" for i in range(10)]


def test_a_fresh_process_reopens_what_a_closed_one_flushed(tmp_path):
    """A kernel restart, honestly: the writer and the reader are different processes."""
    path = tmp_path / "d"
    code = ("import sys, vdb_notebook as vn\n"
            "store = vn.EventStore(path=sys.argv[1], flush_rows=1)\n"
            "store.add({'channel': 'transcript', 'capture_session_id': 'cap-9',"
            " 'data': {'text': 'survives', 'start': 1710000000101}}, received_at_ms=1710000000102)\n"
            "assert store.writer.wait_durable(timeout=60)\n"
            "import os; os._exit(0)\n")  # no close, no atexit: only what was flushed survives
    env = {**os.environ, "PYTHONPATH": str(Path(vn.__file__).parent.parent)}
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, env=env, timeout=60)
    back = EventStore(path=path)
    assert back.df["text"].tolist() == ["survives"]
    assert back.df["start"].astype("int64").tolist() == [1_710_000_000_101]


def test_open_dataset_filters_by_session_and_time(written):
    path, store = written
    one = vn.open_dataset(path, capture_session_id="cap-2")
    assert set(one.df["capture_session_id"]) == {"cap-2"}
    assert len(one) == (store.df["capture_session_id"] == "cap-2").sum()
    both = vn.open_dataset(path, capture_session_id=["cap-1", "cap-2"])
    assert len(both) == len(store)
    window = vn.open_dataset(path, start=pd.Timestamp(T + 1000, unit="ms", tz="UTC"),
                             end=T + 3000)
    expected = store.df[(store.df["received_at"].astype("int64") >= T + 1000)
                        & (store.df["received_at"].astype("int64") < T + 3000)]
    assert window.df["key"].tolist() == expected["key"].tolist() and len(window) > 0
    assert len(vn.open_dataset(path, start="2030-01-01T00:00:00Z")) == 0
    with pytest.raises(FileNotFoundError, match="EventStore\\(path="):
        vn.open_dataset(path / "missing")


def test_scan_dataset_is_a_lazy_duckdb_relation(written):
    path, store = written
    rel = vn.scan_dataset(path, capture_session_id="cap-1")  # noqa: F841 (the query names it)
    counts = duckdb.sql("select channel, count(*) as n from rel group by channel order by channel"
                        ).fetchall()
    expected = store.df[store.df["capture_session_id"] == "cap-1"]["channel"].value_counts()
    assert dict(counts) == expected.to_dict()


def talk_time(frame: pd.DataFrame) -> dict[str, int]:
    return {k: int(v) for k, v in frame.set_index("capture_session_id")["talk_ms"].items()}


def test_other_engines_read_the_same_dataset(written):
    path, store = written
    t = store.df[store.df["channel"] == "transcript"]
    expected = ((t["end"].astype("int64") - t["start"].astype("int64"))
                .groupby(t["capture_session_id"].astype(object)).sum().to_dict())
    glob = f"{path}/*/*/*.parquet"
    duck = duckdb.sql(
        f"select capture_session_id, sum(epoch_ms(\"end\") - epoch_ms(start)) as talk_ms "
        f"from read_parquet('{glob}', hive_partitioning = true) where channel = 'transcript' "
        f"group by all").df()
    assert talk_time(duck) == expected

    import polars as pl
    lazy = pl.scan_parquet(glob, hive_partitioning=True)
    polars = (lazy.filter(pl.col("channel") == "transcript")
              .group_by("capture_session_id")
              .agg((pl.col("end") - pl.col("start")).dt.total_milliseconds().sum().alias("talk_ms"))
              .collect().to_pandas())
    assert talk_time(polars) == expected
    assert lazy.select(pl.len()).collect().item() == len(store)


def test_dask_on_a_distributed_cluster_reads_the_same_dataset(written):
    path, store = written
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    with LocalCluster(processes=False, n_workers=1, threads_per_worker=2,
                      dashboard_address=None) as cluster, Client(cluster):
        frame = dd.read_parquet(str(path), filters=[("channel", "==", "transcript")])
        frame = frame.assign(talk_ms=(frame["end"] - frame["start"]).dt.total_seconds() * 1000)
        result = frame.groupby("capture_session_id")["talk_ms"].sum().compute()
    t = store.df[store.df["channel"] == "transcript"]
    expected = ((t["end"].astype("int64") - t["start"].astype("int64"))
                .groupby(t["capture_session_id"].astype(object)).sum().to_dict())
    assert {str(k): round(v) for k, v in result.items()} == expected


async def test_the_webhook_receiver_writes_into_a_dataset_store(tmp_path):
    store = EventStore(path=tmp_path / "d")
    rx = await vn.WebhookReceiver.start(store=store)
    try:
        await vn.webhooks.deliver(rx.url, vn.webhooks.lifecycle("cap-7"))
        await rx.wait_for(processed=len(vn.webhooks.lifecycle("cap-7")), timeout=10)
    finally:
        await rx.close(timeout=2)
    store.close()
    back = vn.open_dataset(tmp_path / "d", capture_session_id="cap-7")
    assert back.sessions()["status"].tolist() == ["exported"]


def test_dataset_files_carry_the_df_columns_with_their_types(written):
    path, _ = written
    import pyarrow.parquet as pq
    schema = pq.read_schema(next(path.rglob("*.parquet")))
    assert str(schema.field("received_at").type) == "timestamp[ms, tz=UTC]"
    assert {"received_at", "channel", "event", "capture_session_id", "rtstream_id",
            "rtstream_name", "text", "is_final", "label", "confidence", "triggered", "start",
            "end", "status"} <= set(schema.names)
    lines = [json.loads(line) for f in (path / "_rejected").iterdir()
             for line in f.read_text().splitlines()]
    assert [line["frame"] for line in lines] == ["not json at all"]


async def test_a_feed_writes_every_frame_it_reads_into_a_dataset_store(tmp_path):
    from vdb_notebook.emulator import Emulator
    with Emulator(speed="max") as emu:
        conn = vn.connect(emulator=emu)
        store = EventStore(path=tmp_path / "d", flush_rows=50)
        feed = await vn.Feed.open(conn, store=store)
        session = conn.create_capture_session(end_user_id="u-1", collection_id="default",
                                              callback_url="", ws_connection_id=feed.connection_id)
        emu.start_capture(session.id)
        pipes = vn.start_pipelines(conn, conn.get_capture_session(session.id), feed)
        await feed.wait_for(until=emu.scenario_over(feed), timeout=60)
        pipes.stop()
        await feed.close()
    store.close()
    back = vn.open_dataset(tmp_path / "d", capture_session_id=session.id)
    # every frame the feed read belongs to the session; the feed's own closing record does not
    of_session = [r for r in store._records() if r["source"] != "feed"]
    assert len(back) == len(of_session) == feed.frames > 50
    assert back._records() == of_session
    assert vn.open_dataset(tmp_path / "d").df["event"].tolist()[-1] == "feed.closed"
    assert set(back.transcript(full=True)["end_user_id"]) == {"u-1"}


def test_a_uri_path_goes_through_pyarrow_filesystems(tmp_path):
    """s3://, gs://... take the same road as this file:// URI: pyarrow.fs.FileSystem.from_uri."""
    uri = (tmp_path / "d").as_uri()
    with EventStore(path=uri) as store:
        fill(store, {"cap-1": 2})
    assert len(EventStore(path=uri)) == len(store) > 0
    assert len(vn.open_dataset(uri, capture_session_id="cap-1")) == len(store)
    assert list((tmp_path / "d").glob("date=*/session=cap-1/part-*.parquet"))
