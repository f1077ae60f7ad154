"""Every renamed or removed public name keeps working for one release with a DeprecationWarning
(CHANGELOG.md lists each); the new names do not warn."""
from __future__ import annotations

import asyncio
import warnings

import pandas as pd
import pytest

import vdb_notebook as vn
from vdb_notebook.feed import FeedState
from vdb_notebook.review import Clips

T = 1768912590
ALERT = {"channel": "alert", "rtstream_id": "rts-1", "rtstream_name": "mic:default",
         "capture_session_id": "cap-1",
         "data": {"label": "pii", "confidence": 0.9, "start": T * 1000, "end": (T + 2) * 1000}}
SAID = {"channel": "transcript", "rtstream_id": "rts-1", "rtstream_name": "mic:default",
        "capture_session_id": "cap-1",
        "data": {"text": "card 4111", "is_final": True, "start": (T - 40) * 1000,
                 "end": (T - 38) * 1000}}


def store_with_an_alert() -> vn.EventStore:
    store = vn.EventStore()
    store.extend([SAID, ALERT])
    return store


@pytest.fixture
def strict():
    """Inside, any DeprecationWarning the test does not expect fails it."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        yield


def test_vn_clips_is_vn_clip_of_a_dataframe(strict) -> None:
    with pytest.warns(DeprecationWarning, match="vn.clips is deprecated.*use vn.clip"):
        clips = vn.clips(pd.DataFrame())
    assert isinstance(clips, Clips) and len(clips) == 0
    assert isinstance(vn.clip(pd.DataFrame()), Clips)
    from vdb_notebook.review import clips as old
    with pytest.warns(DeprecationWarning, match="vn.clips"):
        old(pd.DataFrame())


def test_clip_margins_by_position_warn_and_still_apply(strict, monkeypatch) -> None:
    import weakref

    monkeypatch.setattr("vdb_notebook.connection._live", weakref.WeakSet())  # none in play
    with pytest.warns(DeprecationWarning, match=r"passing before to clip\(\) by position"), \
            pytest.raises(ValueError, match="pass conn=conn"):  # got past the arguments
        vn.clip(("rts-1", T, T + 1), 5)


def test_open_dataset_as_duckdb_is_scan_dataset(strict, tmp_path) -> None:
    with vn.EventStore(path=tmp_path / "d") as store:
        store.extend([SAID, ALERT])
    with pytest.warns(DeprecationWarning, match=r"as_duckdb=True\) is deprecated.*scan_dataset"):
        rel = vn.open_dataset(tmp_path / "d", as_duckdb=True)
    scanned = vn.scan_dataset(tmp_path / "d")
    assert rel.count("*").fetchall() == scanned.count("*").fetchall() == [(2,)]
    assert len(vn.open_dataset(tmp_path / "d", capture_session_id="cap-1")) == 2
    with pytest.warns(DeprecationWarning, match="capture_session_id to open_dataset"):
        assert len(vn.open_dataset(tmp_path / "d", "cap-1")) == 2


def test_alert_context_windows_by_position_warn(strict) -> None:
    store = store_with_an_alert()
    alert = store.alerts().iloc[0]
    with pytest.warns(DeprecationWarning, match=r"passing before, after to alert_context\(\)"):
        old = vn.alert_context(store, alert, "1m", "0s")
    assert old.equals(vn.alert_context(store, alert, before=60, after=0))
    assert old["text"].tolist() == ["card 4111"]


def test_replay_speed_by_position_warns(strict) -> None:
    with pytest.warns(DeprecationWarning, match=r"passing speed to replay\(\)"):
        store = vn.replay([SAID], None, 1000.0, progress=False)
    assert len(store) == 1


def test_replay_async_defaults_to_replay_s_speed(strict) -> None:
    """One default: both replay as fast as possible unless given a speed."""
    import inspect
    assert inspect.signature(vn.replay).parameters["speed"].default is None
    assert inspect.signature(vn.replay_async).parameters["speed"].default is None
    assert len(asyncio.run(vn.replay_async([SAID, ALERT], progress=False))) == 2


def test_emulator_options_by_position_warn(strict) -> None:
    with pytest.warns(DeprecationWarning, match=r"passing speed, seed to Emulator.__init__\(\)"):
        emu = vn.Emulator("standup", "max", 3)
    assert (emu._speed, emu._seed) == ("max", 3)
    with pytest.raises(TypeError, match="multiple values for 'speed'"):
        vn.Emulator("standup", "max", speed=2)


def test_receiver_options_by_position_warn(strict) -> None:
    with pytest.warns(DeprecationWarning, match=r"passing secret, host, port to"):
        rx = vn.WebhookReceiver.start_sync(None, None, "127.0.0.1", 0)
    try:
        assert rx.url.startswith("http://127.0.0.1:")
        with pytest.warns(DeprecationWarning, match=r"rx.wait_for_sync\(n=...\).*processed="):
            rx.wait_for_sync(n=0, timeout=5)
        rx.wait_for_sync(processed=0, timeout=5)
    finally:
        rx.close_sync()


def test_deliver_options_by_position_warn(strict) -> None:
    with pytest.warns(DeprecationWarning, match=r"passing duplicates to deliver\(\)"):
        summary = asyncio.run(vn.webhooks.deliver("http://127.0.0.1:9/", [], 1))
    assert summary.events == 0
    assert vn.webhooks.deliver_sync("http://127.0.0.1:9/", [], duplicates=1).events == 0


def test_dashboard_options_by_position_warn(strict) -> None:
    with pytest.warns(DeprecationWarning, match=r"passing max_rate_hz, tail to Dashboard"):
        dash = vn.Dashboard(vn.EventStore(), 2.5, 0)
    try:
        assert repr(dash).endswith("max_rate_hz=2.5, tail=0)")
    finally:
        dash.close()


def test_both_read_journal_functions_got_names_saying_what_they_return(strict, tmp_path) -> None:
    from vdb_notebook.feed import journal as feed_journal
    path = tmp_path / "frames.jsonl"
    path.write_text('{"received_at": 1, "source": "ws", "frame": "{}"}\n')
    with pytest.warns(DeprecationWarning, match="read_journal is deprecated.*read_records"):
        old = list(feed_journal.read_journal(path))
    assert old == list(feed_journal.read_records(path))
    with pytest.warns(DeprecationWarning, match="vn.webhooks.read_journal.*read_payloads"):
        assert vn.webhooks.read_journal(tmp_path / "none.jsonl") == []
    assert vn.webhooks.read_payloads(tmp_path / "none.jsonl") == []


def test_feed_state_is_an_enum_that_reads_as_the_old_strings() -> None:
    state = FeedState.OPEN
    assert state == "open" and str(state) == "open" and f"{state}" == "open"
    assert repr(state) == "'open'" and f"{state:>6}" == "  open"
    assert {s.value for s in FeedState} == {"new", "open", "reconnecting", "closing", "closed",
                                            "failed"}
