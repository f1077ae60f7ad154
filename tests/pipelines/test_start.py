"""vn.start_pipelines against the real emulator through the real SDK: what starts where, once."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from videodb import CaptureSession, Connection
from videodb.rtstream import RTStream

import vdb_notebook as vn
from vdb_notebook._backoff import Backoff
from vdb_notebook.emulator import Emulator
from vdb_notebook.feed import Feed
from vdb_notebook.pipelines import start as pipelines
from vdb_notebook.pipelines.start import (
    DEFAULT_AUDIO_PROMPT,
    DEFAULT_VISUAL_PROMPT,
    Pipelines,
    PipelinesStartError,
    start_pipelines,
)
from vdb_notebook.store import EventStore

ALERTS: dict[str, str | dict[str, str]] = {"decision": "A decision is made and an owner is named",
          "sensitive_content": {"prompt": "Card numbers are shown", "on": "video"}}

#: the `active_session` fixture (tests/conftest.py):
#: active_session(conn, emu, ws_connection_id=None) -> (session, its rtstreams by name)
ActiveSession = Callable[..., tuple[CaptureSession, dict[str, RTStream]]]


def indexes(conn: Connection, rtstream_id: str) -> list[dict[str, Any]]:
    """The rtstream's scene indexes, with where each sends its frames (the emulator's state
    knows that; VideoDB's answers carry no ws_connection_id)."""
    sends_to = conn.emulator.state()["indexes"]
    return [{**i, "ws_connection_id": sends_to[i["rtstream_index_id"]]["ws_connection_id"]}
            for i in conn.get(f"rtstream/{rtstream_id}/index/scene")["scene_indexes"]]


def alerts(conn: Connection, rtstream_id: str, index_id: str) -> list[dict[str, Any]]:
    sends_to = conn.emulator.state()["alerts"]
    return [{**a, "ws_connection_id": sends_to[a["alert_id"]]["ws_connection_id"]}
            for a in conn.get(f"rtstream/{rtstream_id}/index/{index_id}/alert")["alerts"]]


def table(handle: Pipelines) -> list[tuple[str, str, str]]:
    return [(p.rtstream_name, p.name, p.status) for p in handle.pipelines]


def test_starts_each_pipeline_on_the_right_stream_with_the_connection_id(emu: Emulator, active_session: ActiveSession) -> None:
    conn = vn.connect(emulator=emu)
    session = active_session(conn, emu)[0]
    handle = vn.start_pipelines(conn, session, "ws-given", alerts=ALERTS, callback_url="http://127.0.0.1:9/hook")
    assert table(handle) == [
        ("mic:default", "transcript", "running"), ("mic:default", "audio_index", "running"),
        ("mic:default", "alert:decision", "running"),
        ("system_audio:default", "transcript", "running"),
        ("system_audio:default", "audio_index", "running"),
        ("system_audio:default", "alert:decision", "no match offline"),  # nobody on it decides
        ("display:1", "visual_index", "running"),
        ("display:1", "alert:decision", "no match offline"),             # nor does the screen
        ("display:1", "alert:sensitive_content", "running")]
    assert "9 running (2 alerts with no match offline)" in repr(handle)
    by_name = {r.name: r for r in session.rtstreams}
    mic, screen = by_name["mic:default"].id, by_name["display:1"].id
    (audio,), (visual,) = indexes(conn, mic), indexes(conn, screen)
    assert audio["extraction_type"] == "transcript" and audio["prompt"] == DEFAULT_AUDIO_PROMPT
    assert visual["extraction_type"] == "time" and visual["prompt"] == DEFAULT_VISUAL_PROMPT
    assert audio["ws_connection_id"] == visual["ws_connection_id"] == "ws-given"
    screen_alerts = alerts(conn, screen, visual["rtstream_index_id"])
    assert sorted(a["label"] for a in screen_alerts) == ["decision", "sensitive_content"]
    assert {a["ws_connection_id"] for a in screen_alerts} == {"ws-given"}
    assert {a["callback_url"] for a in screen_alerts} == {"http://127.0.0.1:9/hook"}
    running = emu.state()["pipelines"]
    assert f"transcript:{mic}" in running and f"transcript:{screen}" not in running
    handle.stop()


