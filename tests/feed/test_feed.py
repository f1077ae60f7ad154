"""vn.Feed against the real emulator through the real SDK WebSocket: no mocks of either."""
from __future__ import annotations

import asyncio
import json
import random
import threading
import time

import pytest

import vdb_notebook as vn
from vdb_notebook._backoff import Backoff
from vdb_notebook.feed import Feed
from vdb_notebook.feed.journal import FrameJournal, read_records
from vdb_notebook.feed.reconnect import redial
from vdb_notebook.store import EventStore

# --- backoff (pure) ---------------------------------------------------------------------------

def test_backoff_delays_are_jittered_below_a_capped_exponential_bound():
    b = Backoff(base=0.1, cap=1.0, rng=random.Random(1))
    delays = [b.next_delay() for _ in range(12)]
    bounds = [min(1.0, 0.1 * 2 ** i) for i in range(12)]
    assert all(0 <= d <= bound for d, bound in zip(delays, bounds, strict=True))
    assert max(delays[6:]) <= 1.0 and max(delays[6:]) > 0.1  # grew, then capped
    assert len(set(delays)) == len(delays)  # jittered, not a fixed schedule
    assert b.attempts == 12
    b.reset()
    assert b.attempts == 0 and b.next_delay() <= 0.1


def test_backoff_exhausts_after_max_attempts_and_rejects_nonsense():
    b = Backoff(max_attempts=2)
    assert not b.exhausted
    b.next_delay(), b.next_delay()
    assert b.exhausted
    with pytest.raises(ValueError, match="base <= cap"):
        Backoff(base=2.0, cap=1.0)


# --- redial (pure) ---------------------------------------------------------------------------

class FakeSocket:
    closed = False

    async def close(self):
        self.closed = True


async def test_redial_retries_until_a_dial_works_and_keeps_the_last_error():
    failures = iter([OSError("refused token=abc"), TimeoutError("slow")])

    async def dial():
        error = next(failures, None)
        if error is not None:
            raise error
        return FakeSocket()
    result = await redial(dial, Backoff(base=0.001, cap=0.002), asyncio.Event(),
                          describe=lambda text: text.replace("abc", "<redacted>"))
    assert isinstance(result.ws, FakeSocket) and result.attempts == 3
    assert result.last_error == "TimeoutError: slow"


async def test_waiting_on_a_feed_never_opened_times_out_instead_of_failing_inside_asyncio():
    class NeverDialled:
        def connect_websocket(self, collection_id: str = "default") -> None:
            raise AssertionError("a feed that is not opened does not dial")

    feed = Feed(NeverDialled())  # built, never opened: it has no loop of its own yet
    with pytest.raises(TimeoutError, match="wanted 1 events; the store holds 0"):
        await feed.wait_for(n=1, timeout=0)


async def test_redial_gives_up_or_stops_and_closes_what_it_dialled_after_the_stop():
    async def refused():
        raise OSError("refused token=abc")
    result = await redial(refused, Backoff(base=0.001, cap=0.002, max_attempts=2),
                          asyncio.Event(), describe=lambda text: text.replace("abc", "***"))
    assert (result.ws, result.attempts, result.last_error) == (None, 2, "OSError: refused token=***")

    stop, dialled = asyncio.Event(), []

    async def dial_then_stop():
        dialled.append(FakeSocket())
        stop.set()  # close() is called while this dial is in flight
        return dialled[-1]
    result = await redial(dial_then_stop, Backoff(base=0.001, cap=0.002), stop, str)
    assert result.ws is None and result.attempts == 1 and dialled[0].closed

    # already closing: not a single attempt
    assert (await redial(dial_then_stop, Backoff(), stop, str)).attempts == 0 and len(dialled) == 1


# --- journal (pure) --------------------------------------------------------------------------

