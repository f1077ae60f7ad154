"""`Feed.state` as an enum whose values are the strings it used to be, so `feed.state == "open"`,
`f"{feed.state}"`, `str(feed.state)` and `repr(feed.state)` read as before (saved notebook
outputs do not change) while type checkers and IDEs see the closed set.

    >>> FeedState.OPEN == "open", str(FeedState.OPEN), f"{FeedState.CLOSED}", FeedState.FAILED
    (True, 'open', 'closed', 'failed')
    >>> FeedState("reconnecting") is FeedState.RECONNECTING
    True
"""
from __future__ import annotations

from enum import Enum


class FeedState(str, Enum):
    """new -> open -> (reconnecting -> open)* -> closing -> closed; failed when it gives up."""

    NEW = "new"
    OPEN = "open"
    RECONNECTING = "reconnecting"
    CLOSING = "closing"
    CLOSED = "closed"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    def __repr__(self) -> str:  # the old bare string's repr: saved outputs stay the same
        return repr(self.value)


__all__ = ["FeedState"]
