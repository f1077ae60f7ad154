"""vn.replay: a recording fed back through the same normalise-and-store path as live frames.

    >>> store = vn.replay("events.jsonl", progress=False)          # doctest: +SKIP
    >>> store                                                     # doctest: +SKIP
    EventStore(412 events: alert=3, audio_index=40, ...; 1 rejected, 0 dropped)

Input: a journal written by `Feed(record_to=...)` or a file from `EventStore.to_jsonl` (lines
with "frame", "received_at", "source"), or any iterable of frames (dicts or JSON text) or of
such records. Each frame goes to `store.add` exactly as the feed passed it, with its recorded
arrival time, so a replayed store holds what the live one held. A line cut short by a crash
is rejected with a reason, never lost.

(The module is not called replay.py: importing a submodule named like the public function
`vn.replay` would rebind that package attribute to the module.)

`speed=None` (the default of both) replays as fast as possible; `speed=1.0` at the recorded
pace, `2.0` twice as fast. `replay()` blocks; in a notebook with live panes use
`await replay_async(...)`, which sleeps on the event loop so the kernel keeps rendering while a
paced replay runs. (The one exception to the toolkit's async/sync naming rule, where the bare
name is the coroutine and `_sync` the blocking twin: `vn.replay` is the blocking call because
the API contract has always called it so, and an unpaced replay never waits.)
"""
from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Iterable, Iterator, Sized
from typing import Any, Protocol

from ._compat import keyword_only
from ._progress import WaitProgress
from .events.fields import MAX_MS, MIN_MS
from .feed.journal import Record, as_record, count_lines, read_records
from .store.store import EventStore

#: Waits shorter than this are skipped: sleeping costs more than it keeps the pace.
_MIN_SLEEP_S = 0.002
_PROGRESS_EVERY = 256

#: What replay reads: a JSONL recording's path, or the frames themselves (dicts, JSON text).
Recording = str | os.PathLike[str] | Iterable[Any]


class _Bar(Protocol):
    """A progress bar: the notebook's WaitProgress or a terminal's tqdm."""

    def update(self, n: int = 1) -> Any: ...

    def close(self) -> None: ...


@keyword_only("speed")
def replay(path_or_frames: Recording, store: EventStore | None = None,
           *, speed: float | None = None, progress: bool | None = None,
           source: str | None = "replay") -> EventStore:
    """Add every recorded frame to `store` (a new one by default) and return the store.

    `source`: the source recorded for each event ("replay"); None keeps the recorded one
    ("ws", "feed"), which makes the replayed store equal to the live one. `progress`: None
    shows a bar in a notebook (once the replay lasts a second; removed at the end, so nbval
    compares the same) or on a terminal (tqdm); False never; True always.
    """
    player = _Player(path_or_frames, store, speed, progress, source)
    with player:
        for record in player.records:
            delay = player.delay(record)
            if delay > _MIN_SLEEP_S:
                time.sleep(delay)
            player.add(record)
    return player.store


@keyword_only("speed")
async def replay_async(path_or_frames: Recording,
                       store: EventStore | None = None, *, speed: float | None = None,
                       progress: bool | None = None, source: str | None = "replay") -> EventStore:
    """`replay` (the same signature and defaults) that awaits between frames, so a notebook
    keeps rendering live panes during a paced replay (`speed=1.0`)."""
    player = _Player(path_or_frames, store, speed, progress, source)
    with player:
        for n, record in enumerate(player.records):
            delay = player.delay(record)
            if delay > _MIN_SLEEP_S:
                await asyncio.sleep(delay)
            elif n % _PROGRESS_EVERY == 0:
                await asyncio.sleep(0)  # let the kernel breathe during a fast replay
            player.add(record)
    return player.store


class _Player:
    """The shared part of replay/replay_async: records, pacing, store and progress bar."""

    def __init__(self, path_or_frames: Recording, store: EventStore | None, speed: float | None,
                 progress: bool | None, source: str | None) -> None:
        if speed is not None and not (isinstance(speed, (int, float)) and speed > 0):
            raise ValueError(f"speed must be a positive number (1.0 = recorded pace) or None "
                             f"(as fast as possible), not {speed!r}")
        self.store = store if store is not None else EventStore()
        self.speed = speed
        self.source = source
        self.records, total = _records(path_or_frames)
        self.bar = _progress_bar(progress, total)
        self._pending = 0
        self._first: float | None = None
        self._started = 0.0

    def delay(self, record: Record) -> float:
        """Seconds to wait before `record` to keep the recorded pace (0 when not pacing)."""
        if self.speed is None or record.received_at is None \
                or not MIN_MS <= record.received_at < MAX_MS:
            return 0.0  # an implausible time is the store's to reject, not a wait
        if self._first is None:
            self._first, self._started = record.received_at, time.monotonic()
            return 0.0
        due = self._started + (record.received_at - self._first) / 1000.0 / self.speed
        return due - time.monotonic()

    def add(self, record: Record) -> None:
        self.store.add(record.frame, source=self.source or record.source,
                       received_at_ms=record.received_at)
        if self.bar is not None:
            self._pending += 1
            if self._pending >= _PROGRESS_EVERY:
                self.bar.update(self._pending)
                self._pending = 0

    def __enter__(self) -> _Player:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.update(self._pending)
            self.bar.close()


def _records(path_or_frames: Recording) -> tuple[Iterator[Record], int | None]:
    if isinstance(path_or_frames, (str, os.PathLike)):
        if not os.path.exists(path_or_frames):
            raise FileNotFoundError(f"no recording at {os.fspath(path_or_frames)!r}; pass the "
                                    "record_to= path of a Feed, or a list of frames")
        return read_records(path_or_frames), count_lines(path_or_frames)
    if isinstance(path_or_frames, (dict, bytes)) or not hasattr(path_or_frames, "__iter__"):
        raise TypeError("replay takes a path to a JSONL recording or an iterable of frames, "
                        f"not {type(path_or_frames).__name__}")
    total = len(path_or_frames) if isinstance(path_or_frames, Sized) else None
    return (as_record(item) for item in path_or_frames), total


def _progress_bar(progress: bool | None, total: int | None) -> _Bar | None:
    if progress is False:
        return None
    in_notebook = _in_notebook()
    if progress is None and not in_notebook and not sys.stderr.isatty():
        return None
    if in_notebook:  # a bar shown after a second, leaving nothing nbval compares
        bar = WaitProgress("Replaying", total=total)
        bar.start()
        return bar
    from tqdm import tqdm
    terminal: _Bar = tqdm(total=total, desc="replay", unit="frame")
    return terminal


def _in_notebook() -> bool:
    get_ipython = getattr(sys.modules.get("IPython"), "get_ipython", None)
    return get_ipython is not None and type(get_ipython()).__name__ == "ZMQInteractiveShell"
