"""The counters strip: events per channel, rejected frames, reconnect gaps, and live/stopped.

    >>> from types import SimpleNamespace as Ev
    >>> pane = CountersPane(source="store")
    >>> pane.record(Ev(channel="transcript", event="transcript", start=None, end=None, text=None))
    >>> pane.reject(Ev(reason="not JSON: <oops>"))
    >>> snap = pane.snapshot()
    >>> snap.counts, snap.rejected
    ({'transcript': 1}, 1)
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable

from ..schema import CHANNELS
from .markup import BORDER, FONT, MUTED, clip, esc
from .renderer import Pane

INK = "#111827"
#: Distinct channel names counted one by one; any further names are counted as 'other'.
MAX_CHANNELS = 16
LABELS = {"transcript": "transcript", "visual_index": "visual", "audio_index": "audio",
          "alert": "alerts", "capture_session": "lifecycle", "feed": "feed"}


@dataclass
class Counts:
    counts: dict[str, int] = field(default_factory=dict)
    total: int = 0
    rejected: int = 0
    last_rejection: str = ""
    gaps: int = 0
    gap_ms: float = 0.0
    last_gap: str = ""
    reconnects: int = 0
    dropped: int = 0
    status: str = "live"
    source: str = ""


class CountersPane(Pane):
    name = "counters"

    def __init__(self, source: str = "", dropped: Callable[[], int] | None = None) -> None:
        super().__init__()
        self.state = Counts(source=source)
        self._dropped = dropped  # the store's count of events evicted by max_events

    def record(self, event: Any) -> None:
        state = self.state
        channel = str(getattr(event, "channel", None) or "unknown")
        if channel not in state.counts and len(state.counts) >= MAX_CHANNELS:
            channel = "other"
        state.counts[channel] = state.counts.get(channel, 0) + 1
        state.total += 1
        name = getattr(event, "event", None)
        if name == "feed.gap":
            state.gaps += 1
            start, end = getattr(event, "start", None), getattr(event, "end", None)
            if isinstance(start, (int, float)) and isinstance(end, (int, float)) and end >= start:
                state.gap_ms += end - start
            state.last_gap = clip(getattr(event, "text", None) or "", 160)
        elif name == "feed.reconnected":
            state.reconnects += 1

    def seed(self, frame: Any) -> None:
        """Counts of a filled store's rows, vectorised (every row counts, none is replayed)."""
        state = self.state
        counts = frame["channel"].astype(object).value_counts()
        state.counts = {str(c): int(n) for c, n in counts.items() if n}
        state.total = len(frame)
        events = frame["event"].astype(object)
        gaps = frame[events.eq("feed.gap")]
        state.gaps = len(gaps)
        spans = (gaps["end"] - gaps["start"]).dt.total_seconds() * 1000
        state.gap_ms = float(spans[spans >= 0].sum())
        if len(gaps):
            state.last_gap = clip(gaps["text"].astype(object).fillna("").iloc[-1], 160)
        state.reconnects = int(events.eq("feed.reconnected").sum())

    def reject(self, rejection: Any) -> None:
        self.state.rejected += 1
        self.state.last_rejection = clip(getattr(rejection, "reason", None) or "", 160)

    def set_status(self, status: str) -> None:
        self.state.status = status

    def snapshot(self) -> Counts:
        dropped = self._dropped() if self._dropped is not None else 0
        return replace(self.state, counts=dict(self.state.counts), dropped=int(dropped or 0))

    def render(self, snap: Counts, now_ms: float) -> str:
        live = snap.status == "live"
        dot = "#16a34a" if live else "#94a3b8"
        cells = [_cell(LABELS.get(c, c), snap.counts.get(c, 0), INK) for c in CHANNELS]
        cells += [_cell(c, n, INK) for c, n in snap.counts.items() if c not in CHANNELS]
        cells.append(_cell("rejected", snap.rejected, "#dc2626" if snap.rejected else MUTED,
                           title=snap.last_rejection))
        gaps = f"{snap.gaps} · {snap.gap_ms / 1000:.1f}s" if snap.gaps else "0"
        cells.append(_cell("gaps", gaps, "#d97706" if snap.gaps else MUTED, title=snap.last_gap))
        if snap.reconnects:
            cells.append(_cell("reconnects", snap.reconnects, "#d97706"))
        if snap.dropped:
            cells.append(_cell("evicted", snap.dropped, MUTED, title="dropped by the store's max_events"))
        source = f"<span style='color:{MUTED};font-size:11px'>{esc(snap.source)}</span>" if snap.source else ""
        return (
            f"<div style='{FONT};display:flex;flex-wrap:wrap;gap:6px 14px;align-items:center;"
            f"border:1px solid {BORDER};border-radius:6px;padding:5px 8px;background:#f8fafc'>"
            f"<span style='display:inline-flex;align-items:center;gap:5px;font-weight:600'>"
            f"<span style='width:8px;height:8px;border-radius:50%;background:{dot};display:inline-block'></span>"
            f"VideoDB events · {esc(snap.status)}</span>"
            f"{_cell('total', snap.total, INK)}{''.join(cells)}{source}</div>"
        )


def _cell(label: str, value: Any, colour: str, *, title: str = "") -> str:
    tip = f" title='{esc(title)}'" if title else ""
    return (
        f"<span{tip} style='display:inline-flex;align-items:baseline;gap:4px'>"
        f"<span style='color:{MUTED};font-size:11px'>{esc(label)}</span>"
        f"<b style='color:{colour};font-variant-numeric:tabular-nums'>{esc(value)}</b></span>"
    )
