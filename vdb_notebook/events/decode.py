"""Every VideoDB frame shape -> one normalised `Event`, or a `Rejection` that says what to fix.

No I/O. `normalise` never raises: whatever arrives (dict, JSON text or bytes, garbage) comes
back as an `Event` or as a `Rejection` whose reason a person can act on.

    >>> ev = normalise('{"channel": "scene_index", "rtstream_id": "rts-3", '
    ...                '"data": {"text": "Slack is open", "start": 1710000012340}}')
    >>> ev.channel, ev.text, ev.start
    ('visual_index', 'Slack is open', 1710000012340)
    >>> normalise("hello").reason
    'not JSON: Expecting value: line 1 column 1 (char 0) - send one JSON object per frame'

Times are integer epoch milliseconds here (exact: 1710000000101 stays 1710000000101); the
store keeps them as Arrow `timestamp[ms, UTC]` columns. JSON text is decoded with msgspec
(faster than json); whatever msgspec refuses is retried with json, whose messages say where
the text went wrong.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import msgspec

from ..schema import CHANNEL_ALIASES, CHANNELS, lifecycle_event, status_of_event
from ..schema.media import parse_stream_url
from . import typed
from .event import Event, Rejection
from .fields import (
    MAX_MS,
    MAX_TEXT_CHARS,
    MIN_MS,
    Invalid,
    JsonObject,
    TooLarge,
    first,
    read_data,
    read_flag,
    read_ms,
    read_number,
    read_text,
    short,
    valid_unicode,
)

_decode_json = msgspec.json.Decoder().decode
MAX_FRAME_CHARS = 1_000_000
#: How much of a frame rejected for its size a Rejection keeps (the rest is counted, not held).
KEPT_PREFIX_CHARS = 1_000
#: A rejected frame up to this long (as text) is kept whole; a longer one keeps its prefix,
#: so `.rejected` holds at most about max_rejected x this many characters (docs/LIMITS.md).
KEPT_WHOLE_CHARS = 4_096


# --- one small function per channel -------------------------------------------------------

def _media(frame: JsonObject, channel: str, source: str) -> Event:
    """transcript, visual_index / scene_index, audio_index: text with a time span.

    The common shape is checked inline (this runs for most frames); anything unusual goes
    through the validating readers, which say what is wrong.
    """
    data = frame.get("data")
    if type(data) is not dict:
        data = read_data(frame)
    text = data.get("text")
    if text is None:
        text = frame.get("text")
    if type(text) is not str or len(text) > MAX_TEXT_CHARS or not text.isascii():
        text = read_text(text, "data.text")
        if text is None:
            raise Invalid(f"a {channel} frame needs data.text (the {channel} text)")
    start, end = data.get("start"), data.get("end")
    if start is None:
        start = frame.get("start")
    if end is None:
        end = frame.get("end")
    if type(start) is not int or not MIN_MS <= start < MAX_MS:
        start = read_ms(start, "data.start")
    if type(end) is not int or not MIN_MS <= end < MAX_MS:
        end = read_ms(end, "data.end")
    is_final = None
    if channel == "transcript":
        is_final = data.get("is_final")
        if is_final is None:
            is_final = frame.get("is_final")
        if is_final is not None and type(is_final) is not bool:
            read_flag(is_final, "data.is_final")
    rtstream_id, name = frame.get("rtstream_id"), frame.get("rtstream_name")
    if rtstream_id is not None and (type(rtstream_id) is not str or not rtstream_id.isascii()):
        rtstream_id = read_text(rtstream_id, "rtstream_id")
    if name is not None and (type(name) is not str or not name.isascii()):
        name = read_text(name, "rtstream_name")
    session = frame.get("capture_session_id")
    if session is None:
        session = frame.get("session_id")
    user = frame.get("end_user_id")
    if session is not None or user is not None:
        session, user = _session_id(frame), _end_user(frame)
    return Event(source=source, channel=channel, event=channel, capture_session_id=session,
                 end_user_id=user, rtstream_id=rtstream_id, rtstream_name=name, text=text,
                 is_final=is_final, timestamp=start, start=start, end=end, raw=frame)


def _alert(frame: JsonObject, channel: str, source: str) -> Event:
    """The three WebSocket alert shapes and the alert webhook."""
    data = read_data(frame)
    label = read_text(first(data.get("label"), data.get("event_label"), frame.get("label"),
                         frame.get("event_label")), "label")
    if label is None:
        raise Invalid("an alert needs label (or event_label): the name of the event that fired")
    timestamp = read_ms(first(data.get("timestamp"), frame.get("timestamp")), "timestamp")
    window = parse_stream_url(frame["stream_url"]) if isinstance(frame.get("stream_url"), str) else None
    start = read_ms(first(data.get("start"), frame.get("start"), _absolute(frame.get("start_time"))), "start")
    end = read_ms(first(data.get("end"), frame.get("end"), _absolute(frame.get("end_time"))), "end")
    if window is not None:  # a webhook's start_time / end_time in video time: its clip's window
        start = round(window[1] * 1000) if start is None else start
        end = round(window[2] * 1000) if end is None else end
    text = read_text(first(data.get("text"), data.get("explanation"), frame.get("text"),
                        frame.get("explanation")), "text")
    return Event(
        source=source, channel="alert", event="alert", capture_session_id=_session_id(frame),
        end_user_id=_end_user(frame),
        rtstream_id=read_text(first(frame.get("rtstream_id"), window and window[0]), "rtstream_id"),
        rtstream_name=read_text(frame.get("rtstream_name"), "rtstream_name"), text=text,
        label=label,
        confidence=read_number(first(data.get("confidence"), frame.get("confidence")),
                               "confidence"),
        triggered=read_flag(first(data.get("triggered"), frame.get("triggered")), "triggered"),
        timestamp=timestamp if timestamp is not None else start, start=start, end=end,
        raw=frame)


def _absolute(value: Any) -> Any:
    """An alert webhook's start_time / end_time if it is a point in time (ISO or epoch ms);
    None for video-time seconds (VideoDB's alerts page: floats such as 1234.5)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value * 1000 < MIN_MS:
        return None
    return value


def _lifecycle(frame: JsonObject, channel: str, source: str) -> Event:
    """capture_session WebSocket frames and v2 (or older) lifecycle webhooks."""
    data = read_data(frame)
    sid = _session_id(frame)
    if sid is None:
        raise Invalid("a capture_session event needs capture_session_id (or session_id)")
    event = read_text(first(frame.get("event"), frame.get("type"), frame.get("event_type")),
                      "event")
    if event is not None:
        event = None if event == "capture_session" else lifecycle_event(event)
    status = read_text(first(frame.get("status"), data.get("status")), "status")
    if status is None and event is not None:
        status = status_of_event(event)
    if event is None:
        if status is None:
            raise Invalid("a capture_session event needs event (e.g. 'capture_session.active') "
                          "or status")
        event = lifecycle_event(status)
    error = data.get("error", frame.get("error"))
    if isinstance(error, dict):
        error = first(error.get("message"), error.get("code"))
    text = read_text(error if isinstance(error, str) else None, "data.error.message")
    return Event(source=source, channel="capture_session", event=event, capture_session_id=sid,
                 end_user_id=_end_user(frame), text=text,
                 timestamp=read_ms(frame.get("timestamp"), "timestamp"), status=status, raw=frame)


def _feed(frame: JsonObject, channel: str, source: str) -> Event:
    """The feed's own records: gaps and reconnections."""
    data = read_data(frame)
    event = read_text(frame.get("event"), "event") or "feed"
    text = read_text(first(data.get("reason"), data.get("text"), frame.get("text")), "data.reason")
    start = read_ms(data.get("start"), "data.start")
    return Event(source=source, channel="feed", event=event, capture_session_id=_session_id(frame),
                 text=text, timestamp=first(read_ms(frame.get("timestamp"), "timestamp"), start),
                 start=start, end=read_ms(data.get("end"), "data.end"), raw=frame)


def _session_id(frame: JsonObject) -> str | None:
    return read_text(first(frame.get("capture_session_id"), frame.get("session_id")),
                 "capture_session_id")


def _end_user(frame: JsonObject) -> str | None:
    return read_text(frame.get("end_user_id"), "end_user_id")


_HANDLERS: dict[str, Callable[[JsonObject, str, str], Event]] = {
    "transcript": _media, "visual_index": _media, "audio_index": _media,
    "alert": _alert, "capture_session": _lifecycle, "feed": _feed,
}


#: Keys that, next to `label`, mark a channel-less frame as an alert webhook.
_ALERT_WEBHOOK_KEYS = frozenset(("event_id", "alert_id", "explanation", "confidence"))


def channel_of(frame: JsonObject) -> str:
    """The normalised channel of a frame (raises Invalid when it has none we know)."""
    name = first(frame.get("channel"), frame.get("type"), frame.get("event_type"))
    if name is None:
        name = frame.get("event")
        if "event_label" in frame or (
                "label" in frame and not _ALERT_WEBHOOK_KEYS.isdisjoint(frame)):
            return "alert"
    if type(name) is not str:
        if name is None:
            raise Invalid("frame has no channel: send 'channel' (one of "
                          f"{', '.join(CHANNELS)}) or a lifecycle webhook 'event'")
        raise Invalid(f"channel must be a string, not {short(name)}")
    channel = CHANNEL_ALIASES.get(name)
    if channel is not None:
        return channel
    if name.startswith("capture_session."):
        return "capture_session"
    if name.startswith("feed."):
        return "feed"
    raise Invalid(f"unknown channel {short(name)}: expected one of "
                  f"{', '.join(CHANNELS)} (or scene_index)")


def parse(frame: Any) -> JsonObject:
    """JSON text/bytes or a dict -> the frame dict (raises Invalid with the reason)."""
    if type(frame) is dict:
        obj = frame
    elif isinstance(frame, (str, bytes, bytearray)):
        if len(frame) > MAX_FRAME_CHARS:
            raise TooLarge(f"frame is {len(frame):,} characters; the limit is "
                           f"{MAX_FRAME_CHARS:,} - send smaller frames")
        try:
            obj = _decode_json(frame)
        except msgspec.DecodeError:  # json says where it went wrong (and takes lone surrogates)
            try:
                obj = json.loads(frame)
            except (ValueError, UnicodeDecodeError) as exc:
                raise Invalid(f"not JSON: {exc} - send one JSON object per frame") from None
    elif isinstance(frame, dict):
        obj = dict(frame)
    else:
        raise Invalid(f"a frame must be a dict or JSON text, not {type(frame).__name__}")
    return _object(obj)


def _object(obj: Any) -> JsonObject:
    """A parsed frame must be a JSON object, and not the SDK's wrapper of a non-JSON frame."""
    if type(obj) is not dict:
        raise Invalid(f"a frame must be a JSON object, not {type(obj).__name__} {short(obj)}")
    if len(obj) == 1 and "raw" in obj and type(obj["raw"]) is str:
        raise Invalid("not JSON: the WebSocket sent a text frame that is not JSON "
                      f"(the SDK wraps it as {{'raw': ...}}): {short(obj['raw'])}")
    return obj


def normalise(frame: Any, *, source: str = "ws",
              received_at_ms: float | None = None) -> Event | Rejection:
    """One frame -> an Event, or a Rejection saying what to fix. Never raises.

    >>> normalise({"event": "capture_session.active", "capture_session_id": "cap-1",
    ...            "timestamp": "2026-01-20T12:34:56Z"}).status
    'active'
    >>> normalise({"channel": "gossip"}).reason[:40]
    "unknown channel 'gossip': expected one o"
    """
    try:
        arrival = _arrival_ms(received_at_ms)
    except Invalid as exc:
        return _rejection(f"{exc} (received_at_ms is the arrival time the caller passed)",
                          frame, source, time.time_ns() // 1_000_000)
    if type(source) is not str or not source.isascii():
        source = valid_unicode(str(source))
    try:
        if type(frame) is str and len(frame) <= MAX_FRAME_CHARS:  # the common case, inline
            event = typed.decode(frame, source)  # the common shapes, typed
            if event is not None:
                event.received_at = arrival
                event.raw = frame
                return event
            try:
                obj = _decode_json(frame)
            except msgspec.DecodeError:
                obj = parse(frame)  # raises Invalid with the reason
            if type(obj) is not dict or "raw" in obj:
                obj = _object(obj)
        else:
            obj = parse(frame)
        name = obj.get("channel")
        channel = CHANNEL_ALIASES.get(name, "") if type(name) is str else ""
        if not channel:
            channel = channel_of(obj)
        event = _HANDLERS[channel](obj, channel, source)
    except Invalid as exc:
        return _rejection(str(exc), frame, source, arrival, type(exc) is TooLarge)
    except Exception as exc:  # a bug here must not take down the caller's loop
        return _rejection(f"could not read frame ({type(exc).__name__}: {exc}); "
                          "please report this frame", frame, source, arrival)
    event.received_at = arrival
    if type(frame) is str:
        event.raw = frame
    elif isinstance(frame, (bytes, bytearray)):
        event.raw = _keepable(frame)
    return event


def _arrival_ms(received_at_ms: float | None) -> int:
    """The arrival time in epoch ms: now when not given, else the caller's (raises Invalid)."""
    if received_at_ms is None:
        return time.time_ns() // 1_000_000
    if type(received_at_ms) is int and MIN_MS <= received_at_ms < MAX_MS:
        return received_at_ms
    ms = read_ms(received_at_ms, "received_at_ms")
    if ms is None:  # read_ms gives None only for None, handled above
        raise Invalid("received_at_ms must be epoch milliseconds")
    return ms


def _rejection(reason: str, frame: Any, source: str, received_at_ms: int,
               too_large: bool = False) -> Rejection:
    """A Rejection keeping the frame, or for one rejected for its size, or longer than
    KEPT_WHOLE_CHARS as text, a bounded prefix (`size` its full length: `truncated`)."""
    kept = _keepable(frame)
    try:
        text = kept if isinstance(kept, str) else _as_text(kept)
    except Exception:  # nested too deep even for repr
        text = f"<a {type(kept).__name__} nested too deep to show>"
    if not too_large and len(text) <= KEPT_WHOLE_CHARS:
        return Rejection(reason, kept, source, received_at_ms)
    return Rejection(f"{reason} (kept its first {KEPT_PREFIX_CHARS:,} characters)",
                     text[:KEPT_PREFIX_CHARS], source, received_at_ms, size=len(text))


def _as_text(frame: Any) -> str:
    if isinstance(frame, str):
        return frame
    try:
        return json.dumps(frame, ensure_ascii=False, default=repr)
    except Exception:
        return repr(frame)


def _keepable(frame: Any) -> Any:
    """What a record keeps of its input: dicts and str as given, bytes decoded, others repr'd."""
    if type(frame) is str or type(frame) is dict:
        return frame
    if isinstance(frame, (bytes, bytearray)):
        return bytes(frame).decode("utf-8", "replace")
    try:
        return repr(frame)[:1000]
    except Exception:
        return f"<unprintable {type(frame).__name__}>"
