"""`vn.Dashboard`: live panes over an EventStore or a Feed, coalesced to `max_rate_hz` per pane.

    >>> import vdb_notebook as vn
    >>> store = vn.EventStore()
    >>> dash = vn.Dashboard(store, max_rate_hz=4, tail=50)
    >>> dash
    Dashboard(panes=transcript, visual, audio, alerts, sessions, timeline; max_rate_hz=4, tail=50)
    >>> _ = store.add({"channel": "transcript", "rtstream_name": "mic:default",
    ...                "data": {"text": "hi", "is_final": True, "start": 1768912496000}})
    >>> dash.close()

Events reach the panes through `store.subscribe`: the subscriber records each event into its
pane's bounded state and marks the pane dirty; the `Renderer` thread draws (see renderer.py).
Events already in the store when the dashboard is made are shown too (e.g. after `vn.replay`).
A feed's end is learned from the store too: the feed's `feed.closed` record.

Shared or exported notebooks (nbconvert HTML, nbviewer, GitHub) cannot run widgets, so the
dashboard's output also carries a static `text/html` snapshot of its panes (see snapshot.py),
brought up to date after each cell runs and when the dashboard ends.
"""
from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from types import EllipsisType
from typing import Any, Protocol

import ipywidgets as widgets

from .._compat import keyword_only
from ..analysis.chart import LANE_CHANNELS
from ..events import Event, EventSink, Rejection
from ..review.pictures import frame_finder
from ..store.store import EventStore
from . import snapshot
from .alerts import AlertsPane
from .clock import SessionClock
from .controls import Controls
from .counters import CountersPane
from .index import IndexPane
from .livegrid import GridControls, GridPane, GridView
from .renderer import FlushHook, Pane, Renderer
from .selection import Catalog, Selection
from .sessions import SessionsPane
from .table import TablePane
from .timeline import TimelinePane
from .transcript import TranscriptPane

#: Which pane shows each channel (every event also counts in "counters" and "table").
PANE_OF_CHANNEL = {"transcript": "transcript", "visual_index": "visual", "audio_index": "audio",
                   "alert": "alerts", "capture_session": "sessions"}
CHANNEL_PANES = ("transcript", "visual", "audio", "alerts", "sessions")
CHANNELS_OF_PANE = {pane: [c for c, p in PANE_OF_CHANNEL.items() if p == pane] for pane in CHANNEL_PANES}
CHANNELS_OF_PANE["timeline"] = list(LANE_CHANNELS)
#: Panes that show every event whatever the controls select (the sessions pane marks the
#: picked session instead); the others follow the filter and the pickers.
UNFILTERED = frozenset({"counters", "sessions"})
#: Panes that take events of every channel.
EVERY_CHANNEL = ("counters", "table", "grid")


class HasStore(Protocol):
    """What a Dashboard follows besides a store: a Feed, a receiver, a replay (their `.store`)."""

    @property
    def store(self) -> EventSink: ...