def test_an_alert_that_matches_nothing_offline_says_so(emu: Emulator, active_session: ActiveSession) -> None:
    conn = vn.connect(emulator=emu)
    session, streams = active_session(conn, emu)
    handle = vn.start_pipelines(conn, session, "ws-1", transcript=False, alerts={
        "lunch": "Someone mentions lunch", "card": "Someone reads out a payment card number"})
    status = {(p.rtstream_name, p.name): p.status for p in handle.pipelines if p.kind == "alert"}
    assert {s for (_, name), s in status.items() if name == "alert:lunch"} == {"no match offline"}
    assert status[("system_audio:default", "alert:card")] == "running"
    assert "no match offline" in handle._repr_html_()
    assert emu.alert_matches(streams["system_audio:default"].id, "Someone mentions lunch") == []
    (moment,) = emu.alert_matches(streams["system_audio:default"].id, "Someone reads out a payment card number")
    assert moment["end"] - moment["start"] == 7000 and 0.5 < moment["confidence"] < 1
    handle.stop()


def test_calling_twice_starts_nothing_twice(emu: Emulator, active_session: ActiveSession) -> None:
    conn = vn.connect(emulator=emu)
    session = active_session(conn, emu)[0]
    first = start_pipelines(conn, session.id, "ws-1", alerts={"decision": "A decision"})
    second = start_pipelines(conn, session, "ws-1", alerts={"decision": "A decision"})
    assert second.pipelines == first.pipelines and all(a is b for a, b in zip(first.pipelines, second.pipelines, strict=True))
    assert repr(second) == repr(first)
    for rts in session.rtstreams:
        assert len(indexes(conn, rts.id)) == 1
        assert len(alerts(conn, rts.id, indexes(conn, rts.id)[0]["rtstream_index_id"])) == 1
    assert len(conn.list_events()) == 1  # one event per (label, prompt), reused on every index
    # asking for more on the same session adds only what is new
    third = start_pipelines(conn, session, "ws-1", transcript=False, audio_prompt=False,
                            alerts={"decision": "A decision", "late": "Someone is late"})
    assert table(third) == [("display:1", "visual_index", "running"),
                            ("display:1", "alert:decision", "running"),
                            ("display:1", "alert:late", "no match offline")]  # alerts go on this call's indexes
    assert len(pipelines.registered(conn)) == len(first.pipelines) + 1
    first.stop()
    third.stop()


def test_calling_again_with_another_connection_moves_the_running_pipelines_there(emu: Emulator, active_session: ActiveSession) -> None:
    conn = vn.connect(emulator=emu)
    session = active_session(conn, emu)[0]
    first = start_pipelines(conn, session, "ws-1", alerts={"decision": "A decision"})
    moved = start_pipelines(conn, session, "ws-2", alerts={"decision": "A decision"})
    assert moved.pipelines == first.pipelines and {p.ws_connection_id for p in moved.pipelines} == {"ws-2"}
    for rts in session.rtstreams:
        found = indexes(conn, rts.id)
        assert [(i["status"], i["ws_connection_id"]) for i in found] == [("stopped", "ws-1"), ("running", "ws-2")]
        assert [(a["status"], a["ws_connection_id"]) for i in found
                for a in alerts(conn, rts.id, i["rtstream_index_id"])] == [("disabled", "ws-1"), ("enabled", "ws-2")]
    assert len(pipelines.registered(conn)) == len(first.pipelines)
    moved.stop()


