"""A fleet (fleet.py): N sessions through the real SDK, each in its own world, on its own
rtstreams, its lifecycle webhooks to its own receiver; the same seed, the same fleet."""
from __future__ import annotations

from collections import Counter

import pytest

import vdb_notebook as vn
from vdb_notebook.emulator import Emulator
from vdb_notebook.emulator.fleet import WATCH, plan
from vdb_notebook.emulator.scenario import Scenario

LIFECYCLE = ["capture_session.created", "capture_session.starting", "capture_session.active"]


def world_texts(world: str) -> set[str]:
    """Every text a world's cues hold, on any track and pipeline kind."""
    return {cue["text"] for kinds in Scenario.load(world).tracks.values()
            for cues in kinds.values() for cue in cues}


async def test_each_session_plays_its_world_on_its_own_rtstreams_and_webhooks_its_receiver():
    with Emulator(speed="max", seed=0) as emu:
        conn = vn.connect(emulator=emu)
        feed = await vn.Feed.open(conn)
        receivers = [vn.WebhookReceiver.start_sync(vn.EventStore()) for _ in range(2)]
        try:
            fleet = emu.start_fleet(8, ws_connection_id=feed.connection_id,
                                    callback_urls=[rx.url for rx in receivers])
            await feed.wait_for(until=emu.scenario_over(feed), timeout=60)
            emu.wait_webhooks()
            delivered = [d for d in emu.deliveries if d["ok"]]
            for rx in receivers:
                rx.wait_for_sync(processed=sum(d["url"] == rx.url for d in delivered), timeout=30)
        finally:
            await feed.close()
            for rx in receivers:
                rx.close_sync()

    assert {s.world for s in fleet.sessions} == set(WATCH)
    rtstreams = [rid for s in fleet.sessions for rid in s.rtstream_ids]
    assert len(rtstreams) == len(set(rtstreams)) == 8 * 3
    stream_events = feed.store.df.dropna(subset=["rtstream_id"])
    for rid, events in stream_events.groupby("rtstream_id"):
        owner = fleet.session_of(rid)
        assert set(events["capture_session_id"]) == {owner.session_id}
        said = events[events["channel"] != "alert"]
        texts = world_texts(owner.world)  # an interim transcript line is the start of a final one
        assert all(any(t.startswith(text) for t in texts) for text in said["text"])
        assert set(events["label"].dropna()) <= set(WATCH[owner.world])
    for session in fleet.sessions:
        mine = stream_events[stream_events["capture_session_id"] == session.session_id]
        assert len(mine) > 0 and (mine["channel"] == "alert").any()
        assert ("transcript" in set(mine["channel"])) == (session.world != "cctv")

    for n, rx in enumerate(receivers):
        assigned = {s.session_id for s in fleet.sessions[n::2]}
        lifecycle = rx.store.lifecycle()
        assert set(lifecycle["capture_session_id"]) == assigned
        for sid in assigned:
            assert lifecycle[lifecycle["capture_session_id"] == sid]["event"].tolist() == LIFECYCLE
        alerts = rx.store.alerts(full=True)
        assert len(alerts) > 0 and {fleet.session_of(rid).session_id for rid in alerts["rtstream_id"]} <= assigned


def test_the_same_seed_gives_the_same_fleet_and_another_seed_another():
    def fleet(seed: int) -> list[tuple]:
        with Emulator(speed="max", seed=seed) as emu:
            started = emu.start_fleet(6)
            started.stop()
            assert set(started.statuses().values()) <= {"stopped", "exported"}
            return [(s.end_user_id, s.world, s.session_id, s.rtstream_ids, s.alert_ids) for s in started.sessions]

    first = fleet(3)
    assert fleet(3) == first
    other = fleet(4)
    assert [row[2] for row in other] != [row[2] for row in first]
    assert [row[1] for row in other] != [row[1] for row in first]


def test_bad_options_say_what_to_pass_and_start_nothing():
    with Emulator(speed="max") as emu:
        with pytest.raises(ValueError, match="at least one session"):
            emu.start_fleet(0)
        with pytest.raises(ValueError, match="unknown scenario 'moon_base'"):
            emu.start_fleet(3, worlds=["standup", "moon_base"])
        assert emu.state()["sessions"] == []
    assert [s.world for s in plan(4, worlds=["cctv"])] == ["cctv"] * 4


def test_a_plan_mixes_the_worlds_evenly_and_cycles_the_callback_urls():
    sessions = plan(10, seed=7, callback_urls=["http://a/", "http://b/", "http://c/"])
    counts = sorted(Counter(s.world for s in sessions).values())
    assert counts == [2, 2, 3, 3] and len({s.end_user_id for s in sessions}) == 10
    assert [s.callback_url[-2] for s in sessions[:4]] == ["a", "b", "c", "a"]
