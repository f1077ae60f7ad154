"""EventStore: the growing DataFrame, its views, the ring buffer, subscribers and files."""
from __future__ import annotations

import json
import threading

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vdb_notebook.events import Event, Rejection
from vdb_notebook.schema import payloads
from vdb_notebook.store import EventStore

T = 1_710_000_000_000


def transcript(text, final, start, rts="rts-1", **extra):
    return {"channel": "transcript", "rtstream_id": rts, "rtstream_name": "mic:default",
            "data": {"text": text, "is_final": final, "start": start, "end": start + 900},
            **extra}


def mixed_frames():
    """One of everything, as dicts and as JSON text, plus frames that must be rejected."""
    frames = [
        transcript("hel", False, T), json.dumps(transcript("hello", True, T)),
        {"channel": "scene_index", "rtstream_id": "rts-3", "data": {"text": "slack", "start": T}},
        json.dumps({"channel": "visual_index", "rtstream_id": "rts-3",
                    "data": {"text": "editor", "start": T + 5.5, "end": T + 9}}),
        {"channel": "audio_index", "rtstream_id": "rts-1", "data": {"text": "a decision"}},
        {"channel": "alert", "rtstream_id": "rts-3", "data": {
            "label": "pii", "triggered": True, "confidence": 0.9, "start": T, "end": T + 1}},
        {"channel": "alert", "data": {"event_label": "x", "timestamp": T, "text": "t"}},
        {"event_label": "y", "rtstream_id": "rts-1", "timestamp": T, "data": {"text": "t"},
         "extra": [1, {"nested": None}]},
        payloads.alert(label="z", confidence=0.5, rtstream_id="rts-1", start=T, end=T + 1),
        {"type": "transcript", "text": "by webhook", "is_final": True},
        {"channel": "feed", "event": "feed.gap", "data": {"start": T, "end": T + 1,
                                                          "reason": "dropped"}},
        "not json", '{"raw": "ping"}', {"channel": "nope"},
        *payloads.lifecycle("cap-1"),
    ]
    return frames


def test_df_columns_and_dtypes_are_stable_and_the_same_when_empty():
    store = EventStore()
    store.extend(mixed_frames())
    empty = EventStore().df
    assert list(empty.columns) == list(store.df.columns)
    assert {"received_at", "channel", "event", "capture_session_id", "rtstream_id",
            "rtstream_name", "text", "is_final", "label", "confidence", "triggered", "start",
            "end", "status"} <= set(empty.columns)
    for name in empty.columns:
        assert str(empty[name].dtype) == str(store.df[name].dtype), name
    dtypes = store.df.dtypes
    assert str(dtypes["received_at"]) == str(dtypes["start"]) == "timestamp[ms, tz=UTC][pyarrow]"
    assert str(dtypes["is_final"]) == "bool[pyarrow]"
    assert str(dtypes["confidence"]) == "double[pyarrow]"
    assert str(dtypes["channel"]) == str(dtypes["rtstream_id"]) == str(dtypes["text"]) == "string"
    assert store.df["start"].iloc[0] == pd.Timestamp(T, unit="ms", tz="UTC")


def test_df_is_cached_and_invalidated_by_add():
    store = EventStore()
    store.add(transcript("a", True, T))
    first = store.df
    assert store.df is first
    store.add(transcript("b", True, T + 1000))
    assert store.df is not first and store.df["text"].tolist() == ["a", "b"]


def test_counts_len_rejected_and_seq():
    store = EventStore()
    stored = store.extend(mixed_frames())
    assert stored == len(store) == len(mixed_frames()) - 3
    assert [r.raw for r in store.rejected] == ["not json", '{"raw": "ping"}', {"channel": "nope"}]
    assert store.counts() == store.df["channel"].value_counts().loc[
        lambda c: c > 0].to_dict()
    assert store.df["seq"].tolist() == list(range(len(store)))
    rejected = store.rejected_df()
    assert list(rejected.columns) == ["received_at", "source", "reason", "raw"]
    assert rejected["reason"].str.contains("not JSON").sum() == 2


