"""Feedback for long waits (vdb_notebook/_progress.py) and the waits that use it."""
from __future__ import annotations

import pytest

import vdb_notebook as vn
from vdb_notebook import _progress, playback
from vdb_notebook._progress import WaitProgress, waiting
from vdb_notebook.feed import Feed
from vdb_notebook.widgets.testing import counting_comms


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_bar_shows_only_after_the_delay_with_count_and_elapsed_time():
    clock, count = Clock(), [0]
    with counting_comms() as log:
        bar = WaitProgress("Waiting for 30 events", count=lambda: count[0], total=30, clock=clock)
        count[0] = 12
        clock.now += 0.5
        bar.tick()
        assert not bar.shown and bar.box.layout.display == "none"
        assert log.updates(bar.label) == 0  # a quick wait sends nothing
        clock.now += 1.0
        bar.tick()
        assert bar.shown and bar.box.layout.display == "flex"
        assert bar.bar.value == 12 and bar.label.value == "12/30 · 1.5 s"
        assert bar.bar.description == "Waiting for 30 events"
        bar.close()


def test_the_notebook_output_is_a_widget_view_only_so_nbval_compares_the_same():
    with counting_comms():
        bar = WaitProgress("Replaying", total=None)
        assert set(bar.bundle()) == {"application/vnd.jupyter.widget-view+json"}
        assert bar.bundle()["application/vnd.jupyter.widget-view+json"]["model_id"] == bar.box.model_id
        bar.update(7)
        bar._delay = 0
        bar.tick()
        assert bar.label.value.startswith("7 so far · ")
        bar.close()


def test_outside_a_notebook_nothing_is_shown(capsys):
    with waiting("Waiting", count=lambda: 1, total=2) as bar:
        pass
    assert bar._thread is None and not bar.shown
    assert capsys.readouterr().out == ""


def test_in_a_notebook_a_replay_gets_the_quiet_bar(monkeypatch):
    monkeypatch.setattr(playback, "_in_notebook", lambda: True)
    shown = []
    monkeypatch.setattr(WaitProgress, "start", lambda self: shown.append(self))
    frames = [{"channel": "transcript", "data": {"text": f"t{i}", "is_final": True}} for i in range(5)]
    with counting_comms():
        store = vn.replay(frames)
    assert len(store) == 5 and len(shown) == 1
    assert shown[0]._counted == 5 and shown[0]._done.is_set()  # counted, then closed


async def test_a_feed_wait_shows_the_bar_in_a_notebook(emu, monkeypatch):
    monkeypatch.setattr(_progress, "in_notebook", lambda: True)
    started = []
    monkeypatch.setattr(WaitProgress, "start", lambda self: started.append(self))
    async with await Feed.open(vn.connect(emulator=emu)) as feed:
        with pytest.raises(TimeoutError):
            await feed.wait_for(n=1000, timeout=0.2)
    assert [bar.what for bar in started] == ["Waiting for 1000 events"]
    assert started[0].total == 1000 and started[0]._done.is_set()
