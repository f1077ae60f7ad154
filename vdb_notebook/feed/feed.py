"""vn.Feed: the VideoDB WebSocket, consumed into an EventStore in the background, surviving drops.

    >>> feed = await vn.Feed.open(conn, record_to="events.jsonl")     # doctest: +SKIP
    >>> feed.connection_id                                              # doctest: +SKIP
    'ws-6b1f0c3a9e21'
    >>> await feed.wait_for(n=10, timeout=30); len(feed.store) >= 10    # doctest: +SKIP
    True
    >>> await feed.close()                                              # doctest: +SKIP

The connection goes through the SDK (`conn.connect_websocket()` then `ws.connect()`, which reads
the connection id), so whatever the SDK does to reach VideoDB, the feed does too. Frames are then
read as text straight from the SDK's underlying `websockets` connection (`ws._connection`)
rather than through `ws.receive()`: `receive()` parses each frame into a dict that the store
would only serialise again to hash it, and it hides the exact text the journal must keep. The
store parses each frame once; a frame it cannot parse is rejected with a reason and counted.

A drop is survived by reconnecting with capped, jittered exponential backoff (`Backoff`).
Frames sent while disconnected are gone (WebSocket delivery is best-effort), so the feed
records the hole: a `feed.gap` event with its start, end and reason, and a `feed.reconnected`
event naming the old and new connection ids (see feed.reconnect). Pipelines started with the
old id keep sending to it; `on_reconnect` callbacks (e.g. `Pipelines.reattach`) point them at
the new one.

Where it runs: the feed reads on the toolkit's own loop thread (`_aio.background_loop()`), not
on the loop that awaited `Feed.open`, so the store and the Dashboard keep up while a notebook
cell computes synchronously (`time.sleep(3)`, a long pandas step). `await feed.wait_for(...)`
and `await feed.close()` work from any loop. Store subscribers (`store.subscribe`) and
`on_reconnect` callbacks are therefore called on that loop thread, named "vdb_notebook-loop":
keep them short, and hand anything slow or thread-bound to your own thread or loop.

Re-running a notebook cell that opened a feed closes the feed(s) its previous run opened (their
WebSocket would otherwise stay open with nothing left to reach it); feeds opened by one run of
a cell (a fleet, in a loop) all stay open.
"""
from __future__ import annotations

import asyncio
import logging
import os
import re
import time
import weakref
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

import websockets

from .. import _aio, _cell
from .._backoff import Backoff
from .._progress import WaitProgress, waiting
from ..events import EventSink, Rejection
from .journal import RECORD_BATCH, FrameJournal, flush_when_quiet
from .reconnect import Callbacks, Gap, disconnected_frame, gap_frame, reconnected_frame, redial
from .state import FeedState

if TYPE_CHECKING:
    from ..connection import WebSocketConnection

log = logging.getLogger(__name__)

_POLL_S = 0.01
OPEN_TIMEOUT_S = 10.0  # to open a connection and read its id (docs/LIMITS.md)
CLOSE_TIMEOUT_S = 2.0  # for the close handshake
_QUERY = re.compile(r"(wss?://[^\s?'\"]*)\?[^\s'\"]*")

__all__ = ["Feed", "FeedState", "Gap"]

#: The feeds each notebook cell's latest run opened (a re-run closes the earlier run's).
_opened_by_cell = _cell.CellRuns()
_feeds: weakref.WeakSet[Feed] = weakref.WeakSet()


class WebSocketDialer(Protocol):
    """What a Feed needs of its connection (`vn.connect()`'s, or `videodb.connect()`'s)."""

    def connect_websocket(self, collection_id: str = "default") -> WebSocketConnection: ...


def open_feeds() -> list[Feed]:
    """The feeds opened and not yet closed (vn.clip finds a row's connection through them)."""
    return [f for f in list(_feeds) if f.state not in (FeedState.CLOSED, FeedState.FAILED)]


