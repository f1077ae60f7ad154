"""What a source (feed, webhook receiver, replay) writes into: any object with `add` and
`__len__` (how many events it holds: what `feed.wait_for(n=...)` counts).

Sources depend on this protocol, never on the concrete `EventStore`, so a store with a dataset
behind it, a filter, or a test double can stand in.

    >>> from vdb_notebook.store import EventStore
    >>> isinstance(EventStore(), EventSink)
    True
"""
from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from .event import Event, Rejection


@runtime_checkable
class EventSink(Protocol):
    """Takes one raw frame (dict, JSON text or bytes) from `source`; never raises for bad input."""

    def add(self, frame: Any, *, source: str = "ws", received_at_ms: float | None = None,
            key: str | None = None) -> Event | Rejection:
        """`key`: the event's identity when its source has one (a webhook's delivery id)."""
        ...

    def __len__(self) -> int:
        """The events held (the Feed's `wait_for(n=)` and repr read it)."""
        ...
