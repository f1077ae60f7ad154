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
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..events.event import Rejection
from ..events.raw import arrow_raw, from_arrow_raw
from .columns import DICTIONARY_COLUMNS, SCHEMA, TEXT

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
                      received, *(rows.column(n).to_pylist() for n in rows.column_names[1:]),
                      strict=True)]
    return events, rejections


def rejection_record(rejection: Rejection) -> dict[str, Any]:
    """A rejection as the JSON record a JSONL file (or a dataset's `_rejected`) holds; a
    frame kept only in part says so (`truncated`, and its full `size` in characters)."""
    record = {"received_at": rejection.received_at_ms, "source": rejection.source,
              "frame": rejection.raw, "rejected": rejection.reason}
    if rejection.size is not None:
        record.update(truncated=True, size=rejection.size)
    return record


def records(seqs: list[int], times: list[int], sources: list[str], frames: list[Any],
            keys: list[str | None], rejected: Iterable[Rejection]) -> list[dict[str, Any]]:
    """The JSON records of a store's events (columns of its rows) and rejections; an event
    whose source gave its key (a webhook's delivery id) keeps it under "key"."""
    out = [{"seq": q, "received_at": t, "source": s, "frame": f} | ({"key": k} if k else {})
           for q, t, s, f, k in zip(seqs, times, sources, frames, keys, strict=True)]
    return out + [rejection_record(r) for r in rejected]


def write_jsonl(path: str | Path, lines: Iterable[dict[str, Any]]) -> Path:
    """Write records one JSON object a line; returns the path."""
    path = Path(path)
    with path.open("w", encoding="utf-8", errors="surrogatepass") as out:
        for record in lines:
            out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str))
            out.write("\n")
    return path


class Line(NamedTuple):
    """A line of a to_jsonl file, to add again: `reason(old)` gives a rejection's reason."""

    frame: Any
    source: str
    received_at: Any
    seq: int | None
    reason: Callable[[str], str] | None
    key: str | None = None  # the key its source gave (a webhook's delivery id)


def read_jsonl(path: str | Path) -> Iterator[Line]:
    """The lines of a file written by `to_jsonl`; a bare frame (or garbage) comes as a frame."""
    with Path(path).open(encoding="utf-8", errors="surrogatepass") as lines:
        for number, text in enumerate(lines, 1):
            if text.strip():
                yield _line(text, f"{path}:{number}")


def _line(text: str, where: str) -> Line:
    try:
        record = json.loads(text)
    except ValueError:
        record = None
    if type(record) is not dict or "frame" not in record:
        return Line(text, "replay", None, None,
                    lambda reason: f"{where}: {reason} (expected lines written by to_jsonl)")
    source, seq, kept = record.get("source"), record.get("seq"), record.get("rejected")
    key = record.get("key")
    return Line(record["frame"], source if isinstance(source, str) else "replay",
                record.get("received_at"),
                seq if type(seq) is int and 0 <= seq < 2 ** 62 else None,
                (lambda reason: kept) if isinstance(kept, str) else None,
                key if isinstance(key, str) and key else None)


def write_parquet(path: str | Path, events: pa.Table, rejected: Iterable[Rejection]) -> Path:
    """Write events (a table in SCHEMA) and rejections as one FILE_SCHEMA file."""
    path = Path(path)
    pq.write_table(file_table(events, rejected), path, use_dictionary=DICTIONARY_COLUMNS)
    return path


def read_parquet(path: str | Path) -> tuple[pa.Table, list[Rejection]]:
    """A file written by `write_parquet` -> (events, rejections)."""
    return split_file_table(pq.read_table(path))