def test_views_by_channel():
    store = EventStore()
    store.extend(mixed_frames())
    assert store.scenes()["text"].tolist() == ["slack", "editor"]
    assert store.audio()["text"].tolist() == ["a decision"]
    assert store.alerts()["label"].tolist() == ["pii", "x", "y", "z"]
    assert set(store.lifecycle()["status"]) == {
        "created", "starting", "active", "stopping", "stopped", "exported"}


def test_transcript_keeps_finals_and_only_the_live_interim():
    store = EventStore()
    store.extend([
        transcript("hel", False, T), transcript("hello", False, T),
        transcript("hello world", True, T),                       # supersedes both interims
        transcript("ne", False, T + 1000, rts="rts-2"),           # other stream, no final yet
        transcript("nex", False, T + 1000), transcript("next one", False, T + 1000),
    ])
    assert store.transcript()["text"].tolist() == ["hello world"]
    live = store.transcript(final_only=False, full=True)
    assert live["text"].tolist() == ["hello world", "ne", "next one"]
    assert live["is_final"].tolist() == [True, False, False]


def test_lifecycle_counts_each_session_event_once_across_ws_and_webhook():
    store = EventStore()
    hooks = payloads.lifecycle("cap-1")
    for payload in hooks:
        store.add(payload, source="webhook")
        store.add(payload, source="webhook")  # at-least-once: a duplicate delivery
        store.add({"channel": "capture_session", **payload}, source="ws")
    lifecycle = store.lifecycle()
    assert len(lifecycle) == len(hooks)
    assert lifecycle["event"].tolist() == [p["event"] for p in hooks]


def test_sessions_status_never_moves_backwards_and_failed_is_terminal():
    store = EventStore()
    done = payloads.lifecycle("cap-1", end_user_id="ann")
    for payload in reversed(done):  # out-of-order arrival
        store.add(payload, source="webhook")
    failed = payloads.lifecycle("cap-2", outcome="failed", error="mic unplugged", seed=1)
    store.extend([failed[2], failed[0], failed[1]], source="webhook")
    store.add({"channel": "capture_session", "event": "capture_session.active",
               "session_id": "cap-3", "data": {"streams": [{"id": "a"}, {"id": "b"}]}})
    sessions = store.sessions().set_index("capture_session_id")
    assert sessions.loc["cap-1", "status"] == "exported"
    assert sessions.loc["cap-1", "end_user_id"] == "ann"
    assert sessions.loc["cap-1", "n_rtstreams"] == 3
    assert sessions.loc["cap-1", "exported_video_id"] == done[-1]["data"]["exported_video_id"]
    assert sessions.loc["cap-1", "first_event_at"] == payloads.EPOCH
    assert sessions.loc["cap-1", "last_event_at"] > payloads.EPOCH
    assert (sessions.loc["cap-2", "status"], sessions.loc["cap-2", "error"]) == (
        "failed", "mic unplugged")
    assert (sessions.loc["cap-3", "status"], sessions.loc["cap-3", "n_rtstreams"]) == ("active", 2)
    empty = EventStore().sessions()
    assert list(empty.columns) == list(store.sessions().columns)
    assert empty.dtypes.tolist() == store.sessions().dtypes.tolist()


def test_max_events_drops_oldest_counts_them_and_keeps_counts_right():
    store = EventStore(max_events=1000)
    for i in range(5000):
        frame = transcript(f"t{i}", True, T + i) if i % 2 else {
            "channel": "audio_index", "data": {"text": f"a{i}"}}
        store.add(frame if i % 3 else json.dumps(frame))
    assert (len(store), store.dropped) == (1000, 4000)
    assert store.df["seq"].tolist() == list(range(4000, 5000))
    assert store.counts() == {"transcript": 500, "audio_index": 500}
    assert store.df["text"].iloc[0] == "a4000"
    cols = store._cols
    held = sum(b.num_rows for b in cols.batches) + len(cols.pending)
    assert held <= 3 * 1000  # storage stays bounded


def test_max_events_must_be_positive():
    with pytest.raises(ValueError, match="max_events"):
        EventStore(max_events=0)


