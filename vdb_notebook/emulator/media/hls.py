"""HLS for an rtstream window: its name, the segment plan and the playlist.

A window's playlist is `/media/rtstream/{rtstream_id}/{start_us:016d}-{end_us:016d}.m3u8`
(`schema.media.stream_url` builds it); its segments are `{start_us:016d}-{end_us:016d}/{n}.ts`
beside it.

    >>> parse_window("1768912500000000-1768912520000000.m3u8")
    (1768912500000000, 1768912520000000)
    >>> split(20.5)
    [(0.0, 4.0), (4.0, 8.0), (8.0, 12.0), (12.0, 16.0), (16.0, 20.5)]
    >>> print(playlist("1768912500000000-1768912508000000", split(8.0)))
    #EXTM3U
    #EXT-X-VERSION:3
    #EXT-X-PLAYLIST-TYPE:VOD
    #EXT-X-TARGETDURATION:4
    #EXT-X-MEDIA-SEQUENCE:0
    #EXTINF:4.000,
    1768912500000000-1768912508000000/0.ts
    #EXTINF:4.000,
    1768912500000000-1768912508000000/1.ts
    #EXT-X-ENDLIST
    <BLANKLINE>
"""
from __future__ import annotations

import math
import re

SEGMENT_S = 4.0
#: a last piece shorter than this joins the segment before it
MIN_TAIL_S = 1.0
#: the longest window served (24 hours), so a typo cannot ask for years of video
MAX_WINDOW_S = 24 * 3600
WINDOW = re.compile(r"^(\d{16})-(\d{16})(?:\.m3u8)?$")


class WindowError(ValueError):
    """A window the emulator cannot serve; the message says what to fix."""


def parse_window(name: str) -> tuple[int, int]:
    """(start_us, end_us) of "{start_us:016d}-{end_us:016d}[.m3u8]", checked."""
    found = WINDOW.match(name)
    if not found:
        raise WindowError(f"{name!r} is not a window: expected {{start_us:016d}}-{{end_us:016d}}.m3u8 "
                          "(epoch microseconds), as rtstream.generate_stream(start, end) returns")
    start_us, end_us = int(found.group(1)), int(found.group(2))
    if end_us <= start_us:
        raise WindowError(f"the window ends ({end_us}) before it starts ({start_us}); pass start < end")
    if (end_us - start_us) / 1e6 > MAX_WINDOW_S:
        raise WindowError(f"the window is {(end_us - start_us) / 3.6e9:.1f} h long; at most "
                          f"{MAX_WINDOW_S // 3600} h can be served")
    return start_us, end_us


def split(duration_s: float, segment_s: float = SEGMENT_S) -> list[tuple[float, float]]:
    """(start, end) of each segment of a window `duration_s` long, relative to its start."""
    count = max(1, math.floor(duration_s / segment_s))
    if duration_s - count * segment_s >= MIN_TAIL_S:
        count += 1
    bounds = [min(i * segment_s, duration_s) for i in range(count)] + [duration_s]
    return list(zip(bounds[:-1], bounds[1:]))


def playlist(window: str, segments: list[tuple[float, float]]) -> str:
    """The VOD media playlist of a window's segments."""
    target = math.ceil(max(end - start for start, end in segments))
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-PLAYLIST-TYPE:VOD",
             f"#EXT-X-TARGETDURATION:{target}", "#EXT-X-MEDIA-SEQUENCE:0"]
    for n, (start, end) in enumerate(segments):
        lines += [f"#EXTINF:{end - start:.3f},", f"{window}/{n}.ts"]
    return "\n".join([*lines, "#EXT-X-ENDLIST", ""])


__all__ = ["parse_window", "split", "playlist",
           "WindowError", "SEGMENT_S"]
