"""EventStore: every event as one growing pandas DataFrame, plus the views notebooks want.

    >>> store = EventStore()
    >>> store.add({"channel": "transcript", "rtstream_id": "rts-1",
    ...            "data": {"text": "hi", "is_final": True, "start": 1710000001234,
    ...                     "end": 1710000002345}}).text
    'hi'
    >>> store.add("not json").reason
    'not JSON: Expecting value: line 1 column 1 (char 0) - send one JSON object per frame'
    >>> len(store), len(store.rejected), store.counts()["transcript"]
    (1, 1, 1)

`add` is O(1) amortised and thread-safe. Rows are sealed into Arrow record batches; `.df` and
the views are pandas DataFrames over those batches, so reading them after new events costs
what is new, not what is held. Dtypes never change, whatever arrived (an empty store has them
too): received_at, timestamp, start, end `timestamp[ms, tz=UTC][pyarrow]` (exact integer
milliseconds: 1710000000101 ms shows as .101); ids, names, channel, label, status, text and
key `string[pyarrow]`; is_final, triggered `bool[pyarrow]`; confidence `double[pyarrow]`; seq
`int64[pyarrow]`. Frames whose normalised fields rebuild them exactly are not kept twice; all
others keep their raw text or dict, so `to_jsonl`/`to_parquet` give every frame back.
`store.sql(query)` runs DuckDB over the same batches; `EventStore(path=...)` also keeps every
event in a Parquet dataset, written by a subscriber on its own thread (store/persist.py).
"""
from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal, TypeVar, cast, overload

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs

from ..events.decode import normalise
from ..events.event import Event, Rejection
from ..events.fields import stream_ids, valid_unicode
from ..events.raw import from_arrow_raw
from . import columns, dataset, files, sql
from .durable import Damaged
from .persist import FLUSH_ROWS, FLUSH_SECONDS, DatasetWriter
from .present import Bound, Names, SessionFilter, Shown, origins_of, present
from .views import VIEW_COLUMNS, View, lifecycle_view, on_channel, sessions_view, transcript_view

#: What `subscribe` calls with each stored Event, or with each Rejection (rejected=True).
EventCallback = Callable[[Event], object]
_Callback = TypeVar("_Callback", bound=Callable[..., object])
RejectionCallback = Callable[[Rejection], object]
_Record = TypeVar("_Record", Event, Rejection)
#: Every column of `.df`, plus a view's `stream`.
_VIEW_ALL = (*columns.COLUMNS, "stream")
#: With max_bytes, a batch holds at most 1/BATCHES_PER_BUDGET of it (and at least
#: MIN_BATCH_BYTES): what the ring buffer holds beyond the budget until a batch is freed.
BATCHES_PER_BUDGET = 16
MIN_BATCH_BYTES = 64 * 1024
#: How many keys given by sources (webhook delivery ids) a store remembers to skip repeats.
MAX_GIVEN_KEYS = 100_000


class Rejections(deque[Rejection]):
    """The newest rejections (a bounded deque) that also compares equal to a list of them.

    >>> Rejections([], maxlen=2) == []
    True
    """

    def __eq__(self, other: object) -> bool:
        if isinstance(other, list):
            return len(self) == len(other) and list(self) == other
        return super().__eq__(other)

    __hash__ = None