class Feed:
    """A live WebSocket feed into an `EventStore`. Create it with `await Feed.open(conn)`.

    Attributes: `connection_id` (the current one), `connection_ids` (all, oldest first),
    `store`, `state` (a `FeedState`, equal to "open", "reconnecting", "closing", "closed" or
    "failed"), `frames`
    (raw frames read from the socket), `frames_before_connect` (how many of those came over
    earlier connections), `frames_on_connection` (read over the current one), `rejected`
    (those the store could not parse),
    `gaps` (list of `Gap`), `reconnects`, `recording` (the `FrameJournal`, or None),
    `callback_errors` (raised by `on_reconnect` callbacks).
    """

    def __init__(self, conn: WebSocketDialer, store: EventSink | None = None, *, collection_id: str = "default",
                 backoff: Backoff | None = None, open_timeout: float = OPEN_TIMEOUT_S,
                 close_timeout: float = CLOSE_TIMEOUT_S) -> None:
        self._conn = conn
        self.store = store if store is not None else _new_store()
        self.collection_id = collection_id
        self.backoff = backoff if backoff is not None else Backoff()
        self.open_timeout = open_timeout
        self.close_timeout = close_timeout
        self.recording: FrameJournal | None = None
        self.state = FeedState.NEW
        self.connection_id: str | None = None
        self.connection_ids: list[str | None] = []
        self.frames = 0
        self.frames_before_connect = 0
        self.rejected = 0
        self.gaps: list[Gap] = []
        self._ws: Any = None
        self._connected_at = 0.0
        self._closing = asyncio.Event()  # set once by close(); also wakes a reconnect delay
        self._closed = asyncio.Event()
        self._reconnect_callbacks = Callbacks()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._flusher: asyncio.Task[None] | None = None

    # --- opening -----------------------------------------------------------------------

    @classmethod
    async def open(cls, conn: WebSocketDialer, store: EventSink | None = None,
                   record_to: str | os.PathLike[str] | None = None, *, collection_id: str = "default",
                   backoff: Backoff | None = None, open_timeout: float = OPEN_TIMEOUT_S,
                   close_timeout: float = CLOSE_TIMEOUT_S,
                   record_batch: int = RECORD_BATCH) -> Feed:
        """Connect and start consuming on the toolkit's loop thread (see the module's doc):
        the feed keeps reading while the calling thread blocks.

        `store`: where events go (a new EventStore by default). `record_to`: a JSONL journal
        of every raw frame (appended to; see feed.journal), written `record_batch` lines at a
        time. `backoff`: reconnect delays (default Backoff(): 0.1 s doubling to 10 s, jittered,
        retrying forever). Raises ConnectionError if the first connection cannot be made:
        nothing is retried until a connection has worked once.
        """
        feed = cls(conn, store, collection_id=collection_id, backoff=backoff,
                   open_timeout=open_timeout, close_timeout=close_timeout)
        loop = _aio.background_loop()
        if not _aio.on_loop_thread(loop):  # open_sync claims the cell on the caller's thread
            for earlier in _opened_by_cell.claim(feed):  # the kernel's thread knows the cell
                await earlier.close()
        await _aio.run_on(loop, feed._start(record_to, record_batch))
        return feed

    @classmethod
    def open_sync(cls, conn: WebSocketDialer, store: EventSink | None = None,
                  record_to: str | os.PathLike[str] | None = None, **options: Any) -> Feed:
        """`Feed.open` (same options) for code that cannot await; the feed runs on the same
        private loop thread as an awaited one.

        That works the same with or without a loop running in this thread (a notebook cell):
        the store is fed from the private thread (EventStore.add is thread-safe), and no
        nest_asyncio re-entry of the kernel's loop is needed. Use `close_sync()` /
        `wait_for_sync()`, or `await feed.close()` from any loop.
        """
        run = _cell.current_run()  # here: the kernel's thread knows the cell, the loop's may not
        feed = _aio.run(cls.open(conn, store, record_to, **options))
        for earlier in _opened_by_cell.claim(feed, run):
            earlier.close_sync()
        return feed

    async def _start(self, record_to: str | os.PathLike[str] | None, record_batch: int) -> None:
        self._loop = asyncio.get_running_loop()
        if record_to is not None:  # before dialling: a bad path must not leave a socket open
            self.recording = _open_recording(record_to, record_batch)
        try:
            ws = await self._dial()
        except Exception as exc:
            self.state = FeedState.FAILED
            if self.recording is not None:
                self.recording.close()
            raise ConnectionError(
                f"could not open the VideoDB WebSocket: {self._redact(exc)} - check the "
                "connection from vn.connect() (API key, base_url) and that the service or "
                "emulator is running") from None
        self._attach(ws)
        _feeds.add(self)
        self._task = self._loop.create_task(self._run(), name=f"vdb_notebook feed {self.connection_id}")
        if self.recording is not None:
            self._flusher = self._loop.create_task(flush_when_quiet(self.recording))

    async def _dial(self) -> Any:
        """A new SDK WebSocketConnection, connected (its first frame gave the connection id)."""
        ws = await asyncio.to_thread(self._conn.connect_websocket, self.collection_id)
        try:  # the SDK waits for the first frame (the connection id) without a time limit
            await asyncio.wait_for(ws.connect(), self.open_timeout)
        except BaseException:
            if getattr(ws, "_connection", None) is not None:
                await ws.close()
            raise
        sock = getattr(ws, "_connection", None)
        if sock is not None:
            sock.close_timeout = self.close_timeout
        return ws

    def _attach(self, ws: Any) -> None:
        self._ws = ws
        self.connection_id = ws.connection_id
        self.connection_ids.append(ws.connection_id)
        self.frames_before_connect = self.frames
        self._connected_at = time.monotonic()
        self.state = FeedState.OPEN

    # --- consuming -----------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._closing.is_set():
            reason = await self._consume(self._ws)
            if self._closing.is_set() or not await self._reconnect(reason):
                break

    async def _consume(self, ws: Any) -> str:
        """Read frames until the socket ends; returns why it ended."""
        sock = getattr(ws, "_connection", None)
        # without the socket, the SDK's iterator: parsed dicts, {"raw": text} for non-JSON
        frames = sock if sock is not None else ws.receive()
        add, journal = self.store.add, self.recording
        try:
            async for raw in frames:
                self.frames += 1
                now = _now_ms()  # one arrival time for journal and store alike
                if journal is not None:
                    journal.write(raw if type(raw) is str else _as_text(raw), now)
                if type(add(raw, source="ws", received_at_ms=now)) is Rejection:
                    self.rejected += 1
        except websockets.ConnectionClosed as exc:
            return _describe_close(exc)
        except Exception as exc:  # a network error the library did not wrap
            return self._redact(f"WebSocket failed: {type(exc).__name__}: {exc}")
        if sock is not None and sock.close_code is not None:
            return _server_closed(sock.close_code, sock.close_reason)
        return "the WebSocket ended"

    # --- reconnecting --------------------------------------------------------------------

    async def _reconnect(self, reason: str) -> bool:
        """Dial again with backoff until it works, the feed closes or attempts run out, and
        record the gap either way. True when a new connection is up."""
        old, started = self.connection_id, _now_ms()
        self.state, self._ws = FeedState.RECONNECTING, None
        if time.monotonic() - self._connected_at >= self.backoff.stable_after:
            self.backoff.reset()
        log.info("feed %s: %s; reconnecting", old, reason)
        self._record(disconnected_frame(old, reason))
        result = await redial(self._dial, self.backoff, self._closing, self._redact)
        if result.ws is None:
            if self._closing.is_set():
                self._record_gap(started, old, None, result.attempts,
                                 f"{reason}; the feed was closed before it reconnected")
            else:
                self._record_gap(started, old, None, result.attempts,
                                 f"{reason}; gave up after {result.attempts} attempts "
                                 f"({result.last_error})")
                self.state = FeedState.FAILED
            return False
        self._attach(result.ws)
        self._record_gap(started, old, self.connection_id, result.attempts, reason)
        self._record(reconnected_frame(old, self.connection_id, result.attempts))
        self._reconnect_callbacks.notify(self)
        return True

    def _record_gap(self, start: float, old: str | None, new: str | None, attempts: int,
                    reason: str) -> None:
        gap = Gap(start, _now_ms(), reason, old, new, attempts)
        self.gaps.append(gap)
        self._record(gap_frame(gap))

    def _record(self, frame: dict[str, Any]) -> None:
        """Add one of the feed's own records (and journal it, when recording)."""
        now = _now_ms()
        if self.recording is not None:
            self.recording.write(frame, now, "feed")
        self.store.add(frame, source="feed", received_at_ms=now)

    def on_reconnect(self, callback: Callable[[Feed], Any]) -> Callable[[], None]:
        """Call `callback(feed)` after each reconnect (feed.connection_id is the new id).

        A coroutine function is scheduled as a task. Exceptions are kept in
        `feed.callback_errors`, never raised into the feed. Returns an unsubscribe function.
        """
        return self._reconnect_callbacks.add(callback)

    @property
    def callback_errors(self) -> list[BaseException]:
        return self._reconnect_callbacks.errors

    @property
    def reconnects(self) -> int:
        """Successful reconnects: every connection after the first."""
        return max(len(self.connection_ids) - 1, 0)

    @property
    def frames_on_connection(self) -> int:
        """Raw frames read over the current connection (`connection_id`)."""
        return self.frames - self.frames_before_connect

    # --- waiting and closing -----------------------------------------------------------

    async def wait_for(self, n: int | None = None, until: Callable[[Any], bool] | None = None,
                       timeout: float | None = None) -> None:
        """Wait until the store holds `n` events and/or `until(store)` is true (both, if both
        are given). Raises TimeoutError after `timeout` seconds, RuntimeError if the feed
        closed or gave up first."""
        _check_wanted("wait_for", n, until)
        with self._progress(n, until):
            # an unopened feed waits on the background loop, as wait_for_sync does
            await _aio.run_on(self._loop or _aio.background_loop(), self._wait_for(n, until, timeout))

    async def _wait_for(self, n: int | None, until: Callable[[Any], bool] | None,
                        timeout: float | None) -> None:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not ((n is None or len(self.store) >= n) and (until is None or until(self.store))):
            if self.state in (FeedState.CLOSED, FeedState.FAILED):
                raise RuntimeError(f"the feed is {self.state}; {self._waiting_for(n, until)}")
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                raise TimeoutError(f"waited {timeout} s; {self._waiting_for(n, until)}")
            # Polling, not a wake-up per frame: at most 1/_POLL_S checks a second whatever the
            # frame rate (until() may be costly), and events added by other producers (a
            # webhook receiver's thread) are seen too.
            await asyncio.sleep(_POLL_S if remaining is None else min(_POLL_S, remaining))

    def _waiting_for(self, n: int | None, until: Callable[[Any], bool] | None) -> str:
        wanted = f"{n} events" if until is None else "until() to hold" if n is None \
            else f"{n} events and until()"
        return (f"wanted {wanted}; the store holds {len(self.store)} "
                f"(rejected {self.rejected}, gaps {len(self.gaps)})")

    async def close(self) -> None:
        """Close the socket, store what had already reached it, and flush the recording."""
        if self._loop is not None:
            await _aio.run_on(self._loop, self._close())

    async def _close(self) -> None:
        if self._closing.is_set():
            await self._closed.wait()
            return
        self._closing.set()
        self.state = FeedState.CLOSING
        try:
            if self._ws is not None:  # the reader drains frames queued before the close frame
                await self._ws.close()
            if self._task is not None:
                # a reconnect attempt in flight finishes (and records its gap) within open_timeout
                await asyncio.wait_for(asyncio.shield(self._task),
                                       self.close_timeout + self.open_timeout + 1.0)
        except Exception as exc:
            log.warning("feed %s: close did not finish cleanly: %s", self.connection_id,
                        self._redact(exc))
            if self._task is not None:
                self._task.cancel()
        finally:
            self._record({"channel": "feed", "event": "feed.closed"})  # tells dashboards, via the store
            if self._flusher is not None:
                self._flusher.cancel()
            if self.recording is not None:
                self.recording.close()
            self.state = FeedState.CLOSED
            self._closed.set()

    async def __aenter__(self) -> Feed:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def close_sync(self, timeout: float | None = 30.0) -> None:
        """`close()` for code that cannot await (not from the feed's own loop thread)."""
        if self._loop is not None:
            _aio.run(self._close(), self._loop, timeout)

    def wait_for_sync(self, n: int | None = None, until: Callable[[Any], bool] | None = None,
                      timeout: float | None = None) -> None:
        """`wait_for()` for code that cannot await (not from the feed's own loop thread)."""
        _check_wanted("wait_for_sync", n, until)
        with self._progress(n, until):
            _aio.run(self._wait_for(n, until, timeout), self._loop)

    def _progress(self, n: int | None,
                  until: Callable[[Any], bool] | None) -> AbstractContextManager[WaitProgress]:
        """A bar in a notebook while a wait lasts over a second (_progress.py)."""
        what = f"Waiting for {n} events" if n is not None else "Waiting for until()"
        return waiting(what, count=lambda: len(self.store), total=n)

    # --- display -------------------------------------------------------------------------

    def _redact(self, text: object) -> str:
        """Error text without credentials: no API key, no query string of a WebSocket URL."""
        redacted = _QUERY.sub(r"\1?<redacted>", str(text))
        for secret in (getattr(self._conn, "api_key", None), getattr(self._conn, "session_token", None)):
            if secret:
                redacted = redacted.replace(secret, "<redacted>")
        return redacted

    def __repr__(self) -> str:
        parts = [f"connection_id={self.connection_id!r}", f"state={self.state!r}",
                 f"events={len(self.store)}", f"rejected={self.rejected}", f"gaps={len(self.gaps)}"]
        if self.reconnects:
            parts.append(f"reconnects={self.reconnects}")
        if self.recording is not None:
            parts.append(f"recording={str(self.recording.path)!r}")
        return f"Feed({', '.join(parts)})"


