"""Playable-window URLs: one form for every clip of an rtstream, shared by whoever builds them
(the emulator's API answers and webhooks) and whoever serves or reads them.

A window of rtstream `rts-1` from epoch second 1768912500 to 1768912510 is an HLS playlist named
by its start and end in epoch MICROseconds, the form VideoDB's cookbook parses with
`/(\\d{16})-(\\d{16})\\.m3u8`. The player page is `/media/watch?v=<the stream URL, encoded>`:
the `videodb` SDK's get_embed_code() accepts only a player URL with `/watch?` and a `v`
parameter (it turns it into `/embed?v=...`), as VideoDB's own players are
`https://player.videodb.io/watch?v=<slug>`; here the slug is the stream URL itself.

    >>> url = stream_url("http://127.0.0.1:8765", "rts-1", 1768912500, 1768912510.5)
    >>> url
    'http://127.0.0.1:8765/media/rtstream/rts-1/1768912500000000-1768912510500000.m3u8'
    >>> parse_stream_url(url)
    ('rts-1', 1768912500.0, 1768912510.5)
    >>> player = player_url("http://127.0.0.1:8765", url)
    >>> player[:56]
    'http://127.0.0.1:8765/media/watch?v=http%3A%2F%2F127.0.0'
    >>> stream_of_player_url(player) == url
    True

Several windows played one after the other (`video.generate_stream(timeline=[...])`, a compiled
search result) are one playlist whose name lists them; an rtstream id is written once for a run
of windows on it:

    >>> timeline_url("http://h", [("rts-1", 10, 25), ("rts-1", 45, 60), ("rts-2", 5, 6)])
    'http://h/media/timeline/rts-1:0000000010000000-0000000025000000,0000000045000000-0000000060000000,rts-2:0000000005000000-0000000006000000.m3u8'
    >>> parse_timeline("rts-1:0000000010000000-0000000025000000,0000000045000000-0000000060000000")
    [('rts-1', 10000000, 25000000), ('rts-1', 45000000, 60000000)]

A frame of an rtstream at a moment (a thumbnail, a clip's poster) is a JPEG beside its windows:

    >>> frame_url("http://h", "rts-1", 1768912590.25)
    'http://h/media/frame/rts-1/1768912590250000.jpg'
    >>> frame_of_stream_url(url)                      # the first frame of a window
    'http://127.0.0.1:8765/media/frame/rts-1/1768912500000000.jpg'
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from urllib.parse import parse_qs, quote, urlsplit

#: The rtstream id and window of a stream URL: this form, or VideoDB's own
#: (https://rt.stream.videodb.io/manifests/{rtstream_id}/{start_us}-{end_us}.m3u8).
WINDOW = re.compile(r"/(?:media/rtstream|manifests)/(?P<rtstream_id>[^/]+)/(?P<start>[0-9]{16})-(?P<end>[0-9]{16})\.m3u8")
#: one window of a timeline name: an optional "rtstream_id:" then start_us-end_us
TIMELINE_ITEM = re.compile(r"^(?:(?P<rid>[A-Za-z0-9_.-]{1,100}):)?(?P<start>[0-9]{16})-(?P<end>[0-9]{16})$")
#: the longest window served (24 hours), so a typo cannot ask for years of video
MAX_WINDOW_S = 24 * 3600
#: the most windows one timeline plays (its name must fit an 8 KB request line)
MAX_TIMELINE_WINDOWS = 200
#: the last epoch second a 16-digit microsecond name can hold (in the year 2286)
MAX_EPOCH_S = 9_999_999_999


def _us(seconds: float) -> int:
    return round(seconds * 1_000_000)


def check_window(start_s: float, end_s: float) -> tuple[int, int]:
    """(start_us, end_us) of a servable window, else ValueError saying what to fix.

    >>> check_window(float("-inf"), 5)
    Traceback (most recent call last):
    ValueError: a stream window is finite epoch seconds from 0 to 9999999999, not -inf .. 5
    """
    if not all(isinstance(t, (int, float)) and not isinstance(t, bool) and math.isfinite(t)
               and 0 <= t <= MAX_EPOCH_S for t in (start_s, end_s)):
        raise ValueError(f"a stream window is finite epoch seconds from 0 to {MAX_EPOCH_S}, "
                         f"not {start_s!r} .. {end_s!r}")
    start_us, end_us = _us(start_s), _us(end_s)
    if not end_us > start_us:
        raise ValueError(f"a stream window needs start < end (by a microsecond at least), "
                         f"not {start_s!r} .. {end_s!r}")
    if end_us - start_us > MAX_WINDOW_S * 1_000_000:
        raise ValueError(f"the window is {(end_us - start_us) / 3.6e9:.1f} h long; at most "
                         f"{MAX_WINDOW_S // 3600} h can be served")
    return start_us, end_us


def stream_url(base_url: str, rtstream_id: str, start_s: float, end_s: float) -> str:
    """The HLS playlist of `rtstream_id` from `start_s` to `end_s` (epoch seconds)."""
    start_us, end_us = check_window(start_s, end_s)
    return f"{base_url.rstrip('/')}/media/rtstream/{rtstream_id}/{start_us:016d}-{end_us:016d}.m3u8"


def timeline_url(base_url: str, windows: Sequence[tuple[str, float, float]]) -> str:
    """One HLS playlist of `windows` (rtstream_id, start_s, end_s) played in order: a window's
    own `stream_url` when there is one, else a /media/timeline/ playlist."""
    if not 1 <= len(windows) <= MAX_TIMELINE_WINDOWS:
        raise ValueError(f"a timeline plays 1 to {MAX_TIMELINE_WINDOWS} windows, not {len(windows)}")
    if len(windows) == 1:
        return stream_url(base_url, *windows[0])
    items, previous, total_us = [], None, 0
    for rtstream_id, start_s, end_s in windows:
        start_us, end_us = check_window(start_s, end_s)
        total_us += end_us - start_us
        prefix = "" if rtstream_id == previous else f"{rtstream_id}:"
        items.append(f"{prefix}{start_us:016d}-{end_us:016d}")
        previous = rtstream_id
    if total_us > MAX_WINDOW_S * 1_000_000:
        raise ValueError(f"a timeline plays at most {MAX_WINDOW_S // 3600} h in all, not {total_us / 3.6e9:.1f} h")
    return f"{base_url.rstrip('/')}/media/timeline/{','.join(items)}.m3u8"


def parse_timeline(name: str) -> list[tuple[str, int, int]]:
    """(rtstream_id, start_us, end_us) of each window a timeline name lists, else ValueError."""
    items = name.split(",")
    if len(items) > MAX_TIMELINE_WINDOWS:
        raise ValueError(f"a timeline plays at most {MAX_TIMELINE_WINDOWS} windows, not {len(items)}")
    found: list[tuple[str, int, int]] = []
    rtstream_id: str | None = None
    for item in items:
        match = TIMELINE_ITEM.match(item)
        rtstream_id = (match["rid"] or rtstream_id) if match else None
        if match is None or rtstream_id is None:
            raise ValueError(f"{item[:60]!r} is not a window of a timeline: expected "
                             "[rtstream_id:]{start_us:016d}-{end_us:016d}, the first with its rtstream id")
        found.append((rtstream_id, int(match["start"]), int(match["end"])))
    return found


def frame_url(base_url: str, rtstream_id: str, at_s: float) -> str:
    """A JPEG of what `rtstream_id` shows at `at_s` (epoch seconds)."""
    if not (isinstance(at_s, (int, float)) and math.isfinite(at_s) and 0 <= at_s <= MAX_EPOCH_S):
        raise ValueError(f"a frame's time is finite epoch seconds from 0 to {MAX_EPOCH_S}, not {at_s!r}")
    return f"{base_url.rstrip('/')}/media/frame/{rtstream_id}/{_us(at_s):016d}.jpg"


def frame_of_stream_url(url: str, at_s: float | None = None) -> str | None:
    """The frame URL at `at_s` (default: the window's start) beside an emulator window URL;
    None for any other URL (VideoDB's streams have no frame beside them)."""
    found = WINDOW.search(url or "")
    if found is None or "/media/rtstream/" not in url:
        return None
    base = url[:found.start()]
    return frame_url(base, found["rtstream_id"], int(found["start"]) / 1e6 if at_s is None else at_s)


def served_offline(url: str) -> bool:
    """Whether a stream URL is the emulator's (a window or a timeline of its media routes).

    >>> served_offline("http://127.0.0.1:8765/media/timeline/rts-1:0000000010000000-0000000025000000.m3u8")
    True
    >>> served_offline("https://rt.stream.videodb.io/manifests/rts-1/1768912500000000-1768912510000000.m3u8")
    False
    """
    return bool(re.search(r"/media/(?:rtstream|timeline)/[^/]+", urlsplit(url or "").path))


def player_url(base_url: str, stream: str) -> str:
    """The web player page for a stream URL (the SDK embeds it as /media/embed?v=...)."""
    return f"{base_url.rstrip('/')}/media/watch?v={quote(stream, safe='')}"


def stream_of_player_url(url: str) -> str | None:
    """The stream URL a /media/watch?v= or /media/embed?v= player URL plays, or None."""
    query = parse_qs(urlsplit(url or "").query)
    return query["v"][0] if "v" in query else None


def parse_stream_url(url: str) -> tuple[str, float, float] | None:
    """(rtstream_id, start, end in epoch seconds) of a window URL, or None if it is not one."""
    found = WINDOW.search(url or "")
    if found is None:
        return None
    return found["rtstream_id"], int(found["start"]) / 1e6, int(found["end"]) / 1e6
