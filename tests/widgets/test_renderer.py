"""The coalescing renderer, through a Dashboard and a counting comm (widgets/renderer.py)."""
from __future__ import annotations

import asyncio
import threading
import time

from vdb_notebook.widgets import Dashboard
from vdb_notebook.widgets.testing import shows, transcript_frame, wait_until


def max_in_one_second(times: list[float]) -> int:
    """The most of `times` within any one-second window."""
    return max((sum(1 for t in times if start <= t <= start + 1.0) for start in times), default=0)


def test_burst_is_coalesced_to_max_rate_and_ends_on_latest_state(log, store):
    dash = Dashboard(store, max_rate_hz=5, tail=20)
    # Stamp each message with the frame that drew it: frames are paced by design, whereas when
    # a drawn message leaves depends on machine load (a window count of those could flake).
    log.clock = lambda: dash.renderer.frame_at
    n = 20_000
    for i in range(n):
        store.add(transcript_frame(f"line {i}", final=i % 4 == 3, at=i))
    wait_until(shows(dash, "transcript", f"line {n - 1}"))
    wait_until(shows(dash, "counters", f">{n}<"))
    wait_until(shows(dash, "table", f"line {n - 1}"))
    for name in ("transcript", "counters", "table"):
        updates = log.of(dash.panes[name])
        frames = [m.at for m in updates]
        assert len(set(frames)) == len(frames), name  # at most one message per frame
        assert 1 <= max_in_one_second(frames) <= 5 + 1, name  # max_rate_hz + 1 at most
        assert {m.keys for m in updates} == {("value",)}  # one batched trait change each
    # n events, but only a handful of messages: the renderer coalesced them
    assert len(log.of(dash.panes["transcript"])) < n / 100
    dash.close()


def test_trailing_flush_shows_the_last_event_after_a_quiet_period(log, store):
    dash = Dashboard(store, max_rate_hz=2)
    store.add(transcript_frame("first"))
    store.add(transcript_frame("second"))
    wait_until(shows(dash, "transcript", "second"))
    # past one period (the renderer's own clock): the next event is drawn without waiting for another
    wait_until(lambda: time.monotonic() >= dash.renderer.frame_at + dash.renderer.period)
    store.add(transcript_frame("third", final=False))
    wait_until(shows(dash, "transcript", "third"))
    dash.close()


def test_renderer_does_not_need_the_event_loop(log, store):
    async def blocked_cell():
        dash = Dashboard(store, max_rate_hz=4)
        producer = threading.Thread(target=lambda: [store.add(transcript_frame(f"t{i}")) for i in range(500)])
        producer.start()
        wait_until(shows(dash, "transcript", "t499"))  # time.sleep inside: the loop never runs
        producer.join()
        dash.close()
    asyncio.run(blocked_cell())


def test_ingest_does_not_wait_for_the_display(log, store):
    dash = Dashboard(store, max_rate_hz=4)
    stuck, release = threading.Event(), threading.Event()
    original = dash.panes["transcript"].comm.publish_msg

    def browser_that_does_not_answer(*args, **kwargs):
        stuck.set()
        release.wait(30)
        return original(*args, **kwargs)

    dash.panes["transcript"].comm.publish_msg = browser_that_does_not_answer
    store.add(transcript_frame("warm up"))
    stuck.wait(10)
    assert stuck.is_set()  # the renderer is now blocked inside the comm
    adding = threading.Thread(target=lambda: [store.add(transcript_frame(f"x{i}")) for i in range(2000)])
    adding.start()
    adding.join(30)
    blocked = adding.is_alive()
    release.set()
    assert not blocked, "store.add waited for the display"
    assert len(store) == 2001
    wait_until(shows(dash, "transcript", "x1999"))
    dash.close()


def test_finish_ends_the_thread_once_everything_is_drawn(log, store):
    dash = Dashboard(store, max_rate_hz=2)
    store.add(transcript_frame("last words"))
    dash.renderer.finish()  # what the feed.closed record does
    wait_until(lambda: not dash.running)
    assert "last words" in dash.panes["transcript"].value
    dash.close()
