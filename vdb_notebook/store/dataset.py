"""Events kept as a hive-partitioned Parquet dataset: `date=YYYY-MM-DD/session=<id>/part-*.parquet`.

Each flush writes one file per (date, capture session) it holds, under a temporary name that
readers skip, then renames it: a reader never meets half a file, and a crash loses at most the
rows not yet flushed. Rejected frames go to `_rejected/part-*.jsonl` (readers of the Parquet
files skip folders starting with `_`). Paths go through pyarrow's filesystems, so
`s3://bucket/events`, `gs://...` or `abfs://...` work as well as a local folder (given
pyarrow's credentials for that store).

    >>> import tempfile, vdb_notebook as vn
    >>> path = tempfile.mkdtemp()
    >>> with vn.EventStore(path=path) as store:
    ...     _ = store.add({"channel": "transcript", "capture_session_id": "cap-1",
    ...                    "data": {"text": "hi", "start": 1710000000101}},
    ...                   received_at_ms=1710000000200)
    >>> vn.open_dataset(path, capture_session_id="cap-1").transcript()["start"].tolist()
    [Timestamp('2024-03-09 16:00:00.101000+0000', tz='UTC')]
"""
from __future__ import annotations

import atexit
import json
import os
import time
import uuid
import weakref
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterable
from urllib.parse import quote

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from ..events.event import Rejection
from .columns import SCHEMA
from .files import rejection_record, split_file_table

if TYPE_CHECKING:
    from .store import EventStore

PARTITIONING = ds.partitioning(pa.schema([("date", pa.string()), ("session", pa.string())]),
                               flavor="hive")
#: The session folder of rows that belong to no capture session (yet).
NO_SESSION = "__none__"
REJECTED_DIR = "_rejected"


def filesystem(path: str | os.PathLike) -> tuple[pafs.FileSystem, str]:
    """(pyarrow filesystem, path inside it) for a local path or a URI such as s3://bucket/x."""
    path = os.fspath(path)
    if "://" in path:
        return pafs.FileSystem.from_uri(path)
    return pafs.LocalFileSystem(), os.path.abspath(path).replace(os.sep, "/")


class DatasetWriter:
    """Appends tables of store rows (and rejections) to the dataset at `path`."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.fs, self.root = filesystem(path)
        self.fs.create_dir(self.root, recursive=True)

    def write(self, events: pa.Table, rejected: list[Rejection]) -> None:
        """One file per (date, session) in `events`, and one JSONL file of `rejected`."""
        if events.num_rows:
            date = pc.strftime(events.column("received_at"), format="%Y-%m-%d").cast(pa.string())
            session = pc.fill_null(events.column("capture_session_id"), NO_SESSION).cast(
                pa.string())
            group = pc.binary_join_element_wise(date, session, "\x00")
            for value in pc.unique(group).to_pylist():
                day, sid = value.split("\x00", 1)
                part = events.filter(pc.equal(group, value))
                self._write(f"date={day}/session={quote(sid, safe='')}", part, "parquet")
        if rejected:
            lines = "".join(json.dumps(rejection_record(r), ensure_ascii=False, default=str)
                            + "\n" for r in rejected)
            self._write(REJECTED_DIR, lines.encode("utf-8", "surrogatepass"), "jsonl")

    def _write(self, folder: str, content: pa.Table | bytes, ext: str) -> None:
        folder = f"{self.root}/{folder}"
        self.fs.create_dir(folder, recursive=True)
        name = f"part-{uuid.uuid4().hex}.{ext}"
        temporary = f"{folder}/.{name}.tmp"  # skipped by readers until renamed
        with self.fs.open_output_stream(temporary) as out:
            if isinstance(content, pa.Table):
                pq.write_table(content, out)
            else:
                out.write(content)
        self.fs.move(temporary, f"{folder}/{name}")


def read(path: str | os.PathLike, capture_session_id: str | Iterable[str] | None = None,
         start: Any = None, end: Any = None) -> tuple[pa.Table, list[Rejection]]:
    """The rows of the dataset at `path` (sorted by seq) that pass the filters, which are
    pushed down: a session or list of sessions selects folders, start/end (inclusive start,
    exclusive end; datetime, ISO text or epoch ms) select dates, then rows by received_at.
    Rejections are read when no filter is given."""
    fs, root = read_check(path)
    scanned = _dataset(fs, root).to_table(filter=_filter(capture_session_id, start, end),
                                          columns=SCHEMA.names)
    events, _ = split_file_table(scanned)
    filtered = capture_session_id is not None or start is not None or end is not None
    return events, [] if filtered else _read_rejected(fs, f"{root}/{REJECTED_DIR}")


def read_check(path: str | os.PathLike) -> tuple[pafs.FileSystem, str]:
    """The filesystem and root of an existing dataset (FileNotFoundError saying what to do)."""
    fs, root = filesystem(path)
    if fs.get_file_info(root).type == pafs.FileType.NotFound:
        raise FileNotFoundError(f"no dataset at {os.fspath(path)!r}; create one with "
                                "vn.EventStore(path=...)")
    return fs, root


def scanner(path: str | os.PathLike, capture_session_id: Any = None, start: Any = None,
            end: Any = None) -> ds.Scanner:
    """A pyarrow scanner over the dataset with the filters pushed down (for DuckDB)."""
    fs, root = read_check(path)
    return _dataset(fs, root).scanner(filter=_filter(capture_session_id, start, end))


def _dataset(fs: pafs.FileSystem, root: str) -> ds.Dataset:
    schema = pa.unify_schemas([SCHEMA, PARTITIONING.schema])
    return ds.dataset(root, schema=schema, filesystem=fs, format="parquet",
                      partitioning=PARTITIONING)


def _filter(capture_session_id: Any, start: Any, end: Any) -> ds.Expression | None:
    conditions = []
    if capture_session_id is not None:
        ids = [capture_session_id] if isinstance(capture_session_id, str) \
            else list(capture_session_id)
        conditions.append(ds.field("session").isin([quote(s, safe="") for s in ids]))
    if start is not None:
        when = _utc(start, "start")
        conditions += [ds.field("date") >= when.strftime("%Y-%m-%d"),
                       ds.field("received_at") >= pa.scalar(when, pa.timestamp("ms", "UTC"))]
    if end is not None:
        when = _utc(end, "end")
        conditions += [ds.field("date") <= when.strftime("%Y-%m-%d"),
                       ds.field("received_at") < pa.scalar(when, pa.timestamp("ms", "UTC"))]
    expression = None
    for condition in conditions:
        expression = condition if expression is None else expression & condition
    return expression


def _utc(value: Any, name: str) -> datetime:
    """A datetime, pandas Timestamp, ISO text or epoch ms -> an aware UTC datetime."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=timezone.utc)
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    raise TypeError(f"{name} must be a datetime, ISO-8601 text or epoch ms, not {value!r}")


