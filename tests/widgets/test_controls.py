"""The dashboard's controls, driven through their traits as a browser would set them
(widgets/controls.py, widgets/selection.py, and their wiring in widgets/dashboard.py)."""
from __future__ import annotations

import threading

import vdb_notebook as vn
from vdb_notebook.widgets import Dashboard
from vdb_notebook.widgets.sessions import CARDS
from vdb_notebook.widgets.testing import (
    alert_frame,
    shows,
    transcript_frame,
    wait_until,
)


def active(session: str, *streams: str) -> dict:
    """A `capture_session.active` webhook listing `streams` (rtstream ids) as the session's."""
    return vn.webhooks.build("active", capture_session_id=session, end_user_id=f"user-{session}",
                             rtstreams=[{"rtstream_id": rts, "name": f"mic:{rts}"} for rts in streams])


def frames_per_message(log, widget, dash) -> int:
    """The most messages `widget` sent in one renderer frame."""
    frames = [m.at for m in log.of(widget)]
    return max((frames.count(at) for at in set(frames)), default=0)


def test_pause_holds_every_pane_but_the_counters_and_resume_catches_up(log, store):
    dash = Dashboard(store, max_rate_hz=20)
    store.add(transcript_frame("before the pause"))
    wait_until(shows(dash, "transcript", "before the pause"))
    dash.controls.pause.value = True  # a click, or Space on the focused button
    assert dash.paused and dash.controls.pause.description == "Resume"
    sent_before = log.updates(dash.panes["transcript"])
    store.add(transcript_frame("said while paused"))
    store.add(alert_frame())
    wait_until(shows(dash, "counters", ">3<"))  # the counters go on, in the same frames
    assert "said while paused" not in dash.panes["transcript"].value
    assert "sensitive_content" not in dash.panes["alerts"].value
    assert log.updates(dash.panes["transcript"]) == sent_before
    assert len(store) == 3  # events keep arriving in the store
    dash.controls.pause.value = False
    wait_until(shows(dash, "transcript", "said while paused"))
    wait_until(shows(dash, "alerts", "sensitive_content"))
    assert not dash.paused and dash.controls.pause.description == "Pause"
    dash.close()


def test_the_text_filter_is_followed_by_every_pane_but_the_counters(log, store):
    dash = Dashboard(store, max_rate_hz=20)
    store.add(transcript_frame("Can you read me the card number"))
    store.add(transcript_frame("Let us talk about the launch"))
    store.add(alert_frame(text="card digits on screen"))
    wait_until(shows(dash, "table", "launch"))
    dash.controls.filter.value = "CARD"  # typed, then Enter (continuous_update=False)
    wait_until(lambda: "launch" not in dash.panes["transcript"].value)
    assert "card number" in dash.panes["transcript"].value
    assert "launch" not in dash.panes["table"].value and "card number" in dash.panes["table"].value
    assert "sensitive_content" in dash.panes["alerts"].value
    store.add(transcript_frame("more on the launch"))
    store.add(transcript_frame("the card again"))
    wait_until(shows(dash, "transcript", "the card again"))
    wait_until(shows(dash, "counters", ">5<"))  # counted, though filtered out
    assert "more on the launch" not in dash.panes["transcript"].value
    dash.controls.filter.value = ""
    wait_until(shows(dash, "transcript", "more on the launch"))
    dash.close()


def test_the_session_picker_lists_sessions_and_every_pane_follows_the_pick(log, store):
    dash = Dashboard(store, max_rate_hz=20)
    store.add(active("cap-1", "rts-a"))
    store.add(active("cap-2", "rts-b"))
    store.add(transcript_frame("from the first desk", rts="rts-a", stream="mic:a"))
    store.add(transcript_frame("from the second desk", rts="rts-b", stream="mic:b"))
    wait_until(lambda: [v for _, v in dash.controls.session.options] == ["", "cap-1", "cap-2"])
    assert ("cap-1 · user-cap-1", "cap-1") in dash.controls.session.options
    dash.controls.session.value = "cap-2"
    wait_until(lambda: "first desk" not in dash.panes["transcript"].value)
    assert "second desk" in dash.panes["transcript"].value
    wait_until(shows(dash, "sessions", "showing cap-2"))
    wait_until(lambda: dash.controls.session_id.value == "cap-2")
    wait_until(lambda: [v for _, v in dash.controls.stream.options] == ["", "rts-b"])
    store.add(transcript_frame("live from the first desk", rts="rts-a", stream="mic:a"))
    store.add(transcript_frame("live from the second desk", rts="rts-b", stream="mic:b"))
    wait_until(shows(dash, "transcript", "live from the second desk"))
    assert "live from the first desk" not in dash.panes["transcript"].value
    assert "live from the first desk" not in dash.panes["table"].value
    dash.controls.session.value = ""
    wait_until(shows(dash, "transcript", "live from the first desk"))
    dash.close()


def test_the_stream_picker_shows_one_stream(log, store):
    dash = Dashboard(store, max_rate_hz=20)
    store.add(transcript_frame("microphone", rts="rts-1", stream="mic:default"))
    store.add(transcript_frame("system sound", rts="rts-2", stream="system_audio:default"))
    wait_until(lambda: len(dash.controls.stream.options) == 3)
    dash.controls.stream.value = "rts-2"
    wait_until(lambda: "microphone" not in dash.panes["transcript"].value)
    assert "system sound" in dash.panes["transcript"].value
    wait_until(lambda: dash.controls.stream_id.value == "rts-2")
    dash.close()


def test_ids_can_be_copied_but_not_changed(log):
    feedlike = type("FeedLike", (), {"store": vn.EventStore(), "connection_id": "conn-123"})()
    dash = Dashboard(feedlike, max_rate_hz=20)
    box = dash.controls.connection_id
    assert box.value == "conn-123" and box.description == "Connection id"
    box.value = "typed over"  # what a keystroke in the box sends
    assert box.value == "conn-123"
    dash.close()