class EventStore:
    """Normalised events in columnar storage; `max_events` keeps only the newest ones.

    `.rejected` keeps the newest `max_rejected` rejections (or `max_events`, if larger);
    `.rejected_dropped` counts the older ones it let go, so nothing goes uncounted:

    >>> store = EventStore(max_rejected=2)
    >>> for frame in ("x", "y", "z"):
    ...     _ = store.add(frame)
    >>> [r.raw for r in store.rejected], store.rejected_dropped
    (['y', 'z'], 1)
    >>> store
    EventStore(0 events; 2 rejected (1 older dropped), 0 dropped)
    """

    def __init__(self, max_events: int | None = None, *, max_bytes: int | None = None,
                 max_rejected: int = 10_000,
                 path: str | os.PathLike[str] | None = None, flush_rows: int = FLUSH_ROWS,
                 flush_seconds: float = FLUSH_SECONDS,
                 clock: Callable[[], int] | None = None) -> None:
        """`clock()` gives the epoch ms an add stamps as `received_at` (default: now); tests
        inject a fixed one so two stores fed the same frames hold the same rows.

        `path`: a folder (or s3://... URI) where every event is also appended to a Parquet
        dataset, the short form of `store.persist_to(path, ...)`: a DatasetWriter thread
        writes once `flush_rows` events wait or `flush_seconds` after the first waiting one,
        and on `flush()`/`close()` (and at interpreter exit). An existing dataset there is
        read back first (each event once; damaged files skipped and listed in `damaged`)."""
        if max_events is not None and (not isinstance(max_events, int) or max_events < 1):
            raise ValueError(f"max_events must be a positive int or None, not {max_events!r}")
        if max_bytes is not None and (not isinstance(max_bytes, int) or max_bytes < 1):
            raise ValueError(f"max_bytes must be a positive int or None, not {max_bytes!r}")
        if not isinstance(max_rejected, int) or max_rejected < 1:
            raise ValueError(f"max_rejected must be a positive int, not {max_rejected!r}")
        if not (isinstance(flush_rows, int) and flush_rows >= 1 and flush_seconds >= 0):
            raise ValueError("flush_rows must be a positive int and flush_seconds >= 0, not "
                             f"{flush_rows!r} and {flush_seconds!r}")
        self.max_events = max_events
        self._clock = clock
        self.max_rejected = max(max_rejected, max_events or 0)
        self.dropped = 0
        self.rejected: Rejections = Rejections(maxlen=self.max_rejected)
        #: rejections evicted from `.rejected` to keep it within max_rejected
        self.rejected_dropped = 0
        self.callback_errors: list[tuple[Callable[..., object], BaseException]] = []
        #: the newest events are kept within about this many bytes (None: no byte budget)
        self.max_bytes = max_bytes
        self._cols = columns.Columns(None if max_bytes is None else
                                     max(MIN_BATCH_BYTES, max_bytes // BATCHES_PER_BUDGET))
        self._counts: dict[str, int] = {}
        self._next_seq = 0
        self._lock = threading.RLock()
        self._df: pd.DataFrame | None = None
        self._views = {"transcript": View(on_channel("transcript", finals_only=True)),
                       "transcript_all": View(on_channel("transcript")),
                       "scenes": View(on_channel("visual_index")),
                       "audio": View(on_channel("audio_index")),
                       "alerts": View(on_channel("alert")),
                       "lifecycle": View(on_channel("capture_session"))}
        self._subscribers: list[EventCallback] = []
        self._rejection_subscribers: list[RejectionCallback] = []
        self._given_keys: OrderedDict[str, None] = OrderedDict()
        #: dataset files skipped when reading back (empty, cut short or not Parquet)
        self.damaged: list[Damaged] = []
        self.path = path
        #: the DatasetWriter persisting this store (None without `path`)
        self.writer: DatasetWriter | None = None
        #: this store's name in its views' attrs["store"] (store/present.py gives it)
        self._view_token: str | None = None
        #: each view's last unfiltered presentation, by (view, full), extended after adds
        self._shown: dict[tuple[str, bool], Shown] = {}
        if path is not None:
            self.persist_to(path, flush_rows=flush_rows, flush_seconds=flush_seconds)

    def persist_to(self, path: str | os.PathLike[str], **options: Any) -> DatasetWriter:
        """Read back the dataset at `path` (if any), then append every new event to it from a
        DatasetWriter thread (options: flush_rows, flush_seconds, clock, start, writer)."""
        if self.writer is not None:
            raise ValueError(f"this store already writes to {self.path!r}; one dataset per "
                             "store (open another EventStore for another path)")
        fs, root = dataset.filesystem(path)
        if fs.get_file_info(root).type != pafs.FileType.NotFound:
            self.load(dataset.read(path))
        self.path = path
        self.writer = DatasetWriter(self, path, **options)
        return self.writer

    # --- input --------------------------------------------------------------------------
    def add(self, frame: Any, *, source: str = "ws", received_at_ms: float | None = None,
            key: str | None = None) -> Event | Rejection:
        """Normalise one frame (dict, or JSON str/bytes) and keep it; never raises.

        `received_at_ms` (epoch ms) defaults to now; a replay passes the recorded time. `key`
        is the event's identity when its source has one (a webhook's delivery id): a key the
        store already holds is not added again (the event comes back with seq -1)."""
        return self._add(frame, source, received_at_ms, None, key)

    def extend(self, frames: Iterable[Any], *, source: str = "ws") -> int:
        """Add many frames; returns how many were stored (the rest are in `.rejected`)."""
        stored = 0
        for frame in frames:
            if type(self._add(frame, source, None, None)) is Event:
                stored += 1
        return stored

    def _add(self, frame: Any, source: str, received_at_ms: float | None,
             seq: int | None, key: str | None = None) -> Event | Rejection:
        if received_at_ms is None and self._clock is not None:
            received_at_ms = self._clock()
        record = normalise(frame, source=source, received_at_ms=received_at_ms)
        if isinstance(record, Rejection):
            with self._lock:
                self._reject(record)
            self._announce(self._rejection_subscribers, record)
            return record
        if key is not None:
            record.given_key = key = valid_unicode(str(key))
        with self._lock:
            if key is not None and not self._remember_key(key):
                return record
            record.seq = self._next_seq if seq is None else max(seq, self._next_seq)
            self._next_seq = record.seq + 1
            self._cols.append(record)
            self._counts[record.channel] = self._counts.get(record.channel, 0) + 1
            if record.event == "capture_session.active":
                self._own_streams(record.frame, record.capture_session_id, record.end_user_id)
            self._drop_over_budget()
            self._df = None
        if self._subscribers:
            self._announce(self._subscribers, record)
        return record

    def _drop_over_budget(self) -> None:
        """Drop the oldest events while over max_events, or over max_bytes (the newest event
        stays, however large)."""
        cols = self._cols
        while ((self.max_events is not None and len(cols) > self.max_events)
               or (self.max_bytes is not None and cols.bytes > self.max_bytes
                   and len(cols) > 1)):
            self._counts[cols.drop_oldest()] -= 1
            self.dropped += 1

    def _remember_key(self, key: str) -> bool:
        """False when the store already holds an event with this given key."""
        if key in self._given_keys:
            return False
        self._given_keys[key] = None
        if len(self._given_keys) > MAX_GIVEN_KEYS:
            self._given_keys.popitem(last=False)
        return True

    def _reject(self, record: Rejection) -> None:
        if len(self.rejected) == self.max_rejected:
            self.rejected_dropped += 1
        self.rejected.append(record)

    def _own_streams(self, frame: Any, session: str | None, user: str | None) -> None:
        """Remember which session (and end user) the rtstreams an active event's frame lists
        belong to; `.df` fills them into stream rows that lack them (the latest wins)."""
        data = frame.get("data") if type(frame) is dict else None
        for rts in stream_ids(data) if type(data) is dict else ():
            self._cols.own(rts, (session, user))

    # --- live consumers -----------------------------------------------------------------
    @overload
    def subscribe(self, callback: EventCallback, *,
                  rejected: Literal[False] = False) -> Callable[[], None]: ...

    @overload
    def subscribe(self, callback: RejectionCallback, *,
                  rejected: Literal[True]) -> Callable[[], None]: ...

    def subscribe(self, callback: EventCallback | RejectionCallback, *,
                  rejected: bool = False) -> Callable[[], None]:
        """Call `callback(event)` after each add (on the adding thread: for a `vn.Feed`'s
        store the toolkit's loop thread "vdb_notebook-loop", for a webhook receiver its own
        thread); returns unsubscribe.

        With rejected=True the callback gets each Rejection instead. Exceptions raised by a
        callback are kept in `store.callback_errors`, never raised into `add`.
        """
        if rejected:  # the overloads pair rejected=True with a RejectionCallback
            return self._listen(self._rejection_subscribers, cast(RejectionCallback, callback))
        return self._listen(self._subscribers, cast(EventCallback, callback))

    def on_sealed(self, callback: Callable[[int], object]) -> Callable[[], None]:
        """Call `callback(rows)` each time the store seals its newest rows into an Arrow batch
        (every `columns.SEAL_EVERY` adds, sooner under a byte budget, or when something reads
        them), `rows` being how many rows were ever
        sealed: `rows_since(start, seal=False)` has them. A writer that pulls batches learns of
        them here at no cost per event. The call comes on the sealing thread with the store's
        lock held: return at once, never call the store. Exceptions go to
        `store.callback_errors`. Returns unsubscribe."""
        def guarded(rows: int) -> None:
            try:
                callback(rows)
            except Exception as exc:  # the lock is held: append directly
                self.callback_errors.append((callback, exc))
                del self.callback_errors[:-100]
        return self._listen(self._cols.on_sealed, guarded)

    def _listen(self, targets: list[_Callback], callback: _Callback) -> Callable[[], None]:
        with self._lock:
            targets.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in targets:
                    targets.remove(callback)
        return unsubscribe

    def _announce(self, callbacks: list[Callable[[_Record], object]], record: _Record) -> None:
        for callback in tuple(callbacks):
            try:
                callback(record)
            except Exception as exc:
                with self._lock:
                    self.callback_errors.append((callback, exc))
                    del self.callback_errors[:-100]

    # --- reading ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._cols)

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in sorted(self.counts().items()) if v)
        older = f" ({self.rejected_dropped} older dropped)" if self.rejected_dropped else ""
        return (f"EventStore({len(self)} events{': ' + counts if counts else ''}; "
                f"{len(self.rejected)} rejected{older}, {self.dropped} dropped)")

    def counts(self) -> dict[str, int]:
        """{channel: number of events held}, kept up to date by add (cheap)."""
        with self._lock:
            return dict(self._counts)

    @property
    def df(self) -> pd.DataFrame:
        """Every held event, one row each; built once per change, then cached.

        Stream events (transcript, index, alert frames) carry an rtstream_id but often no
        capture_session_id: rows without one get the session (and end_user_id) whose
        `capture_session.active` event listed their rtstream, so `df.groupby(
        "capture_session_id")` groups everything by session. Rows keep their own ids.
        """
        df = self._df
        if df is None:
            with self._lock:
                if self._df is None:
                    self._df = self._cols.frame()
                df = self._df
        return df

    def rejected_df(self) -> pd.DataFrame:
        """The rejected frames: received_at, source, reason, raw."""
        rows = list(self.rejected)
        return pd.DataFrame({
            "received_at": pd.array(pa.array([r.received_at_ms for r in rows], pa.int64())
                                    .cast(columns.TIME), dtype=pd.ArrowDtype(columns.TIME)),
            "source": pd.array([r.source for r in rows], dtype=columns.STRING),
            "reason": pd.array([r.reason for r in rows], dtype=columns.STRING),
            "raw": pd.array([_as_text(r.raw) for r in rows], dtype=columns.STRING),
        })

    def _view(self, name: str, full: bool) -> pd.DataFrame:
        with self._lock:
            return self._views[name].frame(self._cols, _VIEW_ALL if full
                                           else VIEW_COLUMNS[name])

    def _view_table(self, name: str) -> pa.Table:
        with self._lock:
            return self._views[name].table(self._cols)

    def _arrow(self) -> pa.Table:
        """The held events as an Arrow table with the DataFrame's columns (no copy)."""
        with self._lock:
            return self._cols.table().select(columns.COLUMNS)

    def arrow_table(self, name: str = "events") -> pa.Table:
        """The held events ("events": the DataFrame's columns) or a view's rows ("transcript",
        "alerts", "scenes", "audio", "lifecycle": every column plus `stream`) as Arrow, no copy.

        >>> EventStore().arrow_table("alerts").num_rows
        0
        """
        return self._arrow() if name == "events" else self._view_table(name)

    def transcript(self, final_only: bool = True, *, full: bool = False, stream: Names = None,
                   session: SessionFilter = None, since: Bound = None,
                   until: Bound = None) -> pd.DataFrame:
        """Transcript rows, by start: at, start, end, stream, text (full=True: every column of
        `.df` too). final_only=False adds, per rtstream, the latest interim not yet
        superseded by a final (one that arrived after it on the same rtstream). Filters and
        columns as in `alerts()`."""
        if final_only:
            rows = self._view("transcript", True)
        else:
            with self._lock:
                rows = self._views["transcript_all"].frame(self._cols, _VIEW_ALL)
            rows = transcript_view(rows, final_only=False)
        return self._present(rows, "transcript", full, stream=stream, session=session,
                             since=since, until=until)

    def scenes(self, *, full: bool = False, stream: Names = None, session: SessionFilter = None,
               since: Bound = None, until: Bound = None) -> pd.DataFrame:
        """Visual index events (visual_index or scene_index), by start: at, start, end,
        stream, text. Filters and columns as in `alerts()`."""
        return self._present(self._view("scenes", True), "scenes", full, stream=stream,
                             session=session, since=since, until=until)

    def audio(self, *, full: bool = False, stream: Names = None, session: SessionFilter = None,
              since: Bound = None, until: Bound = None) -> pd.DataFrame:
        """Audio index events, by start: at, start, end, stream, text. Filters and columns as
        in `alerts()`."""
        return self._present(self._view("audio", True), "audio", full, stream=stream,
                             session=session, since=since, until=until)

    def alerts(self, *, full: bool = False, label: Names = None, stream: Names = None,
               session: SessionFilter = None, since: Bound = None,
               until: Bound = None) -> pd.DataFrame:
        """Alerts, by start: at, start, end, stream, label, confidence, text.

        `at` is the time since the row's session went active; times show at one precision
        (ms); the index is each row's `seq` in this store, and `df.attrs["clock"]` says which
        clock made the times (see store.present). Filters: `label=`, `stream=` (name or id),
        `session=` (id or CaptureSession), each a value or a list; `since=` / `until=`, a
        time since the session went active ('90s') or a UTC Timestamp. `full=True` keeps
        every column of `.df`.
        """
        return self._present(self._view("alerts", True), "alerts", full, label=label,
                             stream=stream, session=session, since=since, until=until)

    def _present(self, rows: pd.DataFrame, name: str, full: bool, **filters: Any) -> pd.DataFrame:
        with self._lock:
            origins = origins_of(self._view_table("lifecycle"))
            view = self._views.get(name)
            key = (self.dropped, self._cols.generation, tuple(sorted(origins.items())))
        shown = _VIEW_ALL if full else VIEW_COLUMNS[name]
        if view is None or any(v is not None for v in filters.values()):
            return present(self, rows, shown, origins=origins, **filters)
        cache = self._shown.setdefault((name, full), Shown())
        return cache.get(self, rows, shown, origins, key)

    def lifecycle(self, *, full: bool = False) -> pd.DataFrame:
        """Capture-session events, each (session, event) once however often it arrived:
        timestamp, capture_session_id, end_user_id, event, status, text."""
        rows = lifecycle_view(self._view("lifecycle", True))
        return rows if full else rows[list(VIEW_COLUMNS["lifecycle"])]

    def sql(self, query: str) -> pd.DataFrame:
        """Run DuckDB SQL over the store: tables events, transcript, alerts, scenes, audio,
        lifecycle, sessions (every column of `.df`; views add `stream`). Returns a DataFrame.

        >>> store = EventStore()
        >>> _ = store.add({"channel": "alert", "data": {"label": "pii", "start": 1710000000101}})
        >>> store.sql("select label, start from alerts").values.tolist()
        [['pii', Timestamp('2024-03-09 16:00:00.101000+0000', tz='UTC')]]
        """
        return sql.run(self, query)

    def sessions(self) -> pd.DataFrame:
        """One row per capture session with its latest status (by lifecycle order).

        `n_events` counts the session's distinct lifecycle events (as in `lifecycle()`);
        `n_stream_events` counts its other events (transcript, index, alert), including
        those attributed to it through its rtstreams (see `.df`).

        >>> from vdb_notebook.schema import payloads
        >>> store = EventStore()
        >>> for p in payloads.lifecycle("cap-1")[:3]:  # created, starting, active
        ...     _ = store.add(p, source="webhook")
        >>> rts = payloads.default_rtstreams(0)[0]["rtstream_id"]
        >>> _ = store.add({"channel": "transcript", "rtstream_id": rts, "data": {"text": "hi"}})
        >>> store.sessions()[["capture_session_id", "status", "n_events", "n_stream_events"]
        ...                  ].values.tolist()
        [['cap-1', 'active', 3, 1]]
        """
        with self._lock:
            table = self._cols.table()
            lifecycle = lifecycle_view(self._view("lifecycle", True))
            rows = self._view_table("lifecycle")
        raws = dict(zip(rows.column("seq").to_pylist(), rows.column("raw").to_pylist(),
                        strict=True))
        streams = table.filter(pc.not_equal(table.column("channel"), "capture_session"))
        counts = pc.value_counts(streams.column("capture_session_id")).to_pylist()
        return sessions_view(lifecycle, raws, {c["values"]: c["counts"] for c in counts})

    # --- reading back ------------------------------------------------------------------
    def load(self, loaded: dataset.Loaded) -> None:
        """Append rows read back from a file or dataset, without normalising them again; they
        get this store's next seqs, in the order given."""
        events = loaded.events
        with self._lock:
            if events.num_rows:
                seqs = pa.array(np.arange(self._next_seq, self._next_seq + events.num_rows,
                                          dtype=np.int64))
                events = events.set_column(events.schema.get_field_index("seq"), "seq", seqs)
                self._next_seq += events.num_rows
            self._cols.load(events)
            for count in pc.value_counts(events.column("channel")).to_pylist():
                self._counts[count["values"]] = self._counts.get(count["values"], 0) + \
                    count["counts"]
            self._own_loaded_streams(events)
            given = events.filter(pc.equal(events.column("source"), "webhook"))
            for key in given.column("key").to_pylist():
                self._remember_key(key)
            self._drop_over_budget()
            for record in loaded.rejected:
                self._reject(record)
            self.damaged.extend(loaded.damaged)
            self._df = None

    def _own_loaded_streams(self, events: pa.Table) -> None:
        active = events.filter(pc.equal(events.column("event"), "capture_session.active"))
        for raw, kind, session, user in zip(*(active.column(name).to_pylist() for name in (
                "raw", "raw_kind", "capture_session_id", "end_user_id")), strict=True):
            frame = columns.parse_frame(from_arrow_raw(raw, kind))
            self._own_streams(frame, session, user)

    # --- for writers hanging off the subscription ----------------------------------------
    def rows_since(self, start: int, *, seal: bool = True) -> tuple[list[pa.RecordBatch], int]:
        """(the rows added from global row index `start` on, as sealed Arrow batches; the index
        after the last): rows the ring buffer dropped are included while held. With
        seal=False, only the rows the store has sealed already (no work under its lock)."""
        with self._lock:
            if seal:
                self._cols.seal()
            return self._cols.held_since(start), self._cols.sealed_total

    def rows_added(self) -> int:
        """How many rows were ever added (loaded ones included): the next row's global index."""
        with self._lock:
            return self._cols.sealed_total + len(self._cols.pending)

    def hold_rows(self, start: int | None = None) -> int:
        """Keep rows from global index `start` (default: the next row added) when the ring
        buffer drops them, until a later call moves `start` on; returns it."""
        with self._lock:
            if start is None:
                self._cols.seal()
                start = self._cols.sealed_total
            self._cols.release(start)
            return start

    def flush(self) -> None:
        """Write what is not yet in the dataset at `path` (no-op without one)."""
        if self.writer is not None:
            self.writer.flush()

    def close(self) -> None:
        """Stop the dataset writer after writing what is left; the store stays readable."""
        if self.writer is not None:
            self.writer.close()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- files ---------------------------------------------------------------------------
    def _records(self) -> list[dict[str, Any]]:
        with self._lock:
            seqs, times, sources, frames, keys = self._cols.records()
            rejected = list(self.rejected)
        return files.records(seqs, times, sources, frames, keys, rejected)

    def to_jsonl(self, path: str | Path) -> Path:
        """Write every held event and rejection, one JSON object a line; returns the path."""
        return files.write_jsonl(path, self._records())

    @classmethod
    def from_jsonl(cls, path: str | Path, *, max_events: int | None = None,
                   max_rejected: int = 10_000) -> EventStore:
        """Read a file written by `to_jsonl` back: same frames, sources and received_at."""
        store = cls(max_events=max_events, max_rejected=max_rejected)
        for line in files.read_jsonl(path):
            result = store._add(line.frame, line.source, line.received_at, line.seq, line.key)
            if type(result) is Rejection and line.reason is not None:
                result.reason = line.reason(result.reason)
        return store

    def to_parquet(self, path: str | Path) -> Path:
        """Write the held events (the DataFrame's columns, then raw frame and what a lossless
        read-back needs) and, as rows whose `rejected` column holds the reason, the rejected
        frames. Any Parquet reader sees the columns of `.df` with their types."""
        with self._lock:
            table, rejected = self._cols.table(), list(self.rejected)
        return files.write_parquet(path, table, rejected)

    @classmethod
    def from_parquet(cls, path: str | Path, *, max_events: int | None = None,
                     max_rejected: int = 10_000) -> EventStore:
        """Read a file written by `to_parquet` back: the same rows, frames and rejections."""
        store = cls(max_events=max_events, max_rejected=max_rejected)
        store.load(dataset.Loaded(*files.read_parquet(path)))
        return store


def _as_text(raw: Any) -> str:
    text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, default=repr)
    return valid_unicode(text)

