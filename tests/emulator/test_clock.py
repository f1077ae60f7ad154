"""The emulator's two clocks (scenario.Clock) seen through the real SDK: "scenario" keeps every
time at the fixed epoch; "wall" anchors a session at the moment its capture starts, so
now-relative queries find its records. Ids and texts are the same under both; only times shift.
"""
from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from datetime import datetime

import pytest
import videodb

import vdb_notebook as vn
from vdb_notebook.emulator import Emulator, Scenario
from vdb_notebook.emulator.scenario import ORIGIN_MS, Clock, parse_clock
from vdb_notebook.schema import EPOCH

HOUR_S = 3600


def epoch_ms(iso: str) -> int:
    return round(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


async def record_one_session(emu):
    """A session through its whole life with a mic transcript; what the SDK saw, and when."""
    conn = vn.connect(emulator=emu)
    ws = conn.connect_websocket()
    await ws.connect()
    session = conn.create_capture_session(end_user_id="user_abc", ws_connection_id=ws.connection_id)
    capture_started_ms = time.time() * 1000
    emu.start_capture(session.id)
    mic = conn.get_capture_session(session.id).get_rtstream("mic")[0]
    mic.start_transcript(ws_connection_id=ws.connection_id)
    lines = len(emu.scenario.tracks["mic"]["transcript"])
    frames = []
    async for frame in ws.receive():
        frames.append(frame)
        if sum(1 for f in frames if f.get("channel") == "transcript" and f["data"]["is_final"]) == lines:
            break
    now_relative = mic.get_transcript(start=time.time() - HOUR_S, page_size=1000)["transcription_records"]
    everything = mic.get_transcript(page_size=1000)["transcription_records"]
    emu.stop_capture(session.id)
    async for frame in ws.receive():
        frames.append(frame)
        if frame.get("status") == "exported":
            break
    await ws.close()
    return {"frames": frames, "now_relative": now_relative, "segments": everything,
            "session": conn.get_capture_session(session.id), "mic": mic,
            "capture_started_ms": capture_started_ms}


def run_under(clock):
    with Emulator(scenario="standup", speed="max", seed=0, clock=clock) as emu:
        return asyncio.run(asyncio.wait_for(record_one_session(emu), 60))


@pytest.fixture(scope="module")
def both():
    return run_under("scenario"), run_under("wall")


def transcript(run):
    return [f["data"] for f in run["frames"] if f.get("channel") == "transcript"]


def lifecycle(run):
    return {f["status"]: epoch_ms(f["timestamp"]) for f in run["frames"] if f.get("channel") == "capture_session"}


def test_scenario_clock_keeps_the_fixed_epoch(both):
    fixed, _ = both
    first_final = next(d for d in transcript(fixed) if d["is_final"])
    assert first_final["start"] == ORIGIN_MS + 2000 and first_final["end"] == ORIGIN_MS + 6500
    base = round(EPOCH.timestamp() * 1000)
    times = lifecycle(fixed)
    assert times["created"] == base and times["starting"] == base + 2000 and times["active"] == base + 4000
    duration_ms = round(Scenario.load("standup").duration_s * 1000)
    assert times["stopping"] == times["active"] + duration_ms  # the scenario's length, whatever the wall says
    assert fixed["session"].status == "exported"
    assert fixed["now_relative"] == []  # the fixed epoch is long past: nothing in the last hour


def test_wall_clock_anchors_the_session_where_its_capture_started(both):
    _, wall = both
    started = wall["capture_started_ms"]
    times = lifecycle(wall)
    # starting is the moment start_capture ran (give or take the loopback round trip); so is
    # active: a timeline stamped ahead of the wall clock would put its recording in the future
    assert started - 1000 <= times["starting"] <= times["active"] <= time.time() * 1000
    assert times["active"] <= times["stopping"] <= time.time() * 1000
    first_final = next(d for d in transcript(wall) if d["is_final"])
    assert first_final["start"] == times["active"] + 2000  # cue t=2 s after active, as on the fixed clock
    # now-relative REST reads find the records; they carry the frames' times, in epoch seconds
    finals = [d for d in transcript(wall) if d["is_final"]]
    assert wall["now_relative"] == wall["segments"] and len(wall["segments"]) == len(finals) > 0
    assert [s["start"] for s in wall["segments"]] == [d["start"] / 1000 for d in finals]
    assert all(abs(s["start"] - time.time()) < HOUR_S for s in wall["segments"])
    assert epoch_ms(wall["mic"].created_at) == times["active"]


def test_ids_and_texts_are_the_same_only_times_shift(both):
    fixed, wall = both
    assert wall["session"].id == fixed["session"].id
    assert wall["mic"].id == fixed["mic"].id
    assert wall["session"].exported_video_id == fixed["session"].exported_video_id
    strip = lambda frames: [{k: v for k, v in d.items() if k not in ("start", "end")} for d in frames]
    assert strip(transcript(wall)) == strip(transcript(fixed))
    shifts = {w["start"] - f["start"] for w, f in zip(transcript(wall), transcript(fixed), strict=True)}
    shifts |= {w["end"] - f["end"] for w, f in zip(transcript(wall), transcript(fixed), strict=True)}
    assert len(shifts) == 1  # one constant shift: the distance between the epoch and the capture
    assert shifts.pop() == lifecycle(wall)["active"] - lifecycle(fixed)["active"]


def test_clock_option_reaches_connect_and_the_cli():
    conn = vn.connect(offline=True, speed="max", seed=41, clock="wall")
    assert conn.emulator.clock == "wall" and "clock='wall'" in repr(conn.emulator)
    assert vn.connect(offline=True, speed="max", seed=41).emulator.clock == "scenario"
    with pytest.raises(ValueError, match="clock must be one of \\['scenario', 'wall'\\], not 'sundial'"):
        vn.connect(offline=True, clock="sundial")
    with Emulator(speed="max") as emu, pytest.raises(ValueError, match=r"Emulator\(\.\.\., clock='wall'\)"):
        vn.connect(emulator=emu, clock="wall")
    refused = subprocess.run([sys.executable, "-m", "vdb_notebook.emulator", "--clock", "sundial"],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "invalid choice: 'sundial'" in refused.stderr


def test_cli_serves_the_wall_clock():
    proc = subprocess.Popen([sys.executable, "-m", "vdb_notebook.emulator", "--port", "0", "--speed", "max",
                             "--clock", "wall"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        base_url = lines[1].split("=", 1)[1].strip()
        conn = videodb.connect(api_key=lines[2].split("=", 1)[1].split()[0], base_url=base_url)
        before = time.time()
        session = conn.create_capture_session(end_user_id="user_abc")
        answer = conn.get(path=f"collection/default/capture/session/{session.id}")
        assert before * 1000 - 1000 <= epoch_ms(answer["created_at"]) <= time.time() * 1000
    finally:
        proc.terminate()
        proc.communicate(timeout=20)


def test_clock_unit():
    assert parse_clock("wall") == "wall" and Clock(1.0).epoch_for(123.0) == EPOCH
    assert Clock(1.0).step_after(EPOCH, 4.0, 300.0) == 300.0
    wall = Clock(1.0, "wall")
    anchored = wall.epoch_for(2.0)
    assert anchored.microsecond % 1000 == 0  # whole ms, as frames carry
    assert wall.step_after(anchored, 4.0, 300.0) == 0.0  # stopped before active: never backwards


@pytest.mark.parametrize("clock", ["scenario", "wall"])
def test_a_connected_rtstream_starts_its_timeline_when_it_connects(clock):
    with Emulator(speed="max", clock=clock) as emu:
        coll = emu.connect().get_collection()
        before_ms = time.time() * 1000
        live = coll.connect_rtstream(url="rtsp://127.0.0.1:8554/cam", name="cam", store=True)
        went_live = epoch_ms(live.created_at)
    if clock == "scenario":
        assert went_live == ORIGIN_MS
    else:
        assert before_ms - 1000 <= went_live <= time.time() * 1000