def test_journal_writes_in_batches_and_keeps_the_exact_frame_text(tmp_path):
    path = tmp_path / "j.jsonl"
    j = FrameJournal(path, batch_size=3, flush_after=60)
    frames = ['{"channel": "transcript",\n "x": 1}', "not json \u00e9", '{"a":1}']
    j.write(frames[0], 1.5)
    j.write(frames[1], 2.5)
    assert path.read_text() == "" and j.pending == 2  # still buffered
    j.write(frames[2], 3.5)
    assert j.pending == 0 and j.written == 3
    assert len(path.read_text().splitlines()) == 3  # one line per frame, newlines escaped
    j.write({"channel": "feed", "event": "feed.gap"}, 4.5, "feed")
    j.close()
    records = list(read_records(path))
    assert [r.frame for r in records] == [*frames, {"channel": "feed", "event": "feed.gap"}]
    assert [r.received_at for r in records] == [1.5, 2.5, 3.5, 4.5]
    assert [r.source for r in records] == ["ws", "ws", "ws", "feed"]


def test_journal_flushes_a_quiet_stream_after_flush_after(tmp_path):
    path = tmp_path / "j.jsonl"
    j = FrameJournal(path, batch_size=1000, flush_after=0.0)
    j.write('{"a": 1}', 1.0)
    assert json.loads(path.read_text())["frame"] == '{"a": 1}'
    j.close()


# --- against the emulator -----------------------------------------------------------------------

@pytest.fixture
def burst():
    from vdb_notebook.emulator import Emulator
    with Emulator(scenario="burst", speed="max", seed=0) as emulator:
        yield emulator


def sent_to(emu, connection_id):
    return emu.state()["connections"].get(connection_id, 0)


def idle(emu):
    return not any(p["running"] for p in emu.state()["pipelines"].values())


async def all_sent(emu, feed, timeout=10.0):
    """Wait until the emulator's pipelines are done and the feed has read all they sent it;
    returns how many that is."""
    await feed.wait_for(until=emu.scenario_over(feed), timeout=timeout)
    assert idle(emu) and feed.frames >= sent_to(emu, feed.connection_id) > 0
    return sent_to(emu, feed.connection_id)


async def test_open_fills_the_store_with_every_frame_sent(emu, active_session):
    conn = vn.connect(emulator=emu)
    feed = await Feed.open(conn)
    assert feed.connection_id in emu.state()["connections"]
    _session, streams = active_session(conn, emu, feed.connection_id)
    streams["mic:default"].start_transcript(ws_connection_id=feed.connection_id)
    await feed.wait_for(until=lambda s: len(s.transcript()) >= 5, timeout=10)
    await all_sent(emu, feed)
    store = feed.store
    assert feed.frames == sent_to(emu, feed.connection_id) == len(store) and feed.rejected == 0
    assert list(store.lifecycle()["event"])[-1] == "capture_session.active"
    assert set(store.df[store.df.channel == "transcript"].rtstream_name) == {"mic:default"}
    assert repr(feed) == (f"Feed(connection_id={feed.connection_id!r}, state='open', "
                          f"events={len(store)}, rejected=0, gaps=0)")
    assert emu.api_key not in repr(feed)
    await feed.close()
    assert feed.state == "closed"
    await feed.close()  # idempotent


