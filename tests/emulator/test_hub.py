"""Frames over the real WebSocket, read with the SDK's own WebSocketConnection.receive().

Lifecycle frames, transcript (interim then final), index and alert frames, routing to the
right connection, nothing without a pipeline, determinism by seed, speed, and the drop fault.
"""
from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

import pytest
import websockets

import vdb_notebook as vn
from vdb_notebook.emulator import Emulator
from vdb_notebook.emulator.matching import matches
from vdb_notebook.emulator.scenario import ORIGIN_MS, Scenario


async def open_ws(conn):
    ws = conn.connect_websocket()
    await ws.connect()
    return ws


async def collect(ws, n, timeout=10.0):
    """The next `n` frames from ws.receive(); `timeout` is a hang guard, not a timing test."""
    frames = []

    async def run():
        async for frame in ws.receive():
            frames.append(frame)
            if len(frames) >= n:
                return

    await asyncio.wait_for(run(), timeout)
    return frames


async def quiet_for(ws, seconds=0.3):
    """True if nothing arrives on `ws` for `seconds`."""
    try:
        await asyncio.wait_for(collect(ws, n=1), seconds)
    except TimeoutError:
        return True
    return False


def session_with_ws(emu, conn, ws, start=True):
    session = conn.create_capture_session(end_user_id="user_abc", ws_connection_id=ws.connection_id)
    if start:
        emu.start_capture(session.id)
    return conn.get_capture_session(session.id)


@dataclass
class Live:
    """A connection, an open WebSocket, and an active capture session whose frames go to it."""

    emu: Emulator
    conn: Any
    ws: Any
    cap: Any

    def rtstream(self, channel: str) -> Any:
        return self.cap.get_rtstream(channel)[0]

    def transcribe(self, channel: str) -> Any:
        """Start the transcript of `channel` to this WebSocket; the rtstream."""
        rts = self.rtstream(channel)
        rts.start_transcript(ws_connection_id=self.ws.connection_id)
        return rts

    def cue_count(self, track: str, kind: str = "transcript") -> int:
        return len(self.emu.scenario.tracks[track][kind])


@contextlib.asynccontextmanager
async def live_session(emu):
    """A `Live` with the session's created, starting and active frames already read."""
    conn = vn.connect(emulator=emu)
    ws = await open_ws(conn)
    try:
        cap = session_with_ws(emu, conn, ws)
        started = await collect(ws, n=3)
        assert [f["event"] for f in started] == [f"capture_session.{s}" for s in ("created", "starting", "active")]
        yield Live(emu, conn, ws, cap)
    finally:
        await ws.close()


@pytest.fixture
async def live(emu):
    async with live_session(emu) as session:
        yield session


async def test_first_frame_gives_the_connection_id(emu):
    conn = vn.connect(emulator=emu)
    ws = await open_ws(conn)
    assert ws.connection_id.startswith("ws-")
    other = await open_ws(conn)
    assert other.connection_id != ws.connection_id
    await ws.close()
    await other.close()


async def test_websocket_url_token_is_checked(emu):
    url = vn.connect(emulator=emu).connect_websocket().url
    with pytest.raises(websockets.exceptions.InvalidStatus) as info:
        await websockets.connect(url.split("?")[0] + "?token=wst-forged")
    assert info.value.response.status_code == 401


async def test_lifecycle_frames_arrive_in_order_with_rtstreams_and_export(emu):
    conn = vn.connect(emulator=emu)
    ws = await open_ws(conn)
    session = session_with_ws(emu, conn, ws)
    emu.stop_capture(session.id)
    frames = await collect(ws, n=6)
    assert [f["channel"] for f in frames] == ["capture_session"] * 6
    assert [f["event"] for f in frames] == [f"capture_session.{s}" for s in
                                            ("created", "starting", "active", "stopping", "stopped", "exported")]
    active = frames[2]
    assert [r["name"] for r in active["data"]["rtstreams"]] == ["mic:default", "system_audio:default", "display:1"]
    assert active["data"]["rtstreams"][0]["media_types"] == ["audio"]
    assert frames[5]["data"]["exported_video_id"] == conn.get_capture_session(session.id).exported_video_id
    assert [f["timestamp"] for f in frames[:3]] == ["2026-01-20T12:34:56Z", "2026-01-20T12:34:58Z",
                                                    "2026-01-20T12:35:00Z"]
    await ws.close()


