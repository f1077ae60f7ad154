"""HLS for an rtstream window: its name, its segments' bounds and the playlist.

A window's playlist is `/media/rtstream/{rtstream_id}/{start_us:016d}-{end_us:016d}.m3u8`
(`schema.media.stream_url` builds it); its segments are `{start_us:016d}-{end_us:016d}/{n}.ts`
beside it. A segment's bounds are arithmetic (`bounds`), so serving one costs the same in a
24-hour window as in a 10-second one.

    >>> parse_window("1768912500000000-1768912520000000.m3u8")
    (1768912500000000, 1768912520000000)
    >>> split(20.5)
    [(0.0, 4.0), (4.0, 8.0), (8.0, 12.0), (12.0, 16.0), (16.0, 20.5)]
    >>> count(20.5), bounds(20.5, 4)
    (5, (16.0, 20.5))
    >>> print(playlist([("1768912500000000-1768912508000000/", 8.0)]))
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
from collections.abc import Sequence

from ...schema.media import MAX_WINDOW_S

SEGMENT_S = 4.0
#: a last piece shorter than this joins the segment before it
MIN_TAIL_S = 1.0
WINDOW = re.compile(r"^([0-9]{16})-([0-9]{16})(?:\.m3u8)?$")
#: a segment's name: ASCII digits only (int() would take '²' or Arabic-Indic digits)
SEGMENT = re.compile(r"^([0-9]{1,9})\.ts$")


class WindowError(ValueError):
    """A window the emulator cannot serve; the message says what to fix."""


def parse_window(name: str) -> tuple[int, int]:
    """(start_us, end_us) of "{start_us:016d}-{end_us:016d}[.m3u8]", checked."""
    found = WINDOW.match(name)
    if not found:
        raise WindowError(f"{name[:80]!r} is not a window: expected {{start_us:016d}}-{{end_us:016d}}.m3u8 "
                          "(epoch microseconds), as rtstream.generate_stream(start, end) returns")
    start_us, end_us = int(found.group(1)), int(found.group(2))
    check_span(start_us, end_us)
    return start_us, end_us


def check_span(start_us: int, end_us: int) -> None:
    if end_us <= start_us:
        raise WindowError(f"the window ends ({end_us}) before it starts ({start_us}); pass start < end")
    if (end_us - start_us) / 1e6 > MAX_WINDOW_S:
        raise WindowError(f"the window is {(end_us - start_us) / 3.6e9:.1f} h long; at most "
                          f"{MAX_WINDOW_S // 3600} h can be served")


def parse_segment(name: str, total: int) -> int:
    """The number n of a segment named "n.ts" in a window of `total` segments, checked."""
    found = SEGMENT.match(name)
    if not found or int(found.group(1)) >= total:
        raise WindowError(f"segment {name[:40]!r} is not in this window (it has {total}: 0.ts to "
                          f"{total - 1}.ts)")
    return int(found.group(1))


def count(duration_s: float, segment_s: float = SEGMENT_S) -> int:
    """How many segments a window `duration_s` long has."""
    whole = max(1, math.floor(duration_s / segment_s))
    return whole + 1 if duration_s - whole * segment_s >= MIN_TAIL_S else whole


def bounds(duration_s: float, n: int, segment_s: float = SEGMENT_S) -> tuple[float, float]:
    """(start, end) of segment `n`, relative to the window's start."""
    last = count(duration_s, segment_s) - 1
    return min(n * segment_s, duration_s), (duration_s if n == last else (n + 1) * segment_s)


def split(duration_s: float, segment_s: float = SEGMENT_S) -> list[tuple[float, float]]:
    """(start, end) of each segment of a window `duration_s` long, relative to its start."""
    return [bounds(duration_s, n, segment_s) for n in range(count(duration_s, segment_s))]


def playlist(windows: Sequence[tuple[str, float]]) -> str:
    """The VOD media playlist of windows played in order, each (URI prefix of its segments, its
    duration in seconds); a discontinuity between windows (each restarts its timestamps)."""
    target = math.ceil(max(_longest(duration) for _, duration in windows))
    parts = ["#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-PLAYLIST-TYPE:VOD\n"
             f"#EXT-X-TARGETDURATION:{target}\n#EXT-X-MEDIA-SEQUENCE:0\n"]
    for w, (prefix, duration) in enumerate(windows):
        if w:
            parts.append("#EXT-X-DISCONTINUITY\n")
        parts.append(_entries(prefix, duration))
    return "".join([*parts, "#EXT-X-ENDLIST\n"])


def _entries(prefix: str, duration: float) -> str:
    """A window's #EXTINF lines: every segment but the last is SEGMENT_S long."""
    last = count(duration) - 1
    whole = f"#EXTINF:{SEGMENT_S:.3f},\n{prefix}"
    start, end = bounds(duration, last)
    return "".join(f"{whole}{n}.ts\n" for n in range(last)) + f"#EXTINF:{end - start:.3f},\n{prefix}{last}.ts\n"


def _longest(duration: float) -> float:
    return max(end - start for start, end in (bounds(duration, 0), bounds(duration, count(duration) - 1)))


__all__ = [
    "SEGMENT_S",
    "WindowError",
    "bounds",
    "check_span",
    "count",
    "parse_segment",
    "parse_window",
    "playlist",
    "split",
]