def test_stop_stops_everything_and_frees_the_registry(emu: Emulator, active_session: ActiveSession) -> None:
    conn = vn.connect(emulator=emu)
    session = active_session(conn, emu)[0]
    handle = start_pipelines(conn, session, "ws-1", alerts={"decision": "A decision"})
    assert handle.stop() is handle
    assert {p.status for p in handle.pipelines} == {"stopped"}
    assert not any(p["running"] for p in emu.state()["pipelines"].values())
    for rts in session.rtstreams:
        (index,) = indexes(conn, rts.id)
        assert index["status"] == "stopped"
        assert [a["status"] for a in alerts(conn, rts.id, index["rtstream_index_id"])] == ["disabled"]
    assert pipelines.registered(conn) == []
    assert repr(handle).splitlines()[0].endswith(": 0 running, 8 stopped")
    again = start_pipelines(conn, session, "ws-1")  # stopped pipelines can be started anew
    assert {p.status for p in again.pipelines} == {"running"}
    assert all(len(indexes(conn, r.id)) == 2 for r in session.rtstreams)
    again.stop()


def test_accepts_an_active_payload_or_its_store_event(emu: Emulator, active_session: ActiveSession) -> None:
    from vdb_notebook.schema import payloads
    conn = vn.connect(emulator=emu)
    session = active_session(conn, emu)[0]
    raw = conn.get(f"collection/default/capture/session/{session.id}")["rtstreams"]
    payload = payloads.build("active", capture_session_id=session.id, rtstreams=[
        {"rtstream_id": r["rtstream_id"], "name": r["name"], "media_types": r["media_types"]} for r in raw])
    handle = start_pipelines(conn, payload, "ws-1", audio_prompt=False, transcript=False)
    assert table(handle) == [("display:1", "visual_index", "running")]
    event = vn.EventStore().add({"channel": "capture_session", **payload})  # as the feed stores it
    assert start_pipelines(conn, event, "ws-1", audio_prompt=False, transcript=False).pipelines \
        == handle.pipelines
    handle.stop()


def test_repr_is_deterministic_and_html_is_a_table(active_session: ActiveSession) -> None:
    reprs = []
    for _ in range(2):  # two emulators, same seed: same ids, so nbval sees the same text
        with Emulator(scenario="standup", speed="max", seed=3) as emulator:
            conn = vn.connect(emulator=emulator)
            handle = start_pipelines(conn, active_session(conn, emulator)[0], "ws-1", alerts={"decision": "A decision"})
            reprs.append(repr(handle))
            html = handle._repr_html_()
            handle.stop()
    assert reprs[0] == reprs[1]
    first, header, *rows = reprs[0].splitlines()
    assert first.startswith("Pipelines for cap-") and first.endswith("on ws ws-1: 8 running (1 alert with no match offline)")
    assert header.split() == ["rtstream", "pipeline", "detail", "status"] and len(rows) == 8
    assert "<table>" in html and html.count("<tr>") == 9 and "alert:decision" in html
    ids = [p.rtstream_id for p in handle.pipelines]  # never wrapped mid-string, read from the left
    assert all(f"<td style='text-align:left;white-space:nowrap'>{i}</td>" in html for i in ids)
    assert "<th style='text-align:left'>rtstream_id</th>" in html


def test_bad_input_says_what_to_pass(emu: Emulator, active_session: ActiveSession) -> None:
    conn = vn.connect(emulator=emu)
    created = conn.create_capture_session(end_user_id="user_abc")
    with pytest.raises(ValueError, match=r"no rtstreams yet .*'created'"):
        start_pipelines(conn, created, "ws-1")
    session = active_session(conn, emu)[0]
    with pytest.raises(TypeError, match=r"pass a vn\.Feed .* or its connection_id"):
        start_pipelines(conn, session, None)
    with pytest.raises(ValueError, match="no capture_session_id"):
        start_pipelines(conn, {"data": {}}, "ws-1")
    with pytest.raises(TypeError, match="CaptureSession, a session id"):
        start_pipelines(conn, 42, "ws-1")
    with pytest.raises(ValueError, match="alerts maps a label to an event prompt"):
        start_pipelines(conn, session, "ws-1", alerts={"decision": 3})  # type: ignore[dict-item]  # the wrong type is the test
    with pytest.raises(ValueError, match="must be one of"):
        start_pipelines(conn, session, "ws-1", alerts={"d": {"prompt": "p", "on": "screen"}})
    with pytest.raises(Exception, match="not found"):
        start_pipelines(conn, "cap-nope", "ws-1")
    with pytest.raises(ValueError, match="'feed' is not the id of an open WebSocket connection"):
        start_pipelines(conn, session.id, "feed")  # the variable's name in quotes
    assert not any(p["running"] for p in emu.state()["pipelines"].values())
    assert pipelines.registered(conn) == []  # nothing half-started


