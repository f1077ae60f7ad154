"""Events kept as a hive-partitioned Parquet dataset: `date=YYYY-MM-DD/session=<id>/part-*.parquet`
(a flush of many sessions: `session=_mixed`, store/layout.py).

Many writers (processes, machines) append to one path at once without locks: each writer has an
id (`DatasetFiles.writer`) that names its files, and its rows carry it (`writer` column) with the
writer's own `seq`, so (writer, seq) is unique. Every row also has its event `key` (the delivery
id of a webhook, the content key of a WebSocket frame, see events/key.py): readers give each key
once, whichever writers wrote it, so a delivery retried to two receivers, or a session replayed
twice into one path, is read back once. Files are written all or nothing (durable.py); rejected
frames go to `_rejected/part-*.jsonl`. Paths go through pyarrow's filesystems, so
`s3://bucket/events`, `gs://...` or `abfs://...` work as well as a local folder.

    >>> import tempfile, vdb_notebook as vn
    >>> path = tempfile.mkdtemp()
    >>> with vn.EventStore(path=path) as store:
    ...     _ = store.add({"channel": "transcript", "capture_session_id": "séance",
    ...                    "data": {"text": "hi", "start": 1710000000101}},
    ...                   received_at_ms=1710000000200)
    >>> vn.open_dataset(path, capture_session_id="séance").transcript()["start"].tolist()
    [Timestamp('2024-03-09 16:00:00.101000+0000', tz='UTC')]
"""
from __future__ import annotations

import json
import os
import secrets
import time
import warnings
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from ..events.event import Rejection
from ..events.fields import valid_unicode
from . import durable
from .columns import DICTIONARY_COLUMNS, SCHEMA, TEXT
from .files import rejection_record
from .filling import FillingFiles
from .layout import (
    FORMAT,
    FORMAT_FILE,
    MIXED,
    MIXED_OVER,
    REJECTED_DIR,
    folder_values,
    session_folder,
)

PARTITIONING = ds.partitioning(pa.schema([("date", pa.string()), ("session", pa.string())]),
                               flavor="hive")
#: What a dataset file holds: the store's columns, then the id of the writer that wrote it.
FILE_SCHEMA = SCHEMA.append(pa.field("writer", TEXT))
#: The order rows are read back in: writers by id (ids start with their start time), each
#: writer's rows by its seq; files written before format 2 (no writer) first.
READ_ORDER = [("writer", "ascending", "at_start"), ("seq", "ascending", "at_start")]
#: Which sessions to read: one id, several, or all (None).
Sessions = str | Iterable[str] | None
#: A received_at bound: a datetime (or pandas Timestamp), ISO-8601 text or epoch ms.
TimeBound = datetime | str | float | None


def filesystem(path: str | os.PathLike[str]) -> tuple[pafs.FileSystem, str]:
    """(pyarrow filesystem, path inside it) for a local path or a URI such as s3://bucket/x."""
    path = os.fspath(path)
    if "://" in path:
        fs, inside = pafs.FileSystem.from_uri(path)
        return fs, str(inside)
    return pafs.LocalFileSystem(), os.path.abspath(path).replace(os.sep, "/")


def new_writer_id() -> str:
    """Hex digits: the start time (so ids sort by when their writer started), then randomness."""
    return f"{time.time_ns():x}{secrets.token_hex(4)}"


