"""Payload builders: the seven lifecycle events in the v2 envelope, the alert webhook, seeds."""
from __future__ import annotations

import pytest

import vdb_notebook as vn
from vdb_notebook.schema import LIFECYCLE_STATUSES
from vdb_notebook.webhooks import EPOCH, alert, build, default_rtstreams, lifecycle

ENVELOPE = {"version", "event", "timestamp", "capture_session_id", "end_user_id", "status", "data"}


@pytest.mark.parametrize("status", LIFECYCLE_STATUSES)
def test_each_lifecycle_event_builds_and_normalises(status):
    payload = build(status, capture_session_id="cap-1", rtstreams=default_rtstreams(0),
                    exported_video_id="m-1", error="screen permission denied")
    assert set(payload) == ENVELOPE
    assert (payload["version"], payload["event"], payload["status"]) == (
        "2", f"capture_session.{status}", status)
    assert payload["timestamp"] == "2026-01-20T12:34:56Z"
    event = vn.EventStore().add(payload, source="webhook")
    assert (event.event, event.status, event.capture_session_id) == (
        f"capture_session.{status}", status, "cap-1")


def test_key_data_per_event():
    assert [r["name"] for r in build("active", capture_session_id="c")["data"]["rtstreams"]] == []
    active = build("active", capture_session_id="c", rtstreams=default_rtstreams(0))
    assert [r["media_types"] for r in active["data"]["rtstreams"]] == [["audio"], ["audio"], ["video"]]
    assert build("exported", capture_session_id="c", exported_video_id="m-9")["data"] == {
        "exported_video_id": "m-9"}
    assert build("failed", capture_session_id="c", error="boom")["data"]["error"] == {
        "message": "boom", "code": "capture_failed"}
    assert build("capture_session.created", capture_session_id="c")["data"] == {}


def test_lifecycle_sequences_are_deterministic_given_a_seed():
    assert lifecycle(seed=5) == lifecycle(seed=5)
    assert lifecycle(seed=5)[0]["capture_session_id"] != lifecycle(seed=6)[0]["capture_session_id"]
    assert [p["status"] for p in lifecycle("c")] == [
        "created", "starting", "active", "stopping", "stopped", "exported"]
    assert [p["status"] for p in lifecycle("c", outcome="stopped")][-1] == "stopped"
    assert [p["status"] for p in lifecycle("c", outcome="failed")] == [
        "created", "starting", "failed"]
    stamps = [p["timestamp"] for p in lifecycle("c")]
    assert stamps == sorted(stamps) and stamps[0] == build("created", capture_session_id="c")[
        "timestamp"]


def test_builders_refuse_what_videodb_would_not_send():
    with pytest.raises(ValueError, match="use one of: created, starting"):
        build("paused", capture_session_id="c")
    with pytest.raises(ValueError, match="exported_video_id="):
        build("exported", capture_session_id="c")
    with pytest.raises(ValueError, match="outcome must be"):
        lifecycle("c", outcome="crashed")


def test_alert_webhook_shape_is_deterministic_and_normalises():
    fired = alert(label="sensitive_content", confidence=0.92, rtstream_id="rts-1",
                  start=EPOCH, end=1_768_912_500_000, explanation="a password on screen")
    assert fired == alert(label="sensitive_content", confidence=0.92, rtstream_id="rts-1",
                          start=EPOCH, end=1_768_912_500_000, explanation="a password on screen")
    assert {"event_id", "label", "confidence", "explanation", "timestamp", "start_time",
            "end_time", "stream_url", "player_url"} <= set(fired)
    event = vn.EventStore().add(fired, source="webhook")
    assert (event.channel, event.label, event.confidence) == ("alert", "sensitive_content", 0.92)
