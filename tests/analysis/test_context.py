"""vn.alert_context on the recorded standup (analysis/context.py)."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

import vdb_notebook as vn


def test_what_was_said_and_shown_around_the_card_number(standup):
    alert = standup.alerts().query("label == 'sensitive_content'").sort_values("start").iloc[0]
    context = vn.alert_context(standup, alert)
    assert list(context.columns) == ["at", "from_alert", "channel", "stream", "text", "start", "end"]
    assert {"transcript", "visual_index"} <= set(context["channel"])
    window_start = alert["start"] - pd.Timedelta("10s")
    window_end = alert["end"] + pd.Timedelta("5s")
    assert (context["end"].fillna(context["start"]) >= window_start).all()
    assert (context["start"] <= window_end).all()
    assert context["start"].is_monotonic_increasing
    wider = vn.alert_context(standup, alert, before="60s", after="60s")
    assert len(wider) > len(context)
    seq = int(standup.alerts(full=True).query("label == 'sensitive_content'").sort_values("start")["seq"].iloc[0])
    assert vn.alert_context(standup, seq).equals(context)  # by seq too


def test_bad_arguments_say_what_to_pass(standup):
    alert = standup.alerts().iloc[0]
    with pytest.raises(ValueError, match=r"before is seconds .* a string like '10s'"):
        vn.alert_context(standup, alert, before="soon")
    with pytest.raises(ValueError, match="after is seconds"):
        vn.alert_context(standup, alert, after=[5])
    with pytest.raises(ValueError, match="pass the store first"):
        vn.alert_context(alert, alert)  # a row where the store goes


def test_windows_take_seconds_strings_and_timedeltas(standup):
    alert = standup.alerts().iloc[0]
    wide = vn.alert_context(standup, alert, before="1m", after="1m30s")
    assert wide.equals(vn.alert_context(standup, alert, before=60, after=timedelta(seconds=90)))
    assert len(wide) > len(vn.alert_context(standup, alert, before=0, after=0.0))
    with pytest.raises(ValueError, match="no alert with seq"):
        vn.alert_context(standup, -5)
