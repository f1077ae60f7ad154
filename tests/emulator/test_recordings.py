"""Exports and exported videos: a stopped session exports asynchronously, as VideoDB's does
(session.export() answers 'exporting' until the export is done, then 'exported' with the video),
the capture_session.exported frame and webhook carry the video's URLs, rtstreams export once
stopped, and an exported video plays windows of its screen and has a transcript."""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import videodb
from videodb.exceptions import InvalidRequestError

from vdb_notebook.emulator.engine import Engine
from vdb_notebook.emulator.faults import Faults
from vdb_notebook.emulator.scenario import Clock, Scenario
from vdb_notebook.offline import mock_videodb
from vdb_notebook.schema import EPOCH, media

sys.path.insert(0, str(Path(__file__).parent))
from sdk_world import wait_for


@pytest.fixture
def conn(emu):
    return videodb.connect(api_key=emu.api_key, base_url=emu.base_url)


async def test_export_is_asynchronous_and_its_frame_carries_the_video(emu, conn):
    ws = await conn.connect_websocket().connect()
    session = conn.create_capture_session(end_user_id="user_abc", ws_connection_id=ws.connection_id)
    emu.start_capture(session.id)
    emu.set_speed(0.001)  # the export (2 scenario seconds) now takes half an hour: it waits
    assert emu.stop_capture(session.id)["status"] == "stopped"
    cap = conn.get_capture_session(session.id)
    assert (cap.status, cap.export_status, cap.exported_video_id) == ("stopped", "exporting", None)
    assert cap.export() == {"session_id": session.id, "video_channel_id": "display:1", "export_status": "exporting"}
    emu.set_speed("max")  # the export finishes at once
    frames = []
    async for frame in ws.receive():
        frames.append(frame)
        if frame.get("event") == "capture_session.exported":
            break
    await ws.close()
    assert [f["status"] for f in frames] == ["created", "starting", "active", "stopping", "stopped", "exported"]
    done = conn.get_capture_session(session.id)
    export = done.export()
    data = frames[-1]["data"]
    assert export["export_status"] == "exported" and export["video_id"] == done.exported_video_id == data["exported_video_id"]
    assert (export["stream_url"], export["player_url"]) == (data["stream_url"], data["player_url"])
    screen = done.get_rtstream("screen")[0]
    t0 = EPOCH.timestamp() + 4  # the session went active 4 s after the scenario epoch
    assert media.parse_stream_url(data["stream_url"]) == (screen.id, t0, t0 + emu.scenario.duration_s)
    assert media.stream_of_player_url(data["player_url"]) == data["stream_url"]


def test_export_asks_for_a_stopped_session_and_a_video_channel(emu, conn):
    session = conn.create_capture_session(end_user_id="user_abc")
    with pytest.raises(InvalidRequestError, match="it can be exported once stopped"):
        conn.get_capture_session(session.id).export()
    emu.start_capture(session.id)
    emu.stop_capture(session.id)
    with pytest.raises(InvalidRequestError, match=r"'mic:default' is not a video channel.*use 'display:1'"):
        conn.get_capture_session(session.id).export(video_channel_id="mic:default")


def test_rtstream_export_needs_a_stopped_stored_stream(conn):
    coll = conn.get_collection()
    live = coll.connect_rtstream(url="rtsp://127.0.0.1:8554/cam", name="cam", store=True)
    with pytest.raises(InvalidRequestError, match="stop it first"):
        live.export()
    unstored = coll.connect_rtstream(url="rtsp://127.0.0.1:8554/cam2", name="cam2")
    unstored.stop()
    with pytest.raises(InvalidRequestError, match="store=False, so nothing was recorded"):
        unstored.export()
    radio = coll.connect_rtstream(url="rtmp://127.0.0.1/radio", name="radio", media_types=["audio"], store=True)
    radio.stop()
    audio = radio.export()
    assert audio.video_id.startswith("a-") and (audio.stream_url, audio.player_url) == (None, None)
    with pytest.raises(InvalidRequestError, match=r"video 'a-.*' not found"):
        coll.get_video(audio.video_id)


def test_exported_video_plays_windows_and_says_what_was_said(emu, conn):
    session = conn.create_capture_session(end_user_id="user_abc")
    emu.start_capture(session.id)
    emu.stop_capture(session.id)
    video_id = emu.state()["sessions"][0]["exported_video_id"]
    video = conn.get_collection().get_video(video_id)
    assert video.length == emu.scenario.duration_s and video.name == f"Capture {session.id}"
    assert "/media/timeline/" in video.generate_stream(timeline=[(0, 5), (10, 15)])  # windows in order
    with pytest.raises(InvalidRequestError, match="must lie within the video"):
        video.generate_stream(timeline=[(280, 300)])
    video.generate_transcript()
    said = " ".join(s["text"] for s in video.get_transcript(segmenter="sentence"))
    assert "Sofia, stop there" in said and "4111 1111 1111 1111" in said  # the mic and system audio
    windows = video.get_transcript(segmenter="time", length=60)
    assert [w["start"] for w in windows] == [0.0, 60.0, 120.0, 180.0, 240.0]
    assert video.get_transcript(start=100, end=110, segmenter="sentence")[0]["start"] <= 110


