"""`vn.timeline(...)` in a live notebook: the inline, themed drawing (each bar's hover text is
an SVG title) with a range slider that zooms and pans, shown beside the image that viewers
without widgets (static exports, untrusted notebooks, nbviewer) display instead.

    >>> import vdb_notebook as vn
    >>> store = vn.EventStore()
    >>> T0 = 1768912496000
    >>> for n in range(3):
    ...     _ = store.add({"channel": "transcript", "rtstream_name": "mic", "data": {
    ...         "text": f"line {n}", "is_final": True, "start": T0 + n * 60_000,
    ...         "end": T0 + n * 60_000 + 5000}})
    >>> view = TimelineView(vn.timeline(store))
    >>> view.window.value, view.window.description
    ((0, 125), 'Zoom (s)')
    >>> view.window.value = (50, 70)
    >>> view.chart
    Timeline(1 lane, 3 spans, 00:50-01:10 since first event)
    >>> "<title>01:00-01:05 · mic · transcript" in view.drawing.value
    True
"""
from __future__ import annotations

import math
from typing import Any

import ipywidgets as widgets

from ..analysis.chart import Timeline


class TimelineView(widgets.VBox):
    """A Timeline as a widget: `window` (an IntRangeSlider, seconds since the session went
    active) zooms and pans; `drawing` holds the inline SVG; `chart` is the Timeline shown."""

    def __init__(self, chart: Timeline) -> None:
        self.full = chart
        self.chart = chart
        spans = chart.spans
        first = math.floor(min(0.0, spans["start"].min())) if len(spans) else 0
        last = math.ceil(spans["end"].max()) if len(spans) else 1
        lo, hi = chart.window or (first, last)
        self.window = widgets.IntRangeSlider(
            value=(math.floor(lo), math.ceil(hi)), min=first, max=max(last, first + 1), step=1,
            description="Zoom (s)", continuous_update=False,
            layout=widgets.Layout(width="100%"),
            tooltip="Seconds since the session went active: drag an end to zoom, the bar to pan")
        self.drawing = widgets.HTML(chart.svg, layout=widgets.Layout(overflow_x="auto"))
        self.window.observe(self._on_window, names="value")
        super().__init__([self.drawing, self.window] if len(spans) else [self.drawing])

    def _on_window(self, change: dict[str, Any]) -> None:
        lo, hi = change["new"]
        self.chart = self.full.zoom(lo, max(hi, lo + 1))
        self.drawing.value = self.chart.svg

    def show(self) -> None:
        """Display the widget with the image for viewers without widgets: as its text/html,
        or in an output of its own under nbclient (see snapshot.separate_outputs)."""
        from IPython.display import display

        from .snapshot import own_output, separate_outputs
        bundle = dict(self._repr_mimebundle_() or {})
        bundle["text/plain"] = repr(self.full)
        if not separate_outputs():
            bundle["text/html"] = self.full._repr_html_()
            display(bundle, raw=True)
            return
        display(bundle, raw=True)
        display({"text/html": own_output(self.full._repr_html_())}, raw=True)
