"""Arrow storage behind EventStore: rows buffered as tuples, sealed into Arrow record batches.

A batch is never changed once sealed, so a DataFrame built over the batches (Arrow-backed
pandas columns that share the batches' buffers) stays valid, and the next one only seals what
is new. Batches are merged with neighbours of similar size, so a store holds O(log n) of them
and each row is copied O(log n) times in all. The ring buffer (`max_events`) moves a head over
the oldest batch and frees a batch once all its rows are dropped.

    >>> cols = Columns()
    >>> str(cols.frame().dtypes["received_at"])
    'timestamp[ms, tz=UTC][pyarrow]'
"""
from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..events.event import FIELDS, Event
from ..events.key import row_keys
from ..events.raw import RAW_TEXT, arrow_raw, from_arrow_raw
from ..events.shapes import KEPT, kept_as, rebuild

TIME = pa.timestamp("ms", tz="UTC")
#: Text columns are large_string: what pandas' `string[pyarrow]` holds, so a DataFrame wraps
#: them without a cast (a cast would copy every row on every refresh).
TEXT = pa.large_string()
#: DataFrame column order (the Event attributes, without raw).
COLUMNS = tuple(f for f in FIELDS if f != "raw")
TIME_FIELDS = ("received_at", "timestamp", "start", "end")
FLAG_FIELDS = ("is_final", "triggered")
_TYPES = {"seq": pa.int64(), "confidence": pa.float64(), "shape": pa.int8(),
          "raw_kind": pa.int8(), "session_filled": pa.bool_(), "user_filled": pa.bool_(),
          **{name: TIME for name in TIME_FIELDS}, **{name: pa.bool_() for name in FLAG_FIELDS}}
#: What a batch holds: the DataFrame's columns, then what a lossless read-back needs: the raw
#: frame (null where `shape` rebuilds it), and which ids were filled from their rtstream's owner.
SCHEMA = pa.schema([(name, _TYPES.get(name, TEXT)) for name in
                    (*COLUMNS, "shape", "raw", "raw_kind", "session_filled", "user_filled")])
#: How `raw` holds the frame: RAW_TEXT, RAW_DICT or RAW_ESCAPED (events/raw.py).
STRING = pd.StringDtype("pyarrow")
_ROW_FIELDS = FIELDS[:FIELDS.index("key")]  # what a pending tuple holds, then shape and raw
#: One pending row: the values of _ROW_FIELDS, shape, raw, raw_kind, the given key.
Row = tuple[object, ...]
SEAL_EVERY = 4096
#: How many rtstream -> session owners a store remembers (sessions list a few rtstreams each).
MAX_STREAM_OWNERS = 100_000
#: (capture_session_id, end_user_id) of the session that listed an rtstream (an active event
#: may lack either).
Owner = tuple[str | None, str | None]
#: Columns with few distinct values: Parquet dictionary-encodes these only (trying it on text,
#: raw frames and keys costs a third of the write and saves nothing).
DICTIONARY_COLUMNS = ["source", "channel", "event", "capture_session_id", "end_user_id",
                      "rtstream_id", "rtstream_name", "label", "status", "writer"]
#: A missing id in an object array of ids (np.where broadcasts it).
NO_ID = np.array(None, dtype=object)


