"""`vn.open_dataset`: many sessions' events from a dataset written by `EventStore(path=...)`.

    >>> import vdb_notebook as vn
    >>> vn.open_dataset("/no/such/folder")
    Traceback (most recent call last):
    ...
    FileNotFoundError: no dataset at '/no/such/folder'; create one with vn.EventStore(path=...)
"""
from __future__ import annotations

import os
from typing import Any, Iterable

import duckdb

from . import dataset
from .store import EventStore


def open_dataset(path: str | os.PathLike, capture_session_id: str | Iterable[str] | None = None,
                 start: Any = None, end: Any = None, *,
                 as_duckdb: bool = False) -> EventStore | duckdb.DuckDBPyRelation:
    """The events at `path` (a folder, or an s3://... URI read through pyarrow's filesystems)
    of one or more capture sessions and/or a received_at range [start, end), with the filters
    pushed down to the folders and files. Returns a read-only-by-convention EventStore (no
    `path`: adding to it does not write to the dataset), or with `as_duckdb=True` a DuckDB
    relation (see `scan`)."""
    if as_duckdb:
        return scan(path, capture_session_id, start, end)
    store = EventStore()
    store.load(dataset.read(path, capture_session_id, start, end))
    return store


def scan(path: str | os.PathLike, capture_session_id: str | Iterable[str] | None = None,
         start: Any = None, end: Any = None) -> duckdb.DuckDBPyRelation:
    """A lazy DuckDB relation over the dataset at `path` (columns of `.df` plus `writer`,
    `date` and `session`), each event once by its key (dataset.DEDUPLICATED_SQL), with the
    filters pushed down to the folders and files. Nothing is read until it is queried."""
    events = duckdb.from_arrow(dataset.scanner(path, capture_session_id, start, end))
    return events.query("events", dataset.DEDUPLICATED_SQL)
