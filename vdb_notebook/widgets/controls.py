"""The dashboard's controls: a title, pause/resume, a text filter, session and stream pickers,
and ids to copy. Every control is a standard ipywidget, so it is reached with Tab, works with
the keyboard, and has a label (its description or an aria-label) that a screen reader announces.

The controls only say what the user wants (`on_pause(paused)`, `on_select(selection)`); the
dashboard does it. Their own updates (new sessions and streams in the pickers, the ids) are
sent by `refresh`, which the renderer calls once per frame: at most one message per control
per frame, as for the panes, however many sessions arrive.

    >>> import threading
    >>> asked = []
    >>> bar = Controls("Support floor", on_pause=asked.append, on_select=asked.append)
    >>> bar.pause.value = True                      # what a click or Space on the button does
    >>> bar.filter.value = "card"                   # typed, then Enter
    >>> asked
    [True, Selection(text='card', session=None, stream=None)]
    >>> bar.pause.description
    'Resume'
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets

from .markup import FONT, MUTED, esc
from .selection import Catalog, Selection

ALL = ""  # the pickers' "all" value (a Dropdown value must be hashable and comparable)
_WIDE = {"description_width": "initial"}


class CopyableId(widgets.Text):
    """A read-only Text: focus it and copy (Ctrl+A, Ctrl+C); whatever is typed into it is put
    back, so the id stays right."""

    value: str  # the Text's traitlet, declared for the type checker (ipywidgets is untyped)

    def __init__(self, description: str, tooltip: str) -> None:
        super().__init__(value="", description=description, tooltip=tooltip, style=_WIDE,
                         placeholder="–", layout=widgets.Layout(width="auto", flex="1 1 220px"))
        self._id = ""
        self.observe(self._restore, names="value")

    def show(self, value: str) -> None:
        self._id = value
        if self.value != value:
            self.value = value

    def _restore(self, change: dict[str, Any]) -> None:
        if change["new"] != self._id:
            self.value = self._id


class Controls(widgets.VBox):
    """The bar above the panes. `on_pause(True)` on pause and `on_pause(False)` on resume;
    `on_select(Selection)` when the filter or a picker changes."""

    def __init__(self, title: str, *, on_pause: Callable[[bool], None],
                 on_select: Callable[[Selection], None], connection_id: str | None = None) -> None:
        self._on_pause, self._on_select = on_pause, on_select
        # refresh() runs on the renderer thread while the user picks on the kernel's: changes
        # made by code (refresh, show) are quiet on the thread making them only, and a pick
        # waits for a refresh in progress, then wins over the value that refresh put back
        self._quiet_thread: int | None = None
        self._picking = threading.RLock()
        self._shown: tuple[int, str] = (-1, ALL)  # the catalog version and session the pickers show
        self.title = widgets.HTML(_title(title))
        self.pause = widgets.ToggleButton(
            value=False, description="Pause",
            tooltip="Pause the panes (events keep arriving in the store; Resume catches up)",
            layout=widgets.Layout(width="auto"))
        self.filter = widgets.Text(
            description="Filter", placeholder="text, label or stream; Enter applies",
            tooltip="Show only events whose text, label, stream or event name contains this",
            continuous_update=False, style=_WIDE, layout=widgets.Layout(flex="1 1 220px"))
        self.session = widgets.Dropdown(
            options=[("All sessions", ALL)], value=ALL, description="Session", style=_WIDE,
            tooltip="Show one capture session in every pane", layout=widgets.Layout(width="auto"))
        self.stream = widgets.Dropdown(
            options=[("All streams", ALL)], value=ALL, description="Stream", style=_WIDE,
            tooltip="Show one rtstream in every pane", layout=widgets.Layout(width="auto"))
        self.connection_id = CopyableId("Connection id", "The feed's WebSocket connection id")
        self.session_id = CopyableId("Session id", "The capture session shown (copy it)")
        self.stream_id = CopyableId("Stream id", "The rtstream shown (copy it)")
        self.connection_id.show(connection_id or "")
        self.pause.observe(self._paused, names="value")
        for control in (self.filter, self.session, self.stream):
            control.observe(self._selected, names="value")
        row = widgets.Layout(flex_flow="row wrap", align_items="center", width="100%")
        ids = [self.session_id, self.stream_id] + ([self.connection_id] if connection_id else [])
        super().__init__([self.title,
                          widgets.HBox([self.pause, self.filter, self.session, self.stream], layout=row),
                          widgets.HBox(ids, layout=row)],
                         layout=widgets.Layout(width="100%", margin="0 0 2px"))

    @property
    def selection(self) -> Selection:
        """What the controls ask the panes to show."""
        return Selection(text=self.filter.value.strip(), session=self.session.value or None,
                         stream=self.stream.value or None)

    def show(self, selection: Selection) -> None:
        """Set the filter and pickers to `selection` (chosen from code) without asking again."""
        with self._picking, self._quietly():
            self.filter.value = selection.text
            for picker, value in ((self.session, selection.session), (self.stream, selection.stream)):
                if any(v == (value or ALL) for _, v in picker.options):
                    picker.value = value or ALL

    def refresh(self, catalog: Catalog) -> None:
        """Bring the pickers and ids up to date with what the dashboard has seen (renderer
        thread, once a frame; sends nothing when nothing changed)."""
        if (catalog.version, self.session.value) != self._shown:  # the streams follow the session
            self._shown = (catalog.version, self.session.value)
            with self._picking, self._quietly():
                self._set_options(catalog)
        newest = next(reversed(catalog.sessions), "") if catalog.sessions else ""
        self.session_id.show(self.session.value or newest)
        self.stream_id.show(self.stream.value)

    # -- the user's changes ------------------------------------------------------------------
    def _paused(self, change: dict[str, Any]) -> None:
        paused = bool(change["new"])
        self._on_pause(paused)  # first: once the button reads "Resume", the panes are held
        # No icon: a Font Awesome glyph would become part of the name a screen reader reads
        self.pause.description = "Resume" if paused else "Pause"

    def _selected(self, change: dict[str, Any]) -> None:
        if self._quiet_thread == threading.get_ident():
            return
        with self._picking:  # a refresh in progress has finished: the user's pick stands
            control, wanted = change["owner"], change["new"]
            if control.value != wanted and (not isinstance(control, widgets.Dropdown)
                                            or any(v == wanted for _, v in control.options)):
                with self._quietly():
                    control.value = wanted
            selection = self.selection
        self._on_select(selection)  # outside the lock: the dashboard takes its own

    # -- helpers -----------------------------------------------------------------------------
    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """Changes this thread makes to the controls meanwhile are not the user's."""
        before, self._quiet_thread = self._quiet_thread, threading.get_ident()
        try:
            yield
        finally:
            self._quiet_thread = before

    def _set_options(self, catalog: Catalog) -> None:
        sessions = [("All sessions", ALL)] + [
            (f"{sid} · {user}" if user else sid, sid) for sid, user in list(catalog.sessions.items())]
        picked = self.session.value
        streams = [("All streams", ALL)] + [
            (f"{name} · {rts}" if name else rts, rts)
            for rts, (name, session) in list(catalog.streams.items())
            if not picked or session == picked or rts == self.stream.value]
        _set(self.session, sessions)
        _set(self.stream, streams)


def _set(picker: widgets.Dropdown, options: list[tuple[str, str]]) -> None:
    """New options, keeping the picked value (one message, only if they changed)."""
    if tuple(picker.options) == tuple(options):
        return
    value = picker.value
    with picker.hold_sync():
        picker.options = options
        picker.value = value if any(v == value for _, v in options) else ALL


def _title(title: str) -> str:
    return (f"<div role='heading' aria-level='3' style='{FONT};font-size:14px;font-weight:600;"
            f"margin:0 2px'>{esc(title)}<span style='color:{MUTED};font-weight:400;font-size:11px'>"
            f" · live panes</span></div>")