class DatasetFiles:
    """One writer's files in the dataset at `path`.

    `encode` turns rows into row groups of files filled in memory (one per date and session, or
    per date for many sessions); `add` closes those files, gives each its final name and queues
    them, with a file of rejections; `write_queued` writes them in order. A piece that fails
    stays queued and is written again, under the same name and with the same bytes, by the next
    call: a retry never rewrites what succeeded, and nothing is left behind by a failed write.
    """

    def __init__(self, path: str | os.PathLike[str], writer: str | None = None, *,
                 sweep_after_s: float = durable.SWEEP_AFTER_S) -> None:
        self.fs, self.root = filesystem(path)
        self.writer = writer or new_writer_id()
        self._queue: deque[tuple[str, durable.Data]] = deque()
        self._filling = self._files()
        self._next = 0
        if durable.is_local(self.fs):
            durable.make_dirs(self.root)
        else:
            self.fs.create_dir(self.root, recursive=True)
        #: the dataset's format: from 3 on, a flush of many sessions goes to one file per date
        self.format = check_format(self.fs, self.root, create=True)
        #: temporary files of killed writers removed when this writer opened
        self.swept = durable.sweep(self.fs, self.root, self.writer, older_than_s=sweep_after_s)

    @property
    def queued(self) -> int:
        """Pieces not yet written."""
        return len(self._queue)

    @property
    def encoded(self) -> int:
        """Rows encoded into files not yet closed."""
        return self._filling.rows

    def encode(self, events: pa.Table) -> None:
        """Encode `events` (a table in SCHEMA) into the files being filled. If that fails, every
        file being filled is dropped (encode their rows again)."""
        if not events.num_rows:
            return
        events = events.append_column("writer", pa.repeat(
            pa.scalar(self.writer, TEXT), events.num_rows))
        try:
            for folder, part in partitions(events, mixed=self.format >= 3):
                self._filling.write(folder, part)
        except BaseException:
            self._filling.discard()
            raise

    def add(self, rejected: list[Rejection]) -> None:
        """Queue the files being filled, each under its final name, and `rejected`."""
        for folder, data in self._filling.close():
            self._queue.append((self._name(folder, "parquet"), data))
        if rejected:
            lines = "".join(json.dumps(rejection_record(r), ensure_ascii=False, default=str)
                            + "\n" for r in rejected)
            self._queue.append((self._name(REJECTED_DIR, "jsonl"),
                                lines.encode("utf-8", "surrogatepass")))

    def add_file(self, folder: str, rows: pa.Table) -> None:
        """Queue `rows` (in FILE_SCHEMA, writers as they are) as one file in `folder`."""
        one = self._files()
        one.write(folder, rows)
        [(_, data)] = one.close()
        self._queue.append((self._name(folder, "parquet"), data))

    @staticmethod
    def _files() -> FillingFiles:
        return FillingFiles(FILE_SCHEMA, use_dictionary=DICTIONARY_COLUMNS)

    def write_queued(self) -> None:
        """Write every queued piece; raises (keeping what is not written queued) on failure."""
        if self._queue:
            durable.put_all(self.fs, [(f"{self.root}/{name}", data) for name, data in self._queue],
                            written=lambda: self._queue.popleft())

    def _name(self, folder: str, ext: str) -> str:
        self._next += 1
        return f"{folder}/part-{self.writer}-{self._next:09d}.{ext}"


def partitions(events: pa.Table, *, mixed: bool = False) -> Iterable[tuple[str, pa.Table]]:
    """(folder, rows) for each (date, capture session) in `events`: a code per row from the
    dates' and the sessions' dictionary codes, one stable sort of the codes, one take (Arrow,
    off the GIL), then slices. With `mixed`, rows of more than MIXED_OVER sessions stay in one
    piece per date (`session=_mixed`): the sort and take of every column cost as much as
    writing them."""
    days = pc.dictionary_encode(events.column("received_at").cast(pa.date32())).combine_chunks()
    day_names = days.dictionary.cast(pa.string()).to_pylist()  # UTC dates, ISO
    day_codes = days.indices.to_numpy()
    sessions = pc.dictionary_encode(events.column("capture_session_id"),
                                    null_encoding="encode").combine_chunks()
    if mixed and len(sessions.dictionary) > MIXED_OVER:
        return _slices(events, day_codes, [f"date={day}/session={MIXED}" for day in day_names])
    ids = sessions.dictionary.to_pylist()  # None: rows with no session
    codes = day_codes.astype(np.int64) * len(ids) + sessions.indices.to_numpy()
    return _slices(events, codes, [f"date={day}/{session_folder(id_)}"
                                   for day in day_names for id_ in ids])


