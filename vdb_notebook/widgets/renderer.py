"""The throttled, coalescing renderer: many events in, at most `max_rate_hz` updates per pane out.

Events and display are decoupled. A store subscriber only records an event into its pane's
bounded state and marks the pane dirty (O(1), under a short lock), so a slow or absent browser
never slows ingest. The renderer runs on its own daemon thread: it wakes when a pane turns dirty,
waits until one period (1 / max_rate_hz) has passed since its previous snapshot, then renders
each dirty pane from a snapshot of its state and sets that pane's `HTML.value` once, inside
`hold_sync()`, so each pane sends at most one comm message per frame, and frames are at least
one period apart.

Why a thread, not an asyncio task on the kernel loop: a task on the kernel loop only runs while
the kernel is idle or awaiting, so panes would freeze during a synchronous cell (a blocking SDK
call, `time.sleep`, `feed.wait_for_sync`) while the webhook receiver's thread keeps adding
events. A thread keeps updating, and ipykernel 7 sends comm messages from any thread through
its IOPub thread. Widget
traits are only ever written by this thread (and by construction/stop), under `_flush_lock`.

The latest state always shows: an event that arrives while a flush is being prepared re-arms
the wake-up, so a trailing flush follows the last event at most one period later; `stop()`
flushes once more. `finish()` (the source has ended) lets the thread run until the panes have
nothing left to draw, timed redraws included (an alert's NEW badge running out), then end.
`hold(names)` pauses panes (they stay dirty and are drawn, caught up, at `release()`);
`after_frame()` runs after each frame, so controls that follow the panes send at their pace.

    >>> from types import SimpleNamespace as Ev
    >>> from vdb_notebook.widgets.counters import CountersPane
    >>> lock = threading.Lock()
    >>> renderer = Renderer([CountersPane()], lock, max_rate_hz=4)   # not started: flush by hand
    >>> with lock:
    ...     renderer.panes["counters"].record(Ev(channel="alert", event="alert"))
    ...     renderer.mark("counters")
    >>> renderer.flush()                       # panes whose HTML changed
    1
    >>> ">1</b>" in renderer.widgets["counters"].value
    True
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import ipywidgets as widgets

from .frames import EventRow, event_rows

if TYPE_CHECKING:
    import pandas as pd

    from .clock import SessionClock

FlushHook = Callable[[str, int, float], None]


#: What a pane's snapshot() gives its render() (a tuple or dataclass of plain values).
Snap = TypeVar("Snap")


class Pane(Generic[Snap]):
    """One pane: bounded state, updated by `record`, drawn by `render` as one HTML string.

    `record` and `snapshot` run under the dashboard's lock and must be cheap; `render` runs on
    the renderer thread without the lock and must be a pure function of the snapshot.
    """

    name = "pane"
    #: CSS flex value for the pane's widget in a row ('1 1 0' shares the row equally).
    flex = "1 1 0"
    #: How many of its newest events the pane can show (None: it needs them all).
    keeps: int | None = None
    #: The dashboard's SessionClock (clock.py): where the mm:ss the pane shows count from.
    clock: SessionClock | None = None

    def __init__(self) -> None:
        self.last_seq = -1  # seq of the newest event recorded (for latency measurement)
        self.total = 0  # events recorded, shown in the pane's title line

    def record(self, item: EventRow) -> None:
        raise NotImplementedError

    def seed(self, frame: pd.DataFrame) -> None:
        """Catch up on the events a store held before the dashboard came: `frame` is this
        pane's rows of `store.df`. Only the rows the pane can show are turned into events."""
        rows = frame if self.keeps is None else frame.tail(self.keeps)
        for row in event_rows(rows):
            self.record(row)
        self.total = len(frame)

    def snapshot(self) -> Snap:
        raise NotImplementedError

    @property
    def origin_ms(self) -> float | None:
        """Epoch ms that session time counts from (None: no clock or no event yet)."""
        return None if self.clock is None else self.clock.origin_ms

    def render(self, snap: Snap, now_ms: float) -> str:
        raise NotImplementedError

    def next_refresh(self, snap: Snap, now_ms: float) -> float | None:
        """Seconds until the pane must be redrawn even without new events (None: never)."""
        return None

    #: True when the pane's timed redraws are only a heartbeat (the renderer may end anyway).
    beats = False


