"""The DataFrame tail: the store's last `tail` rows, as a compact HTML table.

The pane keeps its own ring of the last `tail` events (the same rows as `store.df.tail(tail)`),
so drawing it never rebuilds the store's DataFrame.

    >>> from types import SimpleNamespace as Ev
    >>> pane = TablePane(tail=2)
    >>> for n in range(3):
    ...     pane.record(Ev(seq=n, received_at=0, channel="transcript", event="transcript",
    ...                    rtstream_name="mic", text=f"<{n}>", is_final=True, label=None,
    ...                    confidence=None, status=None))
    >>> [row[0] for row in pane.snapshot()[0]]
    [1, 2]
"""
from __future__ import annotations

from collections import deque
from functools import lru_cache
from typing import Any

from ..analysis.clock import clock
from .frames import EventRow
from .markup import BORDER, FAINT, MUTED, clip, colour_for, esc, pane, placeholder
from .renderer import Pane

COLUMNS = ("seq", "received_at", "channel", "event", "rtstream_name", "text", "is_final",
           "label", "confidence", "status")
#: Characters of text a table cell shows (the full clipped text is in the cell's tooltip).
CELL_TEXT = 90


class TablePane(Pane[tuple[list[tuple[Any, ...]], int]]):
    name = "table"

    def __init__(self, tail: int = 50) -> None:
        super().__init__()
        self.events: deque[EventRow] = deque(maxlen=tail)  # events are never changed once stored
        self.keeps = tail

    def record(self, event: EventRow) -> None:
        self.events.append(event)  # rows are built at snapshot time, `tail` at a time
        self.total += 1

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        return [tuple(getattr(event, column, None) for column in COLUMNS) for event in self.events]

    def snapshot(self) -> tuple[list[tuple[Any, ...]], int]:
        return self.rows, self.total

    def render(self, snap: tuple[list[tuple[Any, ...]], int], now_ms: float) -> str:
        rows, total = snap
        if not rows:
            return pane("DataFrame tail", placeholder("No events yet."), scroll=False)
        head = "".join(f"<th style='{_TH}'{_TIP.get(c, '')}>{esc(HEADERS.get(c, c))}</th>"
                       for c in COLUMNS)
        body = "".join(_row(row) for row in rows)
        # The header is a table of its own above the scrolled rows (same fixed column widths):
        # a sticky header covered part of the row scrolled under it. Cells inherit padding
        # (cellpadding) and alignment (tbody) to keep each update small.
        header = f"<table {_TABLE}>{_COLS}<thead><tr>{head}</tr></thead></table>"
        table = f"<table {_TABLE}>{_COLS}<tbody style='{_TBODY}'>{body}</tbody></table>"
        note = f"last {len(rows)} of {total} rows"
        return pane("DataFrame tail", table, note=esc(note), height="240px", above=header)


_TH = (f"text-align:left;padding:2px;border-bottom:1px solid {BORDER};color:{MUTED};"
       f"font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis")
#: Per-column widths (%), shared by the header's table and the rows' table.
WIDTHS = {"seq": 5, "received_at": 11, "channel": 9, "event": 13, "rtstream_name": 11,
          "text": 27, "is_final": 6, "label": 8, "confidence": 5, "status": 5}
_COLS = "<colgroup>" + "".join(f"<col style='width:{WIDTHS[c]}%'>" for c in COLUMNS) + \
    "</colgroup>"
_TABLE = ("cellpadding='2' style='border-collapse:collapse;width:100%;font-size:11px;"
          "table-layout:fixed'")
_TBODY = "vertical-align:top;text-align:left"
_TR = f"<tr style='border-bottom:1px solid {BORDER}'>"
#: The one wall-clock column says so (every other time in the panes is session time).
HEADERS = {"received_at": "received (UTC wall clock)"}
_TIP = {"received_at": " title='when the store received the event: wall-clock time of day, UTC'"}


def _cell(column: str, value: Any) -> str:
    if value is None or value != value:  # None or NaN
        return f"<td style='color:{FAINT}'>–</td>"
    if column == "received_at":
        return f"<td style='white-space:nowrap'>{esc(clock(value, millis=True))}</td>"
    if column == "channel":
        return f"<td style='color:{colour_for(str(value))};white-space:nowrap'>{esc(value)}</td>"
    if column == "confidence" and isinstance(value, (int, float)):
        return f"<td>{value:.2f}</td>"
    if column != "text":
        shown = clip(value, 40)
        return (f"<td style='white-space:nowrap;overflow:hidden;text-overflow:ellipsis' "
                f"title='{esc(shown)}'>{esc(shown)}</td>")
    text = clip(value)
    shown = clip(text, CELL_TEXT)
    tip = f" title='{esc(text)}'" if shown != text else ""
    return f"<td style='word-break:break-word'{tip}>{esc(shown)}</td>"


@lru_cache(maxsize=1024)  # a row is redrawn every frame until it leaves the tail
def _row(row: tuple[Any, ...]) -> str:
    return _TR + "".join(_cell(c, v) for c, v in zip(COLUMNS, row, strict=True)) + "</tr>"
