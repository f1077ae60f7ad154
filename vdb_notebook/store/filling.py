"""Parquet files filled in memory, one per dataset folder, a row group per `write`.

A dataset writer encodes rows as they come (on its own thread, while the store goes on adding)
instead of all at once when it flushes: a flush then only closes these files (their footers)
and writes their bytes, so `close()` waits for little more than the disk.

    >>> import pyarrow as pa
    >>> files = FillingFiles(pa.schema([("n", pa.int64())]))
    >>> files.write("date=x/session=a", pa.table({"n": [1, 2]}))
    >>> files.write("date=x/session=a", pa.table({"n": [3]}))
    >>> files.rows
    3
    >>> [(folder, pq.read_table(pa.BufferReader(data)).column("n").to_pylist())
    ...  for folder, data in files.close()]
    [('date=x/session=a', [1, 2, 3])]
    >>> files.rows
    0
"""
from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


class FillingFiles:
    """Open Parquet files in memory, by folder, all in `schema` (`options` go to
    pyarrow.parquet.ParquetWriter)."""

    def __init__(self, schema: pa.Schema, **options: Any) -> None:
        self.schema, self.options = schema, options
        self._open: dict[str, tuple[pa.BufferOutputStream, pq.ParquetWriter]] = {}
        #: rows written since the last close
        self.rows = 0

    def write(self, folder: str, rows: pa.Table) -> None:
        """Encode `rows` as a row group of the file for `folder` (opened on first use)."""
        if folder not in self._open:
            sink = pa.BufferOutputStream()
            self._open[folder] = (sink, pq.ParquetWriter(sink, self.schema, **self.options))
        self._open[folder][1].write_table(rows)
        self.rows += rows.num_rows

    def close(self) -> list[tuple[str, pa.Buffer]]:
        """(folder, the file's bytes) of every open file, in the order they were opened; none
        stays open."""
        closed = []
        for folder, (sink, writer) in self._open.items():
            writer.close()
            closed.append((folder, sink.getvalue()))
        self.discard()
        return closed

    def discard(self) -> None:
        """Forget every open file (after a failed write: its rows are written again)."""
        self._open.clear()
        self.rows = 0
