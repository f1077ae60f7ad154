"""The HTML of clips: a video per clip with what was said and shown beside it.

- An embedded clip (`vn.clip(..., embed=True)`) is an MP4 in a data: URI: it plays anywhere,
  an exported HTML file with no server included.
- A streamed clip plays its HLS with the bundled hls.js. Offline the script comes from the
  emulator that serves the stream (`/media/hls.light.min.js`), so outputs carry no copy; an
  online stream's page gets one copy (gzipped) with the first such output of the kernel, and
  every later output on the page uses it. When the stream's server is gone (a reopened or
  exported notebook whose kernel ran the emulator), the output says so instead of a black box.

The page script finds its videos through `document.currentScript` (no element ids, so the same
clips always render the same HTML, as nbval compares it).
"""
from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pandas as pd

from .._player import ATTACH_JS, GUNZIP_JS, hls_js_gzip_base64
from ..schema.media import served_offline

if TYPE_CHECKING:
    from .inline import Clip

VIDEO_STYLE = "width:480px;max-width:60%;background:#000;border-radius:4px"
BOX_STYLE = f"{VIDEO_STYLE};color:#ccc;padding:12px;box-sizing:border-box;font-size:12px;line-height:1.4"

PAGE_JS = """(function () {
const root = document.currentScript.parentElement;
const shipped = () => document.querySelector("script.vdb-hls");
const script = (url) => async () => {
  if (shipped()) return vdbGunzip(shipped().textContent);
  const answer = await fetch(new URL("/media/hls.light.min.js", url));  // the emulator serves it
  if (!answer.ok) throw new Error(answer.status);
  return answer.text();
};
root.querySelectorAll("video[data-vdb-src]").forEach(video => {
  const gone = video.parentElement.querySelector(".vdb-gone");
  const show = () => { video.style.display = "none"; gone.style.display = "block"; };
  vdbAttach(video, video.dataset.vdbSrc, script(video.dataset.vdbSrc), show).catch(show);
});
})();"""


class PlayerShipping:
    """Whether this kernel already sent the page its copy of hls.js (for online streams)."""

    def __init__(self) -> None:
        self.sent = False

    def take(self) -> bool:
        """True the first time (this output carries the copy), False after."""
        first, self.sent = not self.sent, True
        return first


PLAYER = PlayerShipping()


def render(clips: Sequence[Clip], ship_player: bool | None = None) -> str:
    """All clips in one block. `ship_player`: include the copy of hls.js (default: if a clip
    streams from an online server and no earlier output of this kernel carried it)."""
    body = "".join(_clip(c) for c in clips)
    streamed = [c.stream_url for c in clips if c.stream_url and not c.video]
    if not streamed:
        return f'<div class="vdb-clips">{body}</div>'
    online = any(not served_offline(url) for url in streamed)
    if ship_player is None:
        ship_player = online and PLAYER.take()
    payload = (f'<script type="application/octet-stream" class="vdb-hls">{hls_js_gzip_base64()}</script>'
               if ship_player else "")
    return f'<div class="vdb-clips">{body}{payload}<script>{ATTACH_JS}{GUNZIP_JS}{PAGE_JS}</script></div>'


def _clip(clip: Clip) -> str:
    layout = "display:flex;gap:12px;align-items:flex-start;margin:8px 0"
    return f'<div class="vdb-clip" style="{layout}">{_player(clip)}{_side(clip)}</div>'


def _player(clip: Clip) -> str:
    poster = f' poster="{html.escape(clip.poster)}"' if clip.poster else ""
    if clip.video:
        return (f'<video src="{html.escape(clip.video)}"{poster} controls muted playsinline '
                f'preload="auto" style="{VIDEO_STYLE}"></video>')
    if not clip.stream_url:
        return f'<div style="{BOX_STYLE}">no stream: {html.escape(clip.error or "unknown")}</div>'
    return (f'<div style="{VIDEO_STYLE};background:none">'
            f'<video data-vdb-src="{html.escape(clip.stream_url)}"{poster} controls muted playsinline '
            f'preload="metadata" style="width:100%;background:#000;border-radius:4px"></video>'
            f'<div class="vdb-gone" style="{BOX_STYLE};display:none;width:100%;max-width:none">'
            f"{html.escape(gone_message(clip.stream_url))}</div></div>")


def gone_message(stream_url: str) -> str:
    """What a streamed clip says when its server does not answer."""
    host = urlsplit(stream_url).netloc or stream_url
    where = ("the emulator that served it ran in the kernel that made this clip and has stopped"
             if served_offline(stream_url) else "the stream link may have expired")
    return (f"This clip's video is gone: {host} does not answer ({where}). Re-run the cell to "
            "play it again, or make it with vn.clip(..., embed=True) to keep the video in the notebook.")


def _side(clip: Clip) -> str:
    title = f"<b>{html.escape(clip.window.title)}</b> &middot; " if clip.window.title else ""
    note = f'<div style="color:#888">{html.escape(clip.note)}</div>' if clip.note else ""
    return (f'<div style="flex:1;min-width:200px;font-size:12px;line-height:1.4">'
            f"<div>{title}{html.escape(clip.window.label)}</div>{note}"
            f"{_lines('Said', clip.said)}{_lines('Shown', clip.shown)}</div>")


def _lines(heading: str, rows: pd.DataFrame) -> str:
    if rows.empty:
        return f"<div><b>{heading}</b>: nothing</div>"
    items = "".join(f"<li><code>{html.escape(str(r.at))}</code> <i>{html.escape(str(r.stream))}</i> "
                    f"{html.escape(str(r.text))}</li>" for r in rows.itertuples())
    return f'<div><b>{heading}</b><ul style="margin:2px 0 6px 0;padding-left:18px">{items}</ul></div>'


__all__ = ["PLAYER", "PlayerShipping", "gone_message", "render"]
