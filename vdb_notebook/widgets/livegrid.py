"""`vn.grid(store_or_view)`: a live grid of events you can sort, filter and page with the keyboard.

The grid is a pane like the dashboard's (renderer.py): rows are recorded under a lock and a page
is drawn from a snapshot at most `max_rate_hz` times a second, so it keeps the panes' message
budget whatever the event rate. Its controls are standard ipywidgets (a filter box, a sort
column, ascending/descending, previous/next page), reached with Tab. The page is plain HTML, so
an exported notebook shows it too (docs/grid.md says why no grid library was used).

    >>> import vdb_notebook as vn
    >>> store = vn.EventStore()
    >>> for word in ("beta", "alpha", "gamma"):
    ...     _ = store.add({"channel": "transcript", "data": {"text": word, "is_final": True}})
    >>> grid = vn.grid(store, page_size=2)
    >>> grid.sort("text")                      # the same as picking "text" and "ascending"
    >>> [row[grid.pane.columns.index("text")] for row in grid.pane.page()]
    ['alpha', 'beta']
    >>> grid.close()
"""
from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd

from ..analysis.clock import clock
from . import snapshot
from .frames import TIME_COLUMNS, EventRow, epoch_ms
from .markup import BORDER, FAINT, MUTED, SURFACE, clip, esc, pane, placeholder
from .renderer import Pane, Renderer
from .selection import TEXT_FIELDS

if TYPE_CHECKING:
    from ..events.event import Event
    from ..feed.feed import Feed
    from ..store.store import EventStore

#: The columns a grid over a store shows (a DataFrame's grid shows the DataFrame's own).
COLUMNS = ("seq", "received_at", "channel", "event", "capture_session_id", "rtstream_name",
           "text", "is_final", "label", "confidence", "status")
#: Characters a cell shows (the full clipped text is in its tooltip).
CELL_TEXT = 90


@dataclass(frozen=True)
class GridView:
    """How the rows are shown: sorted by `sort_by`, filtered by `query`, page `page` (0-based)."""

    sort_by: str = "seq"
    descending: bool = True
    query: str = ""
    page: int = 0


