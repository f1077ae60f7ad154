"""Processing accepted deliveries off the answering path: into the store, then to handlers.

Runs on its own loop thread. Each delivery goes into the store as soon as it arrives (so views
and widgets see it at once, whatever the handlers are doing), then waits for one of `workers`
slots to run its handlers. Synchronous handlers (the usual notebook handler makes blocking SDK
calls) run on a thread pool of the same size; `async def` handlers run on the processing loop
(so they must not block: an `async def` that calls `time.sleep` holds up other handlers, but
never the answers). Handlers for one event run one after another in registration order; different
events are processed concurrently, so handlers should not rely on arrival order.

Webhooks arrive out of order: a `capture_session.active` can come after the session's `stopped`.
A handler registered with `skip_stale=True` is not called for a lifecycle event older than the
latest one already received for that session (starting pipelines on a stopped session is wrong);
the event still goes into the store and counts as processed.

Delivery guarantees: the store gets each accepted event exactly once (keyed by its delivery id,
`store.add(..., key=)`); handlers get it at least once. An event is marked processed (in the
journal) as soon as its handlers return and, when the store writes a dataset, the event is on
disk; after a crash only the events whose handlers were running (at most `workers`) run again,
and those not yet on disk go into the dataset again (readers give each delivery id once).
Each handler gets a `WebhookPayload`: the payload dict with `.delivery_id`, the delivery's
stable id (the same across the sender's retries and receiver restarts), to make its own effects
idempotent. Nothing a handler raises (not even SystemExit, KeyboardInterrupt, GeneratorExit or
CancelledError) stops a worker; it is kept in `rx.errors` and counted once in
`stats.handler_errors`: a handler's GeneratorExit or CancelledError is its own error, not a
cancellation (only the receiver closing cancels a worker, and that counts nothing). Handler threads are daemons: a handler that never
returns does not keep the process from exiting.

    >>> p = WebhookPayload({"event": "alert"}, delivery_id="id:msg_1")
    >>> p == {"event": "alert"}, p.delivery_id
    (True, 'id:msg_1')
"""
from __future__ import annotations

import asyncio
import inspect
import json
import logging
import queue
import threading
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .._aio import LoopThread
from ..events.event import Event, Rejection
from ..events.sink import EventSink
from ..schema import LIFECYCLE_ORDER, LIFECYCLE_STATUSES, lifecycle_event
from .intake import Delivery

log = logging.getLogger("vdb_notebook.webhooks")

Handler = Callable[[dict[str, Any]], Any]
MAX_KEPT_ERRORS = 1000


@dataclass(frozen=True)
class HandlerError:
    """A handler that raised: which one, on what event, the exception, and the payload."""

    event: str
    key: str
    handler: str
    error: BaseException
    traceback: str = field(repr=False)
    payload: dict[str, Any] = field(repr=False)

    def __str__(self) -> str:
        return f"{self.handler} raised {self.error!r} on {self.event} ({self.key})"


class WebhookPayload(dict[str, Any]):
    """What a handler gets: a copy of the payload dict, with `delivery_id`, the stable id of the
    delivery (`'id:<webhook-id>'`, or `'sha:<hash of the content>'` without one)."""

    __slots__ = ("delivery_id",)

    def __init__(self, payload: dict[str, Any], *, delivery_id: str) -> None:
        super().__init__(payload)
        self.delivery_id = delivery_id


class HandlerThreads:
    """`size` daemon threads running synchronous handlers; `run` returns an awaitable result.

    Daemon threads (not a ThreadPoolExecutor, whose threads are joined at interpreter exit):
    a handler stuck for ever must not keep the process alive after `rx.close()`.
    """

    def __init__(self, size: int) -> None:
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._serve, daemon=True,
                                          name=f"vdb-webhook-handler-{i}") for i in range(size)]
        for thread in self._threads:
            thread.start()

    def run(self, fn: Callable[[Any], Any], arg: Any) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        result = loop.create_future()
        self._jobs.put((loop, result, fn, arg))
        return result

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            loop, result, fn, arg = job
            try:
                value = fn(arg)
            except BaseException as exc:  # reported to the awaiting worker, never lost here
                # as a value: a GeneratorExit set on a future and awaited escapes the except
                # clause that caught it and is raised again in the awaiting coroutine's caller
                value = Raised(exc)
            try:
                loop.call_soon_threadsafe(_settle, result, value)
            except RuntimeError:  # the processing loop has closed: nobody is waiting
                pass

    def close(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)