async def test_failed_frame_carries_the_error(emu):
    conn = vn.connect(emulator=emu)
    ws = await open_ws(conn)
    session = session_with_ws(emu, conn, ws, start=False)
    emu.fail_capture(session.id, "microphone unplugged")
    frames = await collect(ws, n=2)
    assert frames[1]["event"] == "capture_session.failed"
    assert frames[1]["data"]["error"]["message"] == "microphone unplugged"
    await ws.close()


async def test_nothing_flows_for_a_pipeline_nobody_started(live):
    assert await quiet_for(live.ws)
    assert live.emu.state()["pipelines"] == {}


async def test_transcript_is_interim_then_final_on_the_scenario_clock(live):
    mic = live.transcribe("mic")
    lines = live.emu.scenario.tracks["mic"]["transcript"]
    frames = await collect(live.ws, n=2 * len(lines))
    assert {f["channel"] for f in frames} == {"transcript"}
    assert {(f["rtstream_id"], f["rtstream_name"]) for f in frames} == {(mic.id, "mic:default")}
    assert [f["data"]["is_final"] for f in frames] == [False, True] * len(lines)
    first_interim, first_final = frames[0]["data"], frames[1]["data"]
    assert first_final["text"] == lines[0]["text"] and "speaker" not in first_final  # no name, no prefix
    assert first_final["text"].startswith(first_interim["text"]) and first_interim["text"] != first_final["text"]
    assert first_final["start"] == ORIGIN_MS + 2000 and first_final["end"] == ORIGIN_MS + 6500
    finals = [f["data"] for f in frames if f["data"]["is_final"]]
    assert [f["start"] for f in finals] == sorted(f["start"] for f in finals)
    # the REST read returns exactly what was emitted, in epoch seconds
    records = mic.get_transcript(page_size=1000)["transcription_records"]
    assert records == [{"start": f["start"] / 1000, "end": f["end"] / 1000, "text": f["text"]} for f in finals]


async def test_remote_speakers_come_on_system_audio_and_the_decision_is_said(live):
    live.transcribe("system_audio")
    live.transcribe("mic")
    frames = await collect(live.ws, n=2 * (live.cue_count("mic") + live.cue_count("system_audio")))
    finals = [f for f in frames if f["data"]["is_final"]]
    # who spoke is the stream: the local user on the mic, the others on system audio
    assert {f["rtstream_name"] for f in finals} == {"mic:default", "system_audio:default"}
    by_stream = {name: " ".join(f["data"]["text"] for f in finals if f["rtstream_name"] == name)
                 for name in ("mic:default", "system_audio:default")}
    assert "Sofia, stop there" in by_stream["mic:default"] and "4111" not in by_stream["mic:default"]
    assert any("we'll ship on Thursday" in f["data"]["text"] for f in finals)
    assert any("4111 1111 1111 1111" in f["data"]["text"] for f in finals)


