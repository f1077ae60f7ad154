"""`vn.compact_dataset(path)`: merge a dataset's small files and drop duplicate events on disk.

Timed flushes make many small files, and many writers write the same event more than once
(a delivery retried to two receivers). Compaction first moves the rows of `session=_mixed`
folders (a flush of many sessions, store/layout.py) to their sessions' folders, then rewrites
each folder's files as one file holding each key once (rows keep their writer and seq), and
removes the files it merged.

Safe while other writers append: it merges only the files it listed, so files written
meanwhile stay as they are; readers skip nothing and deduplicate by key, so until the merged
files are removed (or if a crash stops compaction there) a reader still sees each event once.

    >>> import tempfile, vdb_notebook as vn
    >>> path = tempfile.mkdtemp()
    >>> for _ in range(3):  # three writers, one file each, the same event
    ...     with vn.EventStore(path=path) as store:
    ...         _ = store.add({"channel": "transcript", "capture_session_id": "cap-1",
    ...                        "data": {"text": "hi"}}, received_at_ms=1710000000200)
    >>> report = compact_dataset(path); (report.files_before, report.files_after, report.rows_dropped)
    (3, 1, 2)
    >>> len(vn.open_dataset(path))
    1
"""
from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field

import pyarrow.dataset as ds
import pyarrow.fs as pafs

from . import durable
from .dataset import FILE_SCHEMA, DatasetFiles, deduplicated, partitions, read_check
from .layout import MIXED


@dataclass
class Compaction:
    """What a compaction did: files and rows before and after, files it could not read."""

    files_before: int = 0
    files_after: int = 0
    rows_dropped: int = 0
    damaged: list[durable.Damaged] = field(default_factory=list)


def compact_dataset(path: str | os.PathLike[str], *, min_files: int = 2) -> Compaction:
    """Merge every folder of the dataset at `path` holding at least `min_files` files into one
    file with each key once. Damaged files are left where they are and reported."""
    fs, root = read_check(path)
    files, damaged = durable.data_files(fs, root)
    report = Compaction(files_before=len(files), damaged=damaged)
    writer = DatasetFiles(path)
    mixed = [file for file in files if _folder(file).endswith(f"/session={MIXED}")]
    if mixed:
        report.rows_dropped += _spread(writer, fs, mixed)
        files, _ = durable.data_files(fs, root)
    report.files_after = len(files)
    folders: dict[str, list[str]] = defaultdict(list)
    for file in files:
        folders[_folder(file)].append(file)
    for folder, paths in sorted(folders.items()):
        if len(paths) >= min_files:
            report.rows_dropped += _merge(writer, fs, root, folder, paths)
            report.files_after -= len(paths) - 1
    return report


def _folder(file: str) -> str:
    return file.rsplit("/", 1)[0]


def _spread(writer: DatasetFiles, fs: pafs.FileSystem, paths: list[str]) -> int:
    """Write the rows of `paths` (mixed folders) to their sessions' folders, then remove
    them; returns the rows dropped."""
    table = ds.dataset(paths, schema=FILE_SCHEMA, filesystem=fs, format="parquet").to_table()
    kept = deduplicated(table)
    for folder, rows in partitions(kept):
        writer.add_file(folder, rows)
    writer.write_queued()  # durable in their folders before any mixed file goes
    for path in paths:
        fs.delete_file(path)
    return int(table.num_rows - kept.num_rows)


def _merge(writer: DatasetFiles, fs: pafs.FileSystem, root: str, folder: str,
           paths: list[str]) -> int:
    """Write `paths` as one file in `folder`, then remove them; returns the rows dropped."""
    table = ds.dataset(paths, schema=FILE_SCHEMA, filesystem=fs, format="parquet").to_table()
    kept = deduplicated(table)
    writer.add_file(folder[len(root):].strip("/"), kept)
    writer.write_queued()  # the merged file is durable before any source file goes
    for path in paths:
        fs.delete_file(path)
    return int(table.num_rows - kept.num_rows)
