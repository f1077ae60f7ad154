"""Scenario files and the timeline player (no server): what standup and burst contain, frame
shapes, and pacing at a speed."""
from __future__ import annotations

import asyncio
import itertools
import json
import math
from pathlib import Path

import pytest

from vdb_notebook.emulator import Scenario, available
from vdb_notebook.emulator.scenario import ORIGIN_MS, Clock, Pacer, parse_speed
from vdb_notebook.schema import payloads


@pytest.fixture(scope="module")
def standup():
    return Scenario.load("standup")


def test_shipped_scenarios():
    assert {"standup", "burst"} <= set(available())


def test_standup_is_a_five_minute_three_person_meeting(standup):
    assert 240 <= standup.duration_s <= 330 and standup.default_speed == 30
    assert set(standup.tracks) == {"mic", "system_audio", "display"}
    participants = json.loads(Path(standup.source).read_text())["participants"]
    assert participants == {"mic": ["Maya"], "system_audio": ["Dev", "Sofia"]}
    # who speaks is the track, never a name in the text or a speaker field
    cues = [c for t in ("mic", "system_audio") for c in standup.tracks[t]["transcript"]]
    assert not any("speaker" in c or c["text"].startswith(("Maya:", "Dev:", "Sofia:")) for c in cues)
    said = " ".join(c["text"] for t in ("mic", "system_audio") for c in standup.tracks[t]["transcript"])
    assert "we'll ship on Thursday" in said and "4111 1111 1111 1111" in said
    seen = " ".join(c["text"] for c in standup.tracks["display"]["visual_index"])
    for thing in ("Slide deck", "Slack", "VS Code", "Jira board"):
        assert thing in seen
    last = max(c["t"] + c["dur"] for track in standup.tracks.values() for cues in track.values() for c in cues)
    assert last <= standup.duration_s


def test_standup_sensitive_moment_is_marked_for_an_alert(standup):
    (moment,) = [a for a in standup.alerts if a["label"] == "sensitive_content" and a["track"] == "system_audio"]
    assert "card number" in moment["text"]
    spoken = [c for c in standup.tracks["system_audio"]["transcript"] if "4111" in c["text"]]
    assert spoken and spoken[0]["t"] == moment["t"]


def test_transcript_steps_are_interim_then_final_with_epoch_ms_times(standup):
    steps = list(standup.steps("mic", "transcript", rtstream_id="rts-1", rtstream_name="mic:default"))
    assert len(steps) == 2 * len(standup.tracks["mic"]["transcript"])
    interim, final = steps[0].frame, steps[1].frame
    assert interim["data"]["is_final"] is False and final["data"]["is_final"] is True
    assert final["data"]["start"] == ORIGIN_MS + 2000 == int(payloads.EPOCH.timestamp() * 1000) + 6000
    assert interim["data"]["end"] < final["data"]["end"] and steps[0].at < steps[1].at
    assert final == {"channel": "transcript", "rtstream_id": "rts-1", "rtstream_name": "mic:default",
                     "data": {"text": standup.tracks["mic"]["transcript"][0]["text"],
                              "is_final": True, "start": ORIGIN_MS + 2000, "end": ORIGIN_MS + 6500}}


def test_visual_channel_name_and_alert_steps_from_their_cues(standup):
    visual = next(standup.steps("display", "visual_index", rtstream_id="r", rtstream_name="display:1"))
    assert visual.frame["channel"] == "scene_index"  # the doc's channel table name; see scenario file
    cue = {"t": 95.0, "dur": 7.0, "text": "card read out", "label": "pii", "confidence": 0.8}
    (hit,) = standup.steps("system_audio", "alert", rtstream_id="r", rtstream_name="n", cues=[cue])
    assert hit.at == 102.0 and hit.frame["data"]["label"] == "pii" and hit.frame["data"]["confidence"] == 0.8
    assert list(standup.steps("system_audio", "alert", rtstream_id="r", rtstream_name="n", cues=[])) == []
    with pytest.raises(ValueError, match="alert steps need their cues"):
        list(standup.steps("system_audio", "alert", rtstream_id="r", rtstream_name="n"))
    assert list(standup.steps("display", "transcript", rtstream_id="r", rtstream_name="n")) == []


def test_burst_gives_a_hundred_thousand_frames_from_one_pipeline():
    burst = Scenario.load("burst")
    assert burst.default_speed == "max" and burst.visual_channel == "visual_index"
    count = sum(1 for _ in burst.steps("mic", "transcript", rtstream_id="r", rtstream_name="mic:default"))
    assert count == 2 * 4 * burst.repeat >= 100_000
    steps = burst.steps("system_audio", "transcript", rtstream_id="r", rtstream_name="system_audio:default")
    finals = [s.frame["data"] for s in itertools.islice(steps, 6) if s.frame["data"]["is_final"]]
    assert [f["text"] for f in finals] == ["Block 0: sounds good.", "Block 0: agreed, ship it.",
                                           "Block 1: sounds good."]
    assert [f["start"] - ORIGIN_MS for f in finals] == [200, 1200, 2200]  # block n shifted by n periods


def test_load_errors_say_what_to_do(tmp_path):
    with pytest.raises(ValueError, match=r"use one of \['burst', 'cctv', 'dev_screen', 'standup', 'support_call'\]"):
        Scenario.load("nope")
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "bad"}')
    with pytest.raises(ValueError, match="has no 'duration_s'"):
        Scenario.load(bad)
    bad.write_text('{"name": "bad", ')
    with pytest.raises(ValueError, match=r"scenario .*bad\.json is not valid JSON \(Expecting"):
        Scenario.load(bad)


def test_parse_speed():
    assert parse_speed(None, 30) == 30 and parse_speed(None, "max") == math.inf
    assert parse_speed("max", 30) == math.inf and parse_speed(2, 30) == 2.0
    for bad in (0, -1, "fast", float("nan")):
        with pytest.raises(ValueError, match="speed must be a positive number or 'max'"):
            parse_speed(bad, 30)


async def test_pacer_follows_the_clock_and_wakes_on_a_speed_change():
    clock = Clock(0.001)  # one scenario second = 1000 wall seconds
    pacer = Pacer(clock)
    waiting = asyncio.ensure_future(pacer.until(5.0))
    await asyncio.sleep(0)  # one turn of the loop: the pacer is now asleep on the clock
    assert not waiting.done()
    clock.set(math.inf)
    await asyncio.wait_for(waiting, 5)  # released by the change, not by the clock running out
