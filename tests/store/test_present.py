"""What the views show (store/present.py): sorted by start, `at` since the session went active,
one time precision per column, which clock made them, filters, and rows that know their store."""
from __future__ import annotations

import pandas as pd
import pytest

from vdb_notebook.store import EventStore
from vdb_notebook.store.present import CLOCK_NOTE, store_of

T0 = 1768912496000


def _store() -> EventStore:
    store = EventStore()
    for session, active in (("cap-1", T0), ("cap-2", T0 + 60_000)):
        store.add({"channel": "capture_session", "event": "capture_session.active",
                   "capture_session_id": session, "timestamp": active})
    # alerts arrive out of order: 01:42, 01:30, 01:35.5 after cap-1 went active
    for at_ms, label, stream in ((102_000, "pii", "mic:default"), (90_000, "decision", "display"),
                                 (95_500, "pii", "display")):
        store.add({"channel": "alert", "rtstream_name": stream, "capture_session_id": "cap-1",
                   "data": {"label": label, "start": T0 + at_ms, "end": T0 + at_ms + 2000}})
    store.add({"channel": "alert", "rtstream_name": "mic:default", "capture_session_id": "cap-2",
               "data": {"label": "pii", "start": T0 + 70_000, "end": T0 + 71_000}})
    return store


def test_views_are_sorted_by_start_with_time_since_their_session_went_active():
    alerts = _store().alerts()
    assert alerts["start"].is_monotonic_increasing
    assert [str(t) for t in alerts["at"]] == [
        "0 days 00:00:10", "0 days 00:01:30", "0 days 00:01:36", "0 days 00:01:42"]
    assert alerts.index.name == "seq" and alerts.index.tolist() == [5, 3, 4, 2]


def test_a_time_column_prints_at_one_precision_and_says_which_clock_made_it():
    alerts = _store().alerts()
    shown = alerts.to_string()
    assert "12:36:31.500+00:00" in shown and "12:36:26.000+00:00" in shown  # not 12:36:26+00:00
    assert str(alerts["start"].dtype) == "datetime64[ms, UTC]"
    assert alerts.attrs["clock"] == CLOCK_NOTE and "wall clock" in CLOCK_NOTE


def test_filters_by_label_stream_session_and_time():
    store = _store()
    assert store.alerts(label="pii")["stream"].tolist() == ["mic:default", "display", "mic:default"]
    assert store.alerts(label=["decision"], stream="display")["label"].tolist() == ["decision"]
    assert len(store.alerts(session="cap-2")) == 1
    assert len(store.alerts(session=["cap-1"], since="95s")) == 2
    assert len(store.alerts(until=pd.Timestamp(T0 + 90_000, unit="ms", tz="UTC"))) == 2
    assert len(store.alerts(since=91, until="100s", session="cap-1")) == 1
    assert store.transcript(stream="mic:default").empty and store.scenes(session="cap-1").empty
    with pytest.raises(TypeError, match=r"label= takes a name or a list of names, not 3"):
        store.alerts(label=3)
    with pytest.raises(TypeError, match="since= takes a time since the session went active"):
        store.alerts(since=object())


def test_full_keeps_every_column_and_rows_know_their_store():
    store, other = _store(), _store()
    full = store.alerts(full=True)
    assert list(full.columns) == ["at", *store.df.columns, "stream"]
    row = store.alerts().iloc[0]
    assert store_of(row) is store and store_of(other.alerts()) is other
    assert store_of(pd.Series({"start": 1})) is None


def test_a_view_read_again_after_adds_is_the_same_as_one_read_fresh():
    store = _store()
    store.alerts()  # presented once: later reads extend it
    late = {"channel": "alert", "rtstream_name": "display", "capture_session_id": "cap-1",
            "data": {"label": "pii", "start": T0 + 200_000, "end": T0 + 201_000}}
    early = {"channel": "alert", "rtstream_name": "display", "capture_session_id": "cap-1",
             "data": {"label": "pii", "start": T0 + 1_000, "end": T0 + 2_000}}
    for frame in (late, early):  # one after the last shown, one before the first
        store.add(frame)
        pd.testing.assert_frame_equal(store.alerts(), present_fresh(store))
    assert store.alerts()["start"].is_monotonic_increasing and len(store.alerts()) == 6


def present_fresh(store: EventStore) -> pd.DataFrame:
    """The view computed from scratch (no earlier presentation to extend)."""
    store.__dict__.pop("_shown", None)
    return store.alerts()
