"""vn.Dashboard: construction, sources, catching up, stopping, and how it ends (widgets/dashboard.py)."""
from __future__ import annotations

import threading

import ipywidgets as widgets
import pytest

import vdb_notebook as vn
from vdb_notebook.widgets import Dashboard
from vdb_notebook.widgets.controls import Controls, CopyableId
from vdb_notebook.widgets.testing import (
    T0,
    alert_frame,
    await_until,
    shows,
    transcript_frame,
    wait_until,
)


def test_repr_is_stable_and_widget_view_is_kept(log, store):
    dash = Dashboard(store, max_rate_hz=4, tail=50)
    store.add(transcript_frame("hello"))
    wait_until(shows(dash, "transcript", "hello"))
    bundle = dash._repr_mimebundle_()
    assert bundle["text/plain"] == (
        "Dashboard(panes=transcript, visual, audio, alerts, sessions, timeline; max_rate_hz=4, tail=50)")
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == dash.model_id
    assert repr(Dashboard(store, max_rate_hz=2.5, tail=0)).endswith("max_rate_hz=2.5, tail=0)")
    dash.close()


def test_no_output_widgets_only_html_and_boxes(log, store):
    dash = Dashboard(store)
    kinds = {type(w) for w in widget_tree(dash)}
    assert widgets.Output not in kinds
    controls = {Controls, CopyableId, widgets.ToggleButton, widgets.Text, widgets.Dropdown, widgets.VBox}
    assert kinds <= {Dashboard, widgets.HBox, widgets.HTML} | controls
    assert set(dash.panes) == {"counters", "transcript", "visual", "audio", "alerts",
                               "sessions", "timeline", "table"}
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


def test_prefilled_store_is_shown_and_concurrent_adds_count_once(log, store):
    for i in range(3000):
        store.add(transcript_frame(f"old {i}"))
    store.add("rejected before")
    adding = threading.Thread(target=lambda: [store.add(transcript_frame(f"new {i}")) for i in range(3000)])
    adding.start()
    dash = Dashboard(store, max_rate_hz=10)
    adding.join()
    wait_until(shows(dash, "counters", ">6000<"))
    snap = dash.counters.snapshot()
    assert snap.total == len(store) == 6000 and snap.rejected == 1
    assert dash.renderer.panes["table"].rows[-1][0] == store.df["seq"].iloc[-1]
    dash.close()


def test_an_event_announced_after_the_dashboard_read_its_row_counts_once(log, store):
    # An add announces its event after releasing the store's lock, so a dashboard can read an
    # event's row and then hear of it (the race behind a count of 6001 for 6000). Replayed in
    # that order: rows added unheard, then announced after the dashboard read them.
    def add_unheard(frame):
        heard, store._subscribers[:] = list(store._subscribers), []
        added = store.add(frame)
        store._subscribers[:] = heard
        return added

    early = store.add(transcript_frame("before the dashboard"))
    rejected = store.add("not json")
    dash = Dashboard(store, max_rate_hz=10)
    store._announce(store._subscribers, early)
    store._announce(store._rejection_subscribers, rejected)
    assert (dash.counters.snapshot().total, dash.counters.snapshot().rejected) == (1, 1)
    late = add_unheard(transcript_frame("added as the filter changed"))
    dash.select(text="added")  # rebuilt from the rows: the filtered panes have it, not the counters
    store._announce(store._subscribers, late)
    store.add(transcript_frame("added after"))
    wait_until(shows(dash, "transcript", "added after"))
    assert dash.counters.snapshot().total == 3
    assert dash.panes["transcript"].value.count("added as the filter changed") == 1
    dash.close()


