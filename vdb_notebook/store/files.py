"""The store's rows as one Arrow table for Parquet files and datasets, and back.

A file holds the store's batches as they are (the DataFrame's columns, then what a lossless
read-back needs: raw frame, shape, filled ids) plus a `rejected` column: rows with a reason
there are rejected frames, kept so that nothing received is lost.

    >>> from vdb_notebook.events import normalise
    >>> table = file_table(Columns().table(), [normalise("nope")])
    >>> split_file_table(table)[1][0].raw
    'nope'
"""
from __future__ import annotations

from typing import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..events.event import Rejection
from .columns import SCHEMA, Columns, arrow_raw, from_arrow_raw

FILE_SCHEMA = SCHEMA.append(pa.field("rejected", pa.string()))


def file_table(events: pa.Table, rejected: Iterable[Rejection]) -> pa.Table:
    """Events (a table in SCHEMA) and rejections as one table in FILE_SCHEMA."""
    events = events.append_column("rejected", pa.nulls(events.num_rows, pa.string()))
    rejected = list(rejected)
    if not rejected:
        return events
    raws = [arrow_raw(r.raw) for r in rejected]
    rows = pa.table({
        "received_at": pa.array([r.received_at_ms for r in rejected], pa.int64()).cast(
            SCHEMA.field("received_at").type),
        "source": pa.array([r.source for r in rejected], pa.string()),
        "shape": pa.array([0] * len(rejected), pa.int8()),
        "raw": pa.array([raw for raw, _ in raws], pa.string()),
        "raw_kind": pa.array([kind for _, kind in raws], pa.int8()),
        "rejected": pa.array([r.reason for r in rejected], pa.string())})
    return pa.concat_tables([events, rows], promote_options="default").select(
        FILE_SCHEMA.names)


def split_file_table(table: pa.Table) -> tuple[pa.Table, list[Rejection]]:
    """A FILE_SCHEMA table -> (the events, in SCHEMA, by seq; the rejections)."""
    if "rejected" not in table.column_names:
        table = table.append_column("rejected", pa.nulls(table.num_rows, pa.string()))
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
