"""WebhookReceiver: answers at once on its own thread, processes each event once, afterwards.

    >>> import vdb_notebook as vn
    >>> rx = await vn.WebhookReceiver.start()               # doctest: +SKIP
    >>> rx.on("capture_session.active", on_active_webhook, skip_stale=True)  # doctest: +SKIP
    >>> await vn.webhooks.deliver(rx.url, vn.webhooks.lifecycle("cap-1"), duplicates=2,
    ...                           reorder=True)              # doctest: +SKIP
    DeliverySummary(events=6, sends=18, attempts=18, delivered=6, failed=0)
    >>> await rx.wait_for(processed=6); rx.store.sessions().status.tolist()  # doctest: +SKIP
    ['exported']

A delivery is answered 2xx once it is validated, deduplicated and queued (with `journal=`:
written and fsync'd too); it then goes into the store and to the handlers on other threads.
Every limit (body size, nesting depth, timeouts, the dedup window, journal compaction, the
default store's size) is an option with a default; docs/LIMITS.md lists them all.
"""
from __future__ import annotations

import asyncio
import logging
import os
import warnings
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast, overload

from aiohttp import web

from .. import _aio
from .._aio import LoopThread
from .._compat import keyword_only, warn
from .._progress import waiting
from .dedup import DEDUP_AGE_S, DEDUP_KEYS, SeenKeys
from .intake import MAX_BODY, MAX_DEPTH, READ_TIMEOUT_S, Delivery, Refusal, read_delivery
from .journal import COMPACT_AFTER, DeliveryJournal, accepted_record
from .processor import Handler, HandlerError, Processor
from .progress import Progress
from .signing import Verifier

if TYPE_CHECKING:
    from typing_extensions import TypeVar as DefaultTypeVar  # PEP 696 defaults (3.13 typing)

    from ..events.sink import EventSink
    from ..store.store import EventStore

    #: The receiver's store type: what `store=` was given, else EventStore (`rx.store`'s type).
    SinkT = DefaultTypeVar("SinkT", bound=EventSink, default=EventStore)
else:
    SinkT = TypeVar("SinkT")

H = TypeVar("H", bound=Handler)  # a handler, given back as it is by the `@rx.on(event)` decorator

log = logging.getLogger("vdb_notebook.webhooks")

Handlers = Mapping[str, Handler | list[Handler]]

STORE_MAX_EVENTS = 10_000  # the default store keeps the newest 10,000 events
STORE_MAX_BYTES = 64 * 2**20  # ... within about 64 MiB of event data (docs/LIMITS.md)
WORKERS = 8  # events whose handlers run at once
IDLE_TIMEOUT_S = 15.0  # a connection with no request (or a request's headers) for this long is closed
#: After an answer sent before its body was read whole (413), how long aiohttp keeps reading and
#: discarding that body so the sender sees the answer (aiohttp's default: 10 s).
LINGERING_TIME_S = 1.0


@dataclass(frozen=True)
class ReceiverStats:
    """A snapshot of a receiver's counters.

    received = accepted + duplicates + sum(rejected.values()); processed counts events that went
    into the store and through every handler; recovered counts events a journal handed over from
    an earlier receiver; pending = accepted + recovered - processed; stale_skipped counts
    handler calls left out by `on(..., skip_stale=True)`.
    """

    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    recovered: int = 0
    processed: int = 0
    handler_errors: int = 0
    stale_skipped: int = 0

    @property
    def pending(self) -> int:
        return self.accepted + self.recovered - self.processed

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "pending": self.pending}

    def __getitem__(self, name: str) -> Any:
        return self.as_dict()[name]