class Columns:
    """Sealed Arrow batches (rows [head:] of them live) plus the newest rows as tuples."""

    def __init__(self, max_batch_bytes: int | None = None) -> None:
        #: with a byte budget: batches stop merging past this size, pending rows are sealed at
        #: it, and `bytes` estimates the live rows' size (the ring buffer frees a batch only
        #: once all its rows are dropped, so small batches keep what is held near the budget)
        self.max_batch_bytes = max_batch_bytes
        self.bytes = 0
        self._pending_bytes = 0
        self._row_bytes: deque[int] = deque()
        self.batches: list[pa.RecordBatch] = []
        self.head = 0  # rows of batches[0] logically dropped
        self.pending: deque[Row] = deque()  # newest rows, one tuple each, until seal()
        self.sealed_total = 0  # rows ever sealed (a row's global index never changes)
        self.dropped_total = 0  # rows ever dropped from the sealed front
        self.owners: dict[str, Owner] = {}
        self.orphans: set[str] = set()  # rtstreams of sealed rows no owner was known for
        self.refill = False  # an orphan rtstream got an owner: fill sealed rows again
        self.generation = 0  # bumped when sealed rows change (a refill): views start over
        #: rows from this global index on are kept when dropped (a dataset writer has not
        #: taken them yet): None keeps nothing
        self.hold: int | None = None
        self.evicted: list[tuple[int, pa.RecordBatch]] = []  # (global start, dropped rows)
        #: called with sealed_total after each seal of pending rows (store.on_sealed)
        self.on_sealed: list[Callable[[int], object]] = []

    def __len__(self) -> int:
        return self.sealed_total - self.dropped_total + len(self.pending)

    def append(self, ev: Event) -> None:
        """Add one event; its raw frame is kept only when the columns cannot rebuild it."""
        shape = kept_as(ev)
        raw, kind = (None, RAW_TEXT) if shape != KEPT else arrow_raw(ev.raw)
        row = (ev.seq, ev.received_at, ev.source, ev.channel, ev.event, ev.capture_session_id,
               ev.end_user_id, ev.rtstream_id, ev.rtstream_name, ev.text, ev.is_final, ev.label,
               ev.confidence, ev.triggered, ev.timestamp, ev.start, ev.end, ev.status, shape,
               raw, kind, ev.given_key)
        self.pending.append(row)
        if self.max_batch_bytes is not None:
            size = row_bytes(row)
            self._row_bytes.append(size)
            self.bytes += size
            self._pending_bytes += size
            if self._pending_bytes >= self.max_batch_bytes:
                self.seal()
        if len(self.pending) >= SEAL_EVERY:
            self.seal()

    def own(self, rtstream_id: str, owner: Owner) -> None:
        """Rows on `rtstream_id` without a session of their own belong to `owner` (the
        newest MAX_STREAM_OWNERS owners are remembered)."""
        owners = self.owners
        owners.pop(rtstream_id, None)  # re-inserted: the newest
        owners[rtstream_id] = owner
        while len(owners) > MAX_STREAM_OWNERS:
            del owners[next(iter(owners))]
        if rtstream_id in self.orphans:
            self.refill = True

    def drop_oldest(self) -> str:
        """Drop the oldest row (O(1) amortised); returns its channel."""
        if self._row_bytes:
            self.bytes -= self._row_bytes.popleft()
        if not self.batches:
            if self.hold is None:
                return str(self.pending.popleft()[3])  # the channel: always a str
            self.seal()  # held rows must be in a batch to be kept
        first = self.batches[0]
        channel: str = first.column(3)[self.head].as_py()
        self.head += 1
        self.dropped_total += 1
        if self.head == first.num_rows:
            del self.batches[0]
            self._evict(self.dropped_total - first.num_rows, first)
            self.head = 0
        return channel

    def _evict(self, start: int, batch: pa.RecordBatch) -> None:
        if self.hold is not None and start + batch.num_rows > self.hold:
            self.evicted.append((start, batch))

    def release(self, hold: int | None) -> None:
        """Keep dropped rows from global index `hold` on (None: keep none)."""
        self.hold = hold
        self.evicted = [] if hold is None else [
            (start, batch) for start, batch in self.evicted if start + batch.num_rows > hold]

    # --- sealing ------------------------------------------------------------------------
    def seal(self) -> None:
        """Turn the pending rows into one Arrow batch (and refill ids if owners appeared)."""
        if self.refill:
            self._refill()
        if not self.pending:
            return
        self._pending_bytes = 0
        rows, self.pending = self.pending, deque()
        values = dict(zip((*_ROW_FIELDS, "shape", "raw", "raw_kind", "key"), zip(*rows, strict=True),
                          strict=True))
        given = values.pop("key")
        arrays = {name: pa.array(column, SCHEMA.field(name).type)
                  for name, column in values.items()}
        arrays["key"] = row_keys(arrays, given)  # from the ids as received
        rts = arrays["rtstream_id"]
        no_session = pc.and_(pc.is_null(arrays["capture_session_id"]), pc.is_valid(rts))
        arrays["session_filled"] = arrays["user_filled"] = pa.array(np.zeros(len(rows), bool))
        if pc.any(no_session).as_py():
            if self.owners:
                arrays.update(self._filled(*(arrays[name].to_numpy(zero_copy_only=False) for
                                             name in ("capture_session_id", "end_user_id",
                                                      "rtstream_id"))))
            else:
                self._orphan(pc.unique(rts.filter(no_session)).to_pylist())
        self._push(pa.RecordBatch.from_arrays([arrays[name] for name in SCHEMA.names],
                                              schema=SCHEMA))
        for callback in self.on_sealed:
            callback(self.sealed_total)

    def load(self, table: pa.Table) -> None:
        """Append rows read back from a file or dataset (already in SCHEMA, sorted by seq)."""
        self.seal()
        for batch in table.select(SCHEMA.names).cast(SCHEMA).to_batches(
                max_chunksize=self._rows_per_batch(table)):
            if batch.num_rows:
                self._push(batch)
                if self.max_batch_bytes is not None:
                    size = batch.nbytes // batch.num_rows + 1
                    self._row_bytes.extend([size] * batch.num_rows)
                    self.bytes += size * batch.num_rows
        orphans = pc.unique(table.column("rtstream_id").filter(
            pc.is_null(table.column("capture_session_id")))).to_pylist()
        self._orphan([rts for rts in orphans if rts is not None])

    def _rows_per_batch(self, table: pa.Table) -> int | None:
        if self.max_batch_bytes is None or not table.num_rows:
            return None
        rows: int = self.max_batch_bytes * table.num_rows // max(1, table.nbytes)
        return max(1, rows)

    def _push(self, batch: pa.RecordBatch) -> None:
        self.batches.append(batch)
        self.sealed_total += batch.num_rows
        batches = self.batches
        limit = self.max_batch_bytes
        while (len(batches) > 1 and batches[-2].num_rows <= 2 * batches[-1].num_rows
               and (limit is None or batches[-2].nbytes + batches[-1].nbytes <= limit)):
            merged = pa.concat_batches(batches[-2:])
            if len(batches) == 2 and self.head:  # the merged batch starts at the head
                self._evict(self.dropped_total - self.head, batches[0].slice(0, self.head))
                merged, self.head = merged.slice(self.head), 0
            batches[-2:] = [merged]

    def _filled(self, session: np.ndarray, user: np.ndarray,
                rts: np.ndarray) -> dict[str, pa.Array]:
        """The id columns of rows whose own ids are `session` and `user`, filled from their
        rtstream's owner, and the flags saying which were filled; notes the orphans left."""
        filled = {"capture_session_id": session, "end_user_id": user, "rtstream_id": rts}
        fill_owners(filled, self.owners)  # replaces the arrays it fills, never writes into them
        orphan = pd.isna(filled["capture_session_id"]) & pd.notna(rts)
        if orphan.any():
            self._orphan(rts[orphan].tolist())
        return {"capture_session_id": pa.array(filled["capture_session_id"], TEXT,
                                               from_pandas=True),
                "end_user_id": pa.array(filled["end_user_id"], TEXT, from_pandas=True),
                "session_filled": pa.array(pd.isna(session)
                                           & pd.notna(filled["capture_session_id"])),
                "user_filled": pa.array(pd.isna(user) & pd.notna(filled["end_user_id"]))}

    def _orphan(self, rtstream_ids: list[str]) -> None:
        """Remember rtstreams whose sealed rows have no session (an owner may come later)."""
        self.orphans.update(rtstream_ids)
        if len(self.orphans) > 100_000:  # odd inputs must not grow it without bound
            self.orphans = set(list(self.orphans)[-50_000:])

    def _refill(self) -> None:
        """Fill sealed rows again with the owners known now (rare: only when an rtstream
        whose rows had no session gets one)."""
        self.refill = False
        self.generation += 1
        self.orphans = set()
        for i, batch in enumerate(self.batches):
            cols: dict[str, np.ndarray] = {name: batch.column(name).to_numpy(zero_copy_only=False)
                    for name in ("capture_session_id", "end_user_id", "rtstream_id",
                                 "session_filled", "user_filled")}
            replaced = self._filled(  # the ids as received: filled ones are cleared first
                np.where(cols["session_filled"], NO_ID, cols["capture_session_id"]),
                np.where(cols["user_filled"], NO_ID, cols["end_user_id"]), cols["rtstream_id"])
            self.batches[i] = pa.RecordBatch.from_arrays(
                [replaced.get(name, batch.column(name)) for name in SCHEMA.names], schema=SCHEMA)

    # --- reading ------------------------------------------------------------------------
    def live(self) -> list[pa.RecordBatch]:
        """The live sealed rows as batches (call seal() first to include the pending ones)."""
        return self.since(0)

    def since(self, start: int) -> list[pa.RecordBatch]:
        """The live sealed rows whose global index (order of sealing) is >= start."""
        out, at = [], self.dropped_total - self.head  # global index of batches[0]'s first row
        first = max(start, self.dropped_total)
        for batch in self.batches:
            if at + batch.num_rows > first:
                out.append(batch.slice(max(0, first - at)))
            at += batch.num_rows
        return out

    def held_since(self, start: int) -> list[pa.RecordBatch]:
        """The sealed rows whose global index is >= start, dropped ones still held included."""
        out = [batch.slice(max(0, start - at)) for at, batch in self.evicted
               if at + batch.num_rows > start]
        at = self.dropped_total - self.head
        for batch in self.batches:
            if at + batch.num_rows > start:
                out.append(batch.slice(max(0, start - at)))
            at += batch.num_rows
        return out

    def head_seq(self) -> int | None:
        """The seq of the oldest live sealed row (None when no sealed row is live)."""
        if not self.batches:
            return None
        seq: int = self.batches[0].column(0)[self.head].as_py()
        return seq

    def table(self) -> pa.Table:
        """The live rows as one Arrow table (no copy), sealing the pending ones first."""
        self.seal()
        return pa.Table.from_batches(self.live(), schema=SCHEMA)

    def frame(self) -> pd.DataFrame:
        """All live rows as a DataFrame over the Arrow buffers (stable dtypes, empty too)."""
        self.seal()
        return to_frame(self.live())

    def records(self) -> tuple[list[int], list[int], list[str], list[Any], list[str | None]]:
        """seq, received_at (epoch ms), source, frame and given key (None where the key is the
        one the frame's content gives) of each live row, for exports."""
        table = self.table()
        keys = table.column("key").combine_chunks()
        if table.num_rows:
            arrays = {name: table.column(name).combine_chunks() for name in table.column_names}
            computed = row_keys(arrays, (None,) * table.num_rows)
            keys = pc.if_else(pc.equal(keys, computed), pa.scalar(None, keys.type), keys)
        return (table.column("seq").to_pylist(),
                table.column("received_at").cast(pa.int64()).to_pylist(),
                table.column("source").to_pylist(), frames_of(table), keys.to_pylist())