async def test_index_frames_and_alert_with_label_confidence_and_times(live):
    ws_id = live.ws.connection_id
    system = live.rtstream("system_audio")
    audio = system.index_audio(prompt="Extract key decisions", ws_connection_id=ws_id)
    event = live.conn.create_event(event_prompt="Someone reads out a card number or a password",
                                   label="sensitive_content")
    alert_id = audio.create_alert(event, callback_url="", ws_connection_id=ws_id)
    visual = live.rtstream("screen").index_visuals(prompt="Describe what user is doing", ws_connection_id=ws_id)
    expected = live.cue_count("system_audio", "audio_index") + 1 + live.cue_count("display", "visual_index")
    frames = await collect(live.ws, n=expected)
    by_channel: dict[str, list] = {}
    for f in frames:
        by_channel.setdefault(f["channel"], []).append(f)
    assert sorted(by_channel) == ["alert", "audio_index", "scene_index"]
    assert all(f["rtstream_name"] == "display:1" for f in by_channel["scene_index"])
    assert "Jira board" in " ".join(f["data"]["text"] for f in by_channel["scene_index"])
    (alert,) = by_channel["alert"]
    assert alert["rtstream_id"] == system.id
    data = alert["data"]
    (match,) = matches(Scenario.load("standup"), "system_audio", "Someone reads out a card number or a password")
    assert (data["label"], data["triggered"], data["confidence"]) == ("sensitive_content", True, match.confidence)
    assert data["start"] == ORIGIN_MS + 95_000 and data["end"] == ORIGIN_MS + 102_000
    assert data["alert_id"] == alert_id
    assert await quiet_for(live.ws)
    assert visual.get_scenes()["scenes"] == [
        {"start": f["data"]["start"] / 1000, "end": f["data"]["end"] / 1000, "description": f["data"]["text"]}
        for f in by_channel["scene_index"]]


async def test_seed_doc_calls_without_ws_id_go_to_the_session_connection(live):
    """start_transcript() with no ws_connection_id: frames go to the session's ws_connection_id."""
    live.rtstream("mic").start_transcript()
    frames = await collect(live.ws, n=2)
    assert [f["channel"] for f in frames] == ["transcript", "transcript"]


async def test_without_any_ws_nothing_is_sent_but_rest_reads_still_fill(emu):
    conn = vn.connect(emulator=emu)
    ws = await open_ws(conn)  # connected, but the session does not name it
    session = conn.create_capture_session(end_user_id="user_abc")
    emu.start_capture(session.id)
    mic = conn.get_capture_session(session.id).get_rtstream("mic")[0]
    mic.start_transcript()
    assert await quiet_for(ws)
    lines = len(emu.scenario.tracks["mic"]["transcript"])
    for _ in range(500):
        if mic.get_transcript()["total_count"] == lines:
            break
        await asyncio.sleep(0.01)
    assert mic.get_transcript()["total_count"] == lines
    await ws.close()


async def test_stop_then_start_transcript_resumes_without_repeating(live):
    live.emu.set_speed(1)  # slow enough to stop it part-way
    mic = live.transcribe("mic")
    mic.stop_transcript()
    live.emu.set_speed("max")
    live.transcribe("mic")
    lines = live.cue_count("mic")
    frames = await collect(live.ws, n=2 * lines)
    texts = [f["data"]["text"] for f in frames if f["data"]["is_final"]]
    assert len(texts) == len(set(texts)) == lines
    assert await quiet_for(live.ws)


async def record_run(seed):
    with Emulator(speed="max", seed=seed) as emu:
        conn = vn.connect(emulator=emu)
        ws = await open_ws(conn)
        cap = session_with_ws(emu, conn, ws)
        for rts in cap.rtstreams:
            if rts.channel_id == "screen":
                rts.index_visuals(prompt="Describe", ws_connection_id=ws.connection_id)
            else:
                rts.start_transcript(ws_connection_id=ws.connection_id)
        tracks = emu.scenario.tracks
        n = 3 + len(tracks["display"]["visual_index"]) + 2 * sum(len(tracks[t]["transcript"]) for t in ("mic", "system_audio"))
        frames = await collect(ws, n=n)
        await ws.close()
        return ws.connection_id, frames


async def test_same_seed_gives_identical_frames_and_another_seed_other_ids():
    first_id, first = await record_run(seed=7)
    second_id, second = await record_run(seed=7)
    other_id, other = await record_run(seed=8)
    key = lambda f: (f.get("rtstream_id") or "", f.get("data", {}).get("start", 0), str(f))
    assert first_id == second_id and sorted(first, key=key) == sorted(second, key=key)
    assert other_id != first_id
    assert {f.get("capture_session_id") for f in other} != {f.get("capture_session_id") for f in first}
    texts = lambda frames: sorted(f["data"].get("text", "") for f in frames if "rtstream_id" in f)
    assert texts(other) == texts(first)  # same scenario, same words; only the ids differ


