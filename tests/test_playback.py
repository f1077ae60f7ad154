"""vn.replay (vdb_notebook/playback.py): a recording back through the same normalise-and-store
path, live == replayed."""
from __future__ import annotations

import asyncio
import json
import re
from types import SimpleNamespace

import pytest

import vdb_notebook as vn
from vdb_notebook import playback
from vdb_notebook._backoff import Backoff
from vdb_notebook.emulator import Emulator
from vdb_notebook.feed import Feed
from vdb_notebook.feed.journal import FrameJournal
from vdb_notebook.pipelines import start_pipelines
from vdb_notebook.playback import replay, replay_async
from vdb_notebook.store import EventStore

TRANSCRIPT = {"channel": "transcript", "rtstream_id": "rts-1", "rtstream_name": "mic:default",
              "data": {"text": "hello", "is_final": True, "start": 1769000000000, "end": 1769000001000}}


def frame(i: int) -> dict:
    return {**TRANSCRIPT, "data": {**TRANSCRIPT["data"], "text": f"line {i}",
                                   "start": 1769000000000 + i, "end": 1769000001000 + i}}


@pytest.fixture
def recording(tmp_path):
    """A journal of 5 frames recorded 100 ms apart, plus a frame that is not JSON."""
    path = tmp_path / "rec.jsonl"
    with FrameJournal(path) as journal:
        for i in range(5):
            journal.write(json.dumps(frame(i)), 1_769_000_000_000.0 + 100 * i)
        journal.write("not json", 1_769_000_000_500.0)
    return path


async def test_replay_equals_live(tmp_path):
    """A live run with everything a feed meets (pipelines, a drop, a bad frame) -> same store."""
    path = tmp_path / "live.jsonl"
    with Emulator(scenario="standup", speed="max", seed=0) as emu:
        conn = vn.connect(emulator=emu)
        feed = await Feed.open(conn, record_to=path, backoff=Backoff(base=0.02, cap=0.1))
        session = conn.create_capture_session(end_user_id="user_abc", ws_connection_id=feed.connection_id)
        emu.set_faults(garbage_ws_after=20, drop_ws_after=60)
        emu.start_capture(session.id)
        handle = start_pipelines(conn, session.id, feed, alerts={"decision": "A decision"})
        await feed.wait_for(until=lambda s: s.counts().get("feed", 0) == 3, timeout=20)  # disconnected, gap, reconnected
        over = emu.scenario_over(feed)  # the re-attached pipelines, too, have played out
        await feed.wait_for(until=lambda s: handle.ws_connection_id == feed.connection_id
                            and over(s), timeout=20)
        handle.stop()
        await feed.close()
    live = feed.store
    assert live.counts()["transcript"] > 0 and len(live.rejected) == 1 and len(feed.gaps) == 1

    same = replay(path, source=None, progress=False)  # keep the recorded sources
    assert same.df.equals(live.df)
    assert [(r.reason, r.raw) for r in same.rejected] == [(r.reason, r.raw) for r in live.rejected]

    replayed = vn.replay(path, progress=False)  # the default marks the events as replayed
    assert set(replayed.df.source) == {"replay"}
    assert replayed.df.drop(columns="source").equals(live.df.drop(columns="source"))