#: What a row costs besides its text: fixed-width columns, offsets, validity (measured: about
#: 100 bytes a row in Arrow for the DataFrame's columns).
ROW_OVERHEAD_BYTES = 128


def row_bytes(row: Row) -> int:
    """About how many bytes a pending row takes once sealed (its text, UTF-8, plus overhead)."""
    return ROW_OVERHEAD_BYTES + sum(len(v) for v in row if type(v) is str)


def frames_of(table: pa.Table) -> list[Any]:
    """Each row's frame: as received (text, or a dict), or rebuilt from its columns."""
    cols = {name: table.column(name).to_pylist() for name in (
        "shape", "raw", "raw_kind", "channel", "rtstream_id", "rtstream_name", "text",
        "is_final", "label", "confidence", "triggered")}
    starts = table.column("start").cast(pa.int64()).to_pylist()
    ends = table.column("end").cast(pa.int64()).to_pylist()
    frames = []
    for i, shape in enumerate(cols["shape"]):
        if shape == KEPT:
            frames.append(from_arrow_raw(cols["raw"][i], cols["raw_kind"][i]))
        else:
            frames.append(rebuild(shape, cols["channel"][i], cols["rtstream_id"][i],
                                  cols["rtstream_name"][i], cols["text"][i], cols["is_final"][i],
                                  cols["label"][i], cols["confidence"][i], cols["triggered"][i],
                                  starts[i], ends[i]))
    return frames