class GridPane(Pane[tuple[list[tuple[Any, ...]], GridView, int]]):
    """The grid's state: the newest `keep` rows (tuples of `columns`) and the view settings."""

    name = "grid"

    def __init__(self, columns: Sequence[str] = COLUMNS, *, keep: int = 10_000, page_size: int = 20,
                 arrival_order: str | None = None) -> None:
        super().__init__()
        #: The column rows arrive sorted by (a store's `seq`): sorting by it is a slice, not a sort
        self.arrival_order = arrival_order
        self.columns = tuple(columns)
        self.rows: deque[tuple[Any, ...]] = deque(maxlen=keep)
        self.keeps = keep
        self.page_size = page_size
        self.view = GridView(sort_by="seq" if "seq" in self.columns else self.columns[0])

    def record(self, event: EventRow) -> None:
        self.rows.append(tuple(getattr(event, column, None) for column in self.columns))
        self.total += 1

    def seed(self, frame: pd.DataFrame) -> None:
        """Rows of a DataFrame (a store's `.df`, or any view), the newest `keep` of them."""
        rows = frame.tail(self.keeps or len(frame))
        values = [epoch_ms(rows[c]) if c in TIME_COLUMNS and c in rows else _values(rows, c)
                  for c in self.columns]
        self.rows.extend(zip(*values, strict=True) if len(rows) else ())
        self.total += len(frame)

    def snapshot(self) -> tuple[list[tuple[Any, ...]], GridView, int]:
        return list(self.rows), self.view, self.total

    def page(self, snap: tuple[list[tuple[Any, ...]], GridView, int] | None = None) -> list[tuple[Any, ...]]:
        """The rows on the current page (of `snap`, or of the state now)."""
        rows, view, _ = snap or self.snapshot()
        return _page(self._arranged(rows, view), view, self.page_size)

    def pages(self, view: GridView) -> int:
        """How many pages the rows make with `view`'s filter (at least 1)."""
        rows = self._arranged(list(self.rows), view) if view.query else self.rows
        return max(1, -(-len(rows) // self.page_size))

    def render(self, snap: tuple[list[tuple[Any, ...]], GridView, int], now_ms: float) -> str:
        rows, view, total = snap
        arranged = self._arranged(rows, view)
        shown = _page(arranged, view, self.page_size)
        if not shown:
            empty = "No rows match the filter." if rows else "No events yet."
            return pane("Grid", placeholder(empty), note=esc(_note(view, 0, 0, total)), scroll=False)
        pages = max(1, -(-len(arranged) // self.page_size))
        start = min(view.page, pages - 1) * self.page_size
        note = _note(view, len(arranged), total, total, start=start, count=len(shown), pages=pages)
        return pane("Grid", self._table(shown, view), note=esc(note), scroll=False)

    def _arranged(self, rows: list[tuple[Any, ...]], view: GridView) -> list[tuple[Any, ...]]:
        if not view.query and view.sort_by == self.arrival_order:
            return rows[::-1] if view.descending else rows
        if view.query:
            wanted = view.query.casefold()
            looked = [i for i, c in enumerate(self.columns) if c in TEXT_FIELDS or c in _ID_COLUMNS] \
                or list(range(len(self.columns)))
            rows = [r for r in rows if any(wanted in str(r[i] or "").casefold() for i in looked)]
        at = self.columns.index(view.sort_by) if view.sort_by in self.columns else 0
        return _sorted(rows, at, view.descending)

    def _table(self, rows: list[tuple[Any, ...]], view: GridView) -> str:
        arrow = " ▼" if view.descending else " ▲"
        head = "".join(
            f"<th scope='col' style='{_TH}'{_sort_state(c, view)}>{esc(c)}{arrow if c == view.sort_by else ''}</th>"
            for c in self.columns)
        body = "".join(_row(self.columns, row) for row in rows)
        return (f"<div style='max-height:420px;overflow:auto'><table cellpadding='2' "
                f"style='border-collapse:collapse;width:100%;font-size:11px'>"
                f"<thead><tr>{head}</tr></thead><tbody style='vertical-align:top'>{body}</tbody></table></div>")


class GridControls(widgets.HBox):
    """Filter, sort column, order and paging for a grid pane; each change goes to
    `change(update)`, where `update(view) -> view` is applied under the owner's lock.
    `pane()` is the pane now (a dashboard swaps in a new one when its selection changes)."""

    def __init__(self, pane: Callable[[], GridPane],
                 change: Callable[[Callable[[GridView], GridView]], None]) -> None:
        self._change = change
        columns, view = pane().columns, pane().view
        self.filter = widgets.Text(description="Grid filter", placeholder="text in any cell; Enter applies",
                                   continuous_update=False, style={"description_width": "initial"},
                                   tooltip="Show only rows with this text", layout=widgets.Layout(flex="1 1 200px"))
        self.sort_by = widgets.Dropdown(options=list(columns), value=view.sort_by,
                                        description="Sort by", tooltip="The column rows are sorted by",
                                        style={"description_width": "initial"}, layout=widgets.Layout(width="auto"))
        self.order = widgets.ToggleButtons(options=[("▲ ascending", False), ("▼ descending", True)],
                                           value=view.descending, tooltips=["Smallest first", "Largest first"],
                                           style={"button_width": "auto", "description_width": "initial"},
                                           description="Order")
        self.previous = widgets.Button(description="Previous page",
                                       tooltip="Newer rows when sorted newest first", layout=widgets.Layout(width="auto"))
        self.next = widgets.Button(description="Next page",
                                   tooltip="Older rows when sorted newest first", layout=widgets.Layout(width="auto"))
        self.filter.observe(lambda c: self._change(lambda v: replace(v, query=c["new"].strip(), page=0)), "value")
        self.sort_by.observe(lambda c: self._change(lambda v: replace(v, sort_by=c["new"], page=0)), "value")
        self.order.observe(lambda c: self._change(lambda v: replace(v, descending=bool(c["new"]), page=0)), "value")
        self.previous.on_click(lambda _: self._change(lambda v: replace(v, page=max(0, v.page - 1))))
        self.next.on_click(lambda _: self._change(lambda v: replace(v, page=min(v.page + 1, pane().pages(v) - 1))))
        super().__init__([self.filter, self.sort_by, self.order, self.previous, self.next],
                         layout=widgets.Layout(flex_flow="row wrap", align_items="center", width="100%"))


class Grid(widgets.VBox):
    """`vn.grid(...)`'s widget: controls above a page of rows; live over a store or a feed."""

    def __init__(self, source: EventStore | Feed | pd.DataFrame, *, page_size: int = 20, keep: int = 10_000,
                 max_rate_hz: float = 4, columns: Sequence[str] | None = None) -> None:
        _check(page_size, keep, max_rate_hz)
        store, frame = _rows_of(source)
        self.store = store
        self.pane = GridPane(columns or (COLUMNS if frame is None else [str(c) for c in frame.columns]),
                             keep=keep, page_size=page_size, arrival_order=None if frame is not None else "seq")
        self._lock = threading.Lock()
        self.renderer = Renderer([self.pane], self._lock, max_rate_hz)
        self.controls = GridControls(lambda: self.pane, self._change)
        self._unsubscribe: Callable[[], None] | None = None
        self._display_id: str | None = None
        self._follow(store, frame)
        super().__init__([self.controls, self.renderer.widgets["grid"]], layout=widgets.Layout(width="100%"))
        self.renderer.start()
        snapshot.claim_cell(self, kind="grid")  # a re-run closes the grid its last run made
        snapshot.after_each_cell(self._after_cell)

    def sort(self, column: str, *, descending: bool = False) -> None:
        """Sort by `column` (as the Sort by and Order controls do)."""
        if column not in self.pane.columns:
            raise ValueError(f"no column {column!r} in the grid; pick one of {', '.join(self.pane.columns)}")
        self.controls.order.value = descending
        self.controls.sort_by.value = column
        self.renderer.flush()

    def filter(self, text: str) -> None:
        """Show only rows with `text` in a text, label, stream, event or id cell."""
        self.controls.filter.value = text
        self.renderer.flush()

    def close(self) -> None:
        if not hasattr(self, "renderer"):  # __init__ failed before there was anything to stop
            super().close()
            return
        snapshot.after_each_cell(self._after_cell, remove=True)
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.renderer.stop()
        for child in (*self.children, *self.controls.children):
            child.close()
        super().close()

    def snapshot_html(self) -> str:
        with self._lock:
            snap = self.pane.snapshot()
        return f"{snapshot.MARK_START}{self.pane.render(snap, time.time() * 1000)}{snapshot.MARK_END}"

    def __repr__(self) -> str:
        return f"Grid(columns={len(self.pane.columns)}, page_size={self.pane.page_size})"

    def _ipython_display_(self, **kwargs: Any) -> None:
        from IPython.display import display
        self._display_id = self._display_id or f"vdb-grid-{self.model_id}"
        display(self._bundle(), raw=True, display_id=self._display_id)

    def _bundle(self) -> dict[str, Any]:
        bundle = dict(super()._repr_mimebundle_() or {})
        bundle["text/html"] = self.snapshot_html()
        return bundle

    def _after_cell(self) -> None:
        if not snapshot.after_a_cell():  # a control's message, not a cell (see snapshot.py)
            return
        self.renderer.flush()
        if self._display_id is not None:
            from IPython.display import update_display
            update_display(self._bundle(), raw=True, display_id=self._display_id)

    def _change(self, update: Callable[[GridView], GridView]) -> None:
        with self._lock:
            self.pane.view = update(self.pane.view)
            self.renderer.mark("grid")

    def _follow(self, store: EventStore | None, frame: pd.DataFrame | None) -> None:
        """Seed from what is there, then (for a store) every event added after it, once."""
        if store is None:
            if frame is not None:
                self.pane.seed(frame)
            return
        early: list[Event] = []
        with self._lock:
            self._seeding = True
            self._unsubscribe = store.subscribe(lambda e: self._on_event(e, early))
        df = store.df
        newest = int(df["seq"].iloc[-1]) if len(df) else -1
        with self._lock:
            self.pane.seed(df)
            for event in early:
                if event.seq > newest:
                    self.pane.record(event)
            self._seeding = False
            self.renderer.mark("grid")

    def _on_event(self, event: Event, early: list[Event]) -> None:
        with self._lock:
            if self._seeding:
                early.append(event)
                return
            self.pane.record(event)
            self.pane.last_seq = event.seq
            self.renderer.mark("grid")


def grid(store_or_view: EventStore | Feed | pd.DataFrame, *, page_size: int = 20, keep: int = 10_000, max_rate_hz: float = 4,
         columns: Sequence[str] | None = None) -> Grid:
    """A grid of an `EventStore` or `Feed` (live: new events show as they arrive, at most
    `max_rate_hz` updates a second, the newest `keep` rows kept) or of a DataFrame view
    (`store.alerts()`, ...). Sort, filter and page it with its controls or `sort()`/`filter()`."""
    return Grid(store_or_view, page_size=page_size, keep=keep, max_rate_hz=max_rate_hz, columns=columns)


def _rows_of(source: object) -> tuple[EventStore | None, pd.DataFrame | None]:
    from ..store.store import EventStore
    if isinstance(source, pd.DataFrame):
        return None, source
    store = source if isinstance(source, EventStore) else getattr(source, "store", None)
    if isinstance(store, EventStore):
        return store, None
    raise TypeError(f"vn.grid needs an EventStore, a Feed or a DataFrame view, not "
                    f"{type(source).__name__}; e.g. vn.grid(store) or vn.grid(store.alerts())")


def _check(page_size: object, keep: object, max_rate_hz: object) -> None:
    for name, value, low, high in (("page_size", page_size, 1, 500), ("keep", keep, 1, 1_000_000)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    if isinstance(max_rate_hz, bool) or not isinstance(max_rate_hz, (int, float)) or not 0 < max_rate_hz <= 60:
        raise ValueError(f"max_rate_hz must be a number of updates per second in (0, 60], not {max_rate_hz!r}")


def _values(frame: pd.DataFrame, column: str) -> list[Any]:
    if column not in frame:
        return [None] * len(frame)
    series = frame[column]
    return list(series.astype(object).where(series.notna(), None).tolist())


def _sorted(rows: list[tuple[Any, ...]], at: int, descending: bool) -> list[tuple[Any, ...]]:
    """Rows by column `at`; empty cells last either way; mixed types by their text."""
    present = [r for r in rows if not _empty(r[at])]
    empty = [r for r in rows if _empty(r[at])]
    try:
        present.sort(key=lambda r: r[at], reverse=descending)
    except TypeError:
        present.sort(key=lambda r: str(r[at]), reverse=descending)
    return present + empty


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _page(rows: list[tuple[Any, ...]], view: GridView, size: int) -> list[tuple[Any, ...]]:
    last = max(0, (len(rows) - 1) // size)
    start = min(view.page, last) * size
    return rows[start:start + size]


def _note(view: GridView, matching: int, kept: int, total: int, *, start: int = 0, count: int = 0,
          pages: int = 1) -> str:
    if not count:
        return f"0 of {total} rows"
    shown = f"rows {start + 1}–{start + count} of {matching}"
    if view.query:
        shown += f" matching “{clip(view.query, 30)}”"
    page = f"page {min(view.page, pages - 1) + 1}/{pages}"
    return f"{shown} · {page}" + (f" · {total} events" if total != matching else "")


def _sort_state(column: str, view: GridView) -> str:
    if column != view.sort_by:
        return ""
    return f" aria-sort='{'descending' if view.descending else 'ascending'}'"


_ID_COLUMNS = ("capture_session_id", "rtstream_id", "channel")
_TH = (f"text-align:left;padding:2px 6px;border-bottom:1px solid {BORDER};color:{MUTED};"
       f"font-weight:600;position:sticky;top:0;background:{SURFACE};white-space:nowrap")
_TR = f"<tr style='border-bottom:1px solid {BORDER}'>"


def _row(columns: Iterable[str], row: tuple[Any, ...]) -> str:
    return _TR + "".join(_cell(c, v) for c, v in zip(columns, row, strict=True)) + "</tr>"


def _cell(column: str, value: Any) -> str:
    if _empty(value):
        return f"<td style='color:{FAINT}'>–</td>"
    if column in TIME_COLUMNS and isinstance(value, (int, float)):
        return f"<td style='white-space:nowrap'>{esc(clock(value, millis=True))}</td>"
    if isinstance(value, float):
        return f"<td>{value:.2f}</td>"
    text = clip(value)
    shown = clip(text, CELL_TEXT)
    tip = f" title='{esc(text)}'" if shown != text else ""
    return f"<td style='word-break:break-word'{tip}>{esc(shown)}</td>"
