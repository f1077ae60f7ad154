"""Clip targets: rows, shots and tuples become an rtstream window in whole epoch seconds."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from videodb.rtstream import RTStream, RTStreamShot

from vdb_notebook.review.window import epoch_seconds, window_of

T = 1768912595


def test_an_alert_row_gives_its_stream_window_label_and_session() -> None:
    row = pd.Series({"rtstream_id": "rts-2", "rtstream_name": "system_audio:default", "label": "pii",
                     "capture_session_id": "cap-1", "start": pd.Timestamp(T, unit="s", tz="UTC"),
                     "end": pd.Timestamp(T + 7.5, unit="s", tz="UTC")})
    w = window_of(row, before=2)
    assert (w.rtstream_id, w.start, w.end, w.title, w.capture_session_id) == ("rts-2", T - 2, T + 8, "pii", "cap-1")
    assert w.label == "system_audio:default 12:36:33-12:36:43 UTC"


def test_a_shot_brings_its_connection_and_text() -> None:
    conn = object()
    shot = RTStreamShot(conn, rtstream_id="rts-3", start=T + 0.2, end=T + 4.9, rtstream_name="display:1",
                        text="the Jira board", search_score=0.7)
    w = window_of(shot)
    assert (w.start, w.end, w.title, w.connection) == (T, T + 5, "the Jira board", conn)


@pytest.mark.parametrize("start, end", [(T, T + 10), (T * 1000, (T + 10) * 1000),
                                        (datetime.fromtimestamp(T, UTC), pd.Timestamp(T + 10, unit="s", tz="UTC"))])
def test_a_tuple_takes_seconds_ms_or_aware_times(start, end) -> None:
    w = window_of((RTStream(None, id="rts-4", name="mic:default"), start, end))
    assert (w.rtstream_id, w.rtstream_name, w.start, w.end) == ("rts-4", "mic:default", T, T + 10)


def test_a_zero_length_moment_still_plays_a_second() -> None:
    assert window_of(("rts-1", T, T)).duration == 1


@pytest.mark.parametrize("target, error, message", [
    ("rts-1", TypeError, "vn.clip takes an alert or transcript row"),
    (("rts-1", T + 5, T), ValueError, "ends before it starts"),
    ((3, T, T + 1), TypeError, "rtstream id or an RTStream"),
    (("rts-1", datetime(2026, 1, 20), T), ValueError, "has no timezone"),
    (("rts-1", "noon", T), TypeError, "a time is epoch seconds"),
    (pd.Series({"rtstream_id": "rts-1", "start": pd.NaT, "end": pd.NaT}), ValueError, "this row has no start, end"),
])
def test_bad_targets_say_what_to_pass(target, error, message) -> None:
    with pytest.raises(error, match=message):
        window_of(target)
    with pytest.raises(ValueError, match="before is seconds"):
        window_of(("rts-1", T, T + 1), before=-1)


def test_margins_take_seconds_strings_and_timedeltas() -> None:
    assert window_of(("rts-1", T, T + 1), before="1m30s", after=timedelta(seconds=2)) \
        == window_of(("rts-1", T, T + 1), before=90, after=2.0)


def test_epoch_seconds_reads_ms_as_frames_carry_them() -> None:
    assert epoch_seconds(1768912595123) == pytest.approx(1768912595.123)
    assert epoch_seconds(1768912595.5) == 1768912595.5


def test_a_row_is_traced_to_its_store_past_another_store_whose_event_has_no_time() -> None:
    from vdb_notebook.review.targets import store_for
    from vdb_notebook.store import EventStore
    from vdb_notebook.webhooks import lifecycle
    other = EventStore()
    other.add(lifecycle("cap-other")[0])  # event #0 there has no start: NA, not a time
    shown = other.alerts()  # a store that made a view is one a row may come from
    ours = EventStore()
    ours.add({"channel": "alert", "rtstream_id": "rts-1", "data": {
        "label": "pii", "triggered": True, "start": 1768912595000, "end": 1768912602000}})
    row = pd.Series(ours.alerts().iloc[0].to_dict(), name=0)  # no attrs: found by seq and start
    assert store_for(row) is ours
    assert shown.empty and other.df["start"].isna().all()