def _slices(events: pa.Table, codes: np.ndarray,
            folders: list[str]) -> Iterable[tuple[str, pa.Table]]:
    """(folders[code], rows) for each code in `codes` (one per row of `events`)."""
    counts = np.bincount(codes, minlength=len(folders))
    if np.count_nonzero(counts) > 1:
        events = events.take(pa.array(np.argsort(codes, kind="stable")))
    at = 0
    for folder, count in zip(folders, counts.tolist(), strict=True):
        if count:
            yield folder, events.slice(at, count)
            at += count


def check_format(fs: pafs.FileSystem, root: str, *, create: bool = False) -> int:
    """The dataset's format (1 when it has no marker); with create=True, mark a new one
    (writers starting together may each write the same marker)."""
    marker = f"{root}/{FORMAT_FILE}"
    if fs.get_file_info(marker).type == pafs.FileType.NotFound:
        if create and not _has_data(fs, root):
            durable.put(fs, marker, json.dumps({"format": FORMAT}).encode() + b"\n")
            return FORMAT
        return 1
    with fs.open_input_stream(marker) as stream:
        version = int(json.loads(stream.read()).get("format", 1))
    if version > FORMAT:
        raise ValueError(f"the dataset at {root!r} has format {version}, newer than this "
                         f"vdb_notebook reads ({FORMAT}); upgrade vdb_notebook to read it")
    return version


def _has_data(fs: pafs.FileSystem, root: str) -> bool:
    return any(not info.base_name.startswith((".", "_"))
               for info in fs.get_file_info(pafs.FileSelector(root, allow_not_found=True)))


# --- reading -----------------------------------------------------------------------------
@dataclass
class Loaded:
    """What a read found: the events (SCHEMA, each key once, in READ_ORDER), the rejections,
    and the files it skipped as damaged."""

    events: pa.Table
    rejected: list[Rejection] = field(default_factory=list)
    damaged: list[durable.Damaged] = field(default_factory=list)


def read(path: str | os.PathLike[str], capture_session_id: Sessions = None,
         start: TimeBound = None, end: TimeBound = None) -> Loaded:
    """The events of the dataset at `path` that pass the filters (pushed down: a session or list
    of sessions selects folders, start/end, inclusive start and exclusive end as datetime, ISO
    text or epoch ms, select dates, then rows), each key once. Rejections are read when no
    filter is given. Damaged files are skipped, named in `damaged` and in a warning."""
    fs, root = read_check(path)
    for attempt in range(3):  # a compaction may remove a file between listing and reading
        files, damaged = durable.data_files(fs, root)
        try:
            table = _dataset(fs, root, files).to_table(
                filter=_filter(capture_session_id, start, end), columns=FILE_SCHEMA.names)
            break
        except FileNotFoundError:
            if attempt == 2:
                raise
    filtered = capture_session_id is not None or start is not None or end is not None
    rejected, bad = ([], []) if filtered else _read_rejected(fs, root)
    loaded = Loaded(deduplicated(table).select(SCHEMA.names), rejected, damaged + bad)
    for problem in loaded.damaged:
        warnings.warn(f"skipped a damaged dataset file: {problem}", RuntimeWarning, stacklevel=3)
    return loaded


def deduplicated(table: pa.Table) -> pa.Table:
    """`table` (with `writer`, `seq`, `key`) in READ_ORDER with each key's first row only."""
    if table.num_rows:
        table = table.take(pc.sort_indices(table, sort_keys=READ_ORDER))
        keys = table.column("key").to_numpy(zero_copy_only=False)
        repeated = pd.Series(keys).duplicated(keep="first").to_numpy()
        if repeated.any():
            table = table.filter(pa.array(~repeated))
    return table


