"""Windows, segment plans and playlists."""
from __future__ import annotations

import itertools

import pytest

from vdb_notebook.emulator.media.hls import (
    WindowError,
    bounds,
    count,
    parse_segment,
    parse_window,
    playlist,
    split,
)
from vdb_notebook.schema import media


@pytest.mark.parametrize("duration", [0.2, 1.0, 3.9, 4.0, 4.5, 5.0, 20.0, 20.5, 61.3])
def test_segments_tile_the_window_exactly(duration: float) -> None:
    segments = split(duration)
    assert segments[0][0] == 0 and segments[-1][1] == duration
    assert all(a[1] == b[0] for a, b in itertools.pairwise(segments))
    assert all(0 < end - start < 5.0 for start, end in segments)


def test_the_window_of_every_stream_url_is_served() -> None:
    url = media.stream_url("http://127.0.0.1:1", "rts-1", 1768912590, 1768912610.25)
    assert parse_window(url.rsplit("/", 1)[1]) == (1768912590000000, 1768912610250000)


@pytest.mark.parametrize("name, message", [
    ("12-34.m3u8", "is not a window"),
    ("1768912610000000-1768912590000000.m3u8", "ends .* before it starts"),
    ("1768912590000000-1868912590000000.m3u8", "at most 24 h"),
    ("١٧٦٨٩١٢٥٩٠٠٠٠٠٠٠-1768912600000000.m3u8", "is not a window"),   # Arabic-Indic digits
    ("1768912590000000-1768912600000000" + "0" * 5000, "is not a window"),
])
def test_bad_windows_say_what_to_fix(name: str, message: str) -> None:
    with pytest.raises(WindowError, match=message):
        parse_window(name)


def test_playlist_lists_every_segment_with_its_duration() -> None:
    assert split(8.5) == [(0.0, 4.0), (4.0, 8.5)]   # a tail under a second joins the last segment
    text = playlist([("w/", 9.5)])
    assert text.startswith("#EXTM3U\n") and text.rstrip().endswith("#EXT-X-ENDLIST")
    assert [line for line in text.splitlines() if line.startswith("#EXTINF")] == [
        "#EXTINF:4.000,", "#EXTINF:4.000,", "#EXTINF:1.500,"]
    assert "#EXT-X-TARGETDURATION:4" in text and "w/2.ts" in text


@pytest.mark.parametrize("name", ["²", "².ts", "3.ts", "-1.ts", "٣.ts", "9" * 5000 + ".ts", "1.tsx", " 1.ts"])
def test_segment_names_are_ascii_numbers_of_the_window(name: str) -> None:
    with pytest.raises(WindowError, match="is not in this window"):
        parse_segment(name, 3)
    assert parse_segment("2.ts", 3) == 2


@pytest.mark.parametrize("duration", [0.2, 4.0, 20.5, 86400.0, 86399.3])
def test_one_segment_is_worked_out_alone_as_the_whole_split_has_it(duration: float) -> None:
    whole = split(duration)
    assert count(duration) == len(whole)
    for n in (0, len(whole) // 2, len(whole) - 1):
        assert bounds(duration, n) == whole[n]


def test_a_timeline_playlist_plays_windows_in_order_with_discontinuities() -> None:
    text = playlist([("a/", 8.0), ("../b/", 2.5)])
    lines = text.splitlines()
    assert [line for line in lines if not line.startswith("#")] == ["a/0.ts", "a/1.ts", "../b/0.ts"]
    assert lines.index("#EXT-X-DISCONTINUITY") == lines.index("../b/0.ts") - 2
    assert text.count("#EXT-X-DISCONTINUITY") == 1
