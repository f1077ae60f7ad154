"""Fault injection for tests: WebSocket drops and misbehaving webhook delivery.

    >>> Faults.from_dict({"drop_ws_after": 5, "duplicate_webhooks": 1}).drop_ws_after
    5
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

#: What `garbage_ws_after` sends: a text frame that is not JSON (a truncated frame).
GARBAGE_FRAME = '{"channel": "transcript", "data": {"text": "cut sh'


@dataclass
class Faults:
    """What to break. All off by default.

    drop_ws_after: abort the next WebSocket that has sent this many event frames (no close
        frame, as a network drop looks); fires once, then resets to None.
    fail_webhooks: the first K webhook attempts fail (not sent, as if the receiver were down);
        the sender retries them on its backoff schedule.
    duplicate_webhooks: each delivered webhook is posted this many extra times.
    reorder_webhooks: the webhooks of one state change (e.g. stopping, stopped, exported) go out
        in reverse order.
    garbage_ws_after: the next WebSocket that has sent this many event frames also gets one
        text frame that is not JSON (GARBAGE_FRAME), then carries on; fires once.
    """

    drop_ws_after: int | None = None
    fail_webhooks: int = 0
    duplicate_webhooks: int = 0
    reorder_webhooks: bool = False
    garbage_ws_after: int | None = None

    @classmethod
    def from_dict(cls, values: dict[str, Any] | Faults | None) -> Faults:
        if isinstance(values, Faults):
            return cls(**asdict(values))
        return cls().updated(values or {})

    def updated(self, values: dict[str, Any]) -> Faults:
        """A copy with `values` applied; unknown names or bad values raise ValueError."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown fault(s) {unknown}; known faults: {sorted(known)}")
        merged = {**asdict(self), **values}
        for name in ("fail_webhooks", "duplicate_webhooks"):
            if not isinstance(merged[name], int) or isinstance(merged[name], bool) or merged[name] < 0:
                raise ValueError(f"{name} must be a whole number >= 0, not {merged[name]!r}")
        for name in ("drop_ws_after", "garbage_ws_after"):
            value = merged[name]
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise ValueError(f"{name} must be None or a whole number >= 0, not {value!r}")
        if not isinstance(merged["reorder_webhooks"], bool):
            raise ValueError(f"reorder_webhooks must be true or false, not {merged['reorder_webhooks']!r}")
        return Faults(**merged)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