async def test_drop_reconnects_records_the_gap_and_announces_the_new_id(emu, active_session):
    conn = vn.connect(emulator=emu)
    feed = await Feed.open(conn, backoff=Backoff(base=0.05, cap=0.2))
    stored = []
    feed.store.subscribe(stored.append)
    seen = []
    feed.on_reconnect(lambda f: seen.append(f.connection_id))
    async_seen = []

    async def async_callback(f):
        async_seen.append(f.connection_id)
    feed.on_reconnect(async_callback)
    unsubscribed = feed.on_reconnect(lambda f: seen.append("never"))
    unsubscribed()
    old = feed.connection_id
    emu.set_faults(drop_ws_after=3)  # the emulator aborts the socket, as a network drop does
    _session, streams = active_session(conn, emu, old)
    streams["mic:default"].start_transcript(ws_connection_id=old)
    await feed.wait_for(until=lambda s: s.counts().get("feed", 0) >= 3, timeout=10)
    await _until(lambda: async_seen)  # the async callback runs as a task of its own
    new = feed.connection_id
    assert new != old and feed.connection_ids == [old, new] and feed.reconnects == 1
    assert seen == [new] and async_seen == [new] and feed.callback_errors == []
    gap, = feed.gaps
    assert gap.old_connection_id == old and gap.new_connection_id == new and gap.end > gap.start
    records = feed.store.df[feed.store.df.channel == "feed"]
    assert list(records.event) == ["feed.disconnected", "feed.gap", "feed.reconnected"]
    assert "reconnecting" in records.iloc[0].text  # said the moment the connection dropped
    gap_row = records.iloc[1]
    assert gap_row.source == "feed" and gap_row.end > gap_row.start
    assert "dropped without a close frame" in gap_row.text and "lost" in gap_row.text
    gap_event = next(e for e in stored if e.event == "feed.gap")
    assert gap_event.raw["data"]["new_connection_id"] == new
    assert gap_event.raw["data"]["duration_ms"] == gap_event.end - gap_event.start
    # frames keep coming on the new connection once a pipeline is pointed at it
    before = len(feed.store)
    streams["system_audio:default"].start_transcript(ws_connection_id=new)
    await feed.wait_for(n=before + 5, timeout=10)
    assert feed.state == "open" and "gaps=1, reconnects=1" in repr(feed)
    await feed.close()


async def test_scenario_over_counts_only_the_current_connection_after_a_reconnect(emu, active_session):
    conn = vn.connect(emulator=emu)
    feed = await Feed.open(conn, backoff=Backoff(base=0.05, cap=0.2))
    old = feed.connection_id
    emu.set_faults(drop_ws_after=3)
    _session, streams = active_session(conn, emu, old)
    await feed.wait_for(until=lambda s: s.counts().get("feed", 0) >= 2, timeout=10)
    over = emu.scenario_over(feed)
    assert feed.frames_before_connect == feed.frames == 3  # read on the dropped connection
    assert over(feed.store)  # nothing plays and nothing was sent to the new connection yet
    streams["system_audio:default"].start_transcript(ws_connection_id=feed.connection_id)
    await feed.wait_for(until=over, timeout=10)
    sent_here = sent_to(emu, feed.connection_id)
    assert sent_here > 0 and feed.frames - feed.frames_before_connect == sent_here
    await feed.close()


async def test_a_bad_frame_is_rejected_counted_and_the_stream_goes_on(emu, active_session):
    from vdb_notebook.emulator.faults import GARBAGE_FRAME
    conn = vn.connect(emulator=emu)
    feed = await Feed.open(conn)
    emu.set_faults(garbage_ws_after=4)
    _session, streams = active_session(conn, emu, feed.connection_id)
    streams["mic:default"].start_transcript(ws_connection_id=feed.connection_id)
    await feed.wait_for(until=lambda s: len(s.transcript()) >= 5, timeout=10)
    await all_sent(emu, feed)
    assert feed.rejected == 1 and len(feed.store.rejected) == 1
    rejection = feed.store.rejected[0]
    assert rejection.raw == GARBAGE_FRAME and rejection.reason.startswith("not JSON")
    assert feed.frames == sent_to(emu, feed.connection_id) == len(feed.store) + 1
    assert feed.store.df.seq.max() > 4  # events after the bad frame were stored
    assert "rejected=1" in repr(feed)
    await feed.close()


