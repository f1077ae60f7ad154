"""Feedback for long waits in a notebook: how far a wait has got and how long it has taken.

`waiting(...)` wraps a wait (`feed.wait_for`, `rx.wait_for`, `vn.replay`). In a notebook it
shows a small bar and the elapsed time, but only once the wait has lasted `delay` seconds (a
quick wait shows nothing), updated at most `rate_hz` times a second, and removed when the wait
ends. Outside a notebook it does nothing. It is shared infrastructure (as _aio.py), not a pane:
the sources use it, and a source never imports widgets/, the stage after the store.

The output it leaves in a notebook is a widget view and nothing else (no text/plain), so a
saved or nbval-checked notebook compares the same however long the wait took: nbval skips
widget views, and an exported notebook shows nothing where the bar was.

    >>> done = []
    >>> with waiting("Waiting for 3 events", count=lambda: len(done), total=3, show=False) as bar:
    ...     done += [1, 2, 3]
    >>> bar.shown
    False
"""
from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class WaitProgress:
    """A wait's bar: `count()` of `total` (either may be None) and the time since it began.
    `update(n)` adds `n` to the count when there is no `count` callable (as tqdm's does)."""

    def __init__(self, what: str, *, count: Callable[[], int] | None = None, total: int | None = None,
                 delay: float = 1.0, rate_hz: float = 4, clock: Callable[[], float] = time.monotonic) -> None:
        self.what, self.total = what, total
        self.shown = False
        self._count, self._counted = count, 0
        self._delay, self._period, self._clock = delay, 1.0 / rate_hz, clock
        self._started = clock()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        import ipywidgets as widgets  # here, so importing a source does not import ipywidgets
        self.bar = widgets.IntProgress(value=0, min=0, max=max(total or 1, 1), description=what,
                                       bar_style="info", style={"description_width": "initial"},
                                       layout=widgets.Layout(width="auto", flex="1 1 auto"))
        self.label = widgets.Label(value="")
        self.box = widgets.HBox([self.bar, self.label], layout=widgets.Layout(display="none", width="100%"))

    def update(self, n: int = 1) -> None:
        self._counted += n

    def start(self) -> None:
        """Put the (hidden) bar in the cell's output, then tick on a thread until `close()`."""
        from IPython.display import display
        # On the cell's thread: the output goes to this cell.
        display(self.bundle(), raw=True)
        self._thread = threading.Thread(target=self._run, name="vdb-wait-progress", daemon=True)
        self._thread.start()

    def bundle(self) -> dict[str, Any]:
        """What goes into the notebook: the widget view alone (IPython would add a text/plain
        repr to a displayed widget, and nbval compares text/plain)."""
        bundle = self.box._repr_mimebundle_() or {}
        return {key: value for key, value in bundle.items() if key != "text/plain"}

    def close(self) -> None:
        """End the wait: stop ticking and remove the bar."""
        self._done.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(1.0)
        self.box.close()
        self.bar.close()
        self.label.close()

    def tick(self) -> None:
        """Show the bar once the wait has lasted `delay` seconds, and bring it up to date."""
        elapsed = self._clock() - self._started
        if elapsed < self._delay:
            return
        count = self._count() if self._count is not None else self._counted
        with self.box.hold_sync(), self.bar.hold_sync(), self.label.hold_sync():
            if not self.shown:
                self.box.layout.display = "flex"
                self.shown = True
            if self.total:
                self.bar.value = min(count, self.total)
            self.label.value = _label(count, self.total, elapsed)

    def _run(self) -> None:
        while not self._done.wait(self._period):
            self.tick()


@contextmanager
def waiting(what: str, *, count: Callable[[], int] | None = None, total: int | None = None,
            show: bool | None = None, delay: float = 1.0) -> Iterator[WaitProgress]:
    """A bar for the wait inside the block (shown in a notebook; `show=False` never)."""
    progress = WaitProgress(what, count=count, total=total, delay=delay)
    if show if show is not None else in_notebook():
        progress.start()
    try:
        yield progress
    finally:
        progress.close()


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where a widget can be shown)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def _label(count: int, total: int | None, elapsed: float) -> str:
    done = f"{count}/{total}" if total else f"{count} so far"
    return f"{done} · {elapsed:.1f} s"
