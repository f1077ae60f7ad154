"""Pictures of moments: the frame a visual-index event describes, and a clip's poster.

Offline, the emulator draws the frame of any moment (`schema.media.frame_url`); online, a
picture comes only where the service gives one in the event (a `thumbnail_url`, `frame_url` or
`image_url` field), else there is none.

    >>> from types import SimpleNamespace as Ns
    >>> conn = Ns(emulator=Ns(base_url="http://127.0.0.1:8765"))
    >>> find = frame_finder(Ns(_conn=conn))
    >>> find(Ns(rtstream_id="rts-1", start=1768912590000, end=1768912596000, frame=None))
    'http://127.0.0.1:8765/media/frame/rts-1/1768912593000000.jpg?width=160'
    >>> frame_finder(Ns(_conn=Ns(emulator=None)))(Ns(rtstream_id="rts-1", start=1, end=2, frame=None)) is None
    True
"""
from __future__ import annotations

import base64
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeGuard

from ..schema.media import frame_of_stream_url, frame_url

if TYPE_CHECKING:
    from ..connection import SdkConnection
    from ..feed import Feed

THUMB_WIDTH = 160
POSTER_WIDTH = 320
GIVEN = ("thumbnail_url", "frame_url", "image_url")


def frame_finder(source: Feed | SdkConnection | object) -> Callable[[object], str | None]:
    """`find(event)`: the URL of a picture of the frame `event` describes, or None. `source` is
    a Feed or a connection (offline: its emulator draws the frame; online: only a picture the
    event itself carries); any other source a Dashboard follows (a webhook receiver, a replay)
    finds only the pictures events carry."""
    conn = getattr(source, "_conn", source)
    base = getattr(getattr(conn, "emulator", None), "base_url", None)

    def find(event: object) -> str | None:  # an Event, or a store row as the panes seed them
        given = given_picture(getattr(event, "frame", None))
        rtstream_id = getattr(event, "rtstream_id", None)
        if given or base is None or not rtstream_id:
            return given
        start, end = getattr(event, "start", None), getattr(event, "end", None)
        if not _number(start):
            return None
        lo = float(start)
        hi = float(end) if _number(end) and float(end) >= lo else lo
        return f"{frame_url(base, rtstream_id, (lo + hi) / 2000)}?width={THUMB_WIDTH}"
    return find


def given_picture(frame: Any) -> str | None:
    """A picture URL the frame itself carries (top level or in `data`), or None."""
    if not isinstance(frame, dict):
        return None
    for place in (frame.get("data"), frame):
        if isinstance(place, dict):
            for name in GIVEN:
                value = place.get(name)
                if isinstance(value, str) and value.startswith(("http://", "https://")):
                    return value
    return None


def poster(stream_url: str | None, get: Callable[[str], bytes]) -> str | None:
    """A data: URI of the first frame of an offline stream (so it survives an export), or None
    (an online stream, or the frame could not be fetched)."""
    url = frame_of_stream_url(stream_url or "")
    if url is None:
        return None
    try:
        data = get(f"{url}?width={POSTER_WIDTH}")
    except Exception:  # a poster is a nicety: the clip shows without one
        return None
    return "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")


def _number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


__all__ = ["POSTER_WIDTH", "THUMB_WIDTH", "frame_finder", "given_picture", "poster"]
