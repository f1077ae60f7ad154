"""Windows, segment plans and playlists."""
from __future__ import annotations

import pytest

from vdb_notebook.emulator.media.hls import WindowError, parse_window, playlist, split
from vdb_notebook.schema import media


@pytest.mark.parametrize("duration", [0.2, 1.0, 3.9, 4.0, 4.5, 5.0, 20.0, 20.5, 61.3])
def test_segments_tile_the_window_exactly(duration: float) -> None:
    segments = split(duration)
    assert segments[0][0] == 0 and segments[-1][1] == duration
    assert all(a[1] == b[0] for a, b in zip(segments, segments[1:]))
    assert all(0 < end - start < 5.0 for start, end in segments)


def test_the_window_of_every_stream_url_is_served() -> None:
    url = media.stream_url("http://127.0.0.1:1", "rts-1", 1768912590, 1768912610.25)
    assert parse_window(url.rsplit("/", 1)[1]) == (1768912590000000, 1768912610250000)


@pytest.mark.parametrize("name, message", [
    ("12-34.m3u8", "is not a window"),
    ("1768912610000000-1768912590000000.m3u8", "ends .* before it starts"),
    ("1768912590000000-1868912590000000.m3u8", "at most 24 h"),
])
def test_bad_windows_say_what_to_fix(name: str, message: str) -> None:
    with pytest.raises(WindowError, match=message):
        parse_window(name)


def test_playlist_lists_every_segment_with_its_duration() -> None:
    assert split(8.5) == [(0.0, 4.0), (4.0, 8.5)]   # a tail under a second joins the last segment
    text = playlist("w", split(9.5))
    assert text.startswith("#EXTM3U\n") and text.rstrip().endswith("#EXT-X-ENDLIST")
    assert [line for line in text.splitlines() if line.startswith("#EXTINF")] == [
        "#EXTINF:4.000,", "#EXTINF:4.000,", "#EXTINF:1.500,"]
    assert "#EXT-X-TARGETDURATION:4" in text and "w/2.ts" in text