async def test_record_to_journals_every_raw_frame_in_order(emu, tmp_path, active_session):
    conn = vn.connect(emulator=emu)
    path = tmp_path / "rec" / "events.jsonl"
    emu.set_faults(garbage_ws_after=10)
    feed = await Feed.open(conn, record_to=path)
    stored = []
    feed.store.subscribe(stored.append)
    _session, streams = active_session(conn, emu, feed.connection_id)
    for name in ("mic:default", "system_audio:default"):
        streams[name].start_transcript(ws_connection_id=feed.connection_id)
    await feed.wait_for(n=40, timeout=10)
    sent = await all_sent(emu, feed)
    await feed.close()
    *records, closed = read_records(path)  # the feed's own last record: feed.closed
    assert closed.source == "feed" and closed.frame["event"] == "feed.closed"
    assert len(records) == feed.frames == sent
    assert all(r.source == "ws" and isinstance(r.frame, str) for r in records)  # the exact text
    rejected, = feed.store.rejected
    frames = [r.frame for r in records]
    assert frames.index(rejected.raw) == 10  # where the emulator injected it
    assert frames[:10] + frames[11:] + [closed.frame] == [e.raw for e in stored]
    # the journal is also an EventStore.from_jsonl file: same events, same arrival times
    assert EventStore.from_jsonl(path).df.equals(feed.store.df)


async def test_a_quiet_stream_is_flushed_to_the_journal_without_closing(emu, tmp_path, active_session):
    conn = vn.connect(emulator=emu)
    path = tmp_path / "events.jsonl"
    feed = await Feed.open(conn, record_to=path)
    active_session(conn, emu, feed.connection_id)  # three lifecycle frames, then quiet
    await feed.wait_for(n=3, timeout=10)
    # no frame follows to trigger a write; the feed's flusher writes the batch on its own
    await _until(lambda: len(path.read_text().splitlines()) == 3)  # a crash now loses nothing
    assert feed.recording.pending == 0 and feed.state == "open"
    await feed.close()


async def test_close_in_the_middle_of_a_burst_keeps_what_reached_the_socket(burst, tmp_path, active_session):
    conn = burst.connect()
    path = tmp_path / "burst.jsonl"
    feed = await Feed.open(conn, record_to=path)
    _session, streams = active_session(conn, burst)
    streams["system_audio:default"].start_transcript(ws_connection_id=feed.connection_id)
    await feed.wait_for(n=2000, timeout=30)
    await feed.close()
    assert feed.state == "closed" and feed.gaps == []
    assert 2000 <= feed.frames < 100_000  # closed mid-burst
    assert feed.frames + 1 == len(feed.store) + len(feed.store.rejected)  # + feed.closed
    assert len(path.read_text().splitlines()) == feed.frames + 1
    state = burst.state()
    assert feed.connection_id not in state["connections"]  # the server let the connection go
    assert feed.frames <= state["frames_by_connection"][feed.connection_id]


async def test_a_busy_kernel_loses_nothing(emu, active_session):
    conn = vn.connect(emulator=emu)
    feed = await Feed.open(conn)
    _session, streams = active_session(conn, emu, feed.connection_id)
    for rts in streams.values():
        rts.start_transcript(ws_connection_id=feed.connection_id)
    deadline = time.monotonic() + 60  # a cell computing synchronously until the emulator has
    while not idle(emu):               # sent everything: the loop cannot run meanwhile
        assert time.monotonic() < deadline, "the scenario did not play out"
        time.sleep(0.01)
    await all_sent(emu, feed)
    assert feed.frames == len(feed.store) == sent_to(emu, feed.connection_id) > 50
    assert feed.gaps == []
    await feed.close()


async def test_wait_for_says_what_it_waited_for(emu):
    async with await Feed.open(vn.connect(emulator=emu)) as feed:
        await _wait_for_errors(feed)
    assert feed.state == "closed"
    with pytest.raises(RuntimeError, match="the feed is closed"):
        await feed.wait_for(n=2)  # it holds one: feed.closed


