"""events.decode: every frame shape of VIDEODB_FACTS.md and the seed doc, and bad input."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from vdb_notebook.events import Event, Rejection, normalise
from vdb_notebook.events.fields import stream_ids
from vdb_notebook.schema import payloads
from vdb_notebook.store import EventStore

T = 1_710_000_000_101

# --- the seed doc's example frames, verbatim --------------------------------------------
SEED_TRANSCRIPT = """{
  "channel": "transcript",
  "rtstream_id": "rts-xxx",
  "rtstream_name": "mic:default",
  "data": {
    "text": "Let's schedule the meeting for Thursday",
    "is_final": true,
    "start": 1710000001234,
    "end": 1710000002345
  }
}"""
SEED_VISUAL = """{
  "channel": "visual_index",
  "rtstream_id": "rts-xxx",
  "rtstream_name": "display:1",
  "data": {
    "text": "User is viewing a Slack conversation with 3 unread messages",
    "start": 1710000012340,
    "end": 1710000018900
  }
}"""
SEED_AUDIO = """{
  "channel": "audio_index",
  "rtstream_id": "rts-xxx",
  "rtstream_name": "mic:default",
  "data": {
    "text": "Discussion about scheduling a team meeting",
    "start": 1710000021500,
    "end": 1710000029200
  }
}"""
SEED_ALERT = """{
  "channel": "alert",
  "rtstream_id": "rts-xxx",
  "data": {
    "label": "sensitive_content",
    "triggered": true,
    "confidence": 0.92,
    "start": 1710000045100,
    "end": 1710000047800
  }
}"""
SEED_ENVELOPE = """{
  "version": "2",
  "event": "capture_session.active",
  "timestamp": "2026-01-20T12:34:56Z",
  "capture_session_id": "cap-xxx",
  "end_user_id": "user_abc",
  "status": "active",
  "data": {}
}"""
SEED_ACTIVE = """{
  "event": "capture_session.active",
  "capture_session_id": "cap-xxx",
  "status": "active",
  "data": {
    "rtstreams": [
      { "rtstream_id": "rts-1", "name": "mic:default", "media_types": ["audio"] },
      { "rtstream_id": "rts-2", "name": "system_audio:default", "media_types": ["audio"] },
      { "rtstream_id": "rts-3", "name": "display:1", "media_types": ["video"] }
    ]
  }
}"""
SEED_FRAMES = [SEED_TRANSCRIPT, SEED_VISUAL, SEED_AUDIO, SEED_ALERT, SEED_ENVELOPE, SEED_ACTIVE]
EPOCH_MS = payloads.EPOCH.timestamp() * 1000


def ok(frame, **kw) -> Event:
    result = normalise(frame, **kw)
    assert isinstance(result, Event), result
    return result


def test_seed_transcript():
    ev = ok(SEED_TRANSCRIPT)
    assert (ev.channel, ev.event, ev.rtstream_id, ev.rtstream_name) == (
        "transcript", "transcript", "rts-xxx", "mic:default")
    assert ev.text == "Let's schedule the meeting for Thursday" and ev.is_final is True
    assert (ev.start, ev.end, ev.timestamp) == (1710000001234.0, 1710000002345.0, 1710000001234.0)
    assert ev.raw == SEED_TRANSCRIPT  # the text as it came


@pytest.mark.parametrize("frame, channel, text", [
    (SEED_VISUAL, "visual_index", "User is viewing a Slack conversation with 3 unread messages"),
    (SEED_AUDIO, "audio_index", "Discussion about scheduling a team meeting"),
])
def test_seed_index_frames(frame, channel, text):
    ev = ok(frame)
    assert (ev.channel, ev.text, ev.is_final) == (channel, text, None)
    assert ev.end - ev.start > 0


def test_scene_index_and_visual_index_are_one_stream():
    scene = ok(SEED_VISUAL.replace('"visual_index"', '"scene_index"'))
    visual = ok(SEED_VISUAL)
    assert scene.channel == visual.channel == "visual_index"
    assert json.loads(scene.raw)["channel"] == "scene_index"  # the original name stays in raw
    assert scene.key == visual.key


def test_seed_alert():
    ev = ok(SEED_ALERT)
    assert (ev.channel, ev.label, ev.triggered, ev.confidence) == (
        "alert", "sensitive_content", True, 0.92)
    assert ev.timestamp == ev.start == 1710000045100.0


def test_alert_shape_two_event_label_in_data():
    ev = ok({"channel": "alert", "rtstream_id": "rts-1",
             "data": {"event_label": "pricing", "timestamp": 1710000045100, "text": "price asked"}})
    assert (ev.label, ev.text, ev.timestamp, ev.start) == (
        "pricing", "price asked", 1710000045100.0, None)


def test_alert_shape_three_without_channel():
    ev = ok({"event_label": "pricing", "rtstream_id": "rts-1", "timestamp": 1710000045100,
             "data": {"text": "price asked"}})
    assert (ev.channel, ev.label, ev.text, ev.rtstream_id) == (
        "alert", "pricing", "price asked", "rts-1")


def test_alert_webhook_with_iso_times_and_offsets():
    hook = payloads.alert(label="off_topic", confidence=0.8, rtstream_id="rts-9",
                          start=EPOCH_MS, end=EPOCH_MS + 3000, explanation="talks football")
    hook["start_time"] = "2026-01-20T14:34:56+02:00"  # the same instant as EPOCH, with offset
    ev = ok(hook, source="webhook")
    assert (ev.channel, ev.label, ev.confidence, ev.text, ev.source) == (
        "alert", "off_topic", 0.8, "talks football", "webhook")
    assert ev.start == EPOCH_MS and ev.end == EPOCH_MS + 3000
    assert ev.timestamp == EPOCH_MS + 3000


def test_alert_webhook_as_the_alerts_page_documents_it():
    """start_time / end_time in video-time seconds; the rtstream and the window come from stream_url."""
    hook = payloads.alert(label="off_topic", confidence=0.8, rtstream_id="rts-9", start=EPOCH_MS + 60_000,
                          end=EPOCH_MS + 63_500, stream_start=EPOCH_MS, explanation="talks football")
    assert (hook["start_time"], hook["end_time"]) == (60.0, 63.5) and "rtstream_id" not in hook
    ev = ok(hook, source="webhook")
    assert (ev.rtstream_id, ev.start, ev.end) == ("rts-9", EPOCH_MS + 60_000, EPOCH_MS + 63_500)


def test_seed_envelope_iso_timestamp_becomes_epoch_ms():
    ev = ok(SEED_ENVELOPE)
    assert (ev.channel, ev.event, ev.status, ev.capture_session_id, ev.end_user_id) == (
        "capture_session", "capture_session.active", "active", "cap-xxx", "user_abc")
    assert ev.timestamp == datetime(2026, 1, 20, 12, 34, 56, tzinfo=UTC).timestamp() * 1000


def test_seed_active_webhook():
    ev = ok(SEED_ACTIVE, source="webhook")
    assert (ev.event, ev.status, ev.timestamp) == ("capture_session.active", "active", None)


@pytest.mark.parametrize("outcome", ["exported", "stopped", "failed"])
def test_every_v2_lifecycle_payload(outcome):
    events = [ok(p) for p in payloads.lifecycle("cap-1", outcome=outcome, error="mic lost")]
    assert all(e.channel == "capture_session" and e.capture_session_id == "cap-1" for e in events)
    assert [e.status for e in events][-1] == outcome
    assert [e.timestamp for e in events] == sorted(e.timestamp for e in events)
    if outcome == "failed":
        assert events[-1].text == "mic lost"


def test_capture_session_websocket_frame_with_error():
    ev = ok({"channel": "capture_session", "event": "capture_session.failed",
             "capture_session_id": "cap-2", "status": "failed",
             "data": {"error": {"message": "screen permission denied", "code": "perm"}}})
    assert (ev.event, ev.status, ev.text) == (
        "capture_session.failed", "failed", "screen permission denied")


@pytest.mark.parametrize("frame", [
    {"type": "capture_session.stopped", "session_id": "cap-3"},           # ev.type, session_id
    {"event_type": "capture_session.stopped", "capture_session_id": "cap-3"},
    {"channel": "capture_session", "type": "stopped", "session_id": "cap-3"},
    {"channel": "capture_session", "status": "stopped", "capture_session_id": "cap-3"},
])
def test_older_and_defensive_lifecycle_variants(frame):
    ev = ok(frame)
    assert (ev.channel, ev.event, ev.status, ev.capture_session_id) == (
        "capture_session", "capture_session.stopped", "stopped", "cap-3")


@pytest.mark.parametrize("key", ["channel", "type", "event_type"])
def test_channel_or_type_or_event_type(key):
    ev = ok({key: "audio_index", "rtstream_id": "r", "data": {"text": "x"}})
    assert ev.channel == "audio_index"


def test_transcript_by_webhook():
    ev = ok({"type": "transcript", "text": "hello there", "is_final": False}, source="webhook")
    assert (ev.channel, ev.text, ev.is_final, ev.source) == (
        "transcript", "hello there", False, "webhook")


def test_feed_gap_record():
    ev = ok({"channel": "feed", "event": "feed.gap",
             "data": {"start": EPOCH_MS, "end": EPOCH_MS + 4000, "reason": "socket closed 1006",
                      "old_connection_id": "c1", "new_connection_id": "c2"}}, source="feed")
    assert (ev.channel, ev.event, ev.text, ev.start, ev.end) == (
        "feed", "feed.gap", "socket closed 1006", EPOCH_MS, EPOCH_MS + 4000)


def test_bytes_and_received_at():
    ev = ok(SEED_AUDIO.encode(), source="replay", received_at_ms=1710000099000.5)
    assert (ev.source, ev.received_at, ev.raw) == ("replay", 1710000099000, SEED_AUDIO)  # int ms


def test_as_dict_has_every_column():
    ev = ok(SEED_TRANSCRIPT, received_at_ms=1710000099000.0)
    record = ev.as_dict()
    assert list(record) == [
        "seq", "received_at", "source", "channel", "event", "capture_session_id", "end_user_id",
        "rtstream_id", "rtstream_name", "text", "is_final", "label", "confidence", "triggered",
        "timestamp", "start", "end", "status", "key", "raw"]
    assert list(EventStore().df.columns) == list(record)[:-1]  # the columns of store.df
    assert (record["received_at"], record["channel"], record["text"], record["key"],
            record["raw"]) == (1710000099000.0, "transcript", ev.text, ev.key, SEED_TRANSCRIPT)


BIG = "x" * 1_100_000
BAD = [
    ("hello", "not JSON"),
    (b"\xff\xfe", "not JSON"),
    ('{"raw": "<html>"}', "text frame that is not JSON"),
    ({"raw": "<html>"}, "text frame that is not JSON"),
    ("[1, 2]", "must be a JSON object, not list"),
    ('"text"', "must be a JSON object, not str"),
    (42, "must be a dict or JSON text"),
    (None, "must be a dict or JSON text"),
    ({"rtstream_id": "r"}, "no channel"),
    ({"channel": "gossip"}, "unknown channel 'gossip'"),
    ({"channel": 7}, "channel must be a string"),
    ({"channel": "transcript", "data": {"start": 1710000001234}}, "needs data.text"),
    ({"channel": "transcript", "data": {"text": 5}}, "data.text must be a string"),
    ({"channel": "transcript", "data": {"text": "x", "is_final": "yes"}}, "true or false"),
    ({"channel": "transcript", "data": "text"}, "data must be a JSON object"),
    ({"channel": "transcript", "data": {"text": "x", "start": 1710000001}}, "epoch seconds"),
    ({"channel": "transcript", "data": {"text": "x", "start": 12.5}}, "not a plausible time"),
    ({"channel": "transcript", "data": {"text": "x", "end": "next tuesday"}}, "not an ISO-8601"),
    ({"channel": "transcript", "data": {"text": "x", "start": True}}, "epoch milliseconds"),
    ({"channel": "alert", "data": {"confidence": 0.5}}, "needs label"),
    ({"channel": "alert", "data": {"label": "l", "confidence": "high"}}, "finite number"),
    ({"channel": "capture_session", "event": "capture_session.active"}, "capture_session_id"),
    ({"channel": "capture_session", "capture_session_id": "c"}, "needs event"),
    ({"channel": "audio_index", "data": {"text": BIG}}, "split it"),
    (json.dumps({"channel": "audio_index", "data": {"text": BIG}}), "send smaller frames"),
]


@pytest.mark.parametrize("frame, reason", BAD, ids=[r for _, r in BAD])
def test_bad_input_is_rejected_with_a_reason(frame, reason):
    result = normalise(frame, source="ws", received_at_ms=1710000000000.0)
    assert isinstance(result, Rejection)
    assert reason in result.reason
    assert len(result.reason) < 400  # readable, even for megabyte input
    assert (result.source, result.received_at_ms) == ("ws", 1710000000000.0)


def test_rejection_keeps_what_came_in():
    assert normalise("hello").raw == "hello"
    frame = {"channel": "gossip"}
    assert normalise(frame).raw is frame


def test_a_bug_in_a_reader_becomes_a_rejection(monkeypatch):
    import vdb_notebook.events.decode as events
    monkeypatch.setitem(events._HANDLERS, "alert", lambda *a: 1 / 0)
    result = normalise(json.loads(SEED_ALERT))  # a dict: the hand-written readers
    assert isinstance(result, Rejection) and "ZeroDivisionError" in result.reason
    monkeypatch.setattr(events.typed, "decode", lambda *a: [][0])  # the typed fast path too
    result = normalise(json.dumps({"channel": "transcript", "data": {"text": "hi"}}))
    assert isinstance(result, Rejection) and "IndexError" in result.reason


def test_received_at_given_by_the_caller_is_checked_too():
    assert ok(SEED_AUDIO, received_at_ms=1710000099000).received_at == 1710000099000.0
    assert ok(SEED_AUDIO, received_at_ms="2026-01-20T12:34:56Z").received_at == EPOCH_MS
    result = normalise(SEED_AUDIO, received_at_ms=1710000099)
    assert isinstance(result, Rejection) and "received_at_ms" in result.reason
    assert "epoch seconds" in result.reason and result.received_at_ms > 1710000099000


def test_stream_ids_read_every_rtstream_list_shape_and_skip_junk():
    assert stream_ids({"rtstreams": [{"rtstream_id": "rts-1", "id": "other"}]}) == ["rts-1"]
    assert stream_ids({"streams": [{"id": "rts-2"}, {"id": ""}, {"id": 3}, "rts-x"]}) == ["rts-2"]
    assert stream_ids({"channels": [{"rtstream_id": "rts-3"}]}) == ["rts-3"]
    assert stream_ids({"rtstreams": "not a list", "streams": [{"id": "rts-4"}]}) == ["rts-4"]
    assert stream_ids({}) == []


def test_event_is_built_with_keywords_only():
    with pytest.raises(TypeError):
        Event("ws", "transcript", "transcript")  # type: ignore[misc]
    ev = Event(source="ws", channel="transcript", event="transcript", text="hi", start=T)
    assert (ev.text, ev.start, ev.label) == ("hi", T, None)


def test_event_key_needs_no_store():
    """events/ computes keys itself: importing it never imports the store (no cycle)."""
    import subprocess
    import sys
    code = ("import sys; from vdb_notebook.events import normalise\n"
            "key = normalise({'channel': 'transcript', 'data': {'text': 'hi'}}).key\n"
            "assert len(key) == 16 and 'vdb_notebook.store' not in sys.modules, sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_shapes_are_an_int_enum():
    from vdb_notebook.events.shapes import Shape, shape_of
    ev = normalise({"channel": "transcript", "data": {"text": "hi", "start": T}})
    assert shape_of(ev) is Shape.MEDIA and int(Shape.KEPT) == 0
    fractional = normalise({"channel": "transcript", "data": {"text": "hi", "start": T + 0.5}})
    assert shape_of(fractional) is Shape.KEPT  # the int ms column could not give it back


def test_times_are_integer_milliseconds():
    ev = normalise({"channel": "alert", "data": {"label": "x", "start": 1710000000101,
                                                 "end": "2024-03-09T16:00:00.202Z"}},
                   received_at_ms=1710000000303.0)
    assert (ev.start, ev.end, ev.received_at) == (1710000000101, 1710000000202, 1710000000303)
    assert all(type(v) is int for v in (ev.start, ev.end, ev.received_at))
