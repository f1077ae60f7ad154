"""Common frame shapes the store can rebuild from its columns, so it need not keep the raw text.

A frame is only left out when rebuilding it from the normalised fields gives back an equal
JSON value; anything else (extra keys, other layouts) keeps its raw frame as received.

    >>> frame = {"channel": "scene_index", "rtstream_id": "rts-3",
    ...          "data": {"text": "Slack", "start": 1710000012340, "end": 1710000018900}}
    >>> rebuild(Shape.SCENE_INDEX, "visual_index", "rts-3", None, "Slack", None, None, None,
    ...         None, 1710000012340, 1710000018900) == frame
    True
"""
from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .event import Event


class Shape(IntEnum):
    """How the store keeps a frame: KEPT as received, or rebuilt from its columns."""

    KEPT = 0
    MEDIA = 1
    SCENE_INDEX = 2
    ALERT = 3


KEPT, MEDIA, SCENE_INDEX, ALERT = Shape


def rebuild(shape: int, channel: str, rtstream_id: str | None, rtstream_name: str | None,
            text: str | None, is_final: bool | None, label: str | None,
            confidence: float | None, triggered: bool | None, start: int | None,
            end: int | None) -> dict[str, Any]:
    """The frame of `shape` (MEDIA, SCENE_INDEX or ALERT) with these field values."""
    data: dict[str, Any] = {}
    if shape == ALERT:
        data["label"] = label
        if triggered is not None:
            data["triggered"] = triggered
        if confidence is not None:
            data["confidence"] = confidence
    else:
        data["text"] = text
        if is_final is not None:
            data["is_final"] = is_final
    if start is not None:
        data["start"] = start
    if end is not None:
        data["end"] = end
    frame: dict[str, Any] = {"channel": "scene_index" if shape == SCENE_INDEX else channel}
    if rtstream_id is not None:
        frame["rtstream_id"] = rtstream_id
    if rtstream_name is not None:
        frame["rtstream_name"] = rtstream_name
    frame["data"] = data
    return frame


_FRAME_KEYS = frozenset(("channel", "rtstream_id", "rtstream_name", "data"))
_DATA_KEYS = {MEDIA: frozenset(("text", "is_final", "start", "end")),
              ALERT: frozenset(("label", "triggered", "confidence", "start", "end"))}
_DATA_KEYS[SCENE_INDEX] = _DATA_KEYS[MEDIA]


def kept_as(ev: Event) -> int:
    """How the store keeps `ev`: the shape its decoder gave, else the one `shape_of` finds
    (KEPT for a frame that is not a dict, or whose values misbehave when compared)."""
    if ev.shape is not None:
        return ev.shape
    try:
        return shape_of(ev) if type(ev.frame) is dict else KEPT
    except Exception:  # e.g. a caller's dict holding objects whose == misbehaves
        return KEPT


def shape_of(ev: Event) -> Shape:
    """The shape `ev.frame` can be rebuilt from, or KEPT when its raw frame must be kept.

    The normalised fields were read from exactly these keys, so equal key sets, no explicit
    nulls and numeric times mean `rebuild` gives back an equal frame.
    """
    frame = ev.frame
    if not frame.keys() <= _FRAME_KEYS:
        return KEPT
    data = frame.get("data")
    channel = frame.get("channel")
    if type(data) is not dict:
        return KEPT
    if channel == "alert":
        shape = ALERT
    elif channel == ev.channel and (channel == "transcript" or channel == "visual_index"
                                    or channel == "audio_index"):
        shape = MEDIA
    elif channel == "scene_index":
        shape = SCENE_INDEX
    else:
        return KEPT
    if not data.keys() <= _DATA_KEYS[shape] or None in frame.values() or None in data.values():
        return KEPT
    if "is_final" in data and channel != "transcript":
        return KEPT  # read only on transcripts: the columns would not give it back
    if type(data.get("start", 0)) is not int or type(data.get("end", 0)) is not int:
        return KEPT  # a string or fractional time: the int ms column would not give it back
    return shape
