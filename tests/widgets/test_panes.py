"""Dashboard tests with a counting comm: no kernel, no browser (see test_browser.py for that)."""
from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Callable

import ipywidgets as widgets
import pytest

import vdb_notebook as vn
from vdb_notebook.widgets import Dashboard
from vdb_notebook.widgets.alerts import NEW_FOR_S
from vdb_notebook.widgets.markup import MAX_TEXT
from vdb_notebook.widgets.testing import counting_comms

T0 = 1768912496000  # the scenario epoch, 2026-01-20T12:34:56Z, in ms
EVIL = "<script>alert('x')</script><img src=x onerror=alert(1)>"


@pytest.fixture
def log():
    with counting_comms() as comm_log:
        yield comm_log


@pytest.fixture
def store():
    return vn.EventStore()


def transcript(text: str, *, final: bool = True, stream: str = "mic:default", rts: str = "rts-1",
               at: int = 0) -> dict[str, Any]:
    return {"channel": "transcript", "rtstream_id": rts, "rtstream_name": stream,
            "data": {"text": text, "is_final": final, "start": T0 + at, "end": T0 + at + 900}}


def alert(label: str = "sensitive_content", confidence: float = 0.92, text: str = "") -> dict[str, Any]:
    return {"channel": "alert", "rtstream_id": "rts-3", "rtstream_name": "display:1",
            "data": {"label": label, "triggered": True, "confidence": confidence, "text": text,
                     "start": T0 + 5000, "end": T0 + 7000}}


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Block (time.sleep, not await) until condition() holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def shows(dash: Dashboard, pane: str, text: str) -> Callable[[], bool]:
    return lambda: text in dash.panes[pane].value


def max_in_one_second(times: list[float]) -> int:
    """The most of `times` within any one-second window."""
    return max((sum(1 for t in times if start <= t <= start + 1.0) for start in times), default=0)


def widget_tree(widget: widgets.Widget) -> list[widgets.Widget]:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += widget_tree(child)
    return found


# -- repr and construction -----------------------------------------------------------------

def test_repr_is_stable_and_widget_view_is_kept(log, store):
    dash = Dashboard(store, max_rate_hz=4, tail=50)
    store.add(transcript("hello"))
    wait_until(shows(dash, "transcript", "hello"))
    bundle = dash._repr_mimebundle_()
    assert bundle["text/plain"] == (
        "Dashboard(panes=transcript, visual, audio, alerts, sessions; max_rate_hz=4, tail=50)")
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == dash.model_id
    assert repr(Dashboard(store, max_rate_hz=2.5, tail=0)).endswith("max_rate_hz=2.5, tail=0)")
    dash.close()


def test_no_output_widgets_only_html_and_boxes(log, store):
    dash = Dashboard(store)
    kinds = {type(w) for w in widget_tree(dash)}
    assert widgets.Output not in kinds
    assert kinds <= {Dashboard, widgets.HBox, widgets.HTML}
    assert set(dash.panes) == {"counters", "transcript", "visual", "audio", "alerts",
                               "sessions", "table"}
    dash.close()


@pytest.mark.parametrize("kwargs, message", [
    ({"max_rate_hz": 0}, "max_rate_hz must be"),
    ({"max_rate_hz": "4"}, "max_rate_hz must be"),
    ({"tail": -1}, "tail must be"),
    ({"tail": 2.5}, "tail must be"),
])
def test_bad_settings_say_what_to_use(log, store, kwargs, message):
    with pytest.raises(ValueError, match=message):
        Dashboard(store, **kwargs)


def test_bad_source_says_what_to_pass(log):
    with pytest.raises(TypeError, match="EventStore or a Feed"):
        Dashboard({"not": "a store"})


# -- coalescing ----------------------------------------------------------------------------

def test_burst_is_coalesced_to_max_rate_and_ends_on_latest_state(log, store):
    dash = Dashboard(store, max_rate_hz=5, tail=20)
    # Stamp each message with the frame that drew it: frames are paced by design, whereas when
    # a drawn message leaves depends on machine load (a window count of those could flake).
    log.clock = lambda: dash.renderer.frame_at
    n = 20_000
    for i in range(n):
        store.add(transcript(f"line {i}", final=i % 4 == 3, at=i))
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
    store.add(transcript("first"))
    store.add(transcript("second"))
    wait_until(shows(dash, "transcript", "second"))
    time.sleep(0.6)  # past one period: the next event is drawn without waiting for another
    store.add(transcript("third", final=False))
    wait_until(shows(dash, "transcript", "third"))
    dash.close()