class Dashboard(widgets.VBox):
    """Live panes for a capture session's events: transcript, visual and audio index, alerts,
    session lifecycle, a timeline, counters and the DataFrame's last `tail` rows.

    `store_or_feed` is an `EventStore` or a `Feed` (its `.store` is shown, and the dashboard
    ends when the feed's `feed.closed` record reaches the store). Each pane is updated at most
    `max_rate_hz` times a second whatever the event rate, and always ends up showing the
    latest state. `tail=0` hides the table; `grid=True` shows a sortable, filterable grid
    (`vn.grid`) of the last `tail` rows instead. `title` heads the controls (default: the feed's connection or the store's name, so two dashboards differ; `controls=False`
    hides them): pause/resume, a text filter, session and stream pickers that every pane but
    the counters follows, and the ids to copy (`pause()`, `resume()` and `select(...)` do the
    same from code). `on_flush(pane, last_seq, time.monotonic())`, if
    given, is called after each pane update (for measurements of update latency);
    `wall_clock()` (Unix seconds, default `time.time`) is the time alerts are aged by (tests
    pass one they control). Times in the panes are mm:ss since the session went active.
    Re-running the cell that made a dashboard closes the one it made before.
    """

    @keyword_only("max_rate_hz", "tail")
    def __init__(self, store_or_feed: EventStore | HasStore, *, max_rate_hz: float = 4, tail: int = 50,
                 on_flush: FlushHook | None = None,
                 wall_clock: Callable[[], float] = time.time,
                 title: str | None = None, controls: bool = True, grid: bool = False) -> None:
        store, feed = _source(store_or_feed)
        _check_settings(max_rate_hz, tail)
        self.store: EventStore = store
        self.feed = feed
        self.max_rate_hz = max_rate_hz
        self.tail = tail
        self._lock = threading.Lock()
        self._stopped = False
        self._seeding = True
        self._early: list[Event | Rejection] = []
        # An add announces its event after releasing the store's lock: an event of the rows
        # the panes were seeded from can still be announced after seeding. Those (seq up to
        # _rows_upto, rejections in _rows_rejections) go only where the rows did not (nowhere
        # after _seed; the unfiltered panes after _refilter, which rebuilds the others).
        self._rows_upto = -1
        self._rows_fed_everything = True
        self._rows_rejections: dict[int, Rejection] = {}  # by id (holding them: ids stay theirs)
        self._routes: dict[str, tuple[tuple[str, Pane[Any]], ...]] = {}
        self._display_id = uuid.uuid4().hex
        self._shown: str | None = None  # the snapshot last sent with the display (None: not shown)
        self._separate = False  # the snapshot has an output of its own (see _ipython_display_)
        self._display_lock = threading.Lock()
        self.clock = SessionClock()
        self.selection, self.catalog = Selection(), Catalog()
        self._grid = grid
        self.counters = CountersPane(source=_describe(feed), dropped=lambda: store.dropped)
        panes: list[Pane[Any]] = [self.counters, SessionsPane(), *self._filtered_panes()]
        for pane in panes[:2]:
            pane.clock = self.clock
        self.title = title or _default_title(store, feed)
        self.controls = self._controls(self.title) if controls else None
        self.renderer = Renderer(panes, self._lock, max_rate_hz, on_flush=on_flush,
                                 on_exit=self._on_renderer_exit, wall_clock=wall_clock,
                                 after_frame=self._refresh_controls if controls else None)
        self.grid = self._grid_box() if grid and tail else None
        super().__init__(children=self._layout(), layout=widgets.Layout(width="100%"))
        self._unsubscribe = [store.subscribe(self._on_event),
                             store.subscribe(self._on_rejection, rejected=True)]
        self._seed()
        self.renderer.start()
        snapshot.claim_cell(self)
        snapshot.after_each_cell(self._after_cell)

    # -- public ------------------------------------------------------------------------------
    @property
    def panes(self) -> dict[str, widgets.HTML]:
        """The HTML widget of each pane, by name (counters, transcript, visual, audio, ...)."""
        return dict(self.renderer.widgets)

    @property
    def running(self) -> bool:
        """True while the renderer thread runs (it ends after the source ends and the last
        timed redraw, or at `stop()`)."""
        return self.renderer.running

    def stop(self) -> None:
        """Stop following the store; the panes keep showing the final state."""
        self.renderer.release()  # a paused dashboard ends showing everything too
        self._unfollow("stopped")
        self.renderer.stop()  # also when the feed's close got there first: wait for its last frame
        self._publish()

    def close(self) -> None:
        """Stop, then close the widgets (their views disappear from the notebook)."""
        if not hasattr(self, "renderer"):  # __init__ failed before the panes existed
            super().close()
            return
        snapshot.after_each_cell(self._after_cell, remove=True)
        self._unfollow("stopped")
        self.renderer.stop()
        for widget in self.renderer.widgets.values():
            widget.close()
        for child in self.children:
            child.close()
        super().close()

    def snapshot_html(self) -> str:
        """The panes as they are now, as HTML that needs no JavaScript (no NEW badges: a
        static copy cannot age them)."""
        with self._lock:
            snaps = {name: pane.snapshot() for name, pane in self.renderer.panes.items()}
        panes = self.renderer.panes  # a pane may draw differently for a static copy
        html = {name: getattr(panes[name], "render_static", panes[name].render)(snap, float("inf"))
                for name, snap in snaps.items()}
        return snapshot.page(html, self.counters.state.status, self.counters.state.total)

    def __repr__(self) -> str:
        # Stable on purpose (nbval compares text/plain): no counts, times or ids.
        return (f"Dashboard(panes={', '.join(CHANNEL_PANES)}, timeline; "
                f"max_rate_hz={self.max_rate_hz:g}, tail={self.tail})")

    def _ipython_display_(self, **kwargs: Any) -> None:
        """Show the live widget with a static snapshot (viewers without widgets show the
        snapshot), updated under its display id.

        In JupyterLab and Notebook 7 (which send cell ids) both go in one output. A notebook
        executed by nbclient (nbconvert --execute, papermill, notebooks/build.py) saves the
        widget state, and an export then shows that output as the widget view alone, nothing
        without JavaScript: there the snapshot gets an output of its own, which hides itself
        when the widget before it renders (snapshot.own_output)."""
        from IPython.display import display
        with self._display_lock:
            self._shown = self.snapshot_html()
            self._separate = snapshot.separate_outputs()
            display(self._bundle(self._shown), raw=True, display_id=self._display_id)
            if self._separate:
                display({"text/html": snapshot.own_output(self._shown)}, raw=True,
                        display_id=self._display_id + "-snapshot")

    # -- controls: pause, filter, pickers (controls.py draws them; this does what they ask) --
    @property
    def paused(self) -> bool:
        """True while the panes are paused (the counters and the store keep going)."""
        return bool(self.renderer.held)

    def pause(self) -> None:
        """Freeze the panes but the counters; events keep arriving in the store."""
        self.renderer.hold(name for name in self.renderer.panes if name != "counters")
        if self.controls is not None and not self.controls.pause.value:
            self.controls.pause.value = True

    def resume(self) -> None:
        """Draw the panes again, caught up with every event that arrived while paused."""
        self.renderer.release()
        if self.controls is not None and self.controls.pause.value:
            self.controls.pause.value = False

    def select(self, *, text: str | None = None, session: str | EllipsisType | None = ...,
               stream: str | EllipsisType | None = ...) -> None:
        """Show only events containing `text`, of capture session `session`, of rtstream
        `stream` (None: all; left out: unchanged), as the filter and pickers do. Every pane but
        the counters follows; the sessions pane marks the session."""
        now = self.selection
        wanted = Selection(text=now.text if text is None else text.strip(),
                           session=now.session if isinstance(session, EllipsisType) else session,
                           stream=now.stream if isinstance(stream, EllipsisType) else stream)
        if wanted != now:
            if self.controls is not None:
                self.controls.show(wanted)
            self._refilter(wanted)

    def _on_pause(self, paused: bool) -> None:
        if paused != self.paused:
            self.pause() if paused else self.resume()

    def _controls(self, title: str) -> Controls:
        connection = getattr(self.feed, "connection_id", None)
        return Controls(title, on_pause=self._on_pause, on_select=self._refilter,
                        connection_id=str(connection) if connection else None)

    def _refresh_controls(self) -> None:
        """After each frame (renderer thread): the pickers learn new sessions and streams."""
        if self.controls is not None:
            self.controls.refresh(self.catalog)

    def _filtered_panes(self) -> list[Pane[Any]]:
        """New, empty panes that follow the selection."""
        pictures = frame_finder(self.feed) if self.feed else None
        panes: list[Pane[Any]] = [TranscriptPane(), IndexPane("visual", pictures=pictures), IndexPane("audio"),
                             AlertsPane(), TimelinePane()]
        if self.tail:
            panes.append(GridPane(keep=10_000, page_size=min(self.tail, 25), arrival_order="seq")
                         if self._grid
                         else TablePane(self.tail))
        for pane in panes:
            pane.clock = self.clock
        return panes

    def _grid_box(self) -> widgets.VBox:
        def change(update: Callable[[GridView], GridView]) -> None:
            with self._lock:
                grid = self.renderer.panes["grid"]
                grid.view = update(grid.view)  # type: ignore[attr-defined]
                self.renderer.mark("grid")
            self._draw_if_ended()
        controls = GridControls(lambda: self.renderer.panes["grid"], change)  # type: ignore[arg-type,return-value]
        return widgets.VBox([controls, self.renderer.widgets["grid"]], layout=widgets.Layout(width="100%"))

    def _refilter(self, selection: Selection) -> None:
        """Rebuild the panes that follow the selection from the store, then go on live.

        As at the start (_seed): events that arrive meanwhile wait in _early, and each is
        recorded once, into the panes that did not see it in the store's rows."""
        fresh = self._filtered_panes()
        with self._lock:
            self.selection = selection
            self._seeding = True
            sessions = self.renderer.panes["sessions"]
            sessions.selected = selection.session  # type: ignore[attr-defined]
        df = self.store.df
        newest = int(df["seq"].iloc[-1]) if len(df) else -1
        shown = df if selection.everything else df[selection.mask(df)]
        channels = shown["channel"].astype(object)
        for pane in fresh:
            pane.seed(shown if pane.name in EVERY_CHANNEL else shown[channels.isin(CHANNELS_OF_PANE[pane.name])])
            pane.last_seq = newest
        with self._lock:
            self._swap(fresh)
            self._rows_upto, self._rows_fed_everything = newest, False
            self._catch_up(newest)
        self._draw_if_ended()

    def _draw_if_ended(self) -> None:
        """Once the renderer has ended (its source closed), a control's change is drawn now."""
        if not self.renderer.running:
            self.renderer.flush()

    def _swap(self, fresh: list[Pane[Any]]) -> None:
        """Put `fresh` panes in place of the ones of the same name (lock held)."""
        for pane in fresh:
            if isinstance(pane, GridPane):
                pane.view = self.renderer.panes["grid"].view  # type: ignore[attr-defined]
            self.renderer.panes[pane.name] = pane
        self._routes = {}
        for name in self.renderer.panes:
            self.renderer.mark(name)

    def _catch_up(self, newest: int) -> None:
        """Record what arrived during a refilter (lock held): newer events everywhere, the
        others only where the store's rows did not take them (the unfiltered panes)."""
        early, self._early, self._seeding = self._early, [], False
        for item in early:
            if isinstance(item, Rejection):
                self.counters.reject(item)
            elif item.seq > newest:
                self._record(item)
            else:
                self._record_unfiltered(item)
            if getattr(item, "event", None) == "feed.closed":  # as _on_event: the end
                self._stopped = True
                self.renderer.finish()

    # -- subscriber (any thread; O(1)) -------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        with self._lock:
            if self._seeding:
                self._early.append(event)
                return
            if self._stopped:
                return
            if event.seq <= self._rows_upto:  # in the rows seeded: see __init__
                if not self._rows_fed_everything:
                    self._record_unfiltered(event)
                return
            self._record(event)
            if event.event == "feed.closed":  # nothing more will come: draw the rest, then end
                self._stopped = True
                self.renderer.finish()

    def _on_rejection(self, rejection: Rejection) -> None:
        with self._lock:
            if self._seeding:
                self._early.append(rejection)
                return
            if self._stopped or id(rejection) in self._rows_rejections:
                return
            self.counters.reject(rejection)
            self.renderer.mark("counters")

    def _record_unfiltered(self, event: Event) -> None:
        """Record an event the rebuilt panes took from the store's rows in the others."""
        self.catalog.record(event)
        for name, pane in self._route(event.channel):
            if name in UNFILTERED:
                pane.record(event)
                self.renderer.mark(name)

    def _record(self, event: Event) -> None:
        routes = self._routes.get(event.channel)
        if routes is None:
            routes = self._routes[event.channel] = self._route(event.channel)
        seq, mark = event.seq, self.renderer.mark
        if self.clock.see(event):  # every time shown moves
            for name in self.renderer.panes:
                mark(name)
        self.catalog.record(event)
        shown = self.selection.everything or self.selection.matches(event, self.catalog)
        for name, pane in routes:
            if not shown and name not in UNFILTERED:
                continue
            pane.record(event)
            pane.last_seq = seq
            mark(name)

    def _route(self, channel: str) -> tuple[tuple[str, Pane[Any]], ...]:
        """The panes an event of `channel` goes to: its own, the timeline, the counters and the
        table."""
        names = (PANE_OF_CHANNEL.get(channel), "timeline" if channel in LANE_CHANNELS else None,
                 *EVERY_CHANNEL)
        panes = self.renderer.panes
        return tuple((name, panes[name]) for name in names if name in panes)

    # -- start and stop ----------------------------------------------------------------------
    def _seed(self) -> None:
        """Show what the store already holds, then the events that arrived meanwhile, once each.

        Each pane takes only the rows it can show (vectorised counts for the rest), so a
        dashboard on a store of a million replayed events opens quickly."""
        existing_rejections = list(self.store.rejected)
        df = self.store.df
        newest = int(df["seq"].iloc[-1]) if len(df) else -1
        channels = df["channel"].astype(object)
        with self._lock:
            self.clock.seed(df)
            self.catalog.seed(df)
            for name, pane in self.renderer.panes.items():
                if name in EVERY_CHANNEL:
                    pane.seed(df)
                else:
                    pane.seed(df[channels.isin(CHANNELS_OF_PANE[name])])
                pane.last_seq = newest
                self.renderer.mark(name)
            self._rows_rejections = {id(r): r for r in existing_rejections}
            for rejection in existing_rejections:
                self.counters.reject(rejection)
            for item in self._early:
                if isinstance(item, Rejection):
                    if id(item) not in self._rows_rejections:
                        self.counters.reject(item)
                elif item.seq > newest:
                    self._record(item)
            self._early = []
            self._seeding = False
            self._rows_upto, self._rows_fed_everything = newest, True
            if channels.eq("feed").any() and df["event"].astype(object).eq("feed.closed").any():
                self._stopped = True  # made after its feed closed: show the store, then end
                self.renderer.finish()

    def _unfollow(self, status: str) -> None:
        """Show `status` (unless the source has ended already) and stop following the store."""
        with self._lock:
            if not self._stopped:
                self._stopped = True
                self.counters.set_status(status)
                self.renderer.mark("counters")
        self._drop_subscriptions()

    def _drop_subscriptions(self) -> None:
        unsubscribe, self._unsubscribe = self._unsubscribe, []
        for call in unsubscribe:
            call()

    def _on_renderer_exit(self) -> None:
        """On the renderer thread, once it has drawn the last state."""
        self._drop_subscriptions()
        self._publish()

    def _after_cell(self) -> None:
        """After each cell: draw what is pending on the kernel's thread, so the messages go
        with the cell that caused them (a notebook saved after its last cell is current)."""
        if not snapshot.after_a_cell():  # a control's message, not a cell (see snapshot.py)
            return
        self.renderer.flush()
        self._publish()

    def _publish(self) -> None:
        """Bring the static snapshot in the dashboard's output up to date (once shown)."""
        with self._display_lock:
            if self._shown is None:
                return
            html = self.snapshot_html()
            if html == self._shown:
                return
            from IPython.display import update_display
            update_display(self._bundle(html), raw=True, display_id=self._display_id)
            if self._separate:
                update_display({"text/html": snapshot.own_output(html)}, raw=True,
                               display_id=self._display_id + "-snapshot")
            self._shown = html

    def _bundle(self, html: str) -> dict[str, Any]:
        bundle = dict(super()._repr_mimebundle_() or {})
        if not self._separate:
            bundle["text/html"] = html
        return bundle

    def _layout(self) -> list[widgets.Widget]:
        w = self.renderer.widgets
        row = widgets.Layout(width="100%", align_items="stretch")
        rows: list[widgets.Widget] = [
            w["counters"],
            widgets.HBox([w["transcript"], w["alerts"]], layout=row),
            widgets.HBox([w["visual"], w["audio"], w["sessions"]], layout=row),
            w["timeline"],
        ]
        if self.grid is not None:
            rows.append(self.grid)
        elif "table" in w:
            rows.append(w["table"])
        return ([self.controls] if self.controls is not None else []) + rows