async def test_nothing_fails_a_pipeline_silently(emu, conn):
    """Every pipeline of a full session plays to its end (a crash in one would stop it early)."""
    session = conn.create_capture_session(end_user_id="user_abc")
    emu.start_capture(session.id)
    cap = conn.get_capture_session(session.id)
    screen = cap.get_rtstream("screen")[0]
    und = screen.understand(segmentation={"type": "time", "window": "10s"},
                            analyzers=[{"type": "vlm", "name": "scene", "config": {"prompt": "Describe"}}])
    screen.index(source=und.outputs["scene"])
    for rts in cap.rtstreams:
        if rts.channel_id != "screen":
            rts.start_transcript()
    for _ in range(500):
        pipelines = emu.state()["pipelines"]
        if not any(p["running"] for p in pipelines.values()):
            break
        await asyncio.sleep(0.01)
    frames = {key.split(":")[0]: p["frames"] for key, p in pipelines.items()}
    assert frames["understanding"] == len(emu.scenario.tracks["display"]["visual_index"])
    assert len(und.get_records(start=0, end=2e9)["records"]) == frames["understanding"]


async def test_an_export_holds_what_was_captured_in_scenario_time():
    """A capture stopped 3 scenario seconds after it started exports 3 s (at speed 2: 1.5 wall
    seconds), its window ending there; a connected rtstream records until it stops."""
    wall = [1000.0]
    engine = Engine(Scenario.load("standup"), speed=2, seed=0, faults=Faults())
    engine.clock = Clock(2.0, monotonic=lambda: wall[0])
    try:
        session = engine.create_session("default", {"end_user_id": "u"})
        engine.start_capture(session.id)
        wall[0] += 1.5
        engine.stop_capture(session.id)
        video = engine.state.export_session(session)
        screen = engine.state.screen_of(session)
        assert video.length == 3.0 and (video.start_s, video.end_s) == screen.window
        assert screen.window[1] < EPOCH.timestamp() + 10  # never past what was captured
        camera = engine.state.connect_rtstream({"url": "rtsp://h/cam", "store": True},
                                               origin_s=screen.origin_s, live_mark=engine.clock.position())
        wall[0] += 5.0
        engine.set_rtstream_status(camera, "stopped")
        assert engine.state.library.export_rtstream(camera, None)["duration"] == 10.0
    finally:
        await engine.shutdown()


class FakeTime:
    """One injected time for both of the Clock's sources: monotonic and wall (epoch seconds)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("speed, wall_s, length", [(1.0, 0.5, 0.5), (60.0, 1.0, 60.0), (60.0, 10.0, 285.0)])
async def test_on_the_wall_clock_an_export_lasts_the_scenario_time_played(speed, wall_s, length):
    """Wall seconds x speed, at most the world's length (standup: 285 s); the window starts when
    the capture started (active is stamped then, not 2 s later) and, at speed 1, ends now."""
    now = FakeTime()
    engine = Engine(Scenario.load("standup"), speed=speed, seed=0, faults=Faults(), clock="wall")
    engine.clock = Clock(speed, "wall", monotonic=now, wall=now)
    try:
        session = engine.create_session("default", {"end_user_id": "u"})
        started = now.now
        engine.start_capture(session.id)
        now.now += wall_s
        engine.stop_capture(session.id)
        video = engine.state.export_session(session)
        assert (video.start_s, video.length) == (started, length)
        if speed == 1.0:
            assert video.end_s == now.now  # stopped within 2 s: still nothing in the future
    finally:
        await engine.shutdown()


@pytest.mark.parametrize("speed", ["max", 60])
def test_search_over_an_export_on_the_wall_clock_finds_what_was_said(speed):
    """The real SDK under vn.mock_videodb's default (wall) clock at a speed above 1: the export
    holds the scenario time that played, so the words the transcript heard are searchable."""
    with mock_videodb(speed=speed) as emu:
        conn = videodb.connect()
        session = conn.create_capture_session(end_user_id="u")
        emu.start_capture(session.id)
        mic = conn.get_capture_session(session.id).get_rtstream("mic")[0]
        mic.start_transcript()
        wait_for(lambda: any("rollback plan" in r["text"] for r in
                             mic.get_transcript(page_size=100)["transcription_records"]), timeout=60)
        emu.stop_capture(session.id)
        done = wait_for(lambda: conn.get_capture_session(session.id),
                        lambda s: s.status == "exported", timeout=60)
        video = conn.get_collection().get_video(done.exported_video_id)
        video.index_spoken_words()
        assert "rollback plan" in video.search("rollback plan").get_shots()[0].text.lower()
