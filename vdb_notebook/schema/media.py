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
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

#: The rtstream id and window of a stream URL: this form, or VideoDB's own
#: (https://rt.stream.videodb.io/manifests/{rtstream_id}/{start_us}-{end_us}.m3u8).
WINDOW = re.compile(r"/(?:media/rtstream|manifests)/(?P<rtstream_id>[^/]+)/(?P<start>\d{16})-(?P<end>\d{16})\.m3u8")


def _us(seconds: float) -> int:
    return round(seconds * 1_000_000)


def stream_url(base_url: str, rtstream_id: str, start_s: float, end_s: float) -> str:
    """The HLS playlist of `rtstream_id` from `start_s` to `end_s` (epoch seconds)."""
    if not end_s > start_s:
        raise ValueError(f"a stream window needs start < end, not {start_s!r} .. {end_s!r}")
    return f"{base_url.rstrip('/')}/media/rtstream/{rtstream_id}/{_us(start_s):016d}-{_us(end_s):016d}.m3u8"


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