class Raised(NamedTuple):
    """What a synchronous handler raised, handed back to the processing loop as a result."""

    error: BaseException


def _settle(result: asyncio.Future[Any], value: Any) -> None:
    if not result.done():
        result.set_result(value)


class Arrival(NamedTuple):
    """A delivery as the store saw it: its event name and, for lifecycle events, the session
    and the status's rank in lifecycle order."""

    delivery: Delivery
    name: str
    session: str | None
    rank: int | None


def event_pattern(event: str) -> str:
    """What `rx.on` matches: '*', a full event name, or a lifecycle status ('active')."""
    if not isinstance(event, str) or not event:
        raise ValueError("rx.on(event, handler) needs an event name such as "
                         "'capture_session.active', 'alert', or '*' for every event")
    return lifecycle_event(event) if event in LIFECYCLE_STATUSES else event


def _name_of(handler: Handler) -> str:
    return getattr(handler, "__qualname__", None) or repr(handler)


class Processor:
    """Feeds deliveries to `store` and the registered handlers; calls `on_stored` after each
    batch went into the store and `on_done(delivery)` after each delivery's handlers."""

    def __init__(self, store: EventSink, *, workers: int, on_done: Callable[[Delivery], None],
                 on_stored: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self._store_takes_key = _takes_key(store)
        self.workers = workers
        self.handlers: dict[str, list[tuple[Handler, bool]]] = {}
        self.errors: deque[HandlerError] = deque(maxlen=MAX_KEPT_ERRORS)
        self.error_count = 0
        self.processed = 0
        self.stale_skipped = 0
        self._on_done = on_done
        self._on_stored = on_stored
        self._latest: dict[str, int] = {}  # capture session -> highest lifecycle rank received
        self._inbox: deque[Delivery] = deque()
        self._wake_scheduled = False
        self._pool = HandlerThreads(workers)
        self._thread = LoopThread("vdb-webhooks-process")
        self._queue: asyncio.Queue[Arrival] = self._thread.run(self._start())

    async def _start(self) -> asyncio.Queue[Arrival]:
        queue: asyncio.Queue[Arrival] = asyncio.Queue()
        # held here: the loop keeps only weak references to its tasks
        self._tasks = [asyncio.create_task(self._work(queue)) for _ in range(self.workers)]
        return queue

    def on(self, event: str, handler: Handler, *, skip_stale: bool = False) -> Handler:
        if not callable(handler):
            raise TypeError(f"handler must be callable (it gets the payload dict), not {handler!r}")
        self.handlers.setdefault(event_pattern(event), []).append((handler, skip_stale))
        return handler

    def submit(self, delivery: Delivery) -> None:
        """Hand a delivery over from any thread; returns at once.

        Under load one wake-up of the processing loop takes a whole batch: each cross-thread
        wake-up costs the answering thread a syscall and a turn of the GIL.
        """
        self._inbox.append(delivery)
        if not self._wake_scheduled:
            self._wake_scheduled = True
            self._thread.soon(self._take_inbox)

    def _take_inbox(self) -> None:
        self._wake_scheduled = False  # before draining: a later append schedules a new wake-up
        while self._inbox:
            self._arrive(self._inbox.popleft())
        self._on_stored()

    def _arrive(self, delivery: Delivery) -> None:
        result: Event | Rejection | None
        try:
            result = self._store(delivery)
        except Exception as exc:  # the store promises not to raise; keep it if it does
            self._keep_error("store.add", delivery, str(delivery.payload.get("event")), exc)
            result = None
        name = (getattr(result, "event", None) or delivery.payload.get("event")
                or delivery.payload.get("type") or "")
        session, rank = getattr(result, "capture_session_id", None), None
        if session and isinstance(result, Event) and result.channel == "capture_session":
            rank = LIFECYCLE_ORDER.get(result.status or "")
            if rank is not None and rank > self._latest.get(session, -1):
                self._latest[session] = rank
        self._queue.put_nowait(Arrival(delivery, str(name), session, rank))

    def _store(self, delivery: Delivery) -> Event | Rejection:
        if self._store_takes_key:
            return self.store.add(delivery.payload, source="webhook", key=delivery.key)
        return self.store.add(delivery.payload, source="webhook")

    def _matching(self, arrival: Arrival) -> list[Handler]:
        stale = (arrival.rank is not None and arrival.session is not None
                 and arrival.rank < self._latest.get(arrival.session, -1))
        chosen = []
        for handler, skip_stale in (*self.handlers.get(arrival.name, ()),
                                    *self.handlers.get("*", ())):
            if stale and skip_stale:
                self.stale_skipped += 1
            else:
                chosen.append(handler)
        return chosen

    async def _work(self, queue: asyncio.Queue[Arrival]) -> None:
        while True:
            arrival = await queue.get()
            try:
                await self._handle(arrival)
            except BaseException as exc:  # whatever it was, this worker lives on
                if _cancelled(exc):
                    raise
                self._keep_error("processing", arrival.delivery, arrival.name, exc)
            self.processed += 1
            try:
                self._on_done(arrival.delivery)
            except Exception as exc:  # e.g. a full disk for the journal's mark: rerun after a restart
                log.warning("could not record %s as processed: %s", arrival.delivery.key, exc)

    async def _handle(self, arrival: Arrival) -> None:
        handlers = self._matching(arrival)
        if not handlers:
            return
        delivery = arrival.delivery
        # a copy: the store keeps the original, whatever a handler does to its payload; through
        # JSON (it came as JSON) because the C codec goes deeper than copy.deepcopy
        payload = WebhookPayload(json.loads(json.dumps(delivery.payload)),
                                 delivery_id=delivery.key)
        for handler in handlers:
            await self._call(handler, delivery, arrival.name, payload)

    async def _call(self, handler: Handler, delivery: Delivery, name: str,
                    payload: WebhookPayload) -> None:
        try:
            if inspect.iscoroutinefunction(handler):
                await handler(payload)
            else:
                result = await self._pool.run(handler, payload)
                if isinstance(result, Raised):
                    self._keep_error(_name_of(handler), delivery, name, result.error)
                elif inspect.isawaitable(result):
                    await result
        except BaseException as exc:  # SystemExit from a handler must not end processing
            if _cancelled(exc):
                raise
            self._keep_error(_name_of(handler), delivery, name, exc)

    def _keep_error(self, handler: str, delivery: Delivery, name: str, exc: BaseException) -> None:
        error = HandlerError(name, delivery.key, handler, exc,
                             "".join(traceback.format_exception(exc)), delivery.payload)
        self.errors.append(error)
        self.error_count += 1
        log.debug("webhook handler failed: %s\n%s", error, error.traceback)

    def close(self) -> None:
        """Stop processing: queued events stay unprocessed (a journal keeps them for later)."""
        self._pool.close()
        # not waiting long: an async handler that blocks its loop would hold close() up
        self._thread.stop(timeout=0.5)


def _takes_key(store: EventSink) -> bool:
    """Does `store.add` take `key=` (EventStore does; a sink written before it may not)?"""
    try:
        parameters = inspect.signature(store.add).parameters
    except (TypeError, ValueError):
        return False
    return "key" in parameters or any(p.kind is inspect.Parameter.VAR_KEYWORD
                                      for p in parameters.values())


def _cancelled(exc: BaseException) -> bool:
    """True when `exc` is this worker being cancelled (closing), not a handler's own
    CancelledError."""
    task = asyncio.current_task()
    return isinstance(exc, asyncio.CancelledError) and task is not None and task.cancelling() > 0
