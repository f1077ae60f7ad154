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
import hashlib
import html
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

import pandas as pd

from .clock import mmss, session_start

if TYPE_CHECKING:
    from .._duration import Duration
    from ..feed.feed import Feed
    from ..store.store import EventStore

#: The channels drawn, in lane order within a stream.
LANE_CHANNELS = ("transcript", "audio_index", "visual_index", "alert")
CHANNEL_COLOURS = {"transcript": "#2563eb", "audio_index": "#d97706", "visual_index": "#16a34a"}
#: Alert labels take these colours in order of first appearance.
ALERT_COLOURS = ("#dc2626", "#7c3aed", "#db2777", "#0e7490", "#a16207", "#4b5563")
#: Text and grid colours where the SVG is inline (a widget, a trusted page): the theme's.
INK = "var(--jp-ui-font-color1, #374151)"
GRID = "var(--jp-border-color2, #e5e7eb)"
#: In an image (data URI) no CSS variable reaches the SVG, so its colours must read on white
#: and on JupyterLab Dark's near-black alike: a mid grey of about 4.3:1 contrast on both, and
#: grid lines drawn faint, under the bars.
IMAGE_INK, IMAGE_GRID = "#767f8c", "rgba(128,128,128,0.28)"
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
    """A drawn timeline: `.svg` (inline markup, themed), `.image_svg` (the same for an image),
    `.spans` (a DataFrame of the bars). Shown as an image with a hover text per bar in every
    viewer, and in a live notebook as a widget whose range slider zooms and pans."""

    def __init__(self, spans: list[Span], basis: str, window: tuple[float, float] | None = None
                 ) -> None:
        self.spans = pd.DataFrame(spans, columns=list(Span._fields))
        self.basis = basis
        self.window = window
        self._bars = spans
        self.svg = draw(spans, basis=basis, window=window)
        self.image_svg = draw(spans, basis=basis, window=window, ink=IMAGE_INK, grid=IMAGE_GRID)

    def zoom(self, start: Duration | None = None, end: Duration | None = None) -> Timeline:
        """The same bars drawn from `start` to `end` (seconds or '2m30s' since the session went
        active; None: the first or last bar). Pan by moving both."""
        return Timeline(self._bars, self.basis, _window(self._bars, start, end))

    def __repr__(self) -> str:
        if self.spans.empty:
            return "Timeline(no events yet)"
        lanes = len(self.spans.groupby(["stream", "channel"]))
        n = len(self.spans)
        first, last = self.window or (self.spans["start"].min(), self.spans["end"].max())
        return (f"Timeline({lanes} lane{'s' * (lanes != 1)}, {n} span{'s' * (n != 1)}, "
                f"{mmss(first)}-{mmss(last)} since {self.basis})")

    def _repr_html_(self) -> str:
        """The drawing as an image: a notebook opened from disk is untrusted, and JupyterLab's
        sanitizer strips inline SVG from its HTML (leaving the labels as a run of text), but
        keeps a data-URI image; an image map over it gives each bar its hover text."""
        alt = "No events on the timeline yet." if self.spans.empty else repr(self)
        return as_image(self.image_svg, alt, hover_map(self._bars, self.window))

    def _repr_svg_(self) -> str:
        """The same drawing for viewers that show images but not HTML (hover text aside)."""
        return self.image_svg

    def _ipython_display_(self) -> None:
        """In a notebook: a widget with the inline (themed) drawing, hover text and a range
        slider that zooms and pans, and this image beside it for viewers without widgets."""
        from IPython.display import display
        try:
            from ..widgets.timeline_view import TimelineView
        except ImportError:  # no ipywidgets: the image
            display({"text/html": self._repr_html_(), "text/plain": repr(self)}, raw=True)
            return
        TimelineView(self).show()


def timeline(source: EventStore | Feed | pd.DataFrame, *, start: Duration | None = None,
             end: Duration | None = None) -> Timeline:
    """The transcript (final lines), audio and visual index and alerts of `source` (an
    EventStore, a Feed, `store.df`, or a view with `full=True`) as bars, one lane per stream
    and channel, in mm:ss since the session went active. `start` / `end` zoom in (seconds or
    '2m30s' since the session went active)."""
    df = _events_of(source)
    origin = session_start(df)
    spans = spans_of(df, origin.at)
    window = None if start is None and end is None else _window(spans, start, end)
    return Timeline(spans, origin.basis, window)