async def _wait_for_errors(feed):
    with pytest.raises(ValueError, match=r"n= .* or until="):
        await feed.wait_for()
    with pytest.raises(TypeError, match=r"takes a function of the store .* not 5; to wait for "
                                        r"5 events pass n=5"):
        await feed.wait_for(until=5)
    with pytest.raises(TypeError, match=r"n=\.\.\.\) takes a number of events"):
        feed.wait_for_sync(n="10")
    with pytest.raises(TimeoutError, match=r"waited 0.2 s; wanted 1000 events; the store holds 0"):
        await feed.wait_for(n=1000, timeout=0.2)
    with pytest.raises(TimeoutError, match="until"):
        await feed.wait_for(until=lambda s: False, timeout=0.1)


async def test_open_sync_inside_a_running_loop_uses_a_private_loop_thread(emu, active_session):
    conn = vn.connect(emulator=emu)
    feed = Feed.open_sync(conn)  # as from a notebook cell: a loop is running in this thread
    assert feed._loop is not asyncio.get_running_loop()
    _session, streams = active_session(conn, emu, feed.connection_id)
    streams["mic:default"].start_transcript(ws_connection_id=feed.connection_id)
    await feed.wait_for(n=10, timeout=10)  # awaited from this loop, runs on the feed's
    with pytest.raises(RuntimeError, match="deadlock"):  # close_sync from the feed's own loop
        asyncio.run_coroutine_threadsafe(_close_sync_on(feed), feed._loop).result(5)
    await feed.close()
    assert feed.state == "closed"


async def _close_sync_on(feed):
    feed.close_sync()


def test_open_sync_without_a_loop(emu, active_session):
    conn = vn.connect(emulator=emu)
    feed = vn.Feed.open_sync(conn)
    result = {}

    def start():
        _session, streams = active_session(conn, emu, feed.connection_id)
        streams["mic:default"].start_transcript(ws_connection_id=feed.connection_id)
        result["ok"] = True
    thread = threading.Thread(target=start)
    thread.start()
    thread.join()
    feed.wait_for_sync(n=10, timeout=10)
    assert len(feed.store) >= 10 and result["ok"]
    feed.close_sync()
    assert feed.state == "closed"


async def test_open_failure_is_clear_and_never_shows_the_key():
    import videodb
    conn = videodb.connect(api_key="sk-very-secret-123", base_url="http://127.0.0.1:9")
    with pytest.raises(ConnectionError, match="could not open the VideoDB WebSocket") as err:
        await Feed.open(conn)
    assert "sk-very-secret-123" not in str(err.value)


async def test_gives_up_after_max_attempts_and_records_why():
    from vdb_notebook.emulator import Emulator
    emu = Emulator(scenario="standup", speed="max").start()
    feed = await Feed.open(vn.connect(emulator=emu), backoff=Backoff(base=0.01, cap=0.02, max_attempts=2))
    emu.stop()  # the server goes away and stays away
    await _until(lambda: feed.state == "failed")
    gap, = feed.gaps
    assert gap.new_connection_id is None and gap.attempts == 2 and "gave up after 2 attempts" in gap.reason
    assert emu.api_key not in gap.reason and "token=" not in gap.reason
    with pytest.raises(RuntimeError, match="the feed is failed"):
        await feed.wait_for(n=100)
    await feed.close()


async def test_close_while_reconnecting_records_the_open_gap():
    from vdb_notebook.emulator import Emulator
    emu = Emulator(scenario="standup", speed="max").start()
    feed = await Feed.open(vn.connect(emulator=emu), backoff=Backoff(base=5.0, cap=10.0))
    emu.stop()
    await _until(lambda: feed.state == "reconnecting")
    await feed.close()
    gap, = feed.gaps
    assert feed.state == "closed" and "closed before it reconnected" in gap.reason
    assert feed.store.df.event.tolist() == ["feed.disconnected", "feed.gap", "feed.closed"]


async def _until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