def _now_ms() -> float:
    return time.time() * 1000.0


def _check_wanted(method: str, n: int | None, until: object) -> None:
    if n is None and until is None:
        raise ValueError(f"{method} needs n= (a number of events in the store) or until= "
                         "(a function of the store returning True when done)")
    if until is not None and not callable(until):
        hint = (f"; to wait for {until} events pass n={until}" if isinstance(until, int)
                and not isinstance(until, bool) else "")
        raise TypeError(f"{method}(until=...) takes a function of the store returning True when "
                        f"done, e.g. until=lambda store: len(store.alerts()) >= 1, not "
                        f"{until!r}{hint}")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
        raise TypeError(f"{method}(n=...) takes a number of events (an int >= 0), not {n!r}")


def _as_text(raw: Any) -> Any:
    if isinstance(raw, (bytes, bytearray)):
        return bytes(raw).decode("utf-8", "replace")
    return raw


def _server_closed(code: int, reason: str | None) -> str:
    return f"the server closed the WebSocket (code {code}{': ' + reason if reason else ''})"


def _describe_close(exc: websockets.ConnectionClosed) -> str:
    too_big = (isinstance(exc.__cause__, websockets.exceptions.PayloadTooBig)
               or (exc.sent is not None and exc.sent.code == 1009))
    if too_big:
        return ("a frame was larger than the WebSocket's 1 MiB limit (the SDK's max_size), "
                "so the connection was closed (code 1009) and that frame is lost")
    if exc.rcvd is not None:
        return _server_closed(exc.rcvd.code, exc.rcvd.reason)
    return "the WebSocket dropped without a close frame (code 1006)"


def _open_recording(record_to: str | os.PathLike[str], record_batch: int) -> FrameJournal:
    try:
        return FrameJournal(record_to, batch_size=record_batch)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot record to record_to={str(record_to)!r} "
                      f"({exc.strerror or exc}): pass a writable file path") from None


def _new_store() -> EventSink:
    from ..store import EventStore  # the default sink; sources otherwise know only EventSink
    return EventStore()