def test_subscribe_unsubscribe_errors_and_rejections():
    store = EventStore()
    seen, rejected = [], []
    unsubscribe = store.subscribe(seen.append)
    store.subscribe(rejected.append, rejected=True)
    store.subscribe(lambda ev: 1 / 0)
    store.subscribe(lambda ev: seen.append(len(store.df)))  # reading the store: no deadlock
    event = store.add(transcript("a", True, T))
    store.add("garbage")
    assert seen == [event, 1] and isinstance(event, Event) and event.seq == 0
    assert len(rejected) == 1 and isinstance(rejected[0], Rejection)
    assert len(store.callback_errors) == 1
    assert isinstance(store.callback_errors[0][1], ZeroDivisionError)
    unsubscribe()
    store.add(transcript("b", True, T))
    assert seen == [event, 1, 2]


def test_concurrent_adds_from_threads_lose_nothing():
    store = EventStore()
    seen = []
    store.subscribe(lambda ev: seen.append(ev.seq))

    def feed(offset):
        for i in range(2000):
            store.add(transcript(f"{offset}-{i}", True, T + i), source=f"t{offset}")
            if i % 500 == 0:
                store.df  # noqa: B018  (a reader racing the writers)

    threads = [threading.Thread(target=feed, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store) == 8000 and sorted(seen) == list(range(8000))
    assert store.df["seq"].is_unique and store.df["source"].value_counts().tolist() == [2000] * 4


def test_event_key_matches_df_and_ignores_transport_shape():
    store = EventStore()
    first = store.add(transcript("same", True, T))
    second = store.add(json.dumps(transcript("same", True, T)), source="ws")
    other = store.add(transcript("other", True, T))
    keys = store.df["key"].tolist()
    assert keys == [first.key, second.key, other.key]
    assert first.key == second.key != other.key and len(first.key) == 16


def test_frames_kept_whole_are_told_apart_by_what_the_fields_miss(tmp_path):
    # hypothesis found it: two frames that normalise alike (unknown fields aside) shared a key,
    # and reading the dataset back gave one of them
    store = EventStore(path=tmp_path / "d", clock=lambda: T)
    odd = {**transcript("same", True, T), "extra": 1}
    first, second = store.add(odd), store.add({**odd, "extra": 2})
    again = store.add(json.dumps({**odd, "extra": 2}, ensure_ascii=False, separators=(",", ":")))
    store.close()
    assert first.key != second.key == again.key  # a dict and its compact JSON text: one event
    assert store.df["key"].tolist() == [first.key, second.key, again.key]
    again = EventStore(path=tmp_path / "d")
    assert [r["frame"]["extra"] for r in again._records()] == [1, 2]


def test_a_webhooks_delivery_key_survives_jsonl_and_a_repeat_is_still_one(tmp_path):
    store = EventStore(clock=lambda: T)
    payload = {"event": "capture_session.active", "capture_session_id": "cap-1", "data": {}}
    delivered = store.add(payload, source="webhook", key="id:msg-1")
    plain = store.add(transcript("hi", True, T))
    back = EventStore.from_jsonl(store.to_jsonl(tmp_path / "e.jsonl"))
    assert back.df["key"].tolist() == ["id:msg-1", plain.key] == [delivered.key, plain.key]
    assert back.add(payload, source="webhook", key="id:msg-1").seq == -1  # the same delivery
    assert len(back) == 2


def _frames_back(store):
    return [r["frame"] for r in store._records()]


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_file_round_trip_loses_nothing(tmp_path, fmt):
    store = EventStore()
    frames = mixed_frames()
    for i, frame in enumerate(frames):
        store.add(frame, source=("ws", "webhook", "replay")[i % 3])
    path = tmp_path / f"events.{fmt}"
    getattr(store, f"to_{fmt}")(path)
    back = getattr(EventStore, f"from_{fmt}")(path)
    pd.testing.assert_frame_equal(back.df, store.df)
    assert back.df["received_at"].tolist() == store.df["received_at"].tolist()
    assert [r["received_at"] for r in back._records()] == [
        r["received_at"] for r in store._records()]
    rejected = {id(r.raw) for r in store.rejected}
    written = [json.loads(f) if isinstance(f, str) else f for f in frames if id(f) not in rejected]
    read = [json.loads(f) if isinstance(f, str) else f for f in _frames_back(back)[:len(back)]]
    assert read == written
    assert back.df["source"].tolist() == store.df["source"].tolist()
    assert [(r.reason, r.raw, r.source, r.received_at_ms) for r in back.rejected] == [
        (r.reason, r.raw, r.source, r.received_at_ms) for r in store.rejected]


def test_text_frames_come_back_as_the_same_text_when_kept(tmp_path):
    odd = '{"channel":"transcript","data":{"text":"x"},  "extra": 1}'
    store = EventStore()
    store.add(odd)
    back = EventStore.from_jsonl(store.to_jsonl(tmp_path / "e.jsonl"))
    assert _frames_back(back) == [odd]


def test_from_jsonl_reports_foreign_lines(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"frame": {"channel": "audio_index", "data": {"text": "ok"}}}\n'
                    'hello\n'
                    '{"channel": "audio_index", "data": {"text": "a bare frame"}}\n')
    store = EventStore.from_jsonl(path)
    assert store.df["text"].tolist() == ["ok", "a bare frame"]
    assert len(store.rejected) == 1 and "mixed.jsonl:2: not JSON" in store.rejected[0].reason


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12)
field = st.sampled_from(["channel", "type", "event", "event_type", "data", "text", "label",
                         "event_label", "start", "end", "timestamp", "is_final", "status",
                         "capture_session_id", "session_id", "rtstream_id", "confidence",
                         "triggered", "raw", "start_time", "end_time", "error"])