CRASHING_KERNEL = """
import asyncio, sys, videodb
from vdb_notebook.feed import Feed

async def main():
    conn = videodb.connect(api_key=sys.argv[1], base_url=sys.argv[2])
    feed = await Feed.open(conn, record_to=sys.argv[3], record_batch=10)
    print(feed.connection_id, flush=True)
    for _ in range(3000):  # killed long before this ends
        print(feed.frames, flush=True)  # how many frames it has read so far
        await asyncio.sleep(0.02)

asyncio.run(main())
"""


async def test_a_killed_kernel_loses_at_most_the_last_batch_of_the_journal(emu, tmp_path, active_session):
    import subprocess
    import sys
    path = tmp_path / "crash.jsonl"
    kernel = subprocess.Popen([sys.executable, "-c", CRASHING_KERNEL, emu.api_key, emu.base_url, str(path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        connection_id = (await asyncio.to_thread(kernel.stdout.readline)).strip()
        conn = vn.connect(emulator=emu)
        _session, streams = active_session(conn, emu, connection_id)
        for rts in streams.values():
            rts.start_transcript(ws_connection_id=connection_id)
        await _until(lambda: idle(emu))
        sent = emu.state()["frames_by_connection"][connection_id]

        def until_the_kernel_has_read_them_all() -> None:
            for line in kernel.stdout:
                if int(line) >= sent:
                    return
        await asyncio.wait_for(asyncio.to_thread(until_the_kernel_has_read_them_all), 30)
    finally:
        kernel.kill()  # SIGKILL: no close(), no final flush
        kernel.wait()
    lines = path.read_text().splitlines()
    assert sent > 50 and sent - 10 <= len(lines) <= sent
    assert all(json.loads(line)["source"] == "ws" for line in lines)


# --- hardening ------------------------------------------------------------------------------------

async def test_an_unwritable_record_to_fails_before_any_websocket_is_opened(emu, tmp_path):
    conn = vn.connect(emulator=emu)
    with pytest.raises(OSError, match="record_to") as raised:
        await Feed.open(conn, record_to=tmp_path)  # a folder, not a file
    assert "writable file" in str(raised.value)
    assert emu.state()["connections"] == {}  # no socket was dialled, so none can leak


async def test_a_frame_over_the_size_limit_is_reported_as_too_big_not_as_a_drop(emu):
    feed = await Feed.open(vn.connect(emulator=emu), backoff=Backoff(base=0.05, cap=0.2))
    try:
        huge = {"channel": "transcript", "data": {"text": "x" * (1 << 20)}}
        # the emulator's own hub sends it, as a service frame over 1 MiB would arrive
        emu._call(lambda engine: engine.hub.send(feed.connection_id, huge))
        await feed.wait_for(until=lambda s: s.counts().get("feed", 0) >= 2, timeout=10)
        gap, = feed.gaps
        assert "larger than" in gap.reason and "1 MiB" in gap.reason
        assert "dropped" not in gap.reason
    finally:
        await feed.close()


def _poll_blocking(condition, timeout=30.0):
    """Poll `condition()` while blocking this thread (a cell computing synchronously)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


async def test_the_feed_keeps_reading_while_the_awaiting_thread_blocks(emu, active_session):
    conn = vn.connect(emulator=emu)
    feed = await Feed.open(conn)
    threads = []
    feed.store.subscribe(lambda event: threads.append(threading.current_thread().name))
    _session, streams = active_session(conn, emu, feed.connection_id)
    streams["mic:default"].start_transcript(ws_connection_id=feed.connection_id)
    # this thread's loop (the kernel's, in a notebook) never runs during the poll
    assert _poll_blocking(lambda: len(feed.store.transcript()) >= 5), feed
    assert set(threads) == {"vdb_notebook-loop"}  # subscribers run on the toolkit's loop thread
    assert await all_sent(emu, feed) == len(feed.store)  # awaiting wait_for works as before
    await feed.close()
    assert feed.state == "closed" and feed.connection_id not in emu.state()["connections"]