def test_every_control_has_a_label_a_screen_reader_announces(log, store):
    dash = Dashboard(store, title="Support floor")
    bar = dash.controls
    assert "Support floor" in bar.title.value and "role='heading'" in bar.title.value
    for control in (bar.pause, bar.filter, bar.session, bar.stream, bar.session_id, bar.stream_id):
        assert control.description and control.tooltip
    dash.close()


def test_pickers_keep_the_message_budget_when_a_hundred_sessions_arrive(log, store):
    dash = Dashboard(store, max_rate_hz=20)
    log.clock = lambda: dash.renderer.frame_at  # which frame each message belongs to
    for n in range(100):
        store.add(active(f"cap-{n:03d}", f"rts-{n:03d}"))
        store.add(transcript_frame(f"line {n}", rts=f"rts-{n:03d}", stream="mic:default"))
    wait_until(lambda: len(dash.controls.session.options) == 101)
    wait_until(lambda: len(dash.controls.stream.options) == 101)
    for widget in (dash.controls.session, dash.controls.stream, dash.controls.session_id,
                   dash.panes["sessions"]):
        assert frames_per_message(log, widget, dash) <= 1
    # 200 events, yet the pickers were sent fewer updates than there were events
    assert log.updates(dash.controls.session) < 100
    sessions = dash.panes["sessions"].value
    assert "active 100" in sessions and "cap-099" in sessions  # the fleet view: counts, lines
    dash.controls.session.value = "cap-042"
    wait_until(shows(dash, "transcript", "line 42"))
    wait_until(shows(dash, "sessions", "showing cap-042"))
    assert "line 41" not in dash.panes["transcript"].value
    dash.close()


def test_a_few_sessions_are_cards_and_the_picked_one_is_marked(log, store):
    dash = Dashboard(store, max_rate_hz=20)
    for n in range(CARDS):
        store.add(active(f"cap-{n}", f"rts-{n}"))
    wait_until(shows(dash, "sessions", f"{CARDS} sessions"))
    assert "active 4" not in dash.panes["sessions"].value  # cards, not the fleet summary
    dash.select(session="cap-1")
    wait_until(shows(dash, "sessions", "box-shadow:inset 3px"))
    dash.close()


def test_select_from_code_matches_the_controls_and_a_filtered_store_reopens(log, store):
    for n in range(50):
        store.add(transcript_frame(f"old line {n}"))
    dash = Dashboard(store, max_rate_hz=20)
    dash.select(text="line 4")  # 4 and 40..49: the panes are rebuilt from the store
    wait_until(lambda: "old line 39" not in dash.panes["table"].value)
    assert "old line 49" in dash.panes["table"].value and "old line 4<" in dash.panes["table"].value
    dash.select(text="")
    wait_until(shows(dash, "table", "old line 39"))
    dash.close()


def test_the_controls_still_work_after_the_feed_has_closed(log, store):
    store.add(transcript_frame("the card number"))
    store.add(transcript_frame("the launch plan"))
    store.add({"channel": "feed", "event": "feed.closed", "data": {}})
    dash = Dashboard(store, max_rate_hz=20, grid=True)
    wait_until(lambda: not dash.running)  # the source ended: the renderer drew the end and stopped
    dash.controls.filter.value = "card"
    assert "launch" not in dash.panes["transcript"].value
    assert "the card number" in dash.panes["transcript"].value
    dash.grid.children[0].sort_by.value = "text"
    assert "text ▼" in dash.panes["grid"].value
    dash.close()


def test_without_controls_the_same_calls_work_from_code(log, store):
    dash = Dashboard(store, max_rate_hz=20, controls=False)
    assert dash.controls is None and len(dash.children) == 5  # counters, 2 rows, timeline, table
    store.add(transcript_frame("the card number"))
    store.add(transcript_frame("the launch plan"))
    wait_until(shows(dash, "transcript", "launch plan"))
    dash.select(text="card")
    wait_until(lambda: "launch plan" not in dash.panes["transcript"].value)
    dash.pause()
    store.add(transcript_frame("another card"))
    wait_until(shows(dash, "counters", ">3<"))
    assert "another card" not in dash.panes["transcript"].value
    dash.resume()
    wait_until(shows(dash, "transcript", "another card"))
    dash.close()


def test_a_pick_made_while_the_renderer_refreshes_the_pickers_is_not_lost(monkeypatch):
    from vdb_notebook.store import EventStore
    from vdb_notebook.widgets import controls as module
    from vdb_notebook.widgets.selection import Catalog
    store = EventStore()
    for n in range(3):
        store.add(active(f"cap-{n}", f"rts-{n}"))
    picked = []
    bar = module.Controls("t", on_pause=lambda paused: None, on_select=picked.append)
    catalog = Catalog()
    catalog.seed(store.df.iloc[:2])
    bar.refresh(catalog)  # cap-0 and cap-1 to pick from
    set_options = module._set

    def refresh_meets_the_pick(picker, options):  # the renderer, mid-refresh, as the user picks
        if picker is bar.session:
            wait_until(lambda: picker.value == "cap-1", timeout=5)
        set_options(picker, options)

    monkeypatch.setattr(module, "_set", refresh_meets_the_pick)
    catalog.seed(store.df)  # cap-2 arrives: the next refresh sets new options
    renderer = threading.Thread(target=bar.refresh, args=(catalog,))
    renderer.start()
    bar.session.value = "cap-1"  # the user's pick, on the kernel's thread
    renderer.join(10)
    assert [s.session for s in picked] == ["cap-1"] and bar.session.value == "cap-1"
