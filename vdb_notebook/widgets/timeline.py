"""The live timeline pane: `vn.timeline`'s lanes, growing as events arrive.

The pane keeps the last `max_spans` bars (epoch ms), each with the first `HOVER_CHARS` of its
text, and draws them with the same SVG as `vn.timeline(store)`, in session time, whenever the
renderer says so (coalesced like every pane). Both bounds keep one frame under ~150 kB.

    >>> from types import SimpleNamespace as Ev
    >>> pane = TimelinePane()
    >>> pane.record(Ev(channel="transcript", rtstream_name="mic:default", rtstream_id="rts-1",
    ...                is_final=True, label=None, text="hello", start=1768912497000.0,
    ...                end=1768912499000.0, timestamp=None))
    >>> "<title>00:00-00:02 · mic:default · transcript" in pane.render(pane.snapshot(), 0)
    True
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, NamedTuple

from ..analysis.chart import IMAGE_GRID, IMAGE_INK, LANE_CHANNELS, Span, as_image, draw, hover_map
from .frames import EventRow
from .markup import clip, esc, pane, plural
from .renderer import Pane
from .transcript import speaker_of

if TYPE_CHECKING:
    import pandas as pd

#: Characters of an event's text a bar keeps for its hover.
HOVER_CHARS = 100


class Bar(NamedTuple):
    stream: str
    channel: str
    kind: str
    start: float  # epoch ms
    end: float
    text: str


class TimelinePane(Pane[tuple[list[Bar], int, float | None, str]]):
    name = "timeline"

    def __init__(self, max_spans: int = 300) -> None:
        super().__init__()
        self.bars: deque[Bar] = deque(maxlen=max_spans)
        self.keeps = max_spans

    def record(self, event: EventRow) -> None:
        if event.channel not in LANE_CHANNELS or getattr(event, "is_final", None) is False:
            return  # interim lines: their final replaces them
        start = getattr(event, "start", None) or getattr(event, "timestamp", None)
        if not start:
            return
        end = getattr(event, "end", None) or start
        kind = (getattr(event, "label", None) or "alert") if event.channel == "alert" else event.channel
        self.bars.append(Bar(speaker_of(event), event.channel, str(kind), float(start),
                             float(max(end, start)), clip(getattr(event, "text", None), HOVER_CHARS)))
        self.total += 1

    def seed(self, frame: pd.DataFrame) -> None:
        super().seed(frame[frame["is_final"].fillna(True).astype(bool)])

    def snapshot(self) -> tuple[list[Bar], int, float | None, str]:
        clock = self.clock
        return (list(self.bars), self.total, self.origin_ms,
                "first event" if clock is None else clock.basis)

    def render(self, snap: tuple[list[Bar], int, float | None, str], now_ms: float) -> str:
        spans, note, basis = self._spans(snap)
        body = f"<div style='overflow-x:auto'>{draw(spans, basis=basis)}</div>"
        return pane("Timeline", body, note=esc(note), scroll=False)

    def render_static(self, snap: tuple[list[Bar], int, float | None, str], now_ms: float) -> str:
        """For the static snapshot: an image (a sanitizer keeps it where it strips inline SVG,
        as in a notebook opened from disk), in colours that read on light and dark alike."""
        spans, note, basis = self._spans(snap)
        svg = draw(spans, basis=basis, ink=IMAGE_INK, grid=IMAGE_GRID)
        image = as_image(svg, f"Timeline: {note}", hover_map(spans))
        return pane("Timeline", image, note=esc(note), scroll=False)

    def _spans(self, snap: tuple[list[Bar], int, float | None, str]) -> tuple[list[Span], str, str]:
        bars, total, origin, basis = snap
        if origin is None:
            origin = min((b.start for b in bars), default=0.0)
        spans = [Span(b.stream, b.channel, b.kind, (b.start - origin) / 1000,
                      (b.end - origin) / 1000, b.text) for b in bars]
        note = plural(total, "span")
        if total > len(bars):
            note += f" (last {len(bars)} shown)"
        return spans, note, basis
