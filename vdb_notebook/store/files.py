"""The store's files: JSONL (a line per frame) and Parquet (the store's Arrow table), and back.

A file holds the store's batches as they are (the DataFrame's columns, then what a lossless
read-back needs: raw frame, shape, filled ids) plus a `rejected` column: rows with a reason
there are rejected frames, kept so that nothing received is lost.

    >>> from vdb_notebook.events import normalise
    >>> from vdb_notebook.store.columns import Columns
    >>> table = file_table(Columns().table(), [normalise("nope")])
    >>> split_file_table(table)[1][0].raw
    'nope'
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..events.event import Rejection
from .columns import SCHEMA, TEXT, arrow_raw, from_arrow_raw

if TYPE_CHECKING:
    from .store import EventStore

FILE_SCHEMA = SCHEMA.append(pa.field("rejected", TEXT))


def file_table(events: pa.Table, rejected: Iterable[Rejection]) -> pa.Table:
    """Events (a table in SCHEMA) and rejections as one table in FILE_SCHEMA."""
    events = events.append_column("rejected", pa.nulls(events.num_rows, TEXT))
    rejected = list(rejected)
    if not rejected:
        return events
    raws = [arrow_raw(r.raw) for r in rejected]
    rows = pa.table({
        "received_at": pa.array([r.received_at_ms for r in rejected], pa.int64()).cast(
            SCHEMA.field("received_at").type),
        "source": pa.array([r.source for r in rejected], TEXT),
        "shape": pa.array([0] * len(rejected), pa.int8()),
        "raw": pa.array([raw for raw, _ in raws], TEXT),
        "raw_kind": pa.array([kind for _, kind in raws], pa.int8()),
        "rejected": pa.array([r.reason for r in rejected], TEXT)})
    return pa.concat_tables([events, rows], promote_options="default").select(
        FILE_SCHEMA.names)


def split_file_table(table: pa.Table) -> tuple[pa.Table, list[Rejection]]:
    """A FILE_SCHEMA table -> (the events, in SCHEMA, by seq; the rejections)."""
    if "rejected" not in table.column_names:
        table = table.append_column("rejected", pa.nulls(table.num_rows, TEXT))
    is_rejected = pc.is_valid(table.column("rejected"))
    any_rejected = pc.any(is_rejected).as_py()
    events = table.filter(pc.invert(is_rejected)) if any_rejected else table
    events = events.select(SCHEMA.names).cast(SCHEMA)
    seqs = events.column("seq").to_numpy()
    if len(seqs) and not (np.diff(seqs) > 0).all():  # files of a dataset come in any order
        events = events.sort_by("seq")
    rows = table.filter(is_rejected).select(["received_at", "source", "raw", "raw_kind",
                                             "rejected"])
    received = rows.column("received_at").cast(pa.int64()).to_pylist()
    rejections = [Rejection(reason, from_arrow_raw(raw, kind), source, at)
                  for at, source, raw, kind, reason in zip(
                      received, *(rows.column(n).to_pylist() for n in rows.column_names[1:]))]
    return events, rejections


def rejection_record(rejection: Rejection) -> dict[str, Any]:
    """A rejection as the JSON record a JSONL file (or a dataset's `_rejected`) holds."""
    return {"received_at": rejection.received_at_ms, "source": rejection.source,
            "frame": rejection.raw, "rejected": rejection.reason}


class FilesMixin:
    """EventStore's files: `to_jsonl`/`from_jsonl` and `to_parquet`/`from_parquet`."""

    def _records(self) -> list[dict[str, Any]]:
        with self._lock:
            seqs, times, sources, frames = self._cols.records()
            rejected = list(self.rejected)
        records = [{"seq": q, "received_at": t, "source": s, "frame": f}
                   for q, t, s, f in zip(seqs, times, sources, frames)]
        records += [rejection_record(r) for r in rejected]
        return records

    def to_jsonl(self, path: str | Path) -> Path:
        """Write every held event and rejection, one JSON object a line; returns the path."""
        path = Path(path)
        with path.open("w", encoding="utf-8", errors="surrogatepass") as out:
            for record in self._records():
                out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":"),
                                     default=str))
                out.write("\n")
        return path

    @classmethod
    def from_jsonl(cls, path: str | Path, *, max_events: int | None = None,
                   max_rejected: int = 10_000) -> "EventStore":
        """Read a file written by `to_jsonl` back: same frames, sources and received_at."""
        store = cls(max_events=max_events, max_rejected=max_rejected)
        with Path(path).open(encoding="utf-8", errors="surrogatepass") as lines:
            for number, line in enumerate(lines, 1):
                if line.strip():
                    store._restore(line, f"{path}:{number}")
        return store

    def _restore(self, line: str, where: str) -> None:
        """One line of a to_jsonl file; a bare frame (or garbage) goes in as a frame."""
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if type(record) is dict and "frame" in record:
            self._restore_record(record)
            return
        result = self._add(line, "replay", None, None)
        if type(result) is Rejection:
            result.reason = f"{where}: {result.reason} (expected lines written by to_jsonl)"

    def _restore_record(self, record: dict[str, Any]) -> None:
        source, seq = record.get("source"), record.get("seq")
        result = self._add(record["frame"], source if isinstance(source, str) else "replay",
                           record.get("received_at"),
                           seq if type(seq) is int and 0 <= seq < 2 ** 62 else None)
        if type(result) is Rejection and isinstance(record.get("rejected"), str):
            result.reason = record["rejected"]

    def to_parquet(self, path: str | Path) -> Path:
        """Write the held events (the DataFrame's columns, then raw frame and what a lossless
        read-back needs) and, as rows whose `rejected` column holds the reason, the rejected
        frames. Any Parquet reader sees the columns of `.df` with their types."""
        with self._lock:
            table = file_table(self._cols.table(), self.rejected)
        path = Path(path)
        pq.write_table(table, path)
        return path

    @classmethod
    def from_parquet(cls, path: str | Path, *, max_events: int | None = None,
                     max_rejected: int = 10_000) -> "EventStore":
        """Read a file written by `to_parquet` back: the same rows, frames and rejections."""
        store = cls(max_events=max_events, max_rejected=max_rejected)
        store._load(*split_file_table(pq.read_table(path)))
        return store

