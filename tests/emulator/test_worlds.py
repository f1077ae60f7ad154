"""Worlds per session and per stream (worlds.py), and the shipped worlds' moments: apt prompts
fire on them through the real SDK, inapt ones stay silent."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import videodb
from videodb.exceptions import InvalidRequestError

from vdb_notebook.emulator import Emulator, matching
from vdb_notebook.emulator.scenario import Scenario

sys.path.insert(0, str(Path(__file__).parent))
from sdk_world import wait_for

#: a public surveillance monitor's event prompts (RTStreamMonitor's SCENARIO_EVENTS)
BURGLARY = ("Detect breaking and entering or forced entry.", "burglary_detected")
VEHICLE_LOITERING = ("Detect parked vehicle loitering.", "vehicle_loitering")
INAPT_FOR_CAMERAS = [("Detect sudden flash floods or water surges.", "flash_flood"),
                     ("Detect fire or heavy smoke.", "fire_detected"),
                     ("Detect physical violence or fighting.", "violence_detected"),
                     ("Detect crowd gathering or large groups.", "crowd_detected")]


@pytest.fixture
def conn(emu):
    return videodb.connect(api_key=emu.api_key, base_url=emu.base_url)


def fired(emu, alert_id):
    return emu.state()["alerts"][alert_id]["fired"]


def idle(emu):
    wait_for(emu.state, lambda s: not any(p["running"] for p in s["pipelines"].values()))


def watch(conn, rts, prompts):
    """A surveillance monitor's set-up: index the stream's visuals, one alert per prompt."""
    index = rts.index_visuals(prompt="Describe people, vehicles and doors",
                              batch_config={"type": "time", "value": 10, "frame_count": 6})
    return {label: index.create_alert(conn.create_event(event_prompt=prompt, label=label), callback_url="")
            for prompt, label in prompts}


def test_a_camera_plays_the_camera_world_while_a_session_plays_its_own(emu, conn, active_session):
    coll = conn.get_collection()
    entrance = coll.connect_rtstream(url="rtsp://127.0.0.1:8554/entrance", name="Front entrance")
    lot = coll.connect_rtstream(url="rtsp://127.0.0.1:8554/cam2", name="Parking lot")
    session, _ = active_session(conn, emu)
    assert (emu.world_of(entrance.id), emu.world_of(lot.id), emu.world_of(session.id)) == ("cctv", "cctv", "standup")
    alerts = watch(conn, entrance, [BURGLARY, VEHICLE_LOITERING, *INAPT_FOR_CAMERAS])
    lot_alerts = watch(conn, lot, [VEHICLE_LOITERING, BURGLARY])
    idle(emu)
    assert fired(emu, alerts["burglary_detected"]) >= 1  # the night intrusion at the side door
    assert [fired(emu, alerts[label]) for _, label in [VEHICLE_LOITERING, *INAPT_FOR_CAMERAS]] == [0] * 5
    assert (fired(emu, lot_alerts["vehicle_loitering"]), fired(emu, lot_alerts["burglary_detected"])) == (1, 0)
    scenes = [r["description"] for r in entrance.list_scene_indexes()[0].get_scenes()["scenes"]]
    assert any("crowbar" in text for text in scenes) and not any("Jira" in text for text in scenes)


def test_a_sessions_world_comes_from_the_emulator_its_metadata_or_its_end_user(emu, conn):
    by_metadata = conn.create_capture_session(end_user_id="u1", metadata={"emulator_world": "support_call"})
    emu.set_world("dev_screen", end_user_id="dev-7")
    by_user = conn.create_capture_session(end_user_id="dev-7")
    chosen = conn.create_capture_session(end_user_id="u1")
    assert emu.set_world("cctv", session_id=chosen.id).name == "cctv"
    plain = conn.create_capture_session(end_user_id="u2")
    assert [emu.world_of(s.id) for s in (by_metadata, by_user, chosen, plain)] == [
        "support_call", "dev_screen", "cctv", "standup"]
    emu.start_capture(chosen.id)
    with pytest.raises(Exception, match="choose its world while it is 'created'"):
        emu.set_world("standup", session_id=chosen.id)
    with pytest.raises(InvalidRequestError, match="emulator_world='/etc/passwd' is not a world here"):
        conn.create_capture_session(end_user_id="u3", metadata={"emulator_world": "/etc/passwd"})


def test_a_support_call_session_alerts_on_card_details_and_the_angry_escalation(emu, conn, active_session):
    emu.set_world("support_call", end_user_id="agent-7")
    session = conn.create_capture_session(end_user_id="agent-7")
    emu.start_capture(session.id)
    customer = conn.get_capture_session(session.id).get_rtstream("system_audio")[0]
    customer.start_transcript()
    index = customer.index_audio(prompt="Summarise", batch_config={"type": "time", "value": 30})
    card = index.create_alert(conn.create_event(event_prompt="Someone reads out a card number or a password",
                                                label="sensitive_content"), callback_url="")
    angry = index.create_alert(conn.create_event(event_prompt="An angry customer demands a supervisor",
                                                 label="escalation"), callback_url="")
    lunch = index.create_alert(conn.create_event(event_prompt="Someone mentions lunch", label="lunch"),
                               callback_url="")
    idle(emu)
    assert (fired(emu, card), fired(emu, lunch)) == (1, 0) and fired(emu, angry) >= 1
    said = " ".join(s["text"] for s in customer.get_transcript()["transcription_records"])
    assert "5500 0000 0000 0004" in said and "supervisor" in said


@pytest.mark.parametrize("world, track, prompt, at", [
    ("cctv", "entrance", "Detect breaking and entering or forced entry.", 230.0),
    ("cctv", "parking_lot", "Detect parked vehicle loitering.", 240.0),
    ("support_call", "system_audio", "Someone reads out a card number or a password", 52.0),
    ("support_call", "system_audio", "Detect an angry or frustrated customer", 96.0),
    ("support_call", "display", "Card details typed into a form", 46.0),
    ("dev_screen", "display", "A secret, API key or password is shown on screen", 130.0),
    ("dev_screen", "display", "A test fails", 68.0),
])
def test_apt_prompts_fire_on_their_moment(world, track, prompt, at):
    found = matching.matches(Scenario.load(world), track, prompt)
    assert at in [m.start for m in found] and max(found, key=lambda m: m.score).start == at


@pytest.mark.parametrize("world, track", [("cctv", "entrance"), ("cctv", "parking_lot"),
                                          ("support_call", "system_audio"), ("support_call", "mic"),
                                          ("dev_screen", "display"), ("dev_screen", "mic")])
@pytest.mark.parametrize("prompt", ["Someone mentions lunch", "Detect fire or heavy smoke.",
                                    "A decision is made about the release date", "Detect sudden flash floods"])
def test_inapt_prompts_stay_silent(world, track, prompt):
    assert matching.matches(Scenario.load(world), track, prompt) == []


def test_the_camera_world_never_speaks_and_names_its_cameras():
    cctv = Scenario.load("cctv")
    assert all("transcript" not in kinds for kinds in cctv.tracks.values())
    assert cctv.live_track("Parking lot", "rtsp://10.0.0.5/cam2", 0) == "parking_lot"
    assert [cctv.live_track("cam", f"rtsp://h/{n}", n) for n in range(3)] == ["entrance", "parking_lot", "entrance"]


def test_many_sessions_are_independent_and_their_ids_follow_the_seed():
    def fleet(seed):
        with Emulator(speed="max", seed=seed) as emu:
            conn = emu.connect()
            worlds = ["standup", "support_call", "dev_screen", "cctv"]
            sessions = []
            for n in range(24):
                emu.set_world(worlds[n % 4], end_user_id=f"user-{n}")
                session = conn.create_capture_session(end_user_id=f"user-{n}")
                emu.start_capture(session.id)
                sessions.append(session.id)
            return [(s, emu.world_of(s), [r.id for r in conn.get_capture_session(s).rtstreams]) for s in sessions]

    first = fleet(3)
    assert fleet(3) == first and fleet(4) != first
    assert len({rid for _, _, rids in first for rid in rids}) == 24 * 3
    assert [world for _, world, _ in first[:4]] == ["standup", "support_call", "dev_screen", "cctv"]
