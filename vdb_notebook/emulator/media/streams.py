"""Stream URLs the API hands out: one window of an rtstream, or several played in order (a
video's timeline, a compiled search result), each checked so the media routes accept it.

    >>> stream_urls("http://h", [("rts-1", 1768912510, 1768912525)])["stream_url"]
    'http://h/media/rtstream/rts-1/1768912510000000-1768912525000000.m3u8'
    >>> stream_urls("http://h", [("rts-1", float("inf"), 5)])
    Traceback (most recent call last):
    vdb_notebook.emulator.errors.BadRequest: a stream window is finite epoch seconds from 0 to 9999999999, not inf .. 5
    >>> timeline_windows([[10, 25], [45, 60.5]], length=285.0)
    [(10.0, 25.0), (45.0, 60.5)]
"""
from __future__ import annotations

import math
from collections.abc import Sequence

from ...schema import media
from ..errors import BadRequest


def stream_urls(base: str, windows: Sequence[tuple[str, float, float]]) -> dict[str, str]:
    """{stream_url, player_url} of `windows` (rtstream_id, start, end in epoch seconds) played
    in order; 400 with the reason when a window cannot be served."""
    try:
        stream = media.timeline_url(base, windows)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    return {"stream_url": stream, "player_url": media.player_url(base, stream)}


def timeline_windows(timeline: object, length: float) -> list[tuple[float, float]]:
    """The (start, end) pairs of a `timeline` in seconds of a video `length` long, checked."""
    example = "e.g. [(10, 25), (45, 60)]"
    if not isinstance(timeline, list) or not 1 <= len(timeline) <= media.MAX_TIMELINE_WINDOWS:
        raise BadRequest(f"timeline must be a list of 1 to {media.MAX_TIMELINE_WINDOWS} (start, end) "
                         f"pairs in seconds of the video, {example}; not {str(timeline)[:80]}")
    windows = []
    for pair in timeline:
        if not (isinstance(pair, list) and len(pair) == 2 and all(_finite(t) for t in pair)):
            raise BadRequest(f"each timeline item is a (start, end) pair of numbers of seconds, "
                             f"{example}; not {str(pair)[:80]}")
        start, end = float(pair[0]), float(pair[1])
        if not 0 <= start < end <= length:
            raise BadRequest(f"timeline ({start}, {end}) must lie within the video: "
                             f"0 <= start < end <= {length}")
        windows.append((start, end))
    return windows


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


__all__ = ["stream_urls", "timeline_windows"]
