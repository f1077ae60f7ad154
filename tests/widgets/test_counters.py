"""The counters strip (widgets/counters.py)."""
from __future__ import annotations

import vdb_notebook as vn
from vdb_notebook.widgets import Dashboard
from vdb_notebook.widgets.testing import T0, alert_frame, shows, transcript_frame, wait_until


def test_counters_count_channels_rejections_and_feed_gaps(log, store):
    dash = Dashboard(store, max_rate_hz=20)
    store.add(transcript_frame("a"))
    store.add(alert_frame())
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


def test_the_state_comes_from_the_store_records(log, store):
    dash = Dashboard(vn.EventStore(), max_rate_hz=20)
    status = lambda: dash.counters.snapshot().status
    assert status() == "live"
    dash.store.add({"channel": "feed", "event": "feed.disconnected",
                    "data": {"old_connection_id": "c1", "text": "dropped; reconnecting"}}, source="feed")
    wait_until(lambda: status() == "reconnecting")
    dash.store.add({"channel": "feed", "event": "feed.gap", "data": {
        "start": T0, "end": T0 + 10, "reason": "gave up", "old_connection_id": "c1",
        "new_connection_id": None}}, source="feed")
    wait_until(lambda: status() == "disconnected")
    dash.store.add({"channel": "feed", "event": "feed.reconnected", "data": {}}, source="feed")
    wait_until(lambda: status() == "live")
    dash.store.add({"channel": "feed", "event": "feed.closed"}, source="feed")
    wait_until(shows(dash, "counters", "VideoDB events · closed"))
    dash.close()


def test_a_replayed_store_says_replayed_not_live(log, store, tmp_path):
    store.add(transcript_frame("recorded"))
    store.add({"channel": "feed", "event": "feed.closed"}, source="feed")
    path = store.to_jsonl(tmp_path / "events.jsonl")
    after = Dashboard(vn.replay(path, progress=False), max_rate_hz=20)
    during = Dashboard(vn.EventStore(), max_rate_hz=20)
    vn.replay(path, store=during.store, progress=False)
    for dash in (after, during):
        wait_until(shows(dash, "counters", "VideoDB events · replayed"))
        wait_until(lambda dash=dash: not dash.running)  # the recording's feed.closed ends it
        dash.close()


def test_the_clock_is_labelled_and_no_counter_is_ambiguous(log, store):
    dash = Dashboard(store, max_rate_hz=20)
    store.add(transcript_frame("before active", at=2000))
    wait_until(shows(dash, "counters", "times: mm:ss since first event (12:34:58 UTC)"))
    store.add(vn.webhooks.build("active", capture_session_id="cap-1"))  # at the scenario epoch, T0
    wait_until(shows(dash, "counters", "times: mm:ss since session active (12:34:56 UTC)"))
    wait_until(shows(dash, "transcript", ">00:02<"))  # redrawn on the session's clock
    value = dash.panes["counters"].value
    assert ">feed<" not in value and "feed 0" not in value
    assert "received (UTC wall clock)" in dash.panes["table"].value
    dash.close()


def test_a_live_strip_beats_and_says_when_the_kernel_went_silent():
    from vdb_notebook.widgets.counters import HEARTBEAT_S, STALE_S, CountersPane
    pane = CountersPane(source="store")
    live = pane.render(pane.snapshot(), 1768912496000.0)
    assert pane.next_refresh(pane.snapshot(), 1768912496000.0) == HEARTBEAT_S < STALE_S
    # "live" is hidden, and the silent-kernel text shown, STALE_S s after this drawing unless a
    # later heartbeat replaced it; each heartbeat's text differs, so the browser gets it
    assert f"animation:vdb-beat-off 0s linear {STALE_S:g}s forwards'>" in live
    assert "no update from the kernel since 12:34:56 UTC" in live
    assert pane.render(pane.snapshot(), 1768912501000.0) != live
    pane.set_status("closed")
    closed = pane.render(pane.snapshot(), 1768912496000.0)
    assert "VideoDB events · closed" in closed and "animation" not in closed
    assert pane.next_refresh(pane.snapshot(), 1768912496000.0) is None
    pane.set_status("live")  # a static copy (now = inf) cannot beat
    assert "animation" not in pane.render(pane.snapshot(), float("inf"))


def test_a_live_feed_whose_newest_events_arrive_late_says_it_is_behind(log):
    arrival = [T0 + 1_000]  # epoch ms each add stamps as received_at
    store = vn.EventStore(clock=lambda: arrival[0])
    dash = Dashboard(store, max_rate_hz=20)
    said = lambda at, rts="rts-1": store.add(transcript_frame(f"line {at}", rts=rts, at=at))
    said(0)                                   # ends at +0.9 s, arrives at +1 s: the best lag
    arrival[0] = T0 + 61_000
    said(0, rts="rts-2")                      # another stream's own baseline (a later session)
    wait_until(lambda: dash.counters.snapshot().total == 2)
    assert dash.counters.snapshot().behind_ms == 0
    said(5_000)                               # ends at +5.9 s, arrives at +61 s: 55 s late
    wait_until(shows(dash, "counters", "live · 55 s behind"))
    arrival[0] = T0 + 62_000
    said(61_000)                              # on time again
    wait_until(lambda: "behind" not in dash.panes["counters"].value)
    assert "VideoDB events · live" in dash.panes["counters"].value
    caught_up = Dashboard(store, max_rate_hz=20)  # a filled store gives the same state
    assert caught_up.counters.snapshot() == dash.counters.snapshot()
    dash.close()
    caught_up.close()
