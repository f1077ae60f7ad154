"""Live ipywidgets panes over an EventStore or a Feed, coalesced so they never flood the browser.

    >>> import vdb_notebook as vn
    >>> dash = vn.Dashboard(vn.EventStore())
    >>> dash
    Dashboard(panes=transcript, visual, audio, alerts, sessions, timeline; max_rate_hz=4, tail=50)
    >>> dash.close()
"""
from __future__ import annotations

from .dashboard import Dashboard
from .livegrid import Grid, grid

__all__ = ["Dashboard", "Grid", "grid"]