def test_renderer_does_not_need_the_event_loop(log, store):
    async def blocked_cell():
        dash = Dashboard(store, max_rate_hz=4)
        producer = threading.Thread(target=lambda: [store.add(transcript(f"t{i}")) for i in range(500)])
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
    store.add(transcript("warm up"))
    stuck.wait(10)
    assert stuck.is_set()  # the renderer is now blocked inside the comm
    adding = threading.Thread(target=lambda: [store.add(transcript(f"x{i}")) for i in range(2000)])
    adding.start()
    adding.join(30)
    blocked = adding.is_alive()
    release.set()
    assert not blocked, "store.add waited for the display"
    assert len(store) == 2001
    wait_until(shows(dash, "transcript", "x1999"))
    dash.close()


# -- bounds --------------------------------------------------------------------------------

def test_panes_hold_a_bounded_amount_of_text(log, store):
    dash = Dashboard(store, max_rate_hz=20, tail=10)
    long_text = "word " * 5000

    def feed(count: int) -> dict[str, int]:
        for i in range(count):
            store.add(transcript(f"{i} {long_text}", final=i % 2 == 0, rts=f"rts-{i % 40}",
                                 stream=f"speaker {i % 40}"))
            store.add({"channel": "visual_index", "rtstream_id": "rts-3",
                       "data": {"text": f"{i} {long_text}", "start": T0, "end": T0 + 1}})
            store.add(alert(label=f"label {i}", text=long_text))
            store.add(vn.webhooks.build("active", capture_session_id=f"cap-{i}"))
        wait_until(shows(dash, "counters", f">{len(store)}<"))
        return {name: len(w.value) for name, w in dash.panes.items()}

    small = feed(200)
    large = feed(2000)
    for name, size in large.items():
        assert size <= small[name] * 1.2 + 500, (name, small[name], size)
        assert size < 200_000, (name, size)
    assert max(len(x.text) for x in dash.renderer.panes["visual"].entries) <= MAX_TEXT
    assert len(dash.renderer.panes["transcript"].interim) <= 16
    dash.close()


# -- content -------------------------------------------------------------------------------

def test_all_event_text_is_escaped(log, store):
    dash = Dashboard(store, max_rate_hz=20)
    store.add(transcript(EVIL, stream=EVIL))
    store.add(transcript(EVIL, final=False, stream=EVIL, rts="rts-evil"))
    store.add({"channel": "audio_index", "rtstream_id": "rts-1", "rtstream_name": EVIL,
               "data": {"text": EVIL, "start": T0, "end": T0 + 10}})
    store.add({"channel": "visual_index", "rtstream_id": "rts-3",
               "data": {"text": EVIL, "start": T0, "end": T0 + 10}})
    store.add(alert(label=EVIL, text=EVIL))
    store.add(vn.webhooks.build("failed", capture_session_id=EVIL, end_user_id=EVIL, error=EVIL))
    store.add(EVIL)  # rejected: its reason quotes the frame
    for pane in ("transcript", "audio", "visual", "alerts", "sessions", "table"):
        wait_until(shows(dash, pane, "&lt;script&gt;"))
    wait_until(shows(dash, "counters", "rejected"))
    for name, widget in dash.panes.items():
        assert "<script" not in widget.value and "<img" not in widget.value, name
    dash.close()


def test_interim_line_updates_in_place_per_stream_and_finals_append(log, store):
    dash = Dashboard(store, max_rate_hz=20)
    store.add(transcript("lets sch", final=False))
    store.add(transcript("lets schedule the", final=False))
    store.add(transcript("on screen now", final=False, stream="system_audio:default", rts="rts-2"))
    wait_until(shows(dash, "transcript", "lets schedule the"))
    value = dash.panes["transcript"].value
    assert "lets sch …" not in value and "on screen now" in value
    store.add(transcript("Lets schedule the meeting for Thursday"))
    wait_until(shows(dash, "transcript", "meeting for Thursday"))
    pane = dash.renderer.panes["transcript"]
    assert [line.text for line in pane.finals] == ["Lets schedule the meeting for Thursday"]
    assert list(pane.interim) == ["rts-2"]  # the mic's interim gave way to its final
    dash.close()


