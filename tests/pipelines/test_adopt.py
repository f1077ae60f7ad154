"""start_pipelines across processes and restarts: what runs on the service is adopted and
re-bound to the caller's connection, never started twice (pipelines/adopt.py)."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Callable

import videodb
from videodb import CaptureSession
from videodb.rtstream import RTStream

import vdb_notebook as vn
from vdb_notebook.emulator import Emulator
from vdb_notebook.feed import Feed
from vdb_notebook.pipelines import adopt, start_pipelines
from vdb_notebook.store import EventStore

ALERTS: dict[str, str | dict[str, str]] = {"decision": "A decision is made and an owner is named",
          "sensitive_content": {"prompt": "Card numbers are shown", "on": "video"}}

#: the `active_session` fixture (tests/conftest.py):
#: active_session(conn, emu, ws_connection_id=None) -> (session, its rtstreams by name)
ActiveSession = Callable[..., tuple[CaptureSession, dict[str, RTStream]]]

#: A kernel that opens its feed, starts the pipelines, says where they send, and is then
#: killed with -9 (its connection dies with it).
FIRST_KERNEL = textwrap.dedent("""
    import asyncio, sys, threading, videodb
    from vdb_notebook.feed import Feed
    from vdb_notebook.pipelines import start_pipelines
    ALERTS: dict[str, str | dict[str, str]] = {"decision": "A decision is made and an owner is named",
              "sensitive_content": {"prompt": "Card numbers are shown", "on": "video"}}

    async def main():
        conn = videodb.connect(api_key=sys.argv[1], base_url=sys.argv[2])
        feed = await Feed.open(conn)
        handle = start_pipelines(conn, sys.argv[3], feed, alerts=ALERTS)
        print(feed.connection_id, len(handle.running), flush=True)
        await asyncio.to_thread(threading.Event().wait)

    asyncio.run(main())
""")


def running_on_the_service(emu: Emulator) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]], set[str]]:
    """Running indexes per (rtstream, prompt), enabled alerts per (rtstream, label), and the
    connections they send to, as the emulator knows them."""
    state = emu.state()
    conn = emu.connect()
    indexes: Counter[tuple[str, str]] = Counter()
    targets: set[str] = set()
    for index_id, index in state["indexes"].items():
        if index["status"] != "stopped":
            listed = conn.get(f"rtstream/{index['rtstream_id']}/index/{index_id}")
            indexes[(index["rtstream_id"], listed["prompt"])] += 1
            targets.add(index["ws_connection_id"])
    alerts = Counter((state["indexes"][a["index_id"]]["rtstream_id"], a["label"])
                     for a in state["alerts"].values() if a["status"] == "enabled")
    targets |= {a["ws_connection_id"] for a in state["alerts"].values() if a["status"] == "enabled"}
    return indexes, alerts, targets


def test_index_names_carry_the_pipeline_and_connection() -> None:
    assert adopt.started_here(adopt.index_name("visual_index", "ws-9")) == ("visual_index", "ws-9")
    assert adopt.started_here("vdb_notebook audio_index") == ("audio_index", "")  # named before
    assert adopt.started_here(None) is None and adopt.started_here("vdb_notebookish x") is None


async def test_a_second_process_adopts_rebinds_and_starts_nothing_twice(active_session: ActiveSession) -> None:
    # speed 1: the scenario is still playing when the second process takes over
    with Emulator(speed=1) as emu:
        conn = vn.connect(emulator=emu)
        session, _ = active_session(conn, emu)
        first = subprocess.Popen([sys.executable, "-c", FIRST_KERNEL, emu.api_key, emu.base_url, session.id],
                                 stdout=subprocess.PIPE, text=True)
        assert first.stdout is not None
        try:
            dead_connection, started = first.stdout.readline().split()
        finally:
            first.kill()  # the kernel dies; its WebSocket with it
            first.wait(30)
        before = running_on_the_service(emu)
        assert before[2] == {dead_connection} and int(started) == 9

        # a fresh process (this one: its registry knows nothing of the first) opens its feed
        feed = await Feed.open(conn)
        handle = start_pipelines(conn, session, feed, alerts=ALERTS)
        indexes, alerts, targets = running_on_the_service(emu)
        assert indexes == before[0] and alerts == before[1]  # one of each, as before
        assert targets == {feed.connection_id}  # re-bound: nothing sends to the dead kernel
        assert {p.ws_connection_id for p in handle.running} == {feed.connection_id}
        assert len(handle.running) == 9

        # a third caller on the same connection (another receiver of the same webhook) adopts as is
        plain = videodb.connect(api_key=emu.api_key, base_url=emu.base_url)
        again = start_pipelines(plain, session.id, feed.connection_id, alerts=ALERTS)
        assert running_on_the_service(emu) == (indexes, alerts, targets)
        assert {p.index_id for p in again.running} == {p.index_id for p in handle.running}

        emu.set_speed("max")  # play the rest: it reaches the new connection
        await feed.wait_for(until=emu.scenario_over(feed), timeout=120)
        assert isinstance(feed.store, EventStore)
        channels = set(feed.store.df.channel)
        assert {"transcript", "audio_index", "visual_index", "alert"} <= channels, channels
        handle.stop()
        await feed.close()


def test_duplicates_left_by_an_older_release_are_stopped_on_adoption(active_session: ActiveSession) -> None:
    """Indexes started twice for one pipeline (by a release without adoption): one is kept."""
    with Emulator(speed="max") as emu:
        conn = emu.connect()
        session, _ = active_session(vn.connect(emulator=emu), emu)
        mic = conn.get_capture_session(session.id).get_rtstream("mic")[0]
        for _ in range(2):
            mic.index_audio(prompt="Summarise", ws_connection_id="ws-old", name="vdb_notebook audio_index")
        handle = start_pipelines(conn, session.id, "ws-new", transcript=False, audio_prompt="Summarise",
                                 visual_prompt=False)
        running = [i for i in mic.list_scene_indexes() if i.status != "stopped"]
        assert len(running) == 1 and adopt.bound_to(running[0]) == "ws-new"
        assert [p.index_id for p in handle.running if p.rtstream_id == mic.id] == [running[0].rtstream_index_id]
