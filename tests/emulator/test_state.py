"""The state machine without a server: seeded ids, checked transitions, records in seconds."""
from __future__ import annotations

import pytest

from vdb_notebook.emulator.state import BadRequest, Conflict, EmulatorState
from vdb_notebook.schema import payloads


def test_state_ids_follow_the_seed_and_transitions_are_checked():
    def ids(seed):
        state = EmulatorState(seed)
        session = state.create_session("default", {"end_user_id": "u"})
        state.transition(session, "starting")
        state.transition(session, "active")
        return session.id, session.rtstream_ids

    assert ids(1) == ids(1) and ids(1) != ids(2)
    state = EmulatorState(0)
    session = state.create_session("default", {"end_user_id": "u"})
    with pytest.raises(Conflict, match=r"cannot become 'stopped'.*allowed next: \['failed', 'starting'\]"):
        state.transition(session, "stopped")
    payload = state.transition(session, "starting")
    assert payload == payloads.build("starting", capture_session_id=session.id, end_user_id="u",
                                     timestamp="2026-01-20T12:34:58Z")


def test_records_are_kept_in_epoch_seconds_and_finals_only():
    state = EmulatorState(0)
    session = state.create_session("default", {"end_user_id": "u"})
    state.transition(session, "starting")
    state.transition(session, "active")
    mic = state.rtstreams[session.rtstream_ids[0]]
    state.record_transcript(mic, {"text": "half", "is_final": False, "start": 1_768_912_502_000, "end": 1_768_912_503_000})
    state.record_transcript(mic, {"text": "half done", "is_final": True, "start": 1_768_912_502_000, "end": 1_768_912_504_500})
    assert mic.transcript == [{"start": 1_768_912_502.0, "end": 1_768_912_504.5, "text": "half done"}]


def test_understanding_asks_for_one_vlm_analyzer_on_a_video_stream():
    state = EmulatorState(0)
    session = state.create_session("default", {"end_user_id": "u"})
    state.transition(session, "starting")
    state.transition(session, "active")
    mic, _, screen = (state.rtstreams[r] for r in session.rtstream_ids)
    vlm = {"segmentation": {"type": "time", "window": "5s"}, "analyzers": [{"type": "vlm", "name": "scene"}]}
    with pytest.raises(BadRequest, match="exactly one vlm analyzer"):
        state.create_understanding(screen, {**vlm, "analyzers": [{"type": "ocr"}]})
    with pytest.raises(BadRequest, match="rtstreams segment by time only"):
        state.create_understanding(screen, {**vlm, "segmentation": {"type": "shot"}})
    with pytest.raises(BadRequest, match="runs a vision model"):
        state.create_understanding(mic, vlm)
    und = state.create_understanding(screen, vlm)
    with pytest.raises(BadRequest, match=r"understanding\.outputs"):
        state.create_stream_index(screen, {"source": "scene"})
    index = state.create_stream_index(screen, {"source": {"understanding_id": und.id, "output": "scene"}})
    state.record_understanding(und, {"text": "Jira board", "start": 1_768_912_500_000, "end": 1_768_912_510_000})
    assert index.records == und.records == [{"start": 1_768_912_500.0, "end": 1_768_912_510.0,
                                             "understanding_id": und.id, "data": {"description": "Jira board"}}]