def test_alert_badge_confidence_bar_and_new_highlight_expires(log, store, monkeypatch):
    monkeypatch.setattr("vdb_notebook.widgets.alerts.NEW_FOR_S", 0.3)
    now = [time.time()]  # the panes' clock, held before the alert arrives: new however late drawn
    dash = Dashboard(store, max_rate_hz=20, wall_clock=lambda: now[0])
    store.add(alert(confidence=0.92, text="Password visible on screen"))
    wait_until(shows(dash, "alerts", "Password visible on screen"))
    value = dash.panes["alerts"].value
    assert "sensitive_content" in value and "92%" in value and "width:92%" in value
    assert ">NEW<" in value
    now[0] = time.time() + 1  # the highlight (shortened to 0.3 s) has run out
    wait_until(lambda: ">NEW<" not in dash.panes["alerts"].value)  # redrawn without new events
    assert NEW_FOR_S > 1  # the real highlight lasts a while
    dash.close()


def test_session_status_never_moves_back_and_timeline_shows_steps(log, store):
    dash = Dashboard(store, max_rate_hz=20)
    for payload in reversed(vn.webhooks.lifecycle("cap-1")):  # worst order, then duplicates
        store.add(payload, source="webhook")
    for payload in vn.webhooks.lifecycle("cap-1")[:3]:
        store.add(payload, source="webhook")
    wait_until(shows(dash, "counters", ">9<"))
    wait_until(shows(dash, "sessions", "cap-1"))
    pane = dash.renderer.panes["sessions"]
    assert pane.sessions["cap-1"].status == "exported"
    assert list(pane.sessions["cap-1"].seen) == ["exported", "stopped", "stopping", "active",
                                                 "starting", "created"]
    store.add(vn.webhooks.build("failed", capture_session_id="cap-2", error="mic unplugged"))
    wait_until(shows(dash, "sessions", "mic unplugged"))
    assert pane.sessions["cap-2"].status == "failed"
    dash.close()


def test_counters_count_channels_rejections_and_feed_gaps(log, store):
    dash = Dashboard(store, max_rate_hz=20)
    store.add(transcript("a"))
    store.add(alert())
    store.add({"channel": "feed", "event": "feed.gap",
               "data": {"start": T0, "end": T0 + 2500, "reason": "connection dropped",
                        "old_connection_id": "c1", "new_connection_id": "c2"}}, source="feed")
    store.add({"channel": "feed", "event": "feed.reconnected", "data": {}}, source="feed")
    store.add("{not json")
    wait_until(shows(dash, "counters", "reconnects"))
    snap = dash.counters.snapshot()
    assert snap.total == len(store) and snap.counts == store.counts()
    assert snap.rejected == 1 and snap.gaps == 1 and snap.gap_ms == 2500
    assert "2.5s" in dash.panes["counters"].value
    dash.close()


# -- sources and lifecycle -----------------------------------------------------------------

def test_prefilled_store_is_shown_and_concurrent_adds_count_once(log, store):
    for i in range(3000):
        store.add(transcript(f"old {i}"))
    store.add("rejected before")
    adding = threading.Thread(target=lambda: [store.add(transcript(f"new {i}")) for i in range(3000)])
    adding.start()
    dash = Dashboard(store, max_rate_hz=10)
    adding.join()
    wait_until(shows(dash, "counters", ">6000<"))
    snap = dash.counters.snapshot()
    assert snap.total == len(store) == 6000 and snap.rejected == 1
    assert dash.renderer.panes["table"].rows[-1][0] == store.df["seq"].iloc[-1]
    dash.close()


