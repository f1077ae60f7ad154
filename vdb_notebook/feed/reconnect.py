"""How `vn.Feed` survives a drop: redial with backoff, then record what was missed.

Frames sent while no connection is up are gone (WebSocket delivery is best-effort), so each
drop is announced at once by a `feed.disconnected` record, and once it is over leaves a `Gap`,
written to the store as a `feed.gap` record; a new connection id is
announced by a `feed.reconnected` record and by the `on_reconnect` callbacks.

    >>> gap = Gap(1000.0, 3500.0, "the server closed the WebSocket (code 1001)", "ws-1", "ws-2", 2)
    >>> gap.duration_s
    2.5
    >>> gap_frame(gap)["data"]["reason"]  # doctest: +NORMALIZE_WHITESPACE
    'the server closed the WebSocket (code 1001); no connection for 2.50 s - frames sent
     meanwhile are lost (WebSocket delivery is best-effort)'
"""
from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .._backoff import Backoff


@dataclass(frozen=True)
class Gap:
    """A stretch of time with no connection: frames sent during it were lost."""

    start: float  # epoch ms when the drop was noticed
    end: float  # epoch ms when a new connection was up (or the feed gave up / closed)
    reason: str
    old_connection_id: str | None
    new_connection_id: str | None
    attempts: int

    @property
    def duration_s(self) -> float:
        return (self.end - self.start) / 1000.0


def gap_frame(gap: Gap) -> dict[str, Any]:
    """The `feed.gap` record of `gap`, as the feed adds it to its store."""
    start, end = round(gap.start), round(gap.end)  # the store keeps integer epoch ms
    return {"channel": "feed", "event": "feed.gap", "data": {
        "start": start, "end": end, "duration_ms": end - start,
        "attempts": gap.attempts, "old_connection_id": gap.old_connection_id,
        "new_connection_id": gap.new_connection_id,
        "reason": f"{gap.reason}; no connection for {gap.duration_s:.2f} s - frames sent "
                  "meanwhile are lost (WebSocket delivery is best-effort)"}}


def disconnected_frame(old: str | None, reason: str) -> dict[str, Any]:
    """The `feed.disconnected` record, added the moment a connection drops: panes show
    "reconnecting" until a `feed.reconnected` (or a final `feed.gap`) follows."""
    return {"channel": "feed", "event": "feed.disconnected", "data": {
        "old_connection_id": old, "text": f"{reason}; reconnecting"}}


def reconnected_frame(old: str | None, new: str | None, attempts: int) -> dict[str, Any]:
    """The `feed.reconnected` record: which connection id replaced which."""
    return {"channel": "feed", "event": "feed.reconnected", "data": {
        "old_connection_id": old, "new_connection_id": new, "attempts": attempts,
        "text": f"reconnected: {old} -> {new}; pipelines sending to {old} must be re-pointed "
                "(Pipelines.reattach)"}}


@dataclass(frozen=True)
class Redial:
    """What `redial` ended with: a connection (None if it gave up or was stopped), the
    attempts it made and the last attempt's error."""

    ws: Any
    attempts: int
    last_error: str


async def redial(dial: Callable[[], Awaitable[Any]], backoff: Backoff, stop: asyncio.Event,
                 describe: Callable[[str], str]) -> Redial:
    """Await `dial()` after each `backoff` delay until it returns a connection, `stop` is set
    (it also cuts a delay short) or the backoff runs out of attempts.

    `describe` turns a failed attempt's error into the text kept in `last_error` (the feed
    strips credentials there). A connection made after `stop` was set is closed again.
    """
    attempts, last_error = 0, ""
    while not stop.is_set() and not backoff.exhausted:
        try:
            await asyncio.wait_for(stop.wait(), backoff.next_delay())
            break  # stopped during the delay
        except TimeoutError:
            pass
        attempts += 1
        try:
            ws = await dial()
        except Exception as exc:
            last_error = describe(f"{type(exc).__name__}: {exc}")
            continue
        if stop.is_set():
            await ws.close()
            break
        return Redial(ws, attempts, last_error)
    return Redial(None, attempts, last_error)


class Callbacks:
    """Functions called with one argument by `notify`; a coroutine function's result is run
    as a task. Their exceptions are kept in `errors`, never raised into `notify`.

    >>> callbacks, seen = Callbacks(), []
    >>> unsubscribe = callbacks.add(seen.append)
    >>> callbacks.notify("ws-2"); unsubscribe(); callbacks.notify("ws-3")
    >>> seen
    ['ws-2']
    """

    def __init__(self) -> None:
        self._callbacks: list[Callable[[Any], Any]] = []
        self._pending: set[asyncio.Future[Any]] = set()  # running coroutine callbacks
        self.errors: list[BaseException] = []

    def add(self, callback: Callable[[Any], Any]) -> Callable[[], None]:
        """Register `callback`; returns the function that unregisters it."""
        self._callbacks.append(callback)
        return lambda: self._callbacks.remove(callback) if callback in self._callbacks else None

    def notify(self, arg: Any) -> None:
        for callback in list(self._callbacks):
            try:
                result = callback(arg)
                if inspect.isawaitable(result):
                    task = asyncio.ensure_future(result)
                    self._pending.add(task)
                    task.add_done_callback(self._done)
            except Exception as exc:
                self.errors.append(exc)

    def _done(self, task: asyncio.Future[Any]) -> None:
        self._pending.discard(task)
        error = None if task.cancelled() else task.exception()
        if error is not None:
            self.errors.append(error)