class Renderer:
    """Draws panes into `HTML` widgets at most `max_rate_hz` times per second each.

    `frame_at` is the `time.monotonic()` at which the latest frame took its snapshots:
    successive frames are at least `period` apart by it, and each pane sends at most one
    update per frame. `wall_clock()` (Unix seconds, default `time.time`) is the `now_ms`
    panes are drawn at, e.g. how alerts are aged.
    """

    def __init__(
        self,
        panes: Iterable[Pane[Any]],
        lock: threading.Lock,
        max_rate_hz: float,
        *,
        on_flush: FlushHook | None = None,
        on_exit: Callable[[], None] | None = None,
        after_frame: Callable[[], None] | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.panes = {pane.name: pane for pane in panes}
        self.period = 1.0 / max_rate_hz
        self.on_flush = on_flush
        self.after_frame = after_frame  # e.g. the controls' options, sent at the panes' pace
        self.held: frozenset[str] = frozenset()  # paused panes: kept dirty, not drawn
        self.wall_clock = wall_clock
        self.frame_at = float("-inf")
        self.errors: list[str] = []  # render errors, newest last (bounded)
        self._lock = lock  # shared with the subscriber: guards pane state and _dirty
        self._flush_lock = threading.Lock()  # one flush at a time; guards widget traits
        self._dirty: set[str] = set()
        self._wake = threading.Event()  # set when a pane turns dirty, cleared by each flush
        self._stopping = threading.Event()
        self._finishing = threading.Event()
        self._refresh_at: dict[str, float] = {}
        self._on_exit = on_exit
        self._thread: threading.Thread | None = None
        now_ms = wall_clock() * 1000
        self.widgets = {
            name: widgets.HTML(
                value=pane.render(pane.snapshot(), now_ms),
                layout=widgets.Layout(flex=pane.flex, min_width="0", margin="2px"),
            )
            for name, pane in self.panes.items()
        }

    # -- called by the subscriber, under self._lock ------------------------------------------
    def mark(self, name: str) -> None:
        """Note that pane `name` changed. Caller holds the lock. O(1)."""
        self._dirty.add(name)
        if not self._wake.is_set():  # a plain read, where set() would take a lock per event
            self._wake.set()

    def hold(self, names: Iterable[str]) -> None:
        """Stop drawing panes `names` (pause): their state keeps changing, their widgets do not."""
        with self._lock:
            self.held = frozenset(names)

    def release(self) -> None:
        """Draw the held panes again, starting with whatever changed while they were held."""
        with self._lock:
            self.held = frozenset()
            if self._dirty:
                self._wake.set()

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="vdb-dashboard-renderer", daemon=True)
        self._thread.start()

    def finish(self) -> None:
        """End the thread once every pane is drawn and no timed redraw is pending (non-blocking:
        a store subscriber may call it)."""
        self._finishing.set()
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread and flush once more, so the panes show the final state (this last
        frame keeps the rate too: it may wait up to one period)."""
        self._stopping.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        if thread is None or not thread.is_alive():
            self._final_flush()
        # On the renderer thread itself, _run flushes on its way out.

    def _final_flush(self) -> None:
        """The last frame, if anything changed: it waits its turn (one period after the last)."""
        if self._dirty or any(at <= time.monotonic() for at in list(self._refresh_at.values())):
            time.sleep(max(0.0, self.frame_at + self.period - time.monotonic()))
            self.flush()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self._idle_timeout())
            if self._stopping.is_set():
                break
            delay = self.frame_at + self.period - time.monotonic()
            if delay > 0 and self._stopping.wait(delay):
                break
            self.flush()
            if self._finishing.is_set() and not self._dirty and self._only_heartbeats():
                break
        self._final_flush()
        if self._on_exit is not None:
            try:
                self._on_exit()
            except Exception as exc:  # e.g. no kernel to display to: keep it, never raise
                self._note_error(f"on_exit: {exc!r}")

    def _only_heartbeats(self) -> bool:
        """No timed redraw is pending but heartbeats (which a finished source needs no more)."""
        return all(self.panes[name].beats for name in list(self._refresh_at))

    def _idle_timeout(self) -> float | None:
        """How long to sleep with nothing dirty: until the next timed redraw."""
        # list(): a flush on the kernel's thread (after a cell) may change the dict meanwhile
        waits = [at - time.monotonic() for at in list(self._refresh_at.values())]
        return max(0.0, min(waits)) if waits else None

    # -- drawing -----------------------------------------------------------------------------
    def flush(self) -> int:
        """Draw every dirty pane now (ignoring the rate limit); returns how many changed."""
        with self._flush_lock:
            now = time.monotonic()
            now_ms = self.wall_clock() * 1000
            # Frames are paced from snapshot to snapshot, so the time spent drawing one frame
            # does not delay the next (an event waits at most a period plus its pane's draw).
            self.frame_at = now
            with self._lock:
                held = self.held
                due = [name for name, at in self._refresh_at.items() if at <= now and name not in held]
                names = [name for name in self.panes
                         if (name in self._dirty or name in due) and name not in held]
                self._dirty &= held
                self._wake.clear()
                snaps = [(name, self.panes[name].snapshot(), self.panes[name].last_seq) for name in names]
            for name in due:
                self._refresh_at.pop(name, None)
            changed = 0
            for name, snap, last_seq in snaps:
                changed += self._draw(name, snap, last_seq, now_ms)
            if self.after_frame is not None:
                self._after_frame()
            return changed

    def _after_frame(self) -> None:
        try:
            self.after_frame()  # type: ignore[misc]
        except Exception as exc:  # keep it in .errors, as a pane's render error
            self._note_error(f"after_frame: {exc!r}")

    def _draw(self, name: str, snap: Any, last_seq: int, now_ms: float) -> int:
        pane, widget = self.panes[name], self.widgets[name]
        try:
            value = pane.render(snap, now_ms)
            again = pane.next_refresh(snap, now_ms)
        except Exception as exc:  # keep the failure in .errors; never kill the renderer
            self._note_error(f"{name}: {exc!r}")
            return 0
        if again is not None:
            self._refresh_at[name] = time.monotonic() + again
        changed = value != widget.value
        if changed:
            with widget.hold_sync():
                widget.value = value
        if self.on_flush is not None:
            self.on_flush(name, last_seq, time.monotonic())
        return int(changed)

    def _note_error(self, message: str) -> None:
        self.errors.append(message)
        del self.errors[:-20]
