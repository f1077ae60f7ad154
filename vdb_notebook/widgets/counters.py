"""The counters strip: events per channel, rejected frames, reconnect gaps, the source's state
and what the panes' times count from.

The state is learned from the store, never by asking a source: a `feed.closed` record means
the feed ended ("closed"), a `feed.disconnected` that it is dialling again ("reconnecting"),
a `feed.gap` with no new connection that it lost its connection for
good ("disconnected"), a `feed.reconnected` that it is back ("live"); events replayed from a
recording make it "replayed". `Dashboard.stop()` shows "stopped".

Only the browser can tell that the kernel behind a dashboard is gone (a restart, a crash, a
notebook reopened later): while the source is live the renderer redraws this strip every
`HEARTBEAT_S` seconds, and a CSS animation delayed by `STALE_S` swaps "live" for "no update
from the kernel since hh:mm:ss UTC" unless a newer heartbeat replaced the strip first (as the
NEW badges expire). A kernel that stops sending, whatever the reason, is no longer called live.

A feed can be live and still behind: frames that queue on their way (a busy machine, a slow
network) arrive later than their stream's own times say. Each stream's best arrival lag
(`received_at - end` of its transcript, visual and audio index events) is its baseline, so any
clock works (VideoDB's, the emulator's fixed scenario epoch, a replay's); when the newest such
event came `BEHIND_S` seconds or more later than its stream's best, the status says
"live · N s behind" until events arrive on time again.

    >>> from types import SimpleNamespace as Ev
    >>> pane = CountersPane(source="store")
    >>> pane.record(Ev(channel="transcript", event="transcript", start=None, end=None, text=None))
    >>> pane.reject(Ev(reason="not JSON: <oops>"))
    >>> snap = pane.snapshot()
    >>> snap.counts, snap.rejected
    ({'transcript': 1}, 1)
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from ..analysis.clock import clock
from ..events.event import Rejection
from ..schema import CHANNELS
from .frames import EventRow, event_rows
from .markup import BORDER, FONT, INK, MUTED, SUNKEN, clip, esc
from .renderer import Pane

#: Distinct channel names counted one by one; any further names are counted as 'other'.
MAX_CHANNELS = 16
#: The channels with a counter each (the feed's own records show as gaps and reconnects).
LABELS = {"transcript": "transcript", "visual_index": "visual", "audio_index": "audio",
          "alert": "alerts", "capture_session": "lifecycle"}
STATUS_COLOURS = {"live": "#16a34a", "replayed": "#2563eb", "reconnecting": "#d97706",
                  "disconnected": "#d97706"}
#: States in which events may still arrive: the strip beats while in them.
BEATING = ("live", "reconnecting")
#: Seconds between heartbeats, and without one before the strip says the kernel is silent.
HEARTBEAT_S, STALE_S = 5.0, 16.0
#: Seconds later than its stream's best arrival lag at which the newest event makes a live feed
#: "behind"; the channels whose events carry the stream's own times; streams tracked at most.
BEHIND_S = 10.0
LAGGED = ("transcript", "visual_index", "audio_index")
MAX_LAGGED_STREAMS = 4096
_STALE_CSS = ("<style>@keyframes vdb-beat-off{to{font-size:0;visibility:hidden}}"
              "@keyframes vdb-stale-on{to{font-size:inherit;visibility:visible}}</style>")


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
    best_lag_ms: dict[str, int] = field(default_factory=dict)  # per rtstream
    behind_ms: int = 0  # the newest lagged event's arrival after its stream's best
    source: str = ""
    origin_ms: float | None = None
    basis: str = ""


class CountersPane(Pane[Counts]):
    name = "counters"
    beats = True

    def __init__(self, source: str = "", dropped: Callable[[], int] | None = None) -> None:
        super().__init__()
        self.state = Counts(source=source)
        self._dropped = dropped  # the store's count of events evicted by max_events

    def record(self, event: EventRow) -> None:
        state = self.state
        channel = str(getattr(event, "channel", None) or "unknown")
        if channel not in state.counts and len(state.counts) >= MAX_CHANNELS:
            channel = "other"
        state.counts[channel] = state.counts.get(channel, 0) + 1
        state.total += 1
        state.status = _status_after(state.status, event)
        self._lag(channel, event)
        name = getattr(event, "event", None)
        if name == "feed.gap":
            state.gaps += 1
            start, end = getattr(event, "start", None), getattr(event, "end", None)
            if isinstance(start, (int, float)) and isinstance(end, (int, float)) and end >= start:
                state.gap_ms += end - start
            state.last_gap = clip(getattr(event, "text", None) or "", 160)
        elif name == "feed.reconnected":
            state.reconnects += 1

    def _lag(self, channel: str, event: EventRow) -> None:
        end, stream = getattr(event, "end", None), getattr(event, "rtstream_id", None)
        if channel not in LAGGED or not isinstance(end, int) or not isinstance(stream, str):
            return
        best = self.state.best_lag_ms
        if stream not in best and len(best) >= MAX_LAGGED_STREAMS:
            return
        lag = int(event.received_at) - end
        best[stream] = min(lag, best.get(stream, lag))
        self.state.behind_ms = lag - best[stream]

    def _seed_lags(self, frame: pd.DataFrame) -> None:
        """`_lag` over a filled store's rows, vectorised, with the same result."""
        rows = frame[frame["channel"].astype(object).isin(LAGGED) & frame["end"].notna()
                     & frame["rtstream_id"].notna()]
        streams = rows["rtstream_id"].astype(object)
        rows = rows[streams.isin(streams.drop_duplicates().head(MAX_LAGGED_STREAMS))]
        if not len(rows):
            return
        def ms(column: str) -> Any:  # epoch ms as int64, as frames.epoch_ms reads them
            return rows[column].to_numpy(dtype="datetime64[ms]").astype("int64")
        lags = pd.Series(ms("received_at") - ms("end"), index=rows.index, dtype="int64")
        best = lags.groupby(rows["rtstream_id"].astype(object)).min()
        self.state.best_lag_ms = {str(k): int(v) for k, v in best.items()}
        last_stream = str(rows["rtstream_id"].iloc[-1])
        self.state.behind_ms = int(lags.iloc[-1]) - self.state.best_lag_ms[last_stream]

    def seed(self, frame: pd.DataFrame) -> None:
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
        self._seed_lags(frame)
        if frame["source"].astype(object).eq("replay").any():
            state.status = "replayed"
        else:
            for row in event_rows(frame[frame["channel"].astype(object).eq("feed")].tail(1)):
                state.status = _status_after(state.status, row)

    def reject(self, rejection: Rejection) -> None:
        self.state.rejected += 1
        self.state.last_rejection = clip(rejection.reason or "", 160)

    def set_status(self, status: str) -> None:
        self.state.status = status

    def snapshot(self) -> Counts:
        dropped = self._dropped() if self._dropped is not None else 0
        clock_ = self.clock
        return replace(self.state, counts=dict(self.state.counts),
                       best_lag_ms=dict(self.state.best_lag_ms), dropped=int(dropped or 0),
                       origin_ms=None if clock_ is None else clock_.origin_ms,
                       basis="" if clock_ is None else clock_.basis)

    def next_refresh(self, snap: Counts, now_ms: float) -> float | None:
        """While live, a heartbeat every HEARTBEAT_S seconds (see the module's doc)."""
        return HEARTBEAT_S if snap.status in BEATING and now_ms < float("inf") else None

    def render(self, snap: Counts, now_ms: float) -> str:
        cells = [_cell(LABELS[c], snap.counts.get(c, 0), INK) for c in CHANNELS if c in LABELS]
        cells += [_cell(c, n, INK) for c, n in snap.counts.items()
                  if c not in CHANNELS and c != "feed"]
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
            f"border:1px solid {BORDER};border-radius:6px;padding:5px 8px;background:{SUNKEN};"
            f"color:{INK}'>"
            f"{_status(snap.status, now_ms, snap.behind_ms)}"
            f"{_cell('total', snap.total, INK)}{''.join(cells)}{source}{_times(snap)}</div>"
        )