channel_value = st.sampled_from(["transcript", "scene_index", "visual_index", "audio_index",
                                 "alert", "capture_session", "feed", "capture_session.active",
                                 "feed.gap", "bogus"]) | json_values
frame_like = st.dictionaries(field, channel_value | json_values | st.dictionaries(
    field, json_values | st.integers(min_value=0, max_value=5 * 10**12), max_size=6),
    max_size=8)
anything = (frame_like | frame_like.map(lambda f: json.dumps(f, default=str))
            | json_values | st.text() | st.binary())


@settings(max_examples=300, deadline=None)
@given(st.lists(anything, max_size=12), st.integers(min_value=1, max_value=5))
def test_no_input_makes_add_raise_and_everything_is_accounted_for(inputs, max_events):
    store = EventStore(max_events=max_events)
    for value in inputs:
        result = store.add(value)
        assert isinstance(result, (Event, Rejection))
    assert len(store) + store.dropped + len(store.rejected) == len(inputs)
    unbounded = EventStore()
    unbounded.extend(inputs)
    assert len(unbounded) + len(unbounded.rejected) == len(inputs)


@settings(max_examples=40, deadline=None)
@given(st.lists(frame_like, max_size=12))
def test_views_and_round_trip_work_on_whatever_was_accepted(tmp_path_factory, inputs):
    folder = tmp_path_factory.mktemp("rt")
    store = EventStore(path=folder / "dataset")
    store.extend(inputs)
    store.close()
    lifecycle, transcript = store.lifecycle(), store.transcript(final_only=False, full=True)
    assert len(lifecycle) <= store.counts().get("capture_session", 0)
    assert set(store.sessions()["capture_session_id"]) == set(lifecycle["capture_session_id"])
    assert set(transcript["seq"]) <= set(store.df.loc[store.df.channel == "transcript", "seq"])
    back = EventStore.from_jsonl(store.to_jsonl(folder / "e.jsonl"))
    pd.testing.assert_frame_equal(back.df, store.df)
    assert len(back.rejected) == len(store.rejected)
    for back in (EventStore.from_parquet(store.to_parquet(folder / "e.parquet")),
                 EventStore(path=folder / "dataset")):
        pd.testing.assert_frame_equal(back.df, store.df)
        as_json = lambda s: json.dumps(s._records(), default=repr)  # as JSON: NaN == NaN
        assert as_json(back) == as_json(store)


