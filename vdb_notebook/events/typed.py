"""The common frame shapes as msgspec structs: decoded and validated in one C pass.

Most frames a feed receives are media frames (transcript, visual/scene index, audio index) or
alerts in their plain shape. msgspec decodes such JSON text straight into a struct, checking
every type and range on the way; `decode` then builds the `Event` without a dict in between.
Anything else (other keys, nulls, ISO times, out-of-range values, other channels) fails here
and goes to the hand-written readers of `decode.py`, which accept every shape VideoDB documents
(its capture events page, https://docs.videodb.io/pages/ingest/capture-sdks/realtime-context,
and its alerts and webhooks pages) and say exactly what is wrong. A frame decoded here is one the store can
rebuild from its columns (`shapes.Shape`), so it is not kept twice.

    >>> ev = decode('{"channel": "transcript", "rtstream_id": "rts-1", '
    ...             '"data": {"text": "hi", "is_final": true, "start": 1710000000101}}', "ws")
    >>> ev.text, ev.start, ev.shape
    ('hi', 1710000000101, <Shape.MEDIA: 1>)
    >>> decode('{"channel": "transcript", "data": {"text": null}}', "ws") is None
    True
"""
from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from ..schema import CHANNEL_ALIASES
from .event import Event
from .fields import MAX_MS, MAX_TEXT_CHARS, MIN_MS
from .shapes import Shape

Ms = Annotated[int, Meta(ge=MIN_MS, lt=MAX_MS)]
Text = Annotated[str, Meta(max_length=MAX_TEXT_CHARS)]


class MediaData(Struct, forbid_unknown_fields=True):
    text: Text
    is_final: bool | UnsetType = UNSET
    start: Ms | UnsetType = UNSET
    end: Ms | UnsetType = UNSET


class AlertData(Struct, forbid_unknown_fields=True):
    label: Text
    triggered: bool | UnsetType = UNSET
    confidence: float | UnsetType = UNSET
    start: Ms | UnsetType = UNSET
    end: Ms | UnsetType = UNSET


class _Frame(Struct, forbid_unknown_fields=True, tag_field="channel", kw_only=True):
    rtstream_id: Text | UnsetType = UNSET
    rtstream_name: Text | UnsetType = UNSET


class Transcript(_Frame, tag="transcript"):
    data: MediaData


class VisualIndex(_Frame, tag="visual_index"):
    data: MediaData


class SceneIndex(_Frame, tag="scene_index"):
    data: MediaData


class AudioIndex(_Frame, tag="audio_index"):
    data: MediaData


class Alert(_Frame, tag="alert"):
    data: AlertData


_decoder = msgspec.json.Decoder(Transcript | VisualIndex | SceneIndex | AudioIndex | Alert)


def decode(text: str | bytes, source: str) -> Event | None:
    """The Event of a frame in one of the common shapes, or None for anything else."""
    try:
        frame = _decoder.decode(text)
    except (msgspec.MsgspecError, UnicodeEncodeError):  # e.g. lone surrogates: the readers' job
        return None
    kind = type(frame)
    data = frame.data
    start, end = data.start, data.end
    start = None if start is UNSET else start
    end = None if end is UNSET else end
    rtstream_id = None if frame.rtstream_id is UNSET else frame.rtstream_id
    name = None if frame.rtstream_name is UNSET else frame.rtstream_name
    if kind is Alert:
        confidence = data.confidence
        return Event(source=source, channel="alert", event="alert", rtstream_id=rtstream_id,
                     rtstream_name=name, label=data.label,
                     confidence=None if confidence is UNSET else float(confidence),
                     triggered=None if data.triggered is UNSET else data.triggered,
                     timestamp=start, start=start, end=end, shape=Shape.ALERT)
    is_final = data.is_final
    if kind is Transcript:
        is_final = None if is_final is UNSET else is_final
    elif is_final is UNSET:
        is_final = None
    else:
        return None  # only a transcript's is_final is read: keep such a frame as received
    channel = CHANNEL_ALIASES[kind.__struct_config__.tag]  # scene_index -> visual_index
    return Event(source=source, channel=channel, event=channel, rtstream_id=rtstream_id,
                 rtstream_name=name, text=data.text, is_final=is_final, timestamp=start,
                 start=start, end=end,
                 shape=Shape.SCENE_INDEX if kind is SceneIndex else Shape.MEDIA)
