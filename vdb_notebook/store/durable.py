"""Durable, atomic file writes for datasets, and what readers do about files that are not.

On a local disk a file is written under a temporary name (`.<name>.tmp`, which readers skip),
fsync'd, renamed, and its folder fsync'd: after a crash a file is either whole or absent. On
object storage (s3://, gs://, ...) a PUT is atomic and a rename is a copy, so the final name is
written directly. A write that fails leaves nothing behind.

    >>> import tempfile, pyarrow.fs as pafs
    >>> root = tempfile.mkdtemp()
    >>> put(pafs.LocalFileSystem(), f"{root}/a/part-w1-0.jsonl", b"{}\\n")
    >>> sorted(os.listdir(f"{root}/a"))
    ['part-w1-0.jsonl']
"""
from __future__ import annotations

import errno
import os
import re
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeAlias

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

#: `part-<writer>-<n>.<ext>`: the writer's id names its files (and their temporary names).
PART = re.compile(r"^\.?part-(?P<writer>[0-9a-z]+)-(?P<n>\d+)\.(?P<ext>parquet|jsonl)(\.tmp)?$")
#: Temporary files older than this whose writer is not this process's are a killed writer's.
SWEEP_AFTER_S = 3600.0


def is_local(fs: pafs.FileSystem) -> bool:
    return isinstance(fs, pafs.LocalFileSystem)


#: A file's content: bytes, or an Arrow buffer written without a copy.
Data: TypeAlias = bytes | pa.Buffer


def put(fs: pafs.FileSystem, path: str, data: Data) -> None:
    """Write `data` as the file `path`, all or nothing, durably on a local disk. Writers may
    put the same path at once (a dataset's format marker): each writes a temporary name of its
    own, or one's rename would take the file the other is about to rename."""
    folder, name = path.rsplit("/", 1)
    if not is_local(fs):
        fs.create_dir(folder, recursive=True)
        with fs.open_output_stream(path) as out:
            out.write(data)
        return
    make_dirs(folder)
    temporary = f"{folder}/.{name}.{secrets.token_hex(4)}.tmp"
    try:
        _write_synced(temporary, data)
        os.replace(temporary, path)
    except BaseException:
        _remove(temporary)
        raise
    fsync_dir(folder)


def put_all(fs: pafs.FileSystem, files: list[tuple[str, Data]],
            written: Callable[[], Any] = lambda: None) -> None:
    """`put` for many files, with one fsync per folder: every file is written and fsync'd
    under its temporary name first (a failure there removes them all), then each is renamed
    (`written()` is called after each rename, in order), then each folder is fsync'd."""
    if not is_local(fs):
        for path, data in files:
            put(fs, path, data)
            written()
        return
    temporaries: list[str] = []
    parents: set[str] = set()
    for path, _ in files:
        folder, name = path.rsplit("/", 1)
        make_dirs(folder, parents)
        temporaries.append(f"{folder}/.{name}.tmp")
    try:  # fsyncs in parallel: the disk completes them together
        with ThreadPoolExecutor(8, thread_name_prefix="vdb-fsync") as pool:
            list(pool.map(fsync_dir, sorted(parents)))  # new folders' entries
            list(pool.map(_write_synced, temporaries, [data for _, data in files]))
    except BaseException:
        for temporary in temporaries:
            _remove(temporary)
        raise
    for (path, _), temporary in zip(files, temporaries, strict=True):
        os.replace(temporary, path)
        written()
    with ThreadPoolExecutor(8, thread_name_prefix="vdb-fsync") as pool:
        list(pool.map(fsync_dir, sorted({path.rsplit("/", 1)[0] for path, _ in files})))


def _write_synced(path: str, data: Data) -> None:
    with open(path, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def make_dirs(folder: str, parents: set[str] | None = None) -> None:
    """os.makedirs, with each new folder's parent fsync'd so the new entry survives a crash
    (or, given `parents`, added to it for the caller to fsync)."""
    if os.path.isdir(folder):
        return
    make_dirs(os.path.dirname(folder), parents)
    try:
        os.mkdir(folder)
    except FileExistsError:  # another writer made it first
        return
    if parents is None:
        fsync_dir(os.path.dirname(folder))
    else:
        parents.add(os.path.dirname(folder))


#: What fsync on a folder says where the platform or filesystem cannot sync folders.
CANNOT_SYNC_FOLDERS = {errno.EINVAL, errno.ENOTSUP, errno.EBADF, errno.EACCES, errno.EISDIR}


def fsync_dir(folder: str | os.PathLike[str]) -> None:
    """Make the entries of `folder` (a rename, a new file) durable. Where the platform cannot
    open or sync a folder this does nothing; any other failure (EIO: the disk) raises."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as err:
        if err.errno not in CANNOT_SYNC_FOLDERS:
            raise
    finally:
        os.close(fd)


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def sweep(fs: pafs.FileSystem, root: str, writer: str, *, older_than_s: float = SWEEP_AFTER_S,
          now: float | None = None) -> list[str]:
    """Remove temporary files a killed writer left under `root`: never `writer`'s own, never
    one younger than `older_than_s` (a live writer's file is temporary for a moment only).
    Returns the paths removed (local disks only: object storage has no temporary files)."""
    if not is_local(fs) or not os.path.isdir(root):
        return []
    now = time.time() if now is None else now
    removed = []
    for folder, _, names in os.walk(root):
        for name in names:
            match = PART.match(name)
            path = os.path.join(folder, name)
            if (match and name.endswith(".tmp") and match["writer"] != writer
                    and now - os.path.getmtime(path) >= older_than_s):
                _remove(path)
                removed.append(path)
    return removed


@dataclass(frozen=True)
class Damaged:
    """A dataset file readers skipped: where, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def data_files(fs: pafs.FileSystem, root: str, ext: str = ".parquet",
               under: str = "") -> tuple[list[str], list[Damaged]]:
    """The committed `ext` files under `root` (skipping names and folders that start with `.` or
    `_`, as pyarrow does) that can be read, and those that cannot (empty or damaged)."""
    base = f"{root}/{under}" if under else root
    if fs.get_file_info(base).type == pafs.FileType.NotFound:
        return [], []
    good, damaged = [], []
    for info in fs.get_file_info(pafs.FileSelector(base, recursive=True)):
        relative = info.path[len(root):].strip("/")
        parts = relative.split("/")
        if (info.type != pafs.FileType.File or not info.base_name.endswith(ext)
                or any(p.startswith((".", "_")) for p in parts[len(under.split("/")) if under
                                                                else 0:])):
            continue
        problem = _problem(fs, info, ext)
        if problem is None:
            good.append(info.path)
        else:
            damaged.append(Damaged(info.path, problem))
    return sorted(good), damaged


def _problem(fs: pafs.FileSystem, info: pafs.FileInfo, ext: str) -> str | None:
    if not info.size:
        return "empty (a writer stopped before its data reached the disk)"
    if ext != ".parquet":
        return None
    try:
        with fs.open_input_file(info.path) as file:
            pq.read_metadata(file)
    except Exception as exc:
        return f"not a readable Parquet file ({type(exc).__name__}: {exc})"
    return None
