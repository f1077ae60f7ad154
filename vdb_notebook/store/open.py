"""Reading a dataset written by `EventStore(path=...)`, as polars names its readers:
`vn.open_dataset` is eager (an EventStore in memory), `vn.scan_dataset` lazy (a DuckDB relation
that reads the Parquet files only when queried). Both delegate to dataset.py.

    >>> import vdb_notebook as vn
    >>> vn.open_dataset("/no/such/folder")
    Traceback (most recent call last):
    ...
    FileNotFoundError: no dataset at '/no/such/folder'; create one with vn.EventStore(path=...)
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .._compat import keyword_only, warn
from . import dataset
from .dataset import Sessions, TimeBound
from .store import EventStore

if TYPE_CHECKING:
    import duckdb



@keyword_only("capture_session_id", "start", "end")
def open_dataset(path: str | os.PathLike[str], *, capture_session_id: Sessions = None,
                 start: TimeBound = None, end: TimeBound = None,
                 as_duckdb: bool = False) -> EventStore:
    """The events at `path` (a folder, or an s3://... URI read through pyarrow's filesystems)
    of one or more capture sessions and/or a received_at range [start, end), with the filters
    pushed down to the folders and files, loaded into a read-only-by-convention EventStore (no
    `path`: adding to it does not write to the dataset). `as_duckdb=True` is deprecated: use
    `vn.scan_dataset`."""
    if as_duckdb:
        warn("vn.open_dataset(..., as_duckdb=True)", "vn.scan_dataset(...)")
        # the deprecated flag's old contract: a DuckDB relation, not the EventStore annotated
        return scan_dataset(path, capture_session_id=capture_session_id,  # type: ignore[return-value]
                            start=start, end=end)
    store = EventStore()
    store.load(dataset.read(path, capture_session_id, start, end))
    return store


def scan_dataset(path: str | os.PathLike[str], *, capture_session_id: Sessions = None,
                 start: TimeBound = None, end: TimeBound = None) -> duckdb.DuckDBPyRelation:
    """A lazy DuckDB relation over the dataset at `path` (columns of `.df` plus `writer`, `date`
    and `session`), each event once by its key (dataset.DEDUPLICATED_SQL: the SQL to use over
    the files from any other engine), the same filters pushed down; nothing is read until it is
    queried. Needs the `[sql]` extra (duckdb)."""
    from .._optional import require

    db = require("duckdb", "sql")
    events = db.from_arrow(dataset.scanner(path, capture_session_id, start, end))
    relation: duckdb.DuckDBPyRelation = events.query("events", dataset.DEDUPLICATED_SQL)
    return relation


__all__ = ["open_dataset", "scan_dataset"]
