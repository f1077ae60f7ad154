"""A real session as a world (recorded.py): a recording made with record_to= plays back through
the real SDK with its texts, timing and alerts; frames shaped as VideoDB's docs show them load."""
from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest
import videodb

import vdb_notebook as vn
from vdb_notebook.emulator import Emulator
from vdb_notebook.emulator.recorded import from_frames
from vdb_notebook.emulator.scenario import Scenario

sys.path.insert(0, str(Path(__file__).parent))
from sdk_world import wait_for

RECORDING = Path(__file__).parents[2] / "notebooks" / "data" / "standup.jsonl"  # made against the emulator


def recorded_frames(channel, name):
    frames = [json.loads(line)["frame"] for line in RECORDING.read_text().splitlines()]
    frames = [json.loads(f) if isinstance(f, str) else f for f in frames]
    return [f for f in frames if f.get("channel") == channel and f.get("rtstream_name") == name]


@pytest.fixture
def played():
    with Emulator(scenario=str(RECORDING), speed="max") as emu:
        yield emu, videodb.connect(api_key=emu.api_key, base_url=emu.base_url)


def idle(emu):
    wait_for(emu.state, lambda s: not any(p["running"] for p in s["pipelines"].values()))


def test_the_recording_plays_its_own_lines_scenes_and_timing(played, active_session):
    emu, conn = played
    assert emu.scenario.recorded and emu.worlds.streams is emu.scenario  # your own file plays everywhere
    _, streams = active_session(conn, emu)
    mic, screen = streams["mic:default"], streams["display:1"]
    mic.start_transcript()
    index = screen.index_visuals(prompt="Describe the screen")
    idle(emu)
    said = [(r["start"], r["end"], r["text"]) for r in mic.get_transcript()["transcription_records"]]
    recorded = [(f["data"]["start"] / 1000, f["data"]["end"] / 1000, f["data"]["text"])
                for f in recorded_frames("transcript", "mic:default") if f["data"]["is_final"]]
    assert said == recorded  # the same words at the same epoch seconds (both on the scenario clock)
    shown = [(s["start"], s["description"]) for s in index.get_scenes(page_size=100)["scenes"]]
    assert shown == [(f["data"]["start"] / 1000, f["data"]["text"]) for f in recorded_frames("scene_index", "display:1")]


async def test_a_recorded_label_fires_as_recorded_and_an_unseen_prompt_is_matched(played, active_session):
    emu, conn = played
    ws = await conn.connect_websocket().connect()
    _, streams = active_session(conn, emu)
    others = streams["system_audio:default"]
    index = others.index_audio(prompt="Summarise", ws_connection_id=ws.connection_id)
    seen = index.create_alert(conn.create_event(event_prompt="Anything sensitive", label="sensitive_content"),
                              callback_url="", ws_connection_id=ws.connection_id)
    unseen = index.create_alert(conn.create_event(event_prompt="A full payment card number is read aloud",
                                                  label="card_read_aloud"), callback_url="",
                                ws_connection_id=ws.connection_id)
    silent = index.create_alert(conn.create_event(event_prompt="Someone mentions lunch", label="lunch"),
                                callback_url="", ws_connection_id=ws.connection_id)
    await asyncio.to_thread(idle, emu)
    counts = {a: emu.state()["alerts"][a]["fired"] for a in (seen, unseen, silent)}
    alerts = []
    async for frame in ws.receive():
        if frame.get("channel") == "alert":
            alerts.append(frame["data"])
        if len(alerts) == counts[seen] + counts[unseen]:
            break
    await ws.close()
    assert counts[silent] == 0
    as_recorded = [{k: f["data"][k] for k in ("text", "label", "confidence", "start", "end")}
                   for f in recorded_frames("alert", "system_audio:default")]
    assert [{k: a[k] for k in as_recorded[0]} for a in alerts if a["label"] == "sensitive_content"] == as_recorded
    matched = [a for a in alerts if a["label"] == "card_read_aloud"]
    assert matched and matched[0]["start"] == as_recorded[0]["start"]  # the moment the card was read


def test_vn_connect_plays_a_recording(tmp_path):
    conn = vn.connect(offline=True, scenario=str(RECORDING), speed="max")
    assert conn.emulator.scenario.name == "standup" and conn.emulator.scenario.recorded


def test_frames_shaped_as_videodbs_docs_show_them(tmp_path):
    """The seed doc's example frames (all on one rtstream id, the alert without text or name),
    an alert without a channel (event_label, ISO timestamp), a feed record and a non-JSON frame."""
    t0 = 1710000000000
    lines = [
        {"channel": "capture_session", "event": "capture_session.active", "status": "active",
         "timestamp": "2024-03-09T16:00:00Z", "capture_session_id": "cap-1", "data": {}},
        {"received_at": t0, "source": "ws", "frame": json.dumps({"channel": "transcript", "rtstream_id": "rts-xxx",
         "rtstream_name": "mic:default", "data": {"text": "Let's schedule the meeting for Thursday",
                                                  "is_final": True, "start": t0 + 1234, "end": t0 + 2345}})},
        {"received_at": t0, "source": "ws", "frame": "not json at all"},
        {"received_at": t0, "source": "feed", "frame": {"channel": "feed", "event": "feed.gap"}},
        {"channel": "visual_index", "rtstream_id": "rts-scr", "rtstream_name": "display:1",
         "data": {"text": "User is viewing a Slack conversation with 3 unread messages",
                  "start": t0 + 12340, "end": t0 + 18900}},
        {"channel": "alert", "rtstream_id": "rts-xxx", "data": {"label": "sensitive_content", "triggered": True,
                                                                 "confidence": 0.92, "start": t0 + 45100, "end": t0 + 47800}},
        {"event_label": "door_open", "rtstream_id": "rts-cam", "rtstream_name": "Lobby cam",
         "timestamp": "2024-03-09T16:00:50Z", "data": {"text": "The lobby door opens"}},
    ]
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    world = Scenario.load(path)
    assert world.tracks["mic"]["transcript"] == [{"t": 1.234, "dur": 1.111, "text": "Let's schedule the meeting for Thursday"}]
    assert world.tracks["display"]["visual_index"][0]["t"] == 12.34 and world.visual_channel == "visual_index"
    assert [(a["track"], a["label"], a["t"], a["confidence"]) for a in world.alerts] == [
        ("mic", "sensitive_content", 45.1, 0.92), ("Lobby cam", "door_open", 50.0, 0.9)]
    assert world.duration_s == 51 and world.name == "docs"


def test_what_a_recording_cannot_be_says_so(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text('{"received_at": 1, "source": "feed", "frame": {"channel": "feed"}}\n')
    with pytest.raises(ValueError, match=r"holds no frames; record one with vn\.Feed\.open"):
        Scenario.load(empty)
    with pytest.raises(ValueError, match=r"or a recording \(\.jsonl\)"):
        Emulator(scenario=str(tmp_path / "missing.jsonl"))


def test_a_recorded_camera_plays_on_a_connected_rtstream_of_its_name():
    world = from_frames([
        {"channel": "scene_index", "rtstream_id": "rts-1", "rtstream_name": "parking", "data": {
            "text": "A van parks", "start": 1_768_912_501_000, "end": 1_768_912_505_000}},
        {"channel": "transcript", "rtstream_id": "rts-1", "rtstream_name": "parking", "data": {
            "text": "Beep", "start": 1_768_912_502_000, "end": 1_768_912_503_000}},
    ], name="cam")
    assert world["live_tracks"] == ["parking"] and world["tracks"]["parking"]["transcript"][0]["t"] == 1.0
