"""The browser side of playback, bundled so nothing is fetched from the network: hls.js.

Shared infrastructure (like `_aio`): the emulator's player page and the notebook's inline clips
both play HLS with it. `hls.light.min.js` is hls.js 1.7.4 (Apache-2.0, see hls.js.LICENSE)
from the npm registry, its source-map comment removed. The light build plays plain HLS
(what VideoDB and the emulator serve) without subtitles, alternate audio or DRM.

`ATTACH_JS` defines `vdbAttach(video, url, hlsSource, onFatal)`: Safari plays HLS natively;
elsewhere hls.js is evaluated once per page (from the source text `hlsSource()` resolves to)
and attached to the video; `onFatal(reason)` (optional) hears of an error playback cannot
recover from (the stream's server is gone, the script could not be had).

    >>> len(hls_js()) > 100_000, HLS_JS_VERSION
    (True, '1.7.4')
"""
from __future__ import annotations

import base64
import gzip
from functools import lru_cache
from importlib import resources

HLS_JS_VERSION = "1.7.4"

ATTACH_JS = """
async function vdbAttach(video, url, hlsSource, onFatal) {
  const fatal = onFatal || ((reason) => { video.title = "playback error: " + reason; });
  if (!/\\.m3u8(\\?|$)/.test(url) || video.canPlayType("application/vnd.apple.mpegurl")) {
    video.addEventListener("error", () => fatal("the stream could not be loaded"));
    video.src = url;  // a file the browser plays itself, or HLS in Safari
    return;
  }
  if (!window.__vdbHls) {
    let source;
    try { source = await hlsSource(); } catch (e) { fatal("the player script could not be loaded"); return; }
    // UMD without AMD or globals: the bundle returns its Hls class through module.exports
    const module = {exports: {}};
    new Function("module", "exports", "define", source)(module, module.exports, undefined);
    window.__vdbHls = window.__vdbHls || module.exports;
  }
  const Hls = window.__vdbHls;
  if (!Hls.isSupported()) { video.src = url; return; }
  const hls = new Hls({enableWorker: false});
  hls.on(Hls.Events.ERROR, (_, data) => {
    if (data.fatal) { fatal(data.details); }
  });
  hls.loadSource(url);
  hls.attachMedia(video);
  video.__vdbHls = hls;
}
"""

#: JS that turns base64 gzip text into the bundle's source (DecompressionStream: every current browser)
GUNZIP_JS = """
async function vdbGunzip(b64) {
  const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return await new Response(stream).text();
}
"""


@lru_cache(maxsize=1)
def hls_js() -> bytes:
    """The hls.js bundle (JavaScript source)."""
    return resources.files(__name__).joinpath("hls.light.min.js").read_bytes()


@lru_cache(maxsize=1)
def hls_js_gzip_base64() -> str:
    """The bundle gzipped and base64-encoded (about a third of its size), for inline HTML.

    mtime=0: the same bytes every time, so notebook outputs that carry it stay reproducible."""
    return base64.b64encode(gzip.compress(hls_js(), compresslevel=9, mtime=0)).decode("ascii")


__all__ = ["ATTACH_JS", "GUNZIP_JS", "HLS_JS_VERSION", "hls_js", "hls_js_gzip_base64"]