@pytest.mark.parametrize("every", [29, 300, 5000])
def test_ring_buffer_agrees_with_the_tail_of_an_unbounded_store(every):
    bounded, unbounded = EventStore(max_events=700), EventStore()
    for i in range(5000):
        frame = transcript(f"t{i}", i % 3 == 0, T + i, rts=f"rts-{i % 4}")
        if i % 5 == 0:
            frame["extra"] = i  # a shape the store cannot rebuild: its raw frame is kept
        for store in (bounded, unbounded):
            store.add(frame if i % 2 else json.dumps(frame), received_at_ms=T + i)
        if i % every == 0:
            bounded.df  # noqa: B018  (materialising in between must not change anything)
    tail = unbounded.df.iloc[-700:].reset_index(drop=True)
    for name in tail.columns:
        assert bounded.df[name].tolist() == tail[name].tolist(), name
    assert [r["frame"] for r in bounded._records()] == [
        r["frame"] for r in unbounded._records()][-700:]


def test_lone_surrogates_and_odd_unicode_do_not_break_frames_or_files(tmp_path):
    store = EventStore()
    store.add('{"channel": "transcript", "rtstream_id": "r\\udc00", "data": {"text": "a\\ud800b"}}')
    store.add({"channel": "audio_index", "rtstream_name": "mic:d\udfff",
               "data": {"text": "caf\u00e9 \U0001f600"}}, source="s\ud801")
    store.add("not json \ud800")
    assert store.df["text"].tolist() == ["a\ufffdb", "caf\u00e9 \U0001f600"]
    assert store.rejected_df()["raw"].tolist() == ["not json \ufffd"]
    for fmt in ("jsonl", "parquet"):
        back = getattr(EventStore, f"from_{fmt}")(
            getattr(store, f"to_{fmt}")(tmp_path / f"e.{fmt}"))
        pd.testing.assert_frame_equal(back.df, store.df)
        assert _frames_back(back) == _frames_back(store)


def test_dicts_holding_odd_python_objects_are_kept_not_fatal(tmp_path):
    import numpy as np

    class Weird:
        def __eq__(self, other):
            raise RuntimeError("no comparisons")

    store = EventStore()
    store.add({"channel": "audio_index", "data": {"text": "a", "extra": np.arange(3)}})
    store.add({"channel": "audio_index", "data": {"text": "b", "odd": Weird()}})
    store.add({"channel": "audio_index", "data": {"text": "c"}})
    assert store.df["text"].tolist() == ["a", "b", "c"]
    back = EventStore.from_jsonl(store.to_jsonl(tmp_path / "odd.jsonl"))  # written with str()
    assert back.df["text"].tolist() == ["a", "b", "c"]


def test_string_columns_sort_by_value_not_by_arrival():
    store = EventStore()
    for name, rts, label in (("system_audio:default", "rts-c", "pii"),
                             ("mic:default", "rts-a", None), ("display:1", "rts-b", "off_topic")):
        store.add({"channel": "alert" if label else "transcript", "rtstream_id": rts,
                   "rtstream_name": name, "data": {"text": name, "label": label, "start": T}},
                  source=name[:3])
    df = store.df
    assert df.sort_values("rtstream_name", kind="stable")["rtstream_name"].tolist() == [
        "display:1", "mic:default", "system_audio:default"]
    assert df.sort_values("channel", kind="stable")["channel"].tolist() == [
        "alert", "alert", "transcript"]
    empty = EventStore().df
    assert all(str(empty[name].dtype) == str(df[name].dtype) for name in df.columns)


def test_rejected_keeps_the_newest_and_counts_what_it_let_go(tmp_path):
    store = EventStore(max_rejected=3)
    assert store.rejected == [] and store.rejected_dropped == 0
    for i in range(10):
        store.add(f"bad-{i}")
    store.add(transcript("kept", True, T))
    assert [r.raw for r in store.rejected] == ["bad-7", "bad-8", "bad-9"]
    assert store.rejected_dropped == 7 and store.rejected[-1].raw == "bad-9"
    assert "3 rejected (7 older dropped)" in repr(store)
    assert store.rejected_df()["raw"].tolist() == ["bad-7", "bad-8", "bad-9"]
    back = EventStore.from_jsonl(store.to_jsonl(tmp_path / "s.jsonl"))
    assert [r.raw for r in back.rejected] == ["bad-7", "bad-8", "bad-9"] and len(back) == 1
    assert "older dropped" not in repr(EventStore())


