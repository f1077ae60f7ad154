"""store.sql: DuckDB over the store's Arrow batches, with the views as tables."""
from __future__ import annotations

import pandas as pd
import pytest

from vdb_notebook.schema import payloads
from vdb_notebook.store import EventStore

T = 1_710_000_000_101


def filled() -> EventStore:
    store = EventStore()
    for sid, user in (("cap-1", "ann"), ("cap-2", "bob")):
        rts = payloads.default_rtstreams(int(sid[-1]))
        for frame in payloads.lifecycle(sid, rtstreams=rts, end_user_id=user)[:3]:
            store.add(frame, source="webhook")
            store.add(frame, source="webhook")  # a duplicate delivery
        for i in range(2 if user == "ann" else 3):
            store.add({"channel": "transcript", "rtstream_id": rts[0]["rtstream_id"],
                       "data": {"text": f"{user} {i}", "is_final": True, "start": T + i * 1000,
                                "end": T + i * 1000 + 400}})
        store.add({"channel": "transcript", "rtstream_id": rts[0]["rtstream_id"],
                   "data": {"text": "interim", "is_final": False, "start": T}})
        store.add({"channel": "alert", "rtstream_id": rts[2]["rtstream_id"],
                   "data": {"label": "pii", "confidence": 0.75, "start": T}})
    store.add({"channel": "scene_index", "rtstream_id": "rts-x", "data": {"text": "editor"}})
    store.add({"channel": "audio_index", "rtstream_id": "rts-x", "data": {"text": "music"}})
    return store


def test_events_table_is_the_df():
    store = filled()
    got = store.sql("select seq, channel, text from events order by seq")
    assert got["seq"].tolist() == store.df["seq"].tolist()
    assert got["text"].isna().tolist() == store.df["text"].isna().tolist()
    assert got["text"].dropna().tolist() == store.df["text"].dropna().tolist()


def test_talk_time_per_user_and_alerts_per_session_across_views():
    store = filled()
    talk = store.sql("""
        select end_user_id, sum(epoch_ms("end") - epoch_ms(start)) as talk_ms, count(*) as n
        from transcript group by end_user_id order by end_user_id""")
    assert talk.values.tolist() == [["ann", 800, 2], ["bob", 1200, 3]]  # finals only
    alerts = store.sql("""
        select s.capture_session_id, count(a.seq) as alerts
        from sessions s left join alerts a using (capture_session_id)
        group by all order by 1""")
    assert alerts.values.tolist() == [["cap-1", 1], ["cap-2", 1]]
    assert store.sql("select count(*) from lifecycle").iloc[0, 0] == len(store.lifecycle()) == 6
    assert store.sql("select text from scenes union all select text from audio"
                     ).iloc[:, 0].tolist() == ["editor", "music"]


def test_times_come_back_exact_and_in_utc():
    store = filled()
    start = store.sql("select min(start) as s, min(epoch_ms(start)) as ms from transcript")
    assert start["ms"].item() == T
    assert start["s"].item() == pd.Timestamp(T, unit="ms", tz="UTC")


def test_an_empty_store_has_every_table_and_bad_queries_say_so():
    store = EventStore()
    for table in ("events", "transcript", "alerts", "scenes", "audio", "lifecycle", "sessions"):
        assert len(store.sql(f"select * from {table}")) == 0, table
    with pytest.raises(ValueError, match="query string"):
        store.sql("")
    with pytest.raises(Exception, match="nonexistent"):
        store.sql("select * from nonexistent")


def test_an_unknown_table_is_answered_with_the_stores_tables():
    from vdb_notebook.store import EventStore
    store = EventStore()
    with pytest.raises(ValueError, match=r"transcripts does not exist!\nThe store.s tables are: events, transcript, "
                                         r"alerts, scenes, audio, lifecycle, sessions"):
        store.sql("select * from transcripts")