def read_check(path: str | os.PathLike[str]) -> tuple[pafs.FileSystem, str]:
    """The filesystem and root of an existing dataset (FileNotFoundError saying what to do)."""
    fs, root = filesystem(path)
    if fs.get_file_info(root).type == pafs.FileType.NotFound:
        raise FileNotFoundError(f"no dataset at {os.fspath(path)!r}; create one with "
                                "vn.EventStore(path=...)")
    check_format(fs, root)
    return fs, root


def scanner(path: str | os.PathLike[str], capture_session_id: Sessions = None,
            start: TimeBound = None, end: TimeBound = None) -> ds.Scanner:
    """A pyarrow scanner over the dataset's readable files with the filters pushed down (every
    row as written: deduplicate by `key` as `DEDUPLICATED_SQL` does)."""
    fs, root = read_check(path)
    files, _ = durable.data_files(fs, root)
    return _dataset(fs, root, files).scanner(filter=_filter(capture_session_id, start, end))


#: DuckDB SQL giving each event once from a table `events` of dataset rows (what
#: `vn.open_dataset(path, as_duckdb=True)` returns is this over the dataset).
DEDUPLICATED_SQL = ("select * exclude (_copy) from (select *, row_number() over (partition by "
                    "key order by writer nulls first, seq) as _copy from events) "
                    "where _copy = 1 order by writer nulls first, seq")


def read_dask(path: str | os.PathLike[str], **options: Any) -> Any:
    """A Dask DataFrame over the dataset at `path` (local, or s3:// etc. through fsspec), each
    event once: `dd.read_parquet(path, **options).drop_duplicates(subset="key")`. Needs the
    `[dask]` extra (and s3fs, gcsfs or adlfs for object storage)."""
    import dask.dataframe as dd
    frame = dd.read_parquet(os.fspath(path), **options)
    return frame.drop_duplicates(subset="key", split_out=frame.npartitions)


def _dataset(fs: pafs.FileSystem, root: str, files: list[str]) -> ds.Dataset:
    schema = pa.unify_schemas([FILE_SCHEMA, PARTITIONING.schema])
    return ds.dataset(files, schema=schema, filesystem=fs, format="parquet",
                      partitioning=PARTITIONING, partition_base_dir=root)


def _filter(capture_session_id: Sessions, start: TimeBound,
            end: TimeBound) -> ds.Expression | None:
    conditions = []
    if capture_session_id is not None:
        ids = [capture_session_id] if isinstance(capture_session_id, str) \
            else list(capture_session_id)
        ids = [valid_unicode(s) for s in ids]
        conditions += [ds.field("session").isin([v for s in ids for v in folder_values(s)]),
                       ds.field("capture_session_id").isin(ids)]
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


def _utc(value: object, name: str) -> datetime:
    """A datetime, pandas Timestamp, ISO text or epoch ms -> an aware UTC datetime."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    raise TypeError(f"{name} must be a datetime, ISO-8601 text or epoch ms, not {value!r}")


def _read_rejected(fs: pafs.FileSystem, root: str) -> tuple[list[Rejection],
                                                           list[durable.Damaged]]:
    files, damaged = durable.data_files(fs, root, ".jsonl", under=REJECTED_DIR)
    rejections = []
    for path in files:
        with fs.open_input_stream(path) as stream:
            text = stream.read().decode("utf-8", "surrogatepass")
        for line in text.split("\n"):  # not splitlines: a frame may hold U+2028 and such
            try:
                record = json.loads(line) if line else None
                if record is not None:
                    rejections.append(Rejection(record["rejected"], record["frame"],
                                                record["source"], record["received_at"]))
            except (ValueError, KeyError, TypeError):
                damaged.append(durable.Damaged(path, "a line that is not a rejection record"))
    return rejections, damaged
