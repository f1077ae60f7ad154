"""The alerts pane (widgets/alerts.py)."""
from __future__ import annotations

import re
import time

import vdb_notebook as vn
from vdb_notebook.widgets import Dashboard
from vdb_notebook.widgets.alerts import NEW_FOR_S
from vdb_notebook.widgets.testing import alert_frame, shows, wait_until


def test_alert_badge_confidence_bar_and_new_highlight_expires(log, store, monkeypatch):
    monkeypatch.setattr("vdb_notebook.widgets.alerts.NEW_FOR_S", 0.3)
    now = [time.time()]  # the panes' clock, held before the alert arrives: new however late drawn
    dash = Dashboard(store, max_rate_hz=20, wall_clock=lambda: now[0])
    store.add(alert_frame(confidence=0.92, text="Password visible on screen"))
    wait_until(shows(dash, "alerts", "Password visible on screen"))
    value = dash.panes["alerts"].value
    assert "sensitive_content" in value and "92%" in value and "width:92%" in value
    assert ">NEW<" in value
    now[0] = time.time() + 1  # the highlight (shortened to 0.3 s) has run out
    wait_until(lambda: ">NEW<" not in dash.panes["alerts"].value)  # redrawn without new events
    assert NEW_FOR_S > 1  # the real highlight lasts a while
    dash.close()


def test_a_new_badge_hides_itself_when_its_time_is_up_without_another_frame(log):
    now = [time.time()]
    store = vn.EventStore(clock=lambda: int(now[0] * 1000))  # arrives at the dashboard's now
    dash = Dashboard(store, max_rate_hz=20, wall_clock=lambda: now[0])
    store.add(alert_frame(text="fresh"))
    wait_until(shows(dash, "alerts", ">NEW<"))
    value = dash.panes["alerts"].value
    # the browser hides the badge and the tint after the seconds left, by itself
    left, = re.findall(r"animation:vdb-new-off 0s linear (\d+\.\d)s forwards", value)
    assert NEW_FOR_S - 1 < float(left) <= NEW_FOR_S + 0.1
    assert "@keyframes vdb-new-off{to{visibility:hidden}}" in value
    dash.close()


def test_after_the_feed_closed_the_renderer_stays_for_the_last_badge_then_ends(log, store,
                                                                                monkeypatch):
    monkeypatch.setattr("vdb_notebook.widgets.alerts.NEW_FOR_S", 0.5)
    dash = Dashboard(store, max_rate_hz=20)
    store.add(alert_frame(text="just before the end"))
    store.add({"channel": "feed", "event": "feed.closed"}, source="feed")
    wait_until(shows(dash, "counters", "· closed"))
    assert ">NEW<" in dash.panes["alerts"].value and dash.running
    wait_until(lambda: not dash.running)
    assert ">NEW<" not in dash.panes["alerts"].value  # its final frame came without events
    dash.close()