def _events_of(source: object) -> pd.DataFrame:
    """The events DataFrame of a store, a feed (its store), or a DataFrame of events."""
    if isinstance(source, pd.DataFrame):
        if "channel" in source.columns:
            return source
        from ..store.present import store_of
        store = store_of(source)
        if store is not None and source.index.name == "seq":
            events = store.df
            viewed: pd.DataFrame = events[events["seq"].isin(source.index)]
            return viewed
        raise TypeError("vn.timeline takes an EventStore, a Feed or a DataFrame of events "
                        "(store.df, or a view with full=True); this DataFrame has no channel "
                        "column")
    for candidate in (source, getattr(source, "store", None)):
        df = getattr(candidate, "df", None)
        if isinstance(df, pd.DataFrame):
            return df
    raise TypeError(f"vn.timeline takes an EventStore, a Feed or a DataFrame of events, not "
                    f"{type(source).__name__}; e.g. vn.timeline(feed) or vn.timeline(store)")


def _window(spans: list[Span], start: Duration | None,
            end: Duration | None) -> tuple[float, float]:
    first = min((s.start for s in spans), default=0.0)
    last = max((s.end for s in spans), default=first + 1.0)
    lo = first if start is None else _seconds(start, "start")
    hi = last if end is None else _seconds(end, "end")
    if not hi > lo:
        raise ValueError(f"the window ends before it starts ({mmss(lo)} to {mmss(hi)}): pass "
                         "start < end, e.g. vn.timeline(store, start='1m', end='2m30s')")
    return lo, hi


def _seconds(value: Duration, name: str) -> float:
    from .._duration import seconds
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return float(value)  # before the session went active
    return seconds(value, name)


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
    return [Span(str(s), c, str(label) if c == "alert" else c, b, max(b, f), str(t))
            for s, c, label, b, f, t in zip(streams.tolist(), channel, labels, begin, finish,
                                            texts, strict=True)]


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


class Layout(NamedTuple):
    """Where a drawing puts things: lanes by (stream, channel), the time span shown, scale."""

    row: dict[tuple[str, str], int]
    first: float
    last: float
    scale: float
    width: int
    height: int

    def x(self, t: float) -> float:
        return LABEL_W + (min(max(t, self.first), self.last) - self.first) * self.scale


def layout(spans: list[Span], window: tuple[float, float] | None = None,
           width: int = 900) -> Layout:
    """Lanes in stream then channel order; the window (default: 0 or the first bar to the
    last) spread over the width."""
    order = {c: n for n, c in enumerate(LANE_CHANNELS)}
    lanes = sorted({(s.stream, s.channel) for s in spans}, key=lambda k: (k[0], order[k[1]]))
    first, last = window or (min(0.0, min(s.start for s in spans)), max(s.end for s in spans))
    scale = (width - LABEL_W - RIGHT) / max(last - first, 1.0)
    return Layout({lane: n for n, lane in enumerate(lanes)}, first, last, scale, width,
                  TOP + LANE_H * len(lanes) + BOTTOM)


def visible(spans: list[Span], window: tuple[float, float] | None) -> list[Span]:
    """The bars that overlap the window (all without one)."""
    if window is None:
        return spans
    return [s for s in spans if s.end >= window[0] and s.start <= window[1]]


def draw(spans: list[Span], *, basis: str = "session active", width: int = 900,
         window: tuple[float, float] | None = None, ink: str = INK, grid: str = GRID) -> str:
    """The SVG of `spans`: lanes, bars with hover text, an mm:ss axis and a legend; `window`
    (seconds) zooms in; `ink` and `grid` colour text and grid lines."""
    if not spans:
        return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='24'>"
                f"<text x='4' y='16' style='fill:{ink};font:italic 12px sans-serif'>"
                f"No events on the timeline yet.</text></svg>")
    at = layout(spans, window, width)
    row, first, last, x, height = at.row, at.first, at.last, at.x, at.height
    palette = colours(spans)
    spans = visible(spans, window)
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' "
             f"width='{width}' height='{height}' style='font:11px sans-serif;max-width:100%'>"]
    parts += _legend(palette, spans, ink)
    parts += _axis(first, last, x, height, len(row), ink, grid)
    for (stream, channel), n in row.items():
        y = TOP + n * LANE_H
        parts.append(f"<text x='{LABEL_W - 6}' y='{y + 12}' text-anchor='end' style='fill:{ink}'>"
                     f"{_esc(stream[:32])} · {_esc(channel)}</text>")
    for span in spans:
        y = TOP + row[(span.stream, span.channel)] * LANE_H + 3
        colour = palette.get(span.kind, "#64748b")
        left, right = x(span.start), x(span.end)
        hover = hover_text(span)
        parts.append(f"<rect x='{left:.1f}' y='{y}' width='{max(right - left, 2.0):.1f}' "
                     f"height='{LANE_H - 6}' rx='2' fill='{colour}' fill-opacity='0.45' "
                     f"stroke='{colour}' stroke-width='1'><title>{_esc(hover)}</title></rect>")
    parts.append(f"<text x='{width - RIGHT}' y='{height - 4}' text-anchor='end' "
                 f"style='fill:{ink}'>mm:ss since {_esc(basis)}</text></svg>")
    return "".join(parts)


