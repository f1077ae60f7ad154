"""The HTML of clips: a video element per clip with what was said and shown beside it, and one
copy of the bundled player (hls.js, gzipped) per output, so nothing is fetched from the network.

The page script finds its videos through `document.currentScript` (no element ids, so the same
clips always render the same HTML, as nbval compares it).
"""
from __future__ import annotations

import html
from typing import Any, Sequence

import pandas as pd

from .._player import ATTACH_JS, GUNZIP_JS, hls_js_gzip_base64

VIDEO_STYLE = "width:480px;max-width:60%;background:#000;border-radius:4px"


def render(clips: Sequence[Any]) -> str:
    """All clips in one block, sharing one copy of the player."""
    body = "".join(_clip(c) for c in clips)
    if not any(c.stream_url for c in clips):
        return f'<div class="vdb-clips">{body}</div>'
    return (f'<div class="vdb-clips">{body}'
            f'<script type="application/octet-stream" class="vdb-hls">{hls_js_gzip_base64()}</script>'
            f"<script>(function () {{{ATTACH_JS}{GUNZIP_JS}"
            "const root = document.currentScript.parentElement;"
            "const payload = root.querySelector('script.vdb-hls').textContent;"
            "let source = null;"
            "const hlsSource = () => (source = source || vdbGunzip(payload));"
            "root.querySelectorAll('video[data-vdb-src]').forEach("
            "v => vdbAttach(v, v.dataset.vdbSrc, hlsSource));"
            "})();</script></div>")


def _clip(clip: Any) -> str:
    if clip.stream_url:
        player = (f'<video data-vdb-src="{html.escape(clip.stream_url)}" controls muted playsinline '
                  f'preload="metadata" style="{VIDEO_STYLE}"></video>')
    else:
        player = (f'<div style="{VIDEO_STYLE};color:#ccc;padding:12px;box-sizing:border-box">'
                  f"no stream: {html.escape(clip.error or 'unknown')}</div>")
    title = f"<b>{html.escape(clip.window.title)}</b> &middot; " if clip.window.title else ""
    side = (f'<div style="flex:1;min-width:200px;font-size:12px;line-height:1.4">'
            f"<div>{title}{html.escape(clip.window.label)}</div>"
            f"{_lines('Said', clip.said)}{_lines('Shown', clip.shown)}</div>")
    layout = "display:flex;gap:12px;align-items:flex-start;margin:8px 0"
    return f'<div class="vdb-clip" style="{layout}">{player}{side}</div>'


def _lines(heading: str, rows: pd.DataFrame) -> str:
    if rows.empty:
        return f"<div><b>{heading}</b>: nothing</div>"
    items = "".join(f"<li><code>{html.escape(r.at)}</code> <i>{html.escape(r.stream)}</i> "
                    f"{html.escape(r.text)}</li>" for r in rows.itertuples())
    return f'<div><b>{heading}</b><ul style="margin:2px 0 6px 0;padding-left:18px">{items}</ul></div>'


__all__ = ["render"]
