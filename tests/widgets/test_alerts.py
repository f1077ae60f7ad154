"""The alerts pane (widgets/alerts.py)."""
from __future__ import annotations

import time

import ipywidgets as widgets

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
