"""schema.media: the one URL form of a playable window, and its player page."""
from __future__ import annotations

import re

import pytest

from vdb_notebook.schema import media

BASE = "http://127.0.0.1:8765"


def test_window_in_microseconds_as_the_cookbook_parses_it():
    url = media.stream_url(BASE, "rts-1", 1768912560, 1768912565.25)
    start_us, end_us = re.search(r"/(\d{16})-(\d{16})\.m3u8", url).groups()
    assert (int(start_us), int(end_us)) == (1768912560_000000, 1768912565_250000)
    assert media.parse_stream_url(url) == ("rts-1", 1768912560.0, 1768912565.25)


def test_videodb_own_clip_urls_parse_too():
    real = "https://rt.stream.videodb.io/manifests/rts-019710fa/1748480575000000-1748480580000000.m3u8"
    assert media.parse_stream_url(real) == ("rts-019710fa", 1748480575.0, 1748480580.0)
    assert media.parse_stream_url("https://example.com/video.mp4") is None


def test_player_url_is_the_form_the_sdk_embeds():
    stream = media.stream_url(BASE, "rts-1", 1, 2)
    player = media.player_url(BASE, stream)
    assert "/watch?" in player and media.stream_of_player_url(player) == stream
    assert media.stream_of_player_url(player.replace("/watch?", "/embed?")) == stream


def test_an_empty_window_is_an_error():
    with pytest.raises(ValueError, match="start < end"):
        media.stream_url(BASE, "rts-1", 5, 5)