def _read_rejected(fs: pafs.FileSystem, folder: str) -> list[Rejection]:
    if fs.get_file_info(folder).type == pafs.FileType.NotFound:
        return []
    rejections = []
    for info in sorted(fs.get_file_info(pafs.FileSelector(folder)), key=lambda i: i.mtime_ns):
        if not info.base_name.endswith(".jsonl"):
            continue
        with fs.open_input_stream(info.path) as stream:
            text = stream.read().decode("utf-8", "surrogatepass")
        for line in text.split("\n"):  # not splitlines: a frame may hold U+2028 and such
            if not line:
                continue
            record = json.loads(line)
            rejections.append(Rejection(record["rejected"], record["frame"], record["source"],
                                        record["received_at"]))
    return rejections


class DatasetMixin:
    """EventStore's dataset at `path`: appending by flush_rows / flush_seconds, flush, close.

    The rows not yet written are those sealed or pending past `_written_upto` (a global row
    index, see `Columns.since`); rejections wait in `_rejected_unwritten`.
    """

    def _open_dataset(self, path: str | os.PathLike, flush_rows: int,
                      flush_seconds: float) -> None:
        fs, root = filesystem(path)
        if fs.get_file_info(root).type != pafs.FileType.NotFound:
            self._load(*read(path))
        self._writer = DatasetWriter(path)
        self._flush_rows, self._flush_seconds = flush_rows, flush_seconds
        self._written_upto = self._cols.sealed_total  # global index: rows before are on disk
        self._rejected_unwritten: list[Rejection] = []
        self._flushed_at = time.monotonic()
        atexit.register(_flush_if_alive, weakref.ref(self))

    def _flush_if_due(self) -> None:
        """Flush once `flush_rows` rows are unwritten or `flush_seconds` have passed."""
        cols = self._cols
        unwritten = cols.sealed_total + len(cols.pending) - self._written_upto
        if (unwritten >= self._flush_rows
                or time.monotonic() - self._flushed_at >= self._flush_seconds):
            self.flush()

    def _unwritten_would_drop(self) -> bool:
        """Would dropping the oldest row lose one not yet written to the dataset?"""
        return not self._cols.batches or self._cols.dropped_total >= self._written_upto

    def flush(self) -> None:
        """Write the events (and rejections) not yet in the dataset at `path` (no-op without)."""
        if self._writer is None:
            return
        with self._lock:
            self._cols.seal()
            events = pa.Table.from_batches(self._cols.since(self._written_upto), schema=SCHEMA)
            rejected, self._rejected_unwritten = self._rejected_unwritten, []
            self._writer.write(events, rejected)
            self._written_upto = self._cols.sealed_total
            self._flushed_at = time.monotonic()

    def close(self) -> None:
        """Flush what is not yet in the dataset; the store stays readable."""
        self.flush()

    def __enter__(self) -> "EventStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _flush_if_alive(ref: "weakref.ref[EventStore]") -> None:
    store = ref()
    if store is not None:
        try:
            store.flush()
        except Exception:  # at exit there is nobody left to tell
            pass