class WebhookReceiver(Generic[SinkT]):
    """An HTTP endpoint for VideoDB webhooks (lifecycle and alerts) that loses nothing it
    acknowledged: the store gets each event exactly once, handlers at least once.

    Build it with `await WebhookReceiver.start(...)` (or `WebhookReceiver.start_sync(...)`);
    options: `journal=path` (durable accept + restart recovery, see journal.py), `workers=`
    (events processed at once), `handlers=` ({event: handler}, registered before the first
    delivery or journal recovery), `path=` (the URL path shown in `url`; any path is accepted);
    limits: `max_body=` (bytes), `max_depth=`, `idle_timeout=` (s), `read_timeout=` (s),
    `dedup_keys=`, `dedup_age_s=`, `compact_after=` (processed events; None: never). Without
    `store=`, a new `EventStore(max_events=STORE_MAX_EVENTS, max_bytes=STORE_MAX_BYTES)`.
    docs/LIMITS.md gives each
    default and the constant that holds it.

    `secret=None` accepts unsigned deliveries; any other value must be a usable secret
    (`vn.webhooks.new_secret()`): an empty one is an error, not a way to turn checks off.

    After a crash (kill -9, power loss with `journal=`), every acknowledged delivery is
    processed by the next receiver on the same journal; only the events whose handlers were
    running at the crash (at most `workers`) have their handlers run again. Handlers get the
    delivery's stable id as `payload.delivery_id` to make their own effects idempotent.
    """

    @keyword_only("secret", "host", "port")
    def __init__(self, store: SinkT | None = None, *, secret: str | bytes | None = None,
                 host: str = "127.0.0.1", port: int = 0,
                 journal: str | os.PathLike[str] | None = None, max_body: int = MAX_BODY,
                 max_depth: int = MAX_DEPTH, idle_timeout: float = IDLE_TIMEOUT_S,
                 read_timeout: float = READ_TIMEOUT_S, dedup_keys: int = DEDUP_KEYS,
                 dedup_age_s: float = DEDUP_AGE_S, compact_after: int | None = COMPACT_AFTER,
                 workers: int = WORKERS, handlers: Handlers | None = None,
                 path: str = "/webhooks") -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1 (events processed at once), not {workers}")
        for name, value in (("max_body", max_body), ("max_depth", max_depth),
                            ("idle_timeout", idle_timeout), ("read_timeout", read_timeout)):
            if not value > 0:
                raise ValueError(f"{name} must be positive, not {value!r} (see docs/LIMITS.md)")
        if secret is not None and not secret:
            raise ValueError("secret is empty: pass the receiver's webhook secret "
                             "(vn.webhooks.new_secret() makes one), or secret=None to accept "
                             "unsigned deliveries")
        if store is None:
            from ..store.store import EventStore
            store = cast("SinkT", EventStore(max_events=STORE_MAX_EVENTS, max_bytes=STORE_MAX_BYTES))
        self.store: SinkT = store
        self.host, self.port, self.path = host, port, "/" + path.lstrip("/")
        self.max_body, self.max_depth = max_body, max_depth
        self.idle_timeout, self.read_timeout = idle_timeout, read_timeout
        self._verifier = Verifier(secret) if secret is not None else None
        self._seen = SeenKeys(dedup_keys, dedup_age_s)
        self._inflight: dict[str, asyncio.Future[Exception | None]] = {}
        self._counts: Counter[str] = Counter()
        self._rejected: Counter[str] = Counter()
        self._progress = Progress()
        self._journal = (DeliveryJournal(journal, self._seen, compact_after=compact_after)
                         if journal is not None else None)
        self._processor = Processor(store, workers=workers, on_done=self._done,
                                    on_stored=self._progress.notify)
        for event, handler in (handlers or {}).items():
            for one in handler if isinstance(handler, (list, tuple)) else [handler]:
                self.on(event, one)
        self._runner: web.AppRunner | None = None
        self._http = LoopThread("vdb-webhooks-http")
        self._compacting = False
        self.closed = False

    # --- starting and stopping ------------------------------------------------------------

    @classmethod
    @keyword_only("secret", "host", "port")
    async def start(cls, store: SinkT | None = None, *, secret: str | bytes | None = None,
                    host: str = "127.0.0.1", port: int = 0, **options: Any) -> WebhookReceiver[SinkT]:
        """Start serving on a thread of its own; returns once `url` answers."""
        rx = cls(store, secret=secret, host=host, port=port, **options)
        try:
            await rx._http.call(rx._serve())
        except OSError as exc:
            raise rx._cannot_listen(exc) from exc
        return rx

    @classmethod
    @keyword_only("secret", "host", "port")
    def start_sync(cls, store: SinkT | None = None, *, secret: str | bytes | None = None,
                   host: str = "127.0.0.1", port: int = 0, **options: Any) -> WebhookReceiver[SinkT]:
        """`start` (same options) for code that cannot await (scripts, callbacks, a cell)."""
        return _aio.run(cls.start(store, secret=secret, host=host, port=port, **options))

    def _cannot_listen(self, exc: OSError) -> OSError:
        self._shut()
        return OSError(exc.errno, f"cannot listen on {self.host}:{self.port} ({exc.strerror or exc})"
                       "; pass another port=, or port=0 for any free one")

    async def _serve(self) -> None:
        self._recover()
        app = web.Application(client_max_size=self.max_body)
        app.router.add_route("*", "/{tail:.*}", self._answer)
        # keepalive_timeout also closes a connection that never completes a request's headers
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                     shutdown_timeout=5.0, keepalive_timeout=self.idle_timeout,
                                     lingering_time=LINGERING_TIME_S)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]

    def _recover(self) -> None:
        if self._journal is None:
            return  # the journal filled the dedup window as it opened
        for record in self._journal.state.unprocessed:
            self._counts["recovered"] += 1
            self._processor.submit(Delivery(record["key"], record.get("webhook_id"),
                                            record["payload"], record.get("received_at") or 0.0))

    async def close(self, timeout: float = 10.0) -> None:
        """Stop answering, give processing up to `timeout` s to finish, then stop.

        Events still unprocessed then stay so in the journal, if there is one, for the next
        receiver; without a journal they are counted in `stats.pending`.
        """
        if not self.closed:
            await self._http.call(self._drain(timeout))
            self._shut()

    def close_sync(self, timeout: float = 10.0) -> None:
        """`close` for code that cannot await (blocks the calling thread)."""
        if not self.closed:
            self._http.run(self._drain(timeout))
            self._shut()

    async def _drain(self, timeout: float) -> None:
        """On the http thread: stop answering, then wait up to `timeout` s for processing."""
        if self._runner is not None:
            await self._runner.cleanup()
        try:
            await self._progress.wait(lambda: self.stats.pending <= 0, timeout, self._waiting)
        except TimeoutError:
            pass

    def _shut(self) -> None:
        self._flush_store()
        self.closed = True
        pending = self.stats.pending
        if pending and self._journal is None:
            warnings.warn(
                f"WebhookReceiver closed with {pending} accepted event(s) not processed (handlers "
                "still running); they are in the store only if listed there - pass journal= to "
                "have the next receiver process them", RuntimeWarning, stacklevel=3)
        self._processor.close()
        if self._journal is not None:
            self._journal.close()
        self._http.stop()

    def _flush_store(self) -> None:
        """Write what the store's dataset lacks, so processed events are marked so before the
        journal closes (what a failed write leaves unmarked, the next receiver replays)."""
        writer = getattr(self._processor.store, "writer", None)
        if writer is not None and self._journal is not None:
            try:
                writer.flush()
            except Exception as exc:
                log.warning("could not write the store's dataset at close: %s", exc)

    async def __aenter__(self) -> WebhookReceiver[SinkT]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __enter__(self) -> WebhookReceiver[SinkT]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close_sync()

    # --- answering (on the http thread) -----------------------------------------------------

    async def _answer(self, request: web.Request) -> web.Response:
        self._counts["received"] += 1
        try:
            outcome = await read_delivery(request, max_body=self.max_body, max_depth=self.max_depth,
                                          read_timeout=self.read_timeout, verifier=self._verifier)
        except Exception as exc:  # a case intake did not foresee: refused and counted, never a 500
            log.exception("webhook intake failed on a request")
            outcome = Refusal(400, "unreadable", f"the delivery could not be read ({exc!r:.200})")
        if not isinstance(outcome, Delivery):
            self._rejected[outcome.reason] += 1
            if outcome.status == 408:  # the body stopped arriving: nothing more to wait for
                response = outcome.response()
                await _aio.answer_and_close(request, response)
                return response
            return outcome.response()
        if outcome.key in self._seen:
            return await self._duplicate(outcome)
        self._seen.add(outcome.key)
        if self._journal is not None:
            problem = await self._commit(outcome)
            if problem is not None:
                return self._journal_failed(problem)
        self._counts["accepted"] += 1
        self._processor.submit(outcome)
        return web.json_response({"ok": True, "status": "accepted", "key": outcome.key},
                                 status=202)

    async def _commit(self, delivery: Delivery) -> Exception | None:
        """Write the accepted record durably; the error if that failed."""
        assert self._journal is not None
        written = self._inflight[delivery.key] = asyncio.get_running_loop().create_future()
        problem: Exception | None = None
        durable = False
        try:
            await self._journal.commit(accepted_record(
                delivery.key, delivery.webhook_id, delivery.received_at, delivery.payload))
            durable = True
        except Exception as exc:
            problem = exc
        finally:
            if not durable:
                self._seen.discard(delivery.key)  # let the sender's retry through
                problem = problem or OSError("the journal write was interrupted")
            del self._inflight[delivery.key]
            written.set_result(problem)  # wakes copies that arrived meanwhile (see _duplicate)
        return problem

    def _journal_failed(self, problem: Exception) -> web.Response:
        self._rejected["journal_error"] += 1
        assert self._journal is not None
        return web.json_response({"ok": False, "error": "journal_error", "message": (
            f"could not write the journal {self._journal.path} ({problem}); nothing was "
            "accepted - retry later")}, status=503)

    async def _duplicate(self, delivery: Delivery) -> web.Response:
        original = self._inflight.get(delivery.key)
        if original is not None:  # the first copy is still being written: answer as it does
            problem = await asyncio.shield(original)
            if problem is not None:
                return self._journal_failed(problem)
        self._counts["duplicates"] += 1
        return web.json_response({"ok": True, "status": "duplicate", "key": delivery.key})

    # --- processing results (on the processing thread) -------------------------------------

    def _done(self, delivery: Delivery) -> None:
        if self._journal is not None:
            writer = getattr(self._processor.store, "writer", None)
            if writer is None:
                self._mark_processed(delivery)
            else:  # processed once the store's dataset has it: a crash before then replays it
                writer.when_durable(writer.ticket(), lambda: self._mark_processed(delivery))
        self._progress.notify()

    def _mark_processed(self, delivery: Delivery) -> None:
        """On the processing thread, or the dataset writer's once the event is on disk."""
        assert self._journal is not None
        self._journal.mark_processed(delivery.key)
        if self._journal.compaction_due and not self._compacting and not self.closed:
            self._compacting = True  # on the http thread, which owns the dedup window
            try:
                self._http.soon(self._compact)
            except RuntimeError:  # closing: the next receiver compacts
                self._compacting = False

    def _compact(self) -> None:
        journal = self._journal
        try:
            if journal is not None and journal.compaction_due:
                journal.compact()
        except OSError as exc:  # a full disk: keep appending to the old file, try again later
            log.warning("could not compact the journal %s: %s", getattr(journal, "path", None), exc)
        finally:
            self._compacting = False

    # --- the notebook-facing surface -----------------------------------------------------------

    @property
    def url(self) -> str:
        """Where to point a session's callback_url (`http://127.0.0.1:PORT/webhooks`)."""
        return f"http://{self.host}:{self.port}{self.path}"

    @overload
    def on(self, event: str, handler: None = None, *,
           skip_stale: bool = False) -> Callable[[H], H]: ...

    @overload
    def on(self, event: str, handler: Handler, *, skip_stale: bool = False) -> None: ...

    def on(self, event: str, handler: Handler | None = None, *,
           skip_stale: bool = False) -> Callable[[H], H] | None:
        """Call `handler(payload)` once for each new `event` ('capture_session.active',
        'active', 'alert', or '*'); sync handlers run on a worker thread, async ones on the
        worker loop. `skip_stale=True`: not for a lifecycle event that arrived after a later
        one of its session (an `active` after `stopped`). Without a handler, a decorator.
        Register before deliveries start (or pass `handlers=` to `start`) to miss none.
        Returns None (so a cell ending in `rx.on(...)` shows nothing).

            >>> rx.on("capture_session.active", on_active_webhook, skip_stale=True)  # doctest: +SKIP
        """
        if handler is None:
            def register(fn: H) -> H:
                self._processor.on(event, fn, skip_stale=skip_stale)
                return fn
            return register
        self._processor.on(event, handler, skip_stale=skip_stale)
        return None

    @property
    def stats(self) -> ReceiverStats:
        c = self._counts
        return ReceiverStats(
            received=c["received"], accepted=c["accepted"], duplicates=c["duplicates"],
            rejected=dict(self._rejected), recovered=c["recovered"],
            processed=self._processor.processed, handler_errors=self._processor.error_count,
            stale_skipped=self._processor.stale_skipped)

    @property
    def errors(self) -> list[HandlerError]:
        """Handler exceptions, oldest first (the last `processor.MAX_KEPT_ERRORS`), each with its payload."""
        return list(self._processor.errors)

    def _ready(self, processed: int | None, until: Callable[[Any], bool] | None,
               n: int | None, method: str) -> Callable[[], bool]:
        if n is not None:  # n= meant `processed` here but "events in the store" on a Feed
            warn(f"rx.{method}(n=...)", f"rx.{method}(processed=...) (the same count)",
                 stacklevel=4)
            processed = n if processed is None else processed
        if processed is not None:
            wanted = processed
            return lambda: self._processor.processed >= wanted
        if until is not None:
            return lambda: bool(until(self.store))
        return lambda: self.stats.pending <= 0

    def _waiting(self) -> str:
        s = self.stats
        return f"webhook processing ({s.processed} processed, {s.pending} pending)"

    async def wait_for(self, processed: int | None = None,
                       until: Callable[[Any], bool] | None = None, timeout: float | None = None,
                       *, n: int | None = None) -> None:
        """Wait until `processed` events have been processed (stored and their handlers run),
        or `until(store)` is true (checked as events reach the store and as they are
        processed), or (neither given) nothing accepted so far is pending; TimeoutError after
        `timeout` seconds says how far processing got. (`n=` is the deprecated name of
        `processed=`: on a Feed, `n` counts the events in the store.)"""
        ready = self._ready(processed, until, n, "wait_for")
        with self._bar(processed if processed is not None else n):
            await self._progress.wait(ready, timeout, self._waiting)

    def wait_for_sync(self, processed: int | None = None,
                      until: Callable[[Any], bool] | None = None, timeout: float | None = None,
                      *, n: int | None = None) -> None:
        """`wait_for` (the same signature) for code that cannot await (blocks this thread)."""
        ready = self._ready(processed, until, n, "wait_for_sync")
        with self._bar(processed if processed is not None else n):
            self._progress.wait_sync(ready, timeout, self._waiting)

    def _bar(self, processed: int | None) -> Any:
        """A bar in a notebook while a wait lasts over a second (_progress.py)."""
        what = (f"Waiting for {processed} webhooks" if processed is not None
                else "Waiting for webhooks")
        return waiting(what, count=lambda: self._processor.processed, total=processed)

    def __repr__(self) -> str:
        s = self.stats
        state = "closed" if self.closed else self.url
        text = (f"<WebhookReceiver {state} received={s.received} accepted={s.accepted} "
                f"duplicates={s.duplicates} processed={s.processed} pending={s.pending}")
        if s.rejected:
            text += f" rejected={s.rejected}"
        if s.handler_errors:
            text += f" handler_errors={s.handler_errors} (last: {self._processor.errors[-1]})"
        return text + ">"