async def test_a_handle_made_with_a_feed_follows_its_reconnects(active_session: ActiveSession) -> None:
    with Emulator(scenario="standup", speed=60, seed=0) as emu:
        conn = vn.connect(emulator=emu)
        feed = await Feed.open(conn, backoff=Backoff(base=0.02, cap=0.1))
        session = active_session(conn, emu, feed.connection_id)[0]
        old = feed.connection_id
        emu.set_faults(drop_ws_after=40)  # after some index and alert events have arrived
        handle = start_pipelines(conn, session, feed, alerts={"decision": "A decision"})
        await feed.wait_for(until=lambda s: s.counts().get("feed", 0) >= 2, timeout=20)
        await _until(lambda: handle.ws_connection_id == feed.connection_id != old)
        new = feed.connection_id
        assert handle.reattach_errors == [] and {p.ws_connection_id for p in handle.running} == {new}
        mic = next(r.id for r in session.rtstreams if r.name == "mic:default")
        current = [i for i in indexes(conn, mic) if i["status"] == "running"]
        assert [i["ws_connection_id"] for i in current] == [new]
        assert [a["ws_connection_id"] for a in alerts(conn, mic, current[0]["rtstream_index_id"])
                if a["status"] == "enabled"] == [new]
        # transcript and index events keep coming on the new connection, none repeated
        reconnected_at = len(feed.store)

        def after_reconnect(store: EventStore, *channels: str) -> pd.DataFrame:
            return store.df[(store.df.seq >= reconnected_at) & store.df.channel.isin(channels)]
        await feed.wait_for(until=lambda s: len(after_reconnect(s, "transcript")) >= 3
                            and len(after_reconnect(s, "visual_index", "audio_index")) >= 2, timeout=20)
        store = feed.store
        assert isinstance(store, EventStore)
        before = store.df[store.df.seq < reconnected_at]
        assert before.channel.isin(["visual_index", "audio_index"]).sum() >= 2
        events = store.df[store.df.channel != "feed"]
        assert not events.key.duplicated().any()
        handle.stop()
        await feed.close()
        assert repr(handle).startswith(f"Pipelines for {session.id} on ws {new}: 0 running")


async def _until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


def test_a_refused_start_names_the_pipeline_and_keeps_the_rest(emu: Emulator, active_session: ActiveSession) -> None:
    conn = vn.connect(emulator=emu)
    session = active_session(conn, emu)[0]
    emu.stop_capture(session.id)  # the rtstreams are no longer connected
    with pytest.raises(PipelinesStartError, match=r"transcript on mic:default \(rts-.*connected rtstream") as err:
        start_pipelines(conn, session, "ws-1")
    assert err.value.handle.pipelines == [] and pipelines.registered(conn) == []


async def test_a_closed_feed_is_refused_and_nothing_starts(emu: Emulator, active_session: ActiveSession) -> None:
    conn = vn.connect(emulator=emu)
    feed = await Feed.open(conn)
    session = active_session(conn, emu, feed.connection_id)[0]
    await feed.close()
    with pytest.raises(ValueError, match="the feed is closed: no event could ever reach it"):
        vn.start_pipelines(conn, session, feed)
    assert not emu.state()["pipelines"]


def test_a_prompt_of_true_runs_the_default_prompt(emu: Emulator, active_session: ActiveSession) -> None:
    conn = vn.connect(emulator=emu)
    session = active_session(conn, emu)[0]
    vn.start_pipelines(conn, session, "ws-given", audio_prompt=True, visual_prompt=True)
    by_name = {r.name: r for r in session.rtstreams}
    (audio,), (visual,) = indexes(conn, by_name["mic:default"].id), indexes(conn, by_name["display:1"].id)
    assert (audio["prompt"], visual["prompt"]) == (DEFAULT_AUDIO_PROMPT, DEFAULT_VISUAL_PROMPT)
