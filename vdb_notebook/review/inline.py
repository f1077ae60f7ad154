"""vn.clip: review a moment in the notebook: an inline player of its window, with what was said
and shown beside it; given a DataFrame (e.g. store.alerts()), every row as clips.

The stream comes from the service through the SDK (`rtstream.generate_stream(start, end)`):
offline the emulator's synthesised HLS, online VideoDB's own. Both play inline with the bundled
hls.js, without network access to anything but the stream. `embed=True` (or
`vn.clip_options.embed = True` for the whole notebook) keeps the video in the output as an MP4
(up to `vn.clip_options.embed_max_bytes`, 4 MiB), so it plays with no server, in an exported
HTML file too. An offline clip shows its first frame as a poster.

    clip = vn.clip(store.alerts().iloc[0], before="5s", after=5)   # the row knows its store
    clips = vn.clip(store.alerts())                                # one clip per row
    clip = vn.clip(row, conn=conn, store=store)     # when several connections or stores are open

The text repr lists the window and its lines (no URL: it carries a port offline).
"""
from __future__ import annotations

import urllib.request
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from .._compat import keyword_only, renamed
from .._duration import Duration, seconds
from . import context, targets
from .embed import TooLarge, mp4_data_uri, options
from .html import render
from .pictures import poster
from .window import Moment, Window, window_of

if TYPE_CHECKING:
    from ..connection import SdkConnection
    from ..store import EventStore


@dataclass
class Clip:
    """A window of an rtstream, its stream and player URLs, and what was said and shown."""

    window: Window
    stream_url: str | None
    player_url: str | None
    said: pd.DataFrame = field(repr=False)
    shown: pd.DataFrame = field(repr=False)
    error: str | None = None  # why there is no stream, when there is none
    video: str | None = field(default=None, repr=False)   # the embedded MP4 (a data: URI)
    poster: str | None = field(default=None, repr=False)  # the first frame (a data: URI)
    note: str | None = None   # e.g. why a clip asked to be embedded is streamed

    def __repr__(self) -> str:
        title = f"{self.window.title}: " if self.window.title else ""
        lines = [f"Clip {title}{self.window.label} ({self.window.duration} s)"
                 + ("" if self.stream_url else f"; no stream: {self.error}")
                 + ("; embedded" if self.video else "") + (f"; {self.note}" if self.note else "")]
        for heading, rows in (("said", self.said), ("shown", self.shown)):
            lines.append(f"  {heading}:" + ("" if len(rows) else " nothing"))
            lines += [f"    {r.at}  {r.stream}  {r.text}" for r in rows.itertuples()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return render([self])


class Clips(list[Clip]):
    """Clips shown together (one copy of the player for all)."""

    def __repr__(self) -> str:
        return f"{len(self)} clip{'' if len(self) == 1 else 's'}\n" + "\n".join(repr(c) for c in self)

    def _repr_html_(self) -> str:
        return render(self)


@keyword_only("before", "after")
def clip(target: Moment | pd.DataFrame, *, before: Duration = 0, after: Duration = 0,
         conn: SdkConnection | None = None, store: EventStore | None = None,
         embed: bool | None = None) -> Clip | Clips:
    """A clip of `target`: an alert or transcript row, a DataFrame of such rows (one clip per
    row, shown together as `Clips`), a search shot, or (rtstream, start, end).

    before / after: margin around the moment: seconds, a string such as "10s" or "1m30s", or a
    timedelta. conn: the SDK connection that serves the stream (a search shot or an RTStream
    brings its own; a view's row finds the one feeding its store, or the only one open).
    store: an EventStore to read what was said and shown (a view's row knows its own; else
    the rtstream's transcript comes from the service; see review.targets). embed: keep the
    video in the output as an MP4 (default `vn.clip_options.embed`).
    """
    margins = seconds(before, "before"), seconds(after, "after")
    if isinstance(target, pd.DataFrame):
        store = targets.store_for(target, store)
        return Clips(_clip(row, *margins, conn, store, embed) for _, row in target.iterrows())
    return _clip(target, *margins, conn, targets.store_for(target, store), embed=embed)


def _clips(rows: pd.DataFrame, before: Duration = 0, after: Duration = 0, *,
           conn: SdkConnection | None = None, store: EventStore | None = None,
           embed: bool | None = None) -> Clips:
    if not isinstance(rows, pd.DataFrame):
        raise TypeError("vn.clips takes a DataFrame of moments (e.g. store.alerts()), "
                        f"not {type(rows).__name__}")
    result = clip(rows, before=before, after=after, conn=conn, store=store, embed=embed)
    assert isinstance(result, Clips)
    return result


#: Deprecated: `vn.clip(rows)` takes a DataFrame (one clip per row).
clips = renamed(_clips, "vn.clips", "vn.clip")


def _clip(target: Moment, before: float, after: float, conn: SdkConnection | None,
          store: EventStore | None,
          embed: bool | None = None) -> Clip:
    if isinstance(target, pd.Series):
        target = targets.identified(target, store)
    window = window_of(target, before, after)
    connection = targets.conn_for(conn, window.connection, store)
    stream_url, player_url, error = _stream(connection, window)
    said, shown = (context.from_store(store, window) if store is not None
                   else context.from_service(connection, window))
    made = Clip(window, stream_url, player_url, said, shown, error,
                poster=poster(stream_url, _fetch))
    if stream_url and (options.embed if embed is None else embed):
        _embed(made)
    return made


def _embed(made: Clip) -> None:
    """Keep the clip's video in the output, or say why it stays streamed."""
    try:
        made.video = mp4_data_uri(made.stream_url or "")
    except TooLarge as exc:
        made.note = f"not embedded: {exc} (vn.clip_options.embed_max_bytes)"
    except Exception as exc:  # the stream could not be read: the clip stays streamed
        made.note = f"not embedded: {type(exc).__name__}: {exc}"


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return bytes(answer.read())


def _stream(conn: SdkConnection, window: Window) -> tuple[str | None, str | None, str | None]:
    """(stream_url, player_url, error) of the window, from the service."""
    from videodb.rtstream import RTStream

    rts = RTStream(conn, id=window.rtstream_id, name=window.rtstream_name)
    try:
        player_url = rts.generate_stream(window.start, window.end)
    except Exception as exc:  # shown in the clip: a missing stream must not hide the lines
        return None, None, f"{type(exc).__name__}: {exc}"
    if not rts.stream_url:
        return None, player_url, "the service returned no stream_url"
    return rts.stream_url, player_url, None


__all__ = ["Clip", "Clips", "clip", "clips"]
