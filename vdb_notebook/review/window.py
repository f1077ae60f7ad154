"""What a clip is of: an rtstream and a time window, read from whatever the user points at.

A target is an alert or transcript row (a pandas Series from a store view), a search shot
(`videodb.rtstream.RTStreamShot`), or a tuple `(rtstream_id_or_RTStream, start, end)` with
times as epoch seconds, epoch ms, datetimes or pandas Timestamps.

    >>> w = window_of(("rts-1", 1768912590, 1768912600.5), before=2, after=1)
    >>> w.rtstream_id, w.start, w.end, w.duration
    ('rts-1', 1768912588, 1768912602, 14)
    >>> w.label
    'rts-1 12:36:28-12:36:42 UTC'
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, Union, runtime_checkable

import pandas as pd

from .._duration import Duration, seconds
from ..analysis.clock import clock

if TYPE_CHECKING:
    from ..connection import SdkConnection


@runtime_checkable
class SearchShot(Protocol):
    """A shot of an rtstream search: the SDK's RTStreamShot (`rts.search(...).get_shots()[0]`)."""

    rtstream_id: str
    rtstream_name: str | None
    start: float
    end: float
    text: str | None
    search_score: float | None


#: What a clip reviews: an alert or transcript row, a search shot, or (rtstream or its id, start, end).
Moment: TypeAlias = Union["pd.Series[Any]", SearchShot, tuple[Any, Any, Any]]


@dataclass(frozen=True)
class Window:
    """An rtstream and a window in whole epoch seconds (what generate_stream takes)."""

    rtstream_id: str
    start: int
    end: int
    rtstream_name: str | None = None
    capture_session_id: str | None = None
    title: str | None = None          # e.g. the alert's label, the shot's text
    connection: SdkConnection | None = None  # the SDK connection a search shot came with
    stream_url: str | None = None     # a URL the target already carries

    @property
    def duration(self) -> int:
        return self.end - self.start

    @property
    def label(self) -> str:
        """'name hh:mm:ss-hh:mm:ss UTC' (no port, no key: it goes into notebook outputs)."""
        return (f"{self.rtstream_name or self.rtstream_id} "
                f"{clock(self.start * 1000)}-{clock(self.end * 1000)} UTC")


def window_of(target: Moment, before: Duration = 0, after: Duration = 0) -> Window:
    """The window of `target`, widened by `before` / `after` (seconds, "10s", a timedelta),
    rounded out to whole seconds."""
    before, after = seconds(before, "before"), seconds(after, "after")
    if isinstance(target, pd.Series):
        fields = _row(target)
    elif isinstance(target, SearchShot):
        fields = _shot(target)
    elif isinstance(target, tuple) and len(target) == 3:
        fields = _triple(target)
    else:
        raise TypeError("vn.clip takes an alert or transcript row (e.g. store.alerts().iloc[0]), a "
                        "search shot (rtstream.search(...).get_shots()[0]) or a tuple "
                        f"(rtstream_id, start, end); got {type(target).__name__}")
    start, end = fields.pop("start"), fields.pop("end")
    if not end >= start:
        raise ValueError(f"the moment ends before it starts ({start} > {end}); pass start <= end")
    lo, hi = math.floor(start - before), math.ceil(end + after)
    return Window(start=lo, end=max(hi, lo + 1), **fields)


def epoch_seconds(value: Any) -> float:
    """Epoch seconds from epoch s or ms, a datetime or a pandas Timestamp."""
    if isinstance(value, (pd.Timestamp, datetime)):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is None:
            raise ValueError(f"{value!r} has no timezone; pass an aware time (UTC), "
                             "e.g. pd.Timestamp(..., tz='UTC')")
        return float(stamp.timestamp())
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return value / 1000 if value > 1e11 else float(value)  # ms, as frames carry them
    raise TypeError(f"a time is epoch seconds or ms, a datetime or a pandas Timestamp; not {value!r}")


def _row(row: pd.Series) -> dict[str, Any]:
    missing = [c for c in ("rtstream_id", "start", "end") if c not in row.index or pd.isna(row[c])]
    if missing:
        raise ValueError(f"this row has no {', '.join(missing)}; pass a row of store.alerts(), "
                         "store.transcript() or store.scenes()")
    title = row.get("label") if isinstance(row.get("label"), str) else None
    return {"rtstream_id": str(row["rtstream_id"]), "start": epoch_seconds(row["start"]),
            "end": epoch_seconds(row["end"]),
            "rtstream_name": _text(row.get("rtstream_name")) or _text(row.get("stream")),
            "capture_session_id": _text(row.get("capture_session_id")), "title": title}


def _shot(shot: SearchShot) -> dict[str, Any]:
    return {"rtstream_id": shot.rtstream_id, "start": epoch_seconds(shot.start),
            "end": epoch_seconds(shot.end), "rtstream_name": shot.rtstream_name,
            "title": shot.text, "connection": getattr(shot, "_connection", None),
            "stream_url": getattr(shot, "stream_url", None)}


def _triple(target: tuple[Any, Any, Any]) -> dict[str, Any]:
    stream, start, end = target
    rtstream_id = getattr(stream, "id", stream)
    if not isinstance(rtstream_id, str) or not rtstream_id:
        raise TypeError(f"the first item is an rtstream id or an RTStream, not {stream!r}")
    return {"rtstream_id": rtstream_id, "start": epoch_seconds(start), "end": epoch_seconds(end),
            "rtstream_name": getattr(stream, "name", None),
            "connection": getattr(stream, "_connection", None)}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


__all__ = ["Moment", "SearchShot", "Window", "epoch_seconds", "window_of"]