async def test_a_slow_speed_holds_frames_back_and_max_releases_them(live):
    live.emu.set_speed(0.01)  # the first line ends 6.5 scenario seconds in: ten minutes of wall time
    live.transcribe("mic")
    assert await quiet_for(live.ws)
    live.emu.set_speed("max")
    frames = await collect(live.ws, n=2)
    assert [f["data"]["is_final"] for f in frames] == [False, True]


async def test_drop_fault_ends_the_sdk_stream_after_n_frames_once(emu):
    emu.set_faults(drop_ws_after=5)
    conn = vn.connect(emulator=emu)
    ws = await open_ws(conn)
    cap = session_with_ws(emu, conn, ws)
    cap.get_rtstream("mic")[0].start_transcript(ws_connection_id=ws.connection_id)
    frames = []
    with pytest.raises(websockets.exceptions.ConnectionClosedError):
        async for frame in ws.receive():
            frames.append(frame)
    assert len(frames) == 5
    assert emu.faults.drop_ws_after is None  # fired once
    again = await open_ws(conn)
    assert again.connection_id != ws.connection_id
    await again.close()


async def test_slow_consumer_loses_nothing_burst():
    with Emulator(scenario="burst", speed="max") as emu:
        async with live_session(emu) as live:
            live.transcribe("mic")
            seen = []
            async for frame in live.ws.receive():
                seen.append(frame["data"]["text"])
                if len(seen) % 500 == 0:
                    await asyncio.sleep(0.05)  # a consumer that stalls now and then
                if len(seen) == 4000:
                    break
    finals = [t for i, t in enumerate(seen) if i % 2 == 1]
    expected = [f"Block {n}: {line}" for n in range(500) for line in
                ("checking in on the build.", "tests are green.", "merging now.", "next item.")]
    assert finals == expected


async def test_start_transcript_again_retargets_a_running_transcript(live):
    """What a feed does after a reconnect: the same pipeline, from where it is, to the new id."""
    emu, first = live.emu, live.ws
    emu.set_speed(0.001)  # hold the pipeline before its first line
    mic = live.transcribe("mic")
    second = await open_ws(live.conn)
    assert mic.start_transcript(ws_connection_id=second.connection_id)["status"] == "running"
    emu.set_speed("max")
    lines = live.cue_count("mic")
    frames = await collect(second, n=2 * lines)
    assert [f["data"]["is_final"] for f in frames] == [False, True] * lines
    assert await quiet_for(first, 0.2)
    assert emu.state()["frames_by_connection"][second.connection_id] == 2 * lines
    await second.close()


async def test_drop_after_zero_cuts_before_the_first_event_frame(emu):
    emu.set_faults(drop_ws_after=0)
    conn = vn.connect(emulator=emu)
    ws = await open_ws(conn)  # the connection_id hello still arrives
    conn.create_capture_session(end_user_id="user_abc", ws_connection_id=ws.connection_id)
    with pytest.raises(websockets.exceptions.ConnectionClosedError):
        async for _ in ws.receive():
            pass


async def test_garbage_fault_sends_one_non_json_frame_the_sdk_yields_as_raw(emu):
    from vdb_notebook.emulator.faults import GARBAGE_FRAME
    emu.set_faults(garbage_ws_after=2)
    conn = vn.connect(emulator=emu)
    ws = await open_ws(conn)
    session_with_ws(emu, conn, ws)
    frames = await collect(ws, n=4)
    assert frames[2] == {"raw": GARBAGE_FRAME}
    assert [f.get("event") for f in frames] == ["capture_session.created", "capture_session.starting",
                                                None, "capture_session.active"]
    assert emu.faults.garbage_ws_after is None
    await ws.close()