class VirtualClock:
    """Stands in for playback's `time` module: monotonic time moves only when something sleeps,
    so pacing is checked exactly instead of against the wall clock of a busy machine."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_replay_as_fast_as_possible_keeps_the_recorded_arrival_times(recording):
    store = replay(recording, progress=False)
    assert len(store) == 5 and len(store.rejected) == 1
    assert store.rejected[0].reason.startswith("not JSON")
    assert list(store.df.text) == [f"line {i}" for i in range(5)]
    received = store.df.received_at.astype("int64")  # timestamp[ms]: exact epoch ms
    assert list(received) == [1_769_000_000_000 + 100 * i for i in range(5)]


def test_paced_replay_keeps_the_recorded_gaps_scaled_by_speed(recording, monkeypatch):
    clock = VirtualClock()
    monkeypatch.setattr(playback, "time", clock)
    assert len(replay(recording, progress=False)) == 5 and clock.sleeps == []  # speed=None
    store = replay(recording, speed=4.0, progress=False)
    assert clock.sleeps == pytest.approx([0.025] * 5)  # recorded 100 ms apart, 4x as fast
    assert len(store) == 5 and len(store.rejected) == 1


async def test_replay_async_paces_without_blocking_the_loop(recording, monkeypatch):
    clock, order = VirtualClock(), []

    async def virtual_sleep(seconds):
        clock.sleep(seconds)
        await asyncio.sleep(0)  # yields to the loop, as a real sleep does
    monkeypatch.setattr(playback, "time", clock)
    monkeypatch.setattr(playback, "asyncio", SimpleNamespace(sleep=virtual_sleep))

    async def ticker():
        while True:
            order.append("t")
            await asyncio.sleep(0)
    task = asyncio.create_task(ticker())
    store = EventStore()
    store.subscribe(lambda event: order.append("f"))
    await replay_async(recording, store, speed=2.0, progress=False)
    task.cancel()
    assert [s for s in clock.sleeps if s] == pytest.approx([0.05] * 5)  # 100 ms at 2x
    assert len(store) == 5 and re.fullmatch(r"(t+f){5}t*", "".join(order))  # the loop ran
    # between every two frames


def test_a_line_cut_short_by_a_crash_is_rejected_not_lost(recording):
    with open(recording, "a") as f:
        f.write('{"received_at": 1769000000900.0, "source": "ws", "frame": "{\\"chan')
    store = replay(recording, progress=False)
    assert len(store) == 5 and len(store.rejected) == 2
    assert store.rejected[-1].raw.startswith('{"received_at": 1769000000900.0')


def test_frames_from_memory_into_a_given_store():
    store = EventStore()
    store.add(frame(0))
    frames = [frame(1), json.dumps(frame(2)), {"received_at": 1_769_000_000_000.0, "source": "ws",
                                              "frame": json.dumps(frame(3))}]
    assert replay(frames, store, progress=False) is store
    assert list(store.df.text) == ["line 0", "line 1", "line 2", "line 3"]
    assert list(store.df.source) == ["ws", "replay", "replay", "replay"]


def test_progress_bar_only_where_it_belongs(recording, capsys):
    replay(recording, progress=False)
    replay(recording)  # not a notebook, stderr not a terminal: no bar
    assert capsys.readouterr().err == ""
    replay(recording, progress=True)
    err = capsys.readouterr().err
    assert "replay" in err and "6/6" in err


def test_bad_arguments_say_what_to_pass(tmp_path):
    with pytest.raises(FileNotFoundError, match="no recording at"):
        replay(tmp_path / "missing.jsonl")
    with pytest.raises(TypeError, match="a path to a JSONL recording or an iterable of frames"):
        replay(42)
    with pytest.raises(TypeError, match="iterable of frames"):
        replay(TRANSCRIPT)  # one frame, not a list of them
    with pytest.raises(ValueError, match="speed must be a positive number"):
        replay([], speed=0)


def test_recording_again_after_a_crash_keeps_the_new_lines_whole(recording):
    with open(recording, "a") as f:
        f.write('{"received_at": 1769000000900.0, "sou')  # the crash
    with FrameJournal(recording) as journal:  # the next feed appends to the same file
        journal.write(json.dumps(frame(9)), 1_769_000_001_000.0)
    store = replay(recording, progress=False)
    assert list(store.df.text)[-1] == "line 9" and len(store.rejected) == 2


@pytest.mark.parametrize("speed", [None, 1.0])
def test_an_enormous_recorded_time_is_a_rejection_not_an_overflow(speed):
    records = [{"received_at": 10 ** 400, "source": "ws", "frame": json.dumps(frame(0))},
               {"received_at": 1e308, "source": "ws", "frame": json.dumps(frame(1))},
               {"received_at": 1_769_000_000_000, "source": "ws", "frame": json.dumps(frame(2))}]
    store = replay(records, speed=speed, progress=False)
    assert list(store.df.text) == ["line 2"]
    assert [r.reason.split("=")[0] for r in store.rejected] == ["received_at_ms"] * 2
