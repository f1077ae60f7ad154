"""Which notebook cell run is executing, so a re-run cell can replace what its last run made.

A re-run of `feed = await vn.Feed.open(conn)` or `vn.Dashboard(feed)` should close what the
previous run of that cell opened (its output is gone, so nobody can reach it), while a loop that
opens several in one run keeps them all. JupyterLab, Notebook 7 and nbclient send each
execute request with the cell's id; the request's own message id tells one run from the next.

    >>> runs = CellRuns()
    >>> runs.claim("a", run=("cell-1", "msg-1")), runs.claim("b", run=("cell-1", "msg-1"))
    ([], [])
    >>> runs.claim("c", run=("cell-1", "msg-2"))  # the cell ran again: a and b are replaced
    ['a', 'b']
    >>> runs.claim("d", run=None)  # outside a notebook cell: nothing is replaced
    []
"""
from __future__ import annotations

import threading
import weakref
from typing import Any

Run = tuple[str, str]  # (cell id, message id of the execute request)
CURRENT = object()  # claim(run=CURRENT): the cell executing now


class CellRuns:
    """What each cell's latest run made (held weakly, when the objects allow it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._made: dict[str, tuple[str, list[Any]]] = {}

    def claim(self, made: Any, run: Run | object | None = CURRENT) -> list[Any]:
        """Remember `made` as made by `run` (default: the cell executing now); returns what an
        earlier run of the same cell made that is still alive (the caller closes it)."""
        found = current_run() if run is CURRENT else run
        if not isinstance(found, tuple):
            return []
        cell, message = str(found[0]), str(found[1])
        with self._lock:
            earlier_message, refs = self._made.get(cell, (message, []))
            replaced = [] if earlier_message == message else [_get(r) for r in refs]
            kept = refs if earlier_message == message else []
            self._made[cell] = (message, [*kept, _ref(made)])
        return [obj for obj in replaced if obj is not None and obj is not made]


def current_run() -> Run | None:
    """(cell id, execute request id) of the notebook cell running now; None outside one (or
    when the front end sends no cell id). Call it on the kernel's own thread."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    kernel = getattr(get_ipython(), "kernel", None)
    if kernel is None:
        return None
    try:
        parent = kernel.get_parent("shell") or {}
    except Exception:  # an older or unusual kernel: no cell ids, nothing to replace
        return None
    cell = parent.get("metadata", {}).get("cellId")
    message = parent.get("header", {}).get("msg_id")
    if isinstance(cell, str) and cell and isinstance(message, str) and message:
        return cell, message
    return None


def _ref(obj: Any) -> Any:
    try:
        return weakref.ref(obj)
    except TypeError:
        return lambda: obj


def _get(ref: Any) -> Any:
    return ref()
