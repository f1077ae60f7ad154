"""`vn.timeline(store)`: one lane per stream and channel, alerts coloured by label, in session time.

The drawing is SVG made here, shared with the Dashboard's live timeline pane, where each bar
shows its time, stream and text on hover (an SVG `<title>`). In a notebook output it is an image
(a data URI), which JupyterLab shows even in a notebook opened from disk (untrusted), as do
static exports (nbconvert HTML, nbviewer) where no JavaScript runs; `.spans` lists the bars.

    >>> import vdb_notebook as vn
    >>> store = vn.EventStore()
    >>> T0 = 1768912496000
    >>> _ = store.add({"channel": "capture_session", "event": "capture_session.active",
    ...                "capture_session_id": "cap-1", "timestamp": T0})
    >>> _ = store.add({"channel": "transcript", "rtstream_name": "mic:default",
    ...                "data": {"text": "hello", "is_final": True, "start": T0 + 1000, "end": T0 + 3000}})
    >>> chart = vn.timeline(store)
    >>> chart
    Timeline(1 lane, 1 span, 00:01-00:03 since session active)
    >>> "<title>00:01-00:03 · mic:default · transcript" in chart.svg
    True
"""
from __future__ import annotations

import base64
import html
from typing import Any, Iterable, NamedTuple

import pandas as pd

from .clock import mmss, session_start

#: The channels drawn, in lane order within a stream.
LANE_CHANNELS = ("transcript", "audio_index", "visual_index", "alert")
CHANNEL_COLOURS = {"transcript": "#2563eb", "audio_index": "#d97706", "visual_index": "#16a34a"}
#: Alert labels take these colours in order of first appearance.
ALERT_COLOURS = ("#dc2626", "#7c3aed", "#db2777", "#0e7490", "#a16207", "#4b5563")
INK = "var(--jp-ui-font-color1, #374151)"
GRID = "var(--jp-border-color2, #e5e7eb)"
LABEL_W, LANE_H, TOP, BOTTOM, RIGHT = 200, 18, 24, 26, 12
TICK_STEPS = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
#: Characters of event text a bar's hover shows.
HOVER_TEXT = 300
#: Alert labels the legend names (the rest are counted).
LEGEND_LABELS = 8


class Span(NamedTuple):
    """One bar: `start`/`end` in seconds of session time; `kind` is the channel, or an
    alert's label."""

    stream: str
    channel: str
    kind: str
    start: float
    end: float
    text: str


class Timeline:
    """A drawn timeline: `.svg` (the markup), `.spans` (a DataFrame of the bars), shown as the
    SVG in a notebook."""

    def __init__(self, spans: list[Span], basis: str) -> None:
        self.spans = pd.DataFrame(spans, columns=list(Span._fields))
        self.basis = basis
        self.svg = draw(spans, basis=basis)

    def __repr__(self) -> str:
        if self.spans.empty:
            return "Timeline(no events yet)"
        lanes = len(self.spans.groupby(["stream", "channel"]))
        n = len(self.spans)
        return (f"Timeline({lanes} lane{'s' * (lanes != 1)}, {n} span{'s' * (n != 1)}, "
                f"{mmss(self.spans['start'].min())}-{mmss(self.spans['end'].max())} "
                f"since {self.basis})")

    def _repr_html_(self) -> str:
        """The drawing as an image: a notebook opened from disk is untrusted, and JupyterLab's
        sanitizer strips inline SVG from its HTML (leaving the labels as a run of text), but
        keeps a data-URI image. Hover text lives in `.svg`, the Dashboard's pane and `.spans`."""
        data = base64.b64encode(self.svg.encode("utf-8")).decode("ascii")
        alt = "No events on the timeline yet." if self.spans.empty else repr(self)
        return (f"<img src='data:image/svg+xml;base64,{data}' alt='{html.escape(alt, quote=True)}' "
                "style='max-width:100%'>")

    def _repr_svg_(self) -> str:
        """The same drawing for viewers that show images but not HTML (hover text aside)."""
        return self.svg


def timeline(store: Any) -> Timeline:
    """The store's transcript (final lines), audio and visual index and alerts as bars, one
    lane per stream and channel, in mm:ss since the session went active."""
    df = store.df
    origin = session_start(df)
    return Timeline(spans_of(df, origin.at), origin.basis)


def spans_of(df: pd.DataFrame, origin: pd.Timestamp | None) -> list[Span]:
    """The bars of a store's DataFrame (interim transcript lines left out: a final replaces
    them)."""
    channels = df["channel"].astype(object)
    rows = df[channels.isin(LANE_CHANNELS) & df["is_final"].fillna(True).astype(bool)]
    starts = rows["start"].fillna(rows["timestamp"])
    rows, starts = rows[starts.notna()], starts[starts.notna()]
    if origin is None or not len(rows):
        return []
    ends = rows["end"].fillna(starts)
    begin = (starts - origin).dt.total_seconds().tolist()
    finish = (ends - origin).dt.total_seconds().tolist()
    streams = rows["rtstream_name"].astype(object).fillna(rows["rtstream_id"]).fillna("unknown")
    channel = rows["channel"].astype(str).tolist()
    labels = rows["label"].astype(object).fillna("alert").tolist()
    texts = rows["text"].astype(object).fillna("").tolist()
    return [Span(str(s), c, str(l) if c == "alert" else c, b, max(b, f), str(t))
            for s, c, l, b, f, t in zip(streams.tolist(), channel, labels, begin, finish, texts)]


