"""Persistence as a subscriber: a thread that appends a store's new events to a dataset.

The store does no file I/O when it adds: the writer learns of new rows when the store seals
them into an Arrow batch (`store.on_sealed`, every 4,096 adds: nothing per event) and of each
rejection (`store.subscribe`), and on its own thread pulls the sealed batches. It encodes them
into Parquet files filled in memory once `encode_rows` have sealed (store/filling.py: the
encoding runs while the store goes on adding), and writes those files (dataset.DatasetFiles)
when `flush_rows` are waiting, when events have waited `flush_seconds` (so a quiet stream is on
disk within a few seconds), and on `flush()` / `close()`; the thread looks at both every
`TICK_S` as well. The store keeps rows its ring buffer drops until they are written.

Each event counted gets a ticket (`ticket()` right after an add covers it); `when_durable`
calls back once everything up to a ticket is on disk: the webhook receiver marks a delivery
processed only then.

    >>> import tempfile
    >>> from vdb_notebook.store import EventStore
    >>> store = EventStore()
    >>> writer = DatasetWriter(store, tempfile.mkdtemp(), clock=lambda: 0.0)
    >>> _ = store.add({"channel": "transcript", "data": {"text": "hi"}})
    >>> writer.durable_ticket, writer.ticket()
    (0, 1)
    >>> writer.flush(); writer.durable_ticket
    1
    >>> writer.close()
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ..events.event import Rejection
from .columns import SCHEMA
from .dataset import DatasetFiles

if TYPE_CHECKING:
    from .store import EventStore

log = logging.getLogger("vdb_notebook.store")
FLUSH_ROWS = 50_000  # fewer, larger files: a quiet stream is written by the timer
#: Sealed rows waiting before the thread encodes them (a row group each) ahead of the flush.
ENCODE_ROWS = 8_192
FLUSH_SECONDS = 2.0
#: How often the thread looks at its clock when nothing wakes it.
TICK_S = 0.25


class DatasetWriter:
    """Writes `store`'s events to the dataset at `path` from its own thread.

    `clock()` (seconds, default time.monotonic) decides when `flush_seconds` have passed; a test
    injects one and calls `wake()` after moving it. `start=False` runs no thread (flushes happen
    on `flush()`/`close()` only).
    """

    def __init__(self, store: EventStore, path: str | os.PathLike[str], *,
                 flush_rows: int = FLUSH_ROWS, flush_seconds: float = FLUSH_SECONDS,
                 clock: Callable[[], float] = time.monotonic, start: bool = True,
                 writer: str | None = None) -> None:
        if not (isinstance(flush_rows, int) and flush_rows >= 1 and flush_seconds >= 0):
            raise ValueError("flush_rows must be a positive int and flush_seconds >= 0, not "
                             f"{flush_rows!r} and {flush_seconds!r}")
        self.store, self.path = store, path
        self.files = DatasetFiles(path, writer)
        self.flush_rows, self.flush_seconds, self.clock = flush_rows, flush_seconds, clock
        self.encode_rows = min(ENCODE_ROWS, flush_rows)
        self.flushes = 0
        #: the last error a flush met (it is retried at the next one); None once one succeeds
        self.error: BaseException | None = None
        self._lock = threading.Lock()  # counts and the rejections list
        self._flushing = threading.Lock()  # one flush at a time
        self._durable = threading.Condition()
        self._rejections_seen = 0
        self._rejections_taken = 0
        self._durable_ticket = 0
        self._waiting: list[tuple[int, Callable[[], Any]]] = []
        self._rejected: list[Rejection] = []
        self._since = self.clock()
        self._written_upto = store.hold_rows()
        self._encoded_upto = self._written_upto  # rows encoded into files not yet written
        self._durable_ticket = self._written_upto  # what the store read back is on disk
        self._unsubscribe = [store.on_sealed(self._on_sealed),
                             store.subscribe(self._on_rejection, rejected=True)]
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None
        if start:
            self._thread = threading.Thread(target=self._run, daemon=True,
                                            name="vdb-dataset-writer")
            self._thread.start()
        atexit.register(_close_if_alive, weakref.ref(self))

    @property
    def writer(self) -> str:
        """This writer's id: its files' names and its rows' `writer` column."""
        return self.files.writer

    # --- on the adding thread: as little as possible -----------------------------------
    def _on_sealed(self, rows: int) -> None:  # under the store's lock: no store calls here
        if rows - self._encoded_upto >= self.encode_rows:
            self._wake.set()

    def _on_rejection(self, rejection: Rejection) -> None:
        with self._lock:
            self._rejected.append(rejection)
            self._rejections_seen += 1

    # --- tickets ----------------------------------------------------------------------
    def ticket(self) -> int:
        """A ticket covering every event and rejection added so far (rows added to the store,
        plus rejections: both only grow, so a flush that took both covers the ticket)."""
        with self._lock:
            rejections = self._rejections_seen
        return self.store.rows_added() + rejections

    @property
    def durable_ticket(self) -> int:
        """Everything up to this ticket is on disk."""
        return self._durable_ticket

    def when_durable(self, ticket: int, callback: Callable[[], Any]) -> None:
        """Call `callback()` (now, or on the flushing thread) once `ticket` is on disk."""
        with self._durable:
            if ticket > self._durable_ticket:
                self._waiting.append((ticket, callback))
                return
        callback()

    def wait_durable(self, ticket: int | None = None, timeout: float | None = None) -> bool:
        """Block until `ticket` (default: everything added so far) is on disk, or timeout."""
        ticket = self.ticket() if ticket is None else ticket
        with self._durable:
            return self._durable.wait_for(lambda: self._durable_ticket >= ticket, timeout)

    # --- the writing thread -------------------------------------------------------------
    def wake(self) -> None:
        """Make the thread look at its clock now (tests move an injected clock, then wake)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(TICK_S)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                if self._due():
                    self.flush()
                elif self.store.rows_added() - self._encoded_upto >= self.encode_rows:
                    self._encode_sealed()
            except Exception:  # kept in .error and retried; never kills the thread
                pass

    def _due(self) -> bool:
        with self._lock:
            waiting = self._rejections_seen - self._rejections_taken
        waiting += self.store.rows_added() - self._written_upto
        if waiting >= self.flush_rows:
            return True
        return ((waiting > 0 or self.files.queued > 0)
                and self.clock() - self._since >= self.flush_seconds)

    def _encode_sealed(self) -> None:
        """Encode the rows the store has sealed (it seals as it adds) ahead of the flush."""
        with self._flushing:
            self._encode(seal=False)

    def _encode(self, *, seal: bool) -> None:
        batches, upto = self.store.rows_since(self._encoded_upto, seal=seal)
        try:
            self.files.encode(pa.Table.from_batches(batches, schema=SCHEMA))
        except Exception as exc:  # the files being filled are dropped: encode from the store again
            self._encoded_upto = self._written_upto
            self.error = exc
            log.warning("could not encode events for the dataset at %s (retried at the next "
                        "flush): %s", self.path, exc)
            raise
        self._encoded_upto = upto

    def flush(self) -> None:
        """Write everything added so far (and retry what failed before); raises what failed."""
        with self._flushing:
            self._encode(seal=True)
            upto = self._encoded_upto
            with self._lock:
                rejected, self._rejected = self._rejected, []
                self._rejections_taken = self._rejections_seen
            ticket = upto + self._rejections_taken
            self.files.add(rejected)
            self._written_upto = upto
            self.store.hold_rows(upto)  # the pieces hold these rows now
            self._since = self.clock()
            try:
                self.files.write_queued()
            except Exception as exc:
                self.error = exc
                log.warning("could not write to the dataset at %s (retried at the next "
                            "flush): %s", self.path, exc)
                raise
            self.error = None
            self.flushes += 1
        self._settle(ticket)

    def _settle(self, ticket: int) -> None:
        with self._durable:
            self._durable_ticket = max(self._durable_ticket, ticket)
            ready = [cb for t, cb in self._waiting if t <= self._durable_ticket]
            self._waiting = [(t, cb) for t, cb in self._waiting if t > self._durable_ticket]
            self._durable.notify_all()
        for callback in ready:
            try:
                callback()
            except Exception as exc:
                log.warning("a when_durable callback raised: %r", exc)

    def close(self) -> None:
        """Stop the thread and write what is left (raises if that write fails)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self.flush()

    def __repr__(self) -> str:
        return (f"DatasetWriter({os.fspath(self.path)!r}, writer={self.writer!r}, "
                f"flushes={self.flushes}, durable_ticket={self._durable_ticket})")


def _close_if_alive(ref: weakref.ref[DatasetWriter]) -> None:
    writer = ref()
    if writer is not None:
        try:
            writer.flush()
        except Exception:  # at exit there is nobody left to tell
            pass
