"""What a dashboard leaves behind in a notebook: a static snapshot, and one dashboard per cell.

- `page(...)`: the panes as plain HTML (no JavaScript), shown by nbconvert HTML, nbviewer and
  GitHub, which cannot run widgets. It sits between `<!-- vdb-snapshot -->` markers so
  `notebooks/sanitize.cfg` can mask it for nbval (its contents depend on timing).
- `claim_cell(dashboard)`: re-running the cell that made a dashboard closes the one(s) its
  previous run made (and so ends their renderer threads), as a re-run replaces the cell's
  output; dashboards made by one run (in a loop) all stay.
- `after_each_cell(callback)`: IPython's `post_execute` hook, when there is a kernel.

    >>> "vdb-snapshot" in page({"counters": "<b>c</b>"}, "closed", 3)
    True
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._cell import CellRuns, current_run
from .markup import FONT, MUTED, esc

MARK_START, MARK_END = "<!-- vdb-snapshot -->", "<!-- /vdb-snapshot -->"
#: The rows of the snapshot: pane names side by side, as the live layout has them.
ROWS = (("counters",), ("transcript", "alerts"), ("visual", "audio", "sessions"), ("timeline",),
        ("table",), ("grid",))
FLEX = {"transcript": 2}

_by_cell: dict[str, CellRuns] = {}  # per kind of live output


def page(panes: dict[str, str], status: str, total: int) -> str:
    """The panes' HTML laid out in rows, with a line saying what this copy is."""
    rows = []
    for names in ROWS:
        cells = "".join(f"<div style='flex:{FLEX.get(n, 1)} 1 0;min-width:0;margin:2px'>{panes[n]}</div>"
                        for n in names if n in panes)
        if cells:
            rows.append(f"<div style='display:flex;width:100%'>{cells}</div>")
    caption = (f"<div style='{FONT};color:{MUTED};font-size:11px;margin:2px'>vn.Dashboard, "
               f"static snapshot ({esc(status)}, {total} events): the live panes need a running "
               f"kernel.</div>")
    return f"{MARK_START}<div class='vdb-dashboard-snapshot'>{caption}{''.join(rows)}</div>{MARK_END}"


#: Hides a snapshot output when the output before it shows the live widget (JupyterLab, Notebook
#: 7 and nbconvert's lab template put each output in a .jp-OutputArea-child); a sanitizer that
#: strips <style> (an untrusted notebook) leaves it shown, as it should be there.
_HIDE_BESIDE_WIDGET = ("<style>.jp-OutputArea-child:has(.widget-box) + .jp-OutputArea-child "
                       ".vdb-static-copy{display:none}</style>")


def own_output(html: str) -> str:
    """`html` (a `page`, or any static copy of a widget) for an output of its own after the
    widget's."""
    copy = f"{_HIDE_BESIDE_WIDGET}<div class='vdb-static-copy'>{html}</div>"
    if html.startswith(MARK_START):  # keep the markers outermost, for notebooks/sanitize.cfg
        return MARK_START + copy.replace(MARK_START, "", 1).replace(MARK_END, "", 1) + MARK_END
    return copy


def separate_outputs() -> bool:
    """True when a widget's static copy needs an output of its own: under nbclient
    (nbconvert --execute, papermill), which sends no cell ids and saves the widget state, so
    an export shows the widget's output as the widget view alone."""
    return current_run() is None


def claim_cell(made: Any, kind: str = "dashboard") -> None:
    """Close the dashboards (or other `kind` of live output, e.g. "grid") an earlier run of the
    current cell made; remember this one."""
    for earlier in _by_cell.setdefault(kind, CellRuns()).claim(made):
        earlier.close()


def after_each_cell(callback: Callable[[], None], *, remove: bool = False) -> None:
    """Register (or remove) `callback` with IPython's post_execute event, if IPython runs."""
    shell = _shell()
    if shell is None:
        return
    if remove:
        try:
            shell.events.unregister("post_execute", callback)
        except ValueError:
            pass
    else:
        shell.events.register("post_execute", callback)


def after_a_cell() -> bool:
    """True when the message the kernel is handling runs a cell. The `comm` package fires
    post_execute after each widget message too (a click on a control): republishing the
    output then would redraw every widget view in it and take the keyboard focus away."""
    kernel = getattr(_shell(), "kernel", None)
    if kernel is None:
        return True
    try:
        parent = kernel.get_parent("shell")
    except Exception:  # an older or unusual kernel: behave as before
        return True
    return bool((parent or {}).get("header", {}).get("msg_type") != "comm_msg")


def _shell() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()
