"""Clip HTML: one copy of the bundled player per output, no ids, the lines beside each video."""
from __future__ import annotations

import base64
import gzip

import pandas as pd

from vdb_notebook._player import hls_js
from vdb_notebook.review import html
from vdb_notebook.review.html import render
from vdb_notebook.review.inline import Clip, Clips
from vdb_notebook.review.window import Window

SAID = pd.DataFrame([{"at": "12:36:35", "stream": "system_audio:default", "text": "It's 4111 <1111>"}])
NONE = pd.DataFrame(columns=["at", "stream", "text"])


def a_clip(url: str | None = "http://127.0.0.1:8765/media/rtstream/rts-1/1768912590000000-1768912600000000.m3u8",
           error: str | None = None) -> Clip:
    return Clip(Window("rts-1", 1768912590, 1768912600, "system_audio:default", title="pii"),
                url, None, SAID, NONE, error)


ONLINE = "https://rt.stream.videodb.io/manifests/rts-1/1768912590000000-1768912600000000.m3u8"


def test_offline_clips_carry_no_copy_of_the_player() -> None:
    page = Clips([a_clip(), a_clip()])._repr_html_()
    assert page.count("<video data-vdb-src=") == 2 and 'class="vdb-hls"' not in page
    assert "/media/hls.light.min.js" in page                 # the emulator serving the stream serves it
    assert " id=" not in page and page == Clips([a_clip(), a_clip()])._repr_html_()  # reproducible


def test_online_clips_get_one_copy_of_the_player_per_page(monkeypatch) -> None:
    monkeypatch.setattr(html, "PLAYER", html.PlayerShipping())      # a fresh kernel
    first = Clips([a_clip(ONLINE), a_clip(ONLINE)])._repr_html_()
    later = a_clip(ONLINE)._repr_html_()
    assert first.count('class="vdb-hls"') == 1 and 'class="vdb-hls"' not in later
    payload = first.split('class="vdb-hls">', 1)[1].split("</script>", 1)[0]
    assert gzip.decompress(base64.b64decode(payload)) == hls_js()      # the bundle itself, offline
    assert 'document.querySelector("script.vdb-hls")' in later         # found anywhere on the page


def test_a_streamed_clip_says_so_when_its_source_is_gone() -> None:
    page = a_clip()._repr_html_()
    hidden = page.split('class="vdb-gone"', 1)[1].split("</div>", 1)[0]
    assert "display:none" in hidden and "127.0.0.1:8765 does not answer" in hidden
    assert "embed=True" in hidden and "emulator" in hidden
    assert "link may have expired" in html.gone_message(ONLINE)


def test_the_lines_are_beside_the_video_and_escaped() -> None:
    page = a_clip()._repr_html_()
    assert "It&#x27;s 4111 &lt;1111&gt;" in page and "<b>Shown</b>: nothing" in page
    assert "<b>pii</b>" in page and "system_audio:default 12:36:30-12:36:40 UTC" in page


def test_without_a_stream_the_reason_shows_and_no_script_is_sent() -> None:
    page = render([a_clip(url=None, error="InvalidRequestError: rtstream not found")])
    assert "no stream: InvalidRequestError: rtstream not found" in page and "<script" not in page


def test_text_repr_lists_the_moment_without_urls() -> None:
    text = repr(Clips([a_clip()]))
    assert text == ("1 clip\nClip pii: system_audio:default 12:36:30-12:36:40 UTC (10 s)\n"
                    "  said:\n    12:36:35  system_audio:default  It's 4111 <1111>\n  shown: nothing")
    assert "127.0.0.1" not in text