def _source(store_or_feed: EventStore | HasStore) -> tuple[EventStore, HasStore | None]:
    if isinstance(store_or_feed, EventStore):
        return store_or_feed, None
    store = getattr(store_or_feed, "store", None)
    if isinstance(store, EventStore):
        return store, store_or_feed
    raise TypeError(
        f"Dashboard needs an EventStore or a Feed (something with a .store EventStore), "
        f"not {type(store_or_feed).__name__}; e.g. vn.Dashboard(await vn.Feed.open(conn)) "
        f"or vn.Dashboard(vn.EventStore())")


def _check_settings(max_rate_hz: object, tail: object) -> None:
    if isinstance(max_rate_hz, bool) or not isinstance(max_rate_hz, (int, float)) \
            or not 0 < max_rate_hz <= 60:
        raise ValueError(f"max_rate_hz must be a number of updates per second in (0, 60], "
                         f"not {max_rate_hz!r}; e.g. max_rate_hz=4")
    if isinstance(tail, bool) or not isinstance(tail, int) or not 0 <= tail <= 1000:
        raise ValueError(f"tail must be a whole number of rows from 0 to 1000, not {tail!r}; "
                         f"e.g. tail=50 (0 hides the table)")


def _default_title(store: EventStore, feed: HasStore | None) -> str:
    """A title that tells two dashboards apart: the feed's connection, else the store's name
    (as its views' attrs["store"] give it)."""
    from ..store.present import token_of
    connection = getattr(feed, "connection_id", None)
    return f"VideoDB capture · {connection}" if connection else f"VideoDB events · {token_of(store)}"


def _describe(feed: HasStore | None) -> str:
    if feed is None:
        return "store"
    connection = getattr(feed, "connection_id", None)
    return f"connection {connection}" if connection else "feed"
