"""The one parser for a window's margins (`before=` / `after=` of `vn.clip`, `vn.alert_context`):
seconds as a number, a string such as "10s", "2m", "1m30s", "1h", "500ms", or a timedelta
(a `pandas.Timedelta` is one).

    >>> seconds(5), seconds("1m30s"), seconds("500ms"), seconds(timedelta(minutes=2))
    (5.0, 90.0, 0.5, 120.0)
    >>> seconds("soon", "before")
    Traceback (most recent call last):
    ...
    ValueError: before is seconds (5, 2.5), a string like '10s', '2m' or '1m30s', or a datetime.timedelta; not 'soon'
"""
from __future__ import annotations

import math
import re
from datetime import timedelta

#: What `before=` / `after=` accept.
Duration = int | float | str | timedelta

_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|h|m|s)")


def seconds(value: Duration, name: str = "duration") -> float:
    """`value` as a number of seconds >= 0; ValueError saying what is accepted otherwise."""
    if isinstance(value, timedelta):
        result = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        result = float(value)
    elif isinstance(value, str):
        result = _parse(value.replace(" ", ""))
    else:
        result = math.nan
    if not (math.isfinite(result) and result >= 0):
        raise ValueError(f"{name} is seconds (5, 2.5), a string like '10s', '2m' or '1m30s', "
                         f"or a datetime.timedelta; not {value!r}")
    return result


def _parse(text: str) -> float:
    """'1m30s' -> 90.0; NaN when the text is not a sequence of number+unit parts."""
    parts = list(_PART.finditer(text))
    if not parts or "".join(p.group(0) for p in parts) != text:
        return math.nan
    return sum(float(p.group(1)) * _UNITS[p.group(2)] for p in parts)


__all__ = ["Duration", "seconds"]