def test_rejected_bound_defaults_to_10000_or_max_events_and_must_be_positive():
    store = EventStore()
    store.extend(str(i) + "x" for i in range(10_005))
    assert (len(store.rejected), store.rejected_dropped) == (10_000, 5)
    assert store.rejected[0].raw == "5x"
    assert EventStore(max_events=50_000).max_rejected == 50_000
    with pytest.raises(ValueError, match="max_rejected"):
        EventStore(max_rejected=0)


def test_stream_events_take_the_session_whose_active_event_listed_their_rtstream():
    rts = [s["rtstream_id"] for s in payloads.default_rtstreams(0)]
    store = EventStore()
    early = store.add(transcript("before active", True, T, rts=rts[0]))  # filled all the same
    for frame in payloads.lifecycle("cap-1", rtstreams=payloads.default_rtstreams(0)):
        store.add(frame, source="webhook")
    store.add({"channel": "capture_session", "event": "capture_session.active",
               "capture_session_id": "cap-2", "data": {"streams": [{"id": "rts-s"}]}})
    store.add({"channel": "capture_session", "event": "capture_session.active",
               "capture_session_id": "cap-3", "end_user_id": "u-3",
               "data": {"channels": [{"rtstream_id": "rts-c"}, "junk", {"id": 7}]}})
    store.add(transcript("on mic", True, T, rts=rts[0]))
    store.add({"channel": "scene_index", "rtstream_id": rts[2], "data": {"text": "slack"}})
    store.add({"channel": "alert", "rtstream_id": "rts-c", "data": {"label": "pii", "text": "pii"}})
    store.add({"channel": "audio_index", "rtstream_id": "rts-s", "data": {"text": "music"}})
    store.add(transcript("own session", True, T, rts=rts[1], capture_session_id="cap-own"))
    store.add(transcript("nobody's", True, T, rts="rts-unknown"))
    df = store.df
    stream_rows = df[df["channel"] != "capture_session"].set_index("text")
    assert stream_rows["capture_session_id"].astype(object).where(
        stream_rows["capture_session_id"].notna(), None).to_dict() == {
        "before active": "cap-1", "on mic": "cap-1", "slack": "cap-1", "pii": "cap-3",
        "music": "cap-2", "own session": "cap-own", "nobody's": None}
    assert stream_rows.loc["on mic", "end_user_id"] == "user_abc"
    assert pd.isna(stream_rows.loc["music", "end_user_id"])
    assert pd.isna(stream_rows.loc["own session", "end_user_id"])  # not cap-1's user
    assert df.loc[df["text"] == "before active", "key"].item() == early.key  # content unchanged
    assert store.transcript(full=True)["capture_session_id"].tolist()[:2] == ["cap-1", "cap-1"]
    by_session = df.groupby("capture_session_id", observed=True).size()
    assert by_session["cap-1"] == 3 + len(payloads.lifecycle("cap-1"))
    sessions = store.sessions().set_index("capture_session_id")
    assert sessions.loc["cap-1", "n_events"] == len(payloads.lifecycle("cap-1"))
    assert sessions.loc["cap-1", "n_stream_events"] == 3
    assert sessions.loc["cap-3", "n_stream_events"] == 1
    assert (sessions.loc["cap-2", "n_events"], sessions.loc["cap-2", "n_stream_events"]) == (1, 1)


def test_stream_sessions_survive_the_ring_buffer_dropping_the_active_event():
    rts = payloads.default_rtstreams(0)[0]["rtstream_id"]
    store = EventStore(max_events=5)
    for frame in payloads.lifecycle("cap-1", outcome="stopped"):
        store.add(frame, source="webhook")
    for i in range(5):
        store.add(transcript(f"t{i}", True, T + i, rts=rts))
    assert store.counts() == {"capture_session": 0, "transcript": 5}
    assert store.df["capture_session_id"].tolist() == ["cap-1"] * 5


