"""Field readers for events.decode: each returns a clean value or raises `Invalid` with a
message that says which field is wrong and what to send instead.

    >>> read_ms("2026-01-20T12:34:56Z", "timestamp"), read_ms(1710000000101, "start")
    (1768912496000, 1710000000101)
    >>> try:
    ...     read_ms(1710000001, "start")
    ... except Invalid as exc:
    ...     print(str(exc)[:75])
    start=1710000001 is not a plausible time in epoch milliseconds (it looks li
"""
from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

MAX_TEXT_CHARS = 100_000
#: Epoch-ms values outside [2000-01-01, 2100-01-01) are not plausible event times.
MIN_MS, MAX_MS = 946_684_800_000, 4_102_444_800_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)

#: A parsed frame (or its `data`): a JSON object, whose values are whatever the sender sent.
JsonObject = dict[str, Any]


class Invalid(ValueError):
    """A frame field is missing or wrong; the message says which and what to send instead."""


class TooLarge(Invalid):
    """A frame (or one of its fields) is over its size limit: its rejection keeps a prefix."""


def read_text(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if type(value) is not str:
        raise Invalid(f"{name} must be a string, not {type(value).__name__} {short(value)}")
    if len(value) > MAX_TEXT_CHARS:
        raise TooLarge(f"{name} is {len(value):,} characters; the limit is {MAX_TEXT_CHARS:,} - "
                      "split it into several frames")
    return value if value.isascii() else valid_unicode(value)


def valid_unicode(value: str) -> str:
    """Text that UTF-8 can encode: lone surrogates (legal in JSON escapes) become U+FFFD."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def read_flag(value: Any, name: str) -> bool | None:
    if value is None or type(value) is bool:
        return value
    raise Invalid(f"{name} must be true or false, not {short(value)}")


def read_ms(value: Any, name: str) -> int | None:
    """Epoch ms (int/float or numeric string) or an ISO-8601 string -> integer epoch ms.

    Integers are kept exactly (never through a float); a fractional float is rounded to the
    nearest millisecond. Any size of number gives Invalid, never OverflowError."""
    if value is None:
        return None
    kind = type(value)
    ms: int | None
    if kind is int:
        ms = value
    elif kind is float:
        ms = round(value) if math.isfinite(value) else None
    elif kind is str:
        ms = read_iso_ms(value, name)
    else:
        raise Invalid(f"{name} must be epoch milliseconds or an ISO-8601 string, "
                      f"not {kind.__name__} {short(value)}")
    if ms is not None and MIN_MS <= ms < MAX_MS:
        return ms
    seconds = ms is not None and MIN_MS <= ms * 1000 < MAX_MS
    hint = " (it looks like epoch seconds: multiply by 1000)" if seconds else ""
    raise Invalid(f"{name}={short(value)} is not a plausible time in epoch milliseconds{hint}; "
                  "send epoch ms between 2000 and 2100 or an ISO-8601 string")


def read_iso_ms(value: str, name: str) -> int | None:
    """A numeric string (epoch ms) or an ISO-8601 time -> epoch ms; None when not finite."""
    try:
        number = float(value)
    except ValueError:
        pass
    else:
        return round(number) if math.isfinite(number) else None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{name}={short(value)} is not an ISO-8601 time; "
                      "send e.g. '2026-01-20T12:34:56Z' or epoch milliseconds") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        return (when - _EPOCH) // _ONE_MS
    except OverflowError:
        return None


def read_number(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if type(value) is int or type(value) is float:
        try:
            number = float(value)
        except OverflowError:  # an int beyond float range
            number = math.inf
        if math.isfinite(number):
            return number
    raise Invalid(f"{name} must be a finite number, not {short(value)}")


def short(value: Any) -> str:
    try:
        text = repr(value)
    except ValueError:  # e.g. an int too long to print
        return f"<{type(value).__name__} too large to show>"
    return text if len(text) <= 60 else f"{text[:57]}..."


def first(*values: Any) -> Any:
    for value in values:
        if value is not None:
            return value
    return None


def read_data(frame: JsonObject) -> JsonObject:
    data = frame.get("data")
    if data is None:
        return {}
    if type(data) is not dict:
        raise Invalid(f"data must be a JSON object, not {type(data).__name__} {short(data)}")
    return data


def stream_list(data: JsonObject) -> list[Any] | None:
    """The rtstreams a lifecycle frame's data lists (`rtstreams`, or `streams`/`channels`).

    >>> stream_list({"streams": [{"id": "rts-1"}]})
    [{'id': 'rts-1'}]
    """
    return next((v for v in (data.get("rtstreams"), data.get("streams"), data.get("channels"))
                 if isinstance(v, list)), None)


def stream_ids(data: JsonObject) -> list[str]:
    """The rtstream ids a lifecycle frame's data lists (each entry's `rtstream_id` or `id`).

    >>> stream_ids({"rtstreams": [{"rtstream_id": "rts-1"}, {"id": "rts-2"}, "junk"]})
    ['rts-1', 'rts-2']
    """
    ids = []
    for entry in stream_list(data) or ():
        if isinstance(entry, dict):
            rts = first(entry.get("rtstream_id"), entry.get("id"))
            if isinstance(rts, str) and rts:
                ids.append(rts)
    return ids
