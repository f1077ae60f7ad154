"""Windows, segment plans and playlists."""
from __future__ import annotations

import pytest

from vdb_notebook.emulator.media.hls import (WindowError, parse_window, player_path, playlist, split,
                                             stream_path)


@pytest.mark.parametrize("duration", [0.2, 1.0, 3.9, 4.0, 4.5, 5.0, 20.0, 20.5, 61.3])
def test_segments_tile_the_window_exactly(duration: float) -> None:
    segments = split(duration)
    assert segments[0][0] == 0 and segments[-1][1] == duration
    assert all(a[1] == b[0] for a, b in zip(segments, segments[1:]))
    assert all(0 < end - start < 5.0 for start, end in segments)


def test_the_cookbook_pattern_reads_our_urls() -> None:
    import re
    path = stream_path("rts-1", 1768912590000000, 1768912610000000)
    found = re.search(r"/(\d{16})-(\d{16})\.m3u8", path)
    assert found and (int(found.group(1)), int(found.group(2))) == (1768912590000000, 1768912610000000)
    assert player_path("http://h/x.m3u8?a=1") == "/media/watch?v=http%3A%2F%2Fh%2Fx.m3u8%3Fa%3D1"


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
