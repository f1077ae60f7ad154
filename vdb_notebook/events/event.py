"""`Event` (one normalised event) and `Rejection` (a frame that could not be understood).

    >>> Event(source="ws", channel="transcript", event="transcript", text="hi", start=1710000000101)
    Event(seq=-1, channel='transcript', event='transcript', text='hi', start=1710000000101)
"""
from __future__ import annotations

import json
from typing import Any

from .key import KEY_FIELDS, event_key
from .shapes import Shape

#: Fields that identify an event's content: equal values -> equal `key`.
CONTENT_FIELDS = KEY_FIELDS
FIELDS = ("seq", "received_at", "source", *CONTENT_FIELDS, "key", "raw")


class Event:
    """One normalised event; its attributes are the columns of `EventStore.df`.

    Built with keywords only (it has many fields); times are integer epoch ms.

        >>> Event(source="ws", channel="transcript", event="transcript", text="hi").text
        'hi'
    """

    __slots__ = (*FIELDS[:-2], "_key", "given_key", "raw", "_frame", "shape")

    def __init__(self, *, source: str, channel: str, event: str,
                 capture_session_id: str | None = None, end_user_id: str | None = None,
                 rtstream_id: str | None = None, rtstream_name: str | None = None,
                 text: str | None = None, is_final: bool | None = None,
                 label: str | None = None, confidence: float | None = None,
                 triggered: bool | None = None, timestamp: int | None = None,
                 start: int | None = None, end: int | None = None, status: str | None = None,
                 raw: Any = None, received_at: int = 0, seq: int = -1,
                 shape: Shape | None = None) -> None:
        self.seq = seq
        self.received_at = received_at
        self.source = source
        self.channel = channel
        self.event = event
        self.capture_session_id = capture_session_id
        self.end_user_id = end_user_id
        self.rtstream_id = rtstream_id
        self.rtstream_name = rtstream_name
        self.text = text
        self.is_final = is_final
        self.label = label
        self.confidence = confidence
        self.triggered = triggered
        self.timestamp = timestamp
        self.start = start
        self.end = end
        self.status = status
        self._key: str | None = None
        #: the key its source gave it (a webhook's delivery id), else None: see `key`
        self.given_key: str | None = None
        self.raw = raw
        self._frame = raw
        #: how the store keeps the frame, when the decoder already knows (see events.shapes)
        self.shape = shape

    @property
    def frame(self) -> Any:
        """The parsed frame (a dict), whether it came as a dict or as JSON text."""
        if self._frame is None and isinstance(self.raw, str):
            self._frame = json.loads(self.raw)
        return self._frame

    @property
    def key(self) -> str:
        """The event's identity (events/key.py): the key its source gave (a webhook's delivery
        id), else a stable hash of the normalised content."""
        if self._key is None:
            self._key = self.given_key or event_key(self)
        return self._key

    def as_dict(self) -> dict[str, Any]:
        """The plain record: {"seq": 0, "channel": "transcript", ...}."""
        return {f: getattr(self, f) for f in FIELDS}

    def __repr__(self) -> str:
        shown = ", ".join(f"{f}={getattr(self, f)!r}" for f in CONTENT_FIELDS
                          if getattr(self, f) is not None)
        return f"Event(seq={self.seq}, {shown})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Event) and self.as_dict() == other.as_dict()

    __hash__ = None  # type: ignore[assignment]


class Rejection:
    """A frame that could not be understood: `reason` says what was wrong and what to send."""

    __slots__ = ("raw", "reason", "received_at_ms", "size", "source")
    #: what two equal rejections share (`size` follows from `raw`)
    _COMPARED = ("reason", "raw", "source", "received_at_ms")

    def __init__(self, reason: str, raw: Any, source: str, received_at_ms: int,
                 size: int | None = None) -> None:
        self.reason = reason
        #: the frame as received; for a frame rejected for its size, only its first
        #: KEPT_PREFIX_CHARS characters (as text), with `size` its full length
        self.raw = raw
        self.source = source
        self.received_at_ms = received_at_ms
        self.size = size

    @property
    def truncated(self) -> bool:
        """True when `raw` is only the frame's first characters (`size` gives its length)."""
        return self.size is not None

    def __repr__(self) -> str:
        raw = repr(self.raw)
        return f"Rejection({self.reason!r}, raw={raw[:80] + '...' if len(raw) > 80 else raw})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rejection) and all(
            getattr(self, f) == getattr(other, f) for f in self._COMPARED)

    __hash__ = None  # type: ignore[assignment]