def hover_text(span: Span) -> str:
    """What a bar says on hover: when, where, what, and the start of its text."""
    return (f"{mmss(span.start)}-{mmss(span.end)} · {span.stream} · {span.kind}"
            + (f"\n{span.text[:HOVER_TEXT]}" if span.text else ""))


def hover_map(spans: list[Span], window: tuple[float, float] | None = None,
              width: int = 900) -> str:
    """An HTML image map giving each bar of the image its hover text (an image's own SVG
    titles do not show)."""
    if not spans:
        return ""
    at = layout(spans, window, width)
    areas = []
    for span in visible(spans, window):
        y = TOP + at.row[(span.stream, span.channel)] * LANE_H + 3
        left, right = at.x(span.start), max(at.x(span.end), at.x(span.start) + 2.0)
        areas.append(f"<area shape='rect' coords='{left:.0f},{y},{right:.0f},{y + LANE_H - 6}' "
                     f"title='{_esc(hover_text(span))}' alt='{_esc(hover_text(span))}'>")
    return "".join(areas)


def as_image(svg: str, alt: str, areas: str = "") -> str:
    """`svg` as a data-URI image (kept by the sanitizer of untrusted notebooks and by static
    exports), with an image map of hover texts when `areas` are given."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    if not areas:
        return (f"<img src='data:image/svg+xml;base64,{data}' alt='{_esc(alt)}' "
                "style='max-width:100%'>")
    name = "vdb-timeline-" + hashlib.sha1(data.encode("ascii")).hexdigest()[:12]
    return (f"<img src='data:image/svg+xml;base64,{data}' alt='{_esc(alt)}' usemap='#{name}'>"
            f"<map name='{name}'>{areas}</map>")


def _legend(palette: dict[str, str], spans: list[Span], ink: str = INK) -> list[str]:
    kinds = list(dict.fromkeys(s.kind for s in spans))
    channels = [k for k in CHANNEL_COLOURS if k in kinds]
    alerts = [k for k in palette if k not in CHANNEL_COLOURS and k in kinds]
    more = len(alerts) - LEGEND_LABELS
    alerts = alerts[:LEGEND_LABELS]
    parts: list[str] = []
    left: float = LABEL_W
    for kind, name in [(k, k) for k in channels] + [(k, f"alert: {k[:40]}") for k in alerts]:
        colour = palette[kind]
        parts.append(f"<rect x='{left}' y='6' width='10' height='10' rx='2' fill='{colour}' "
                     f"fill-opacity='0.45' stroke='{colour}'/>"
                     f"<text x='{left + 14}' y='15' style='fill:{ink}'>{_esc(name)}</text>")
        left += 24 + 6.5 * len(name)
    if more > 0:
        parts.append(f"<text x='{left}' y='15' style='fill:{ink}'>+{more} more labels</text>")
    return parts


def _axis(first: float, last: float, x: Any, height: int, n_lanes: int, ink: str = INK,
          grid: str = GRID) -> list[str]:
    span = max(last - first, 1.0)
    step = next((s for s in TICK_STEPS if span / s <= 10), TICK_STEPS[-1])
    bottom = TOP + n_lanes * LANE_H
    parts = []
    tick = (first // step) * step
    while tick <= last:
        if tick >= first:
            at = x(tick)
            parts.append(f"<line x1='{at:.1f}' x2='{at:.1f}' y1='{TOP}' y2='{bottom}' "
                         f"style='stroke:{grid}'/><text x='{at:.1f}' y='{bottom + 12}' "
                         f"text-anchor='middle' style='fill:{ink}'>{mmss(tick)}</text>")
        tick += step
    return parts


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)
