"""Small HTML helpers shared by the panes: escaping, times, colours, the pane frame.

Every string that came from an event goes through `esc` (transcripts, labels and ids are user
content), and is clipped so no pane holds unbounded text.

    >>> esc("<b>hi</b> & 'bye'")
    '&lt;b&gt;hi&lt;/b&gt; &amp; &#x27;bye&#x27;'
    >>> clock(1768912496000.0)
    '12:34:56'
    >>> since(1768912591000.0, 1768912496000.0)
    '01:35'
    >>> clip("x" * 10, 4)
    'xxx…'
"""
from __future__ import annotations

import html
import zlib
from typing import Any

from ..analysis.clock import clock, mmss

#: Longest piece of event text a pane keeps (characters); longer text is clipped with "…".
MAX_TEXT = 400

#: No quotes inside: styles go into single-quoted attributes. Colours are JupyterLab's theme
#: variables (light, dark, high contrast; Notebook 7 has them too), with light fallbacks for
#: the classic Notebook and static exports.
FONT = ("font-family:var(--jp-ui-font-family,system-ui,-apple-system,Roboto,Helvetica,Arial,"
        "sans-serif);font-size:12px;line-height:1.35")
INK = "var(--jp-ui-font-color0, #111827)"
MUTED = "var(--jp-ui-font-color2, #6b7280)"
FAINT = "var(--jp-ui-font-color3, #9ca3af)"
BORDER = "var(--jp-border-color2, #e5e7eb)"
SURFACE = "var(--jp-layout-color1, #ffffff)"
SUNKEN = "var(--jp-layout-color2, #f3f4f6)"

#: Speaker colours: readable on white, distinct from each other and from the alert reds.
PALETTE = ("#2563eb", "#15803d", "#7c3aed", "#c2410c", "#db2777", "#0e7490", "#a16207", "#4b5563")


def esc(value: Any) -> str:
    """HTML-escape any value (None becomes an empty string); quotes are escaped too."""
    if value is None:
        return ""
    return html.escape(str(value), quote=True)


def clip(text: Any, limit: int = MAX_TEXT) -> str:
    """`text` as a string of at most `limit` characters (the last one '…' when clipped)."""
    if text is None:
        return ""
    shown = str(text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def since(epoch_ms: float | None, origin_ms: float | None) -> str:
    """Epoch milliseconds as mm:ss of session time ('' when either is unknown)."""
    if epoch_ms is None or origin_ms is None or epoch_ms != epoch_ms:
        return ""
    return mmss((float(epoch_ms) - origin_ms) / 1000)


def stamp(epoch_ms: float | None, origin_ms: float | None) -> str:
    """Session time (mm:ss) when its origin is known, else the UTC time of day."""
    return clock(epoch_ms) if origin_ms is None else since(epoch_ms, origin_ms)


def colour_for(name: str) -> str:
    """A stable colour for a speaker or stream name (same name, same colour, every run)."""
    return PALETTE[zlib.crc32(name.encode("utf-8")) % len(PALETTE)]


def chip(text: str, colour: str, *, solid: bool = True) -> str:
    """A small rounded badge; `text` must already be escaped."""
    if solid:
        look = f"background:{colour};color:#fff"
    else:
        look = f"background:{SURFACE};color:{colour};border:1px solid {colour}"
    return (
        f"<span style='{look};border-radius:9px;padding:0 7px;font-size:11px;"
        f"font-weight:600;white-space:nowrap;display:inline-block'>{text}</span>"
    )


def pane(title: str, body: str, *, note: str = "", scroll: bool = True, height: str = "220px",
         above: str = "") -> str:
    """The frame every pane shares: a title line, then the body.

    With `scroll`, the body sits in a `column-reverse` box: the browser keeps it scrolled to
    the bottom, so the newest line stays in view each time the pane's HTML is replaced.
    `above` (e.g. a table's header) sits between the title and the scrolled body, so no
    scrolled row ever passes under it. `title`, `body` and `note` must already be escaped.
    """
    head = (
        f"<div style='display:flex;justify-content:space-between;align-items:baseline;"
        f"border-bottom:1px solid {BORDER};padding:0 2px 3px;margin-bottom:4px'>"
        f"<b style='font-size:12.5px'>{title}</b>"
        f"<span style='color:{MUTED};font-size:11px'>{note}</span></div>"
    )
    if scroll:
        body = (
            f"<div style='max-height:{height};overflow-y:auto;display:flex;"
            f"flex-direction:column-reverse'><div>{body}</div></div>"
        )
    return (
        f"<div style='{FONT};border:1px solid {BORDER};border-radius:6px;padding:6px 8px;"
        f"background:{SURFACE};color:{INK};overflow:hidden'>{head}{above}{body}</div>"
    )


def placeholder(text: str) -> str:
    """Grey italic text for an empty pane; `text` must already be escaped."""
    return f"<div style='color:{MUTED};font-style:italic;padding:2px'>{text}</div>"


def plural(n: int, word: str) -> str:
    """'1 line', '3 lines'."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