def to_frame(batches: list[pa.RecordBatch], names: Iterable[str] = COLUMNS,
             schema: pa.Schema = SCHEMA) -> pd.DataFrame:
    """A DataFrame sharing the batches' Arrow buffers: strings as `string[pyarrow]`, the rest
    as pandas' Arrow dtypes (times `timestamp[ms, tz=UTC][pyarrow]`, exact to the ms)."""
    data: dict[str, pd.api.extensions.ExtensionArray] = {}
    for name in names:
        kind = schema.field(name).type
        column = pa.chunked_array([b.column(name) for b in batches], kind)
        data[name] = (pd.arrays.ArrowStringArray(column) if kind == TEXT
                      else pd.arrays.ArrowExtensionArray(column))
    return pd.DataFrame(data, copy=False)


def parse_frame(raw: Any) -> Any:
    """A kept frame -> its parsed value (JSON text is parsed; text that is not JSON is None).

    >>> parse_frame('{"a": 1}'), parse_frame("nope"), parse_frame({"a": 1})
    ({'a': 1}, None, {'a': 1})
    """
    try:
        return json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return None


def fill_owners(values: dict[str, np.ndarray],
                owners: dict[str, Owner]) -> None:
    """Give rows with no capture_session_id the session that owns their rtstream (and its
    end_user_id where the row has none), in place; one lookup per distinct rtstream.

    >>> values = {"rtstream_id": np.array(["rts-1", "rts-2", None], dtype=object),
    ...           "capture_session_id": np.array([None, "cap-9", None], dtype=object),
    ...           "end_user_id": np.array([None, None, None], dtype=object)}
    >>> fill_owners(values, {"rts-1": ("cap-1", "u-1"), "rts-2": ("cap-2", "u-2")})
    >>> values["capture_session_id"].tolist(), values["end_user_id"].tolist()
    (['cap-1', 'cap-9', None], ['u-1', None, None])
    """
    codes, streams = pd.factorize(values["rtstream_id"], use_na_sentinel=True)
    if not len(streams) or not owners:
        return
    owned = [owners.get(rts, (None, None)) for rts in streams] + [(None, None)]  # [-1]: no rts
    owner_session = np.array([o[0] for o in owned], dtype=object)[codes]
    owner_user = np.array([o[1] for o in owned], dtype=object)[codes]
    session = values["capture_session_id"]
    fill = pd.isna(session) & pd.notna(owner_session)
    if fill.any():
        session = np.where(fill, owner_session, session)
        values["capture_session_id"] = session
    user = values["end_user_id"]
    fill = pd.isna(user) & pd.notna(owner_user) & (session == owner_session)
    if fill.any():
        values["end_user_id"] = np.where(fill, owner_user, user)