def _status(status: str, now_ms: float, behind_ms: int = 0) -> str:
    """The status word with its dot ("live · N s behind" when the newest events came late);
    while beating, with the silent-kernel text that a CSS animation shows (and the word hides)
    STALE_S seconds after this drawing."""
    if status == "live" and behind_ms >= BEHIND_S * 1000:
        word = _word(f"live · {behind_ms / 1000:.0f} s behind", "#d97706")
    else:
        word = _word(status, STATUS_COLOURS.get(status, "#94a3b8"))
    if status not in BEATING or not now_ms < float("inf"):
        return word
    after = f"0s linear {STALE_S:g}s forwards"
    silent = _word(f"no update from the kernel since {clock(now_ms)} UTC: it may have stopped "
                   "(restarted or closed); re-run the cells to follow the events again",
                   "#94a3b8")
    return (f"{_STALE_CSS}<span style='animation:vdb-beat-off {after}'>{word}</span>"
            f"<span role='status' style='font-size:0;visibility:hidden;"
            f"animation:vdb-stale-on {after}'>{silent}</span>")


def _word(text: str, dot: str) -> str:
    return (f"<span style='display:inline-flex;align-items:center;gap:5px;font-weight:600'>"
            f"<span style='width:8px;height:8px;border-radius:50%;background:{dot};"
            f"display:inline-block'></span>VideoDB events · {esc(text)}</span>")


def _status_after(status: str, event: EventRow) -> str:
    """The source's state once `event` is in the store (a replay stays a replay)."""
    if status == "replayed" or getattr(event, "source", None) == "replay":
        return "replayed"
    name = getattr(event, "event", None)
    if name == "feed.closed":
        return "closed"
    if name == "feed.reconnected":
        return "live"
    if name == "feed.disconnected":
        return "reconnecting"
    if name == "feed.gap" and not _new_connection(event):
        return "disconnected"
    return status


def _new_connection(gap: EventRow) -> bool:
    frame = getattr(gap, "frame", None) or getattr(gap, "raw", None)
    data = frame.get("data") if isinstance(frame, dict) else None
    return isinstance(data, dict) and bool(data.get("new_connection_id"))


def _times(snap: Counts) -> str:
    """Which clock the panes' mm:ss are on."""
    if snap.origin_ms is None:
        return ""
    return (f"<span style='color:{MUTED};font-size:11px;margin-left:auto' "
            f"title='every mm:ss in the panes counts from this instant'>times: mm:ss since "
            f"{esc(snap.basis)} ({esc(clock(snap.origin_ms))} UTC)</span>")


def _cell(label: str, value: Any, colour: str, *, title: str = "") -> str:
    tip = f" title='{esc(title)}'" if title else ""
    return (
        f"<span{tip} style='display:inline-flex;align-items:baseline;gap:4px'>"
        f"<span style='color:{MUTED};font-size:11px'>{esc(label)}</span>"
        f"<b style='color:{colour};font-variant-numeric:tabular-nums'>{esc(value)}</b></span>"
    )