def colours(spans: Iterable[Span]) -> dict[str, str]:
    """Each kind's colour: channels fixed, alert labels in order of first appearance."""
    found = dict(CHANNEL_COLOURS)
    labels: list[str] = []
    for span in spans:
        if span.channel == "alert" and span.kind not in labels:
            labels.append(span.kind)
    for n, label in enumerate(labels):
        found[label] = ALERT_COLOURS[n % len(ALERT_COLOURS)]
    return found


def draw(spans: list[Span], *, basis: str = "session active", width: int = 900) -> str:
    """The SVG of `spans`: lanes, bars with hover text, an mm:ss axis and a legend."""
    if not spans:
        return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='24'>"
                f"<text x='4' y='16' style='fill:{INK};font:italic 12px sans-serif'>"
                f"No events on the timeline yet.</text></svg>")
    order = {c: n for n, c in enumerate(LANE_CHANNELS)}
    lanes = sorted({(s.stream, s.channel) for s in spans}, key=lambda k: (k[0], order[k[1]]))
    row = {lane: n for n, lane in enumerate(lanes)}
    first = min(0.0, min(s.start for s in spans))
    last = max(s.end for s in spans)
    scale = (width - LABEL_W - RIGHT) / max(last - first, 1.0)
    x = lambda t: LABEL_W + (t - first) * scale  # noqa: E731 - local shorthand
    height = TOP + LANE_H * len(lanes) + BOTTOM
    palette = colours(spans)
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' "
             f"width='{width}' height='{height}' style='font:11px sans-serif;max-width:100%'>"]
    parts += _legend(palette, spans)
    parts += _axis(first, last, x, height, len(lanes))
    for (stream, channel), n in row.items():
        y = TOP + n * LANE_H
        parts.append(f"<text x='{LABEL_W - 6}' y='{y + 12}' text-anchor='end' style='fill:{INK}'>"
                     f"{_esc(stream[:32])} · {_esc(channel)}</text>")
    for span in spans:
        y = TOP + row[(span.stream, span.channel)] * LANE_H + 3
        colour = palette.get(span.kind, "#64748b")
        left, right = x(span.start), x(span.end)
        hover = (f"{mmss(span.start)}-{mmss(span.end)} · {span.stream} · {span.kind}"
                 + (f"\n{span.text[:HOVER_TEXT]}" if span.text else ""))
        parts.append(f"<rect x='{left:.1f}' y='{y}' width='{max(right - left, 2.0):.1f}' "
                     f"height='{LANE_H - 6}' rx='2' fill='{colour}' fill-opacity='0.45' "
                     f"stroke='{colour}' stroke-width='1'><title>{_esc(hover)}</title></rect>")
    parts.append(f"<text x='{width - RIGHT}' y='{height - 4}' text-anchor='end' "
                 f"style='fill:{INK}'>mm:ss since {_esc(basis)}</text></svg>")
    return "".join(parts)


def _legend(palette: dict[str, str], spans: list[Span]) -> list[str]:
    kinds = list(dict.fromkeys(s.kind for s in spans))
    channels = [k for k in CHANNEL_COLOURS if k in kinds]
    alerts = [k for k in palette if k not in CHANNEL_COLOURS and k in kinds]
    more = len(alerts) - LEGEND_LABELS
    alerts = alerts[:LEGEND_LABELS]
    parts, left = [], LABEL_W
    for kind, name in [(k, k) for k in channels] + [(k, f"alert: {k[:40]}") for k in alerts]:
        colour = palette[kind]
        parts.append(f"<rect x='{left}' y='6' width='10' height='10' rx='2' fill='{colour}' "
                     f"fill-opacity='0.45' stroke='{colour}'/>"
                     f"<text x='{left + 14}' y='15' style='fill:{INK}'>{_esc(name)}</text>")
        left += 24 + 6.5 * len(name)
    if more > 0:
        parts.append(f"<text x='{left}' y='15' style='fill:{INK}'>+{more} more labels</text>")
    return parts


def _axis(first: float, last: float, x: Any, height: int, n_lanes: int) -> list[str]:
    span = max(last - first, 1.0)
    step = next((s for s in TICK_STEPS if span / s <= 10), TICK_STEPS[-1])
    bottom = TOP + n_lanes * LANE_H
    parts = []
    tick = (first // step) * step
    while tick <= last:
        if tick >= first:
            at = x(tick)
            parts.append(f"<line x1='{at:.1f}' x2='{at:.1f}' y1='{TOP}' y2='{bottom}' "
                         f"style='stroke:{GRID}'/><text x='{at:.1f}' y='{bottom + 12}' "
                         f"text-anchor='middle' style='fill:{INK}'>{mmss(tick)}</text>")
        tick += step
    return parts


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)