def test_frames_rejected_for_their_size_are_not_kept_whole():
    import tracemalloc
    store = EventStore(max_events=10)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(100):  # 100 frames of 10 MB: text, bytes and dicts with a huge text
            huge = "x" * 10_000_000
            frame = ('{"channel":"transcript","data":{"text":"' + huge + '"}}', huge.encode(),
                     {"channel": "transcript", "data": {"text": huge}})[i % 3]
            del huge
            store.add(frame)
            del frame
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(store.rejected) == 100 and len(store) == 0
    assert retained < 5_000_000  # 100 bounded prefixes, not ~1 GB
    assert all(len(r.raw) == 1000 and r.size >= 10_000_000 for r in store.rejected)
    assert "kept its first 1,000 characters" in store.rejected[0].reason
    assert "limit" in store.rejected[2].reason and "data.text" in store.rejected[2].reason


@pytest.mark.parametrize("huge", [10 ** 400, -10 ** 400, 1e308, float("inf"), float("nan")])
def test_enormous_times_are_rejections_never_exceptions(tmp_path, huge):
    store = EventStore()
    assert "received_at_ms" in store.add(transcript("a", True, T), received_at_ms=huge).reason
    assert "data.start" in store.add(transcript("b", True, huge)).reason
    if huge != 1e308:  # a large finite float is a (silly) confidence, not an error
        alert = {"channel": "alert", "data": {"label": "x", "confidence": huge}}
        assert "confidence" in store.add(alert).reason
    path = tmp_path / "odd.jsonl"
    path.write_text(f'{{"received_at": {huge!r}, "seq": {10 ** 30}, "source": "ws", '
                    f'"frame": {json.dumps(transcript("c", True, T))}}}\n'.replace("inf", "1e999")
                    .replace("nan", "NaN"))
    back = EventStore.from_jsonl(path)
    assert len(back) + len(back.rejected) == 1 and len(store) == 0


def test_on_sealed_tells_of_each_sealed_batch_not_of_each_event():
    from vdb_notebook.store.columns import SEAL_EVERY

    store, told = EventStore(), []
    stop = store.on_sealed(told.append)
    store.on_sealed(lambda rows: 1 / 0)  # a broken listener never reaches add
    for i in range(2 * SEAL_EVERY + 5):
        store.add({"channel": "transcript", "data": {"text": f"line {i}"}})
    assert told == [SEAL_EVERY, 2 * SEAL_EVERY]  # the 5 newest rows are not sealed yet
    batches, upto = store.rows_since(SEAL_EVERY, seal=False)
    assert upto == 2 * SEAL_EVERY and sum(b.num_rows for b in batches) == SEAL_EVERY
    store.transcript()  # a read seals the rest
    assert told[-1] == 2 * SEAL_EVERY + 5
    assert len(store.callback_errors) == 3
    assert all(isinstance(exc, ZeroDivisionError) for _, exc in store.callback_errors)
    stop()
    store.add({"channel": "transcript", "data": {"text": "after"}})
    store.transcript()
    assert told[-1] == 2 * SEAL_EVERY + 5


def test_to_parquet_dictionary_encodes_only_the_few_valued_columns(tmp_path):
    """Text, raw frames and keys are nearly all distinct: a dictionary there is tried, thrown
    away past its page limit, and makes the file bigger and slower to read."""
    import pyarrow.parquet as pq

    from vdb_notebook.store.columns import DICTIONARY_COLUMNS

    store = EventStore()
    for i in range(200):
        store.add({"channel": "transcript", "capture_session_id": "cap-1",
                   "data": {"text": f"line {i}", "is_final": True}})
    path = store.to_parquet(tmp_path / "s.parquet")
    group = pq.ParquetFile(path).metadata.row_group(0)
    encoded = {group.column(i).path_in_schema: group.column(i).has_dictionary_page
               for i in range(group.num_columns)}
    assert encoded["channel"] and encoded["capture_session_id"]
    assert not encoded["text"] and not encoded["key"] and not encoded["raw"]
    assert {name for name, has in encoded.items() if has} <= set(DICTIONARY_COLUMNS)
    assert EventStore.from_parquet(path).df["text"].tolist() == [f"line {i}" for i in range(200)]