def test_catching_up_on_a_filled_store_shows_what_following_it_live_shows(log):
    frames = []
    for i in range(3000):
        stream = i % 3
        frames.append(transcript_frame(f"line {i}", final=i % 4 == 0, rts=f"rts-{stream}",
                                 stream=f"stream {stream}", at=i))
        if i % 50 == 0:
            frames.append(alert_frame(text=f"alert {i}"))
            frames.append({"channel": "visual_index", "rtstream_id": "rts-3",
                           "data": {"text": f"scene {i}", "start": T0 + i, "end": T0 + i + 1}})
            frames.append({"channel": "feed", "event": "feed.gap", "data": {
                "start": T0 + i, "end": T0 + i + 700, "reason": f"drop {i}"}})
        if i % 500 == 0:
            frames += vn.webhooks.lifecycle(f"cap-{i}")[: 2 + i // 500]
    frames.append({"channel": "transcript", "rtstream_id": "rts-9", "type": "transcript",
                   "data": {"text": "webhook line without is_final"}})
    arrival = lambda: 1_768_912_500_000  # one arrival time for both: NEW badges age alike
    live_store, filled_store = vn.EventStore(clock=arrival), vn.EventStore(clock=arrival)
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
    store.add(transcript_frame("before stop"))
    dash.stop()
    assert "before stop" in dash.panes["transcript"].value  # stop flushes
    assert "stopped" in dash.panes["counters"].value and not dash.running
    store.add(transcript_frame("after stop"))  # subscribers are called within add: none is left
    assert dash.counters.snapshot().total == 1
    assert "after stop" not in dash.panes["transcript"].value
    dash.stop()  # twice is fine
    dash.close()


async def test_dashboard_on_a_real_feed_shows_the_standup_and_ends_when_it_closes(log):
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
        await await_until(shows(dash, "timeline", "alert: sensitive_content"))
        counters = dash.panes["counters"].value
        assert f"connection {feed.connection_id}" in counters and "· live" in counters
        assert "times: mm:ss since session active" in counters
        await feed.close()
        await await_until(shows(dash, "counters", "· closed"))  # learned from feed.closed
        await await_until(lambda: not dash.running)  # after the last NEW badge ran out
        assert ">NEW<" not in dash.panes["alerts"].value
        assert dash.counters.snapshot().total == len(feed.store)
        dash.close()


def test_a_feed_of_any_kind_ends_with_its_feed_closed_record(log, store):
    class FeedLike:  # someone else's feed: a .store, and the feed.closed record when it ends
        def __init__(self) -> None:
            self.store, self.connection_id = store, "conn-1"

    dash = Dashboard(FeedLike(), max_rate_hz=10)
    store.add(transcript_frame("live line"))
    wait_until(shows(dash, "transcript", "live line"))
    assert "connection conn-1" in dash.panes["counters"].value and dash.running
    store.add({"channel": "feed", "event": "feed.closed"}, source="feed")
    wait_until(lambda: not dash.running)
    assert "· closed" in dash.panes["counters"].value
    store.add(transcript_frame("after the end"))
    assert dash.counters.snapshot().total == 2
    later = Dashboard(FeedLike(), max_rate_hz=10)  # made after the feed closed: it says so
    wait_until(lambda: not later.running)
    assert "· closed" in later.panes["counters"].value
    dash.close()
    later.close()


def test_snapshot_is_the_final_state_without_script_or_new_badges(log, store):
    dash = Dashboard(store, max_rate_hz=20)
    store.add(transcript_frame("said before the end"))
    store.add(alert_frame(text="fresh alert"))
    store.add({"channel": "feed", "event": "feed.closed"}, source="feed")
    wait_until(shows(dash, "alerts", ">NEW<"))  # live: new for NEW_FOR_S
    html = dash.snapshot_html()
    assert html.startswith("<!-- vdb-snapshot -->") and html.endswith("<!-- /vdb-snapshot -->")
    assert "said before the end" in html and "fresh alert" in html
    # no inline SVG (a notebook opened from disk is untrusted: its sanitizer strips it): the
    # timeline is an image, each bar's hover text in an image map
    assert "<svg" not in html and "data:image/svg+xml;base64," in html
    assert "<area shape='rect'" in html and "· alert" not in html.split("<map", 1)[0]
    assert "static snapshot (closed, 3 events)" in html
    assert ">NEW<" not in html and "<script" not in html
    dash.close()


def test_the_output_carries_a_snapshot_that_is_updated_after_each_cell(log, store):
    from IPython.core.displaypub import CapturingDisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    publisher, shell.display_pub = shell.display_pub, CapturingDisplayPublisher()
    try:
        dash = Dashboard(store, max_rate_hz=20)
        dash._ipython_display_()  # no cell id, as under nbclient: two outputs
        widget, shown = shell.display_pub.outputs
        assert widget["data"]["application/vnd.jupyter.widget-view+json"]["model_id"] == dash.model_id
        assert widget["data"]["text/plain"] == repr(dash) and "text/html" not in widget["data"]
        assert "No events yet." in shown["data"]["text/html"] and not shown["update"]
        assert ".vdb-static-copy{display:none}" in shown["data"]["text/html"]
        store.add(transcript_frame("a line"))
        shell.events.trigger("post_execute")  # the kernel does this after each cell
        updated = shell.display_pub.outputs[-1]
        assert updated["update"] and updated["transient"] == shown["transient"]
        assert "a line" in updated["data"]["text/html"]
        assert "a line" in dash.panes["transcript"].value  # drawn on the cell's own thread
        dash.close()  # its last state: stopped
        assert "static snapshot (stopped" in shell.display_pub.outputs[-1]["data"]["text/html"]
        published = len(shell.display_pub.outputs)
        store.add(transcript_frame("after close"))
        shell.events.trigger("post_execute")  # closed: no longer registered
        assert len(shell.display_pub.outputs) == published
    finally:
        shell.display_pub = publisher


def test_store_filled_by_replay_before_or_after_the_dashboard(log, store, tmp_path):
    for i in range(200):
        store.add(transcript_frame(f"recorded {i}", at=i))
    store.add(alert_frame(text="recorded alert"))
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


def widget_tree(widget: widgets.Widget) -> list[widgets.Widget]:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += widget_tree(child)
    return found


def test_two_dashboards_have_titles_that_tell_them_apart(log):
    from vdb_notebook.store import EventStore
    first, second = Dashboard(EventStore()), Dashboard(EventStore())
    try:
        assert first.title != second.title and first.title.startswith("VideoDB events · store-")
        assert Dashboard(EventStore(), title="Standup").title == "Standup"
    finally:
        first.close(), second.close()