def test_catching_up_on_a_filled_store_shows_what_following_it_live_shows(log):
    frames = []
    for i in range(3000):
        stream = i % 3
        frames.append(transcript(f"line {i}", final=i % 4 == 0, rts=f"rts-{stream}",
                                 stream=f"stream {stream}", at=i))
        if i % 50 == 0:
            frames.append(alert(text=f"alert {i}"))
            frames.append({"channel": "visual_index", "rtstream_id": "rts-3",
                           "data": {"text": f"scene {i}", "start": T0 + i, "end": T0 + i + 1}})
            frames.append({"channel": "feed", "event": "feed.gap", "data": {
                "start": T0 + i, "end": T0 + i + 700, "reason": f"drop {i}"}})
        if i % 500 == 0:
            frames += vn.webhooks.lifecycle(f"cap-{i}")[: 2 + i // 500]
    frames.append({"channel": "transcript", "rtstream_id": "rts-9", "type": "transcript",
                   "data": {"text": "webhook line without is_final"}})
    live_store, filled_store = vn.EventStore(), vn.EventStore()
    live = Dashboard(live_store, max_rate_hz=20)
    for frame in frames:
        live_store.add(frame)
        filled_store.add(frame)
    caught_up = Dashboard(filled_store, max_rate_hz=20)
    for pane in ("transcript", "visual", "alerts", "sessions"):
        assert (caught_up.renderer.panes[pane].render(caught_up.renderer.panes[pane].snapshot(), 0)
                == live.renderer.panes[pane].render(live.renderer.panes[pane].snapshot(), 0)), pane
    assert caught_up.counters.snapshot() == live.counters.snapshot()
    assert caught_up.counters.snapshot().gap_ms == 60 * 700
    table = lambda dash: [row[0] for row in dash.renderer.panes["table"].rows]
    assert table(caught_up) == table(live) == filled_store.df["seq"].tail(50).tolist()
    live.close()
    caught_up.close()


def test_stop_keeps_final_state_and_ignores_later_events(log, store):
    dash = Dashboard(store, max_rate_hz=4)
    store.add(transcript("before stop"))
    dash.stop()
    assert "before stop" in dash.panes["transcript"].value  # stop flushes
    assert "stopped" in dash.panes["counters"].value and not dash.running
    store.add(transcript("after stop"))  # subscribers are called within add: none is left
    assert dash.counters.snapshot().total == 1
    assert "after stop" not in dash.panes["transcript"].value
    dash.stop()  # twice is fine
    dash.close()


async def await_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """wait_until for tests whose event loop must keep running (a Feed consumes on it)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def test_dashboard_on_a_real_feed_shows_the_standup_and_stops_when_it_closes(log):
    with vn.Emulator(scenario="standup", speed="max") as emu:
        conn = vn.connect(emulator=emu)
        feed = await vn.Feed.open(conn)
        session = conn.create_capture_session(end_user_id="user_abc", collection_id="default",
                                              callback_url="", ws_connection_id=feed.connection_id)
        dash = Dashboard(feed, max_rate_hz=10)
        emu.start_capture(session.id)
        vn.start_pipelines(conn, session, feed, alerts={"sensitive_content": "Card details shown"})
        await feed.wait_for(until=lambda store: len(store.alerts()) >= 2, timeout=60)
        await await_until(shows(dash, "alerts", "full payment card number"))
        await await_until(shows(dash, "transcript", "Morning, both."))
        await await_until(shows(dash, "sessions", session.id))
        assert f"feed {feed.connection_id}" in dash.panes["counters"].value
        await feed.close()
        await await_until(lambda: not dash.running)
        await await_until(shows(dash, "counters", "stopped: feed closed"))
        assert dash.counters.snapshot().total == len(feed.store)
        dash.close()


def test_store_filled_by_replay_before_or_after_the_dashboard(log, store, tmp_path):
    for i in range(200):
        store.add(transcript(f"recorded {i}", at=i))
    store.add(alert(text="recorded alert"))
    path = store.to_jsonl(tmp_path / "events.jsonl")

    replayed = vn.replay(path, progress=False)
    before = Dashboard(replayed, max_rate_hz=20)  # the store was filled first
    live = vn.EventStore()
    after = Dashboard(live, max_rate_hz=20)
    vn.replay(path, store=live, progress=False)  # filled while the dashboard watches
    for dash, source in ((before, replayed), (after, live)):
        wait_until(shows(dash, "alerts", "recorded alert"))
        wait_until(shows(dash, "transcript", "recorded 199"))
        assert dash.counters.snapshot().counts == source.counts() == {"transcript": 200, "alert": 1}
        dash.close()


class FeedLike:
    """A feed of someone else's making: a `.store`, maybe a boolean `closed`, no `state`.
    (vn.Feed itself is tested above, against the emulator.)"""

    def __init__(self, store: vn.EventStore, closed: bool | None = False) -> None:
        self.store = store
        self.connection_id = "conn-1"
        if closed is not None:
            self.closed = closed


def test_dashboard_on_a_feed_like_object_stops_when_it_says_closed(log, store):
    feed = FeedLike(store)
    dash = Dashboard(feed, max_rate_hz=10)
    store.add(transcript("live line"))
    wait_until(shows(dash, "transcript", "live line"))
    assert "feed conn-1" in dash.panes["counters"].value
    feed.closed = True
    wait_until(lambda: not dash.running)
    wait_until(shows(dash, "counters", "feed closed"))
    dash.close()


def test_feed_without_a_close_signal_still_works(log, store):
    dash = Dashboard(FeedLike(store, closed=None), max_rate_hz=10)
    store.add(transcript("no close hook"))
    wait_until(shows(dash, "transcript", "no close hook"))
    assert dash.running
    dash.close()
    assert not dash.running
