"""Synthesised media on disk, bounded: least recently used files go first once over `max_bytes`.

The folder is `$VDB_NOTEBOOK_MEDIA_CACHE`, else the user's cache folder
(`$XDG_CACHE_HOME` or `~/.cache`) + `vdb_notebook/media`; the bound is
`$VDB_NOTEBOOK_MEDIA_CACHE_MB` megabytes (default 256). Files are written whole (a `.part`
file, then a rename), so two processes sharing the folder never read half a segment. The
folder itself is the index: the bound counts every file in it (other processes' segments and
`.part` files too), and "recently used" is a file's modification time (a hit touches it).
A write that fails (a full disk) leaves no `.part` behind and `put` answers False.

    >>> import os, tempfile
    >>> cache = MediaCache(tempfile.mkdtemp(), max_bytes=10)
    >>> cache.put("a", b"123456"), cache.put("b", b"7890")
    (True, True)
    >>> os.utime(cache.folder / "a.ts", ns=(1, 1)); os.utime(cache.folder / "b.ts", ns=(2, 2))
    >>> cache.get("a")                 # a hit makes "a" the most recently used
    b'123456'
    >>> cache.put("c", b"xyz")         # 13 bytes > 10: the least recently used ("b") goes
    True
    >>> cache.get("b") is None, cache.size
    (True, 9)
"""
from __future__ import annotations

import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

DEFAULT_MAX_MB = 256
SUFFIX = ".ts"
PART = ".part"
#: a `.part` file older than this belongs to a writer that died: it is removed
STALE_PART_S = 600.0
KEY = re.compile(r"^[A-Za-z0-9]{1,64}$")

log = logging.getLogger(__name__)


def default_dir() -> Path:
    """Where media is cached unless configured otherwise."""
    configured = os.environ.get("VDB_NOTEBOOK_MEDIA_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "vdb_notebook" / "media"


def default_max_bytes() -> int:
    raw = os.environ.get("VDB_NOTEBOOK_MEDIA_CACHE_MB", str(DEFAULT_MAX_MB))
    try:
        megabytes = float(raw)
    except ValueError:
        raise ValueError(f"VDB_NOTEBOOK_MEDIA_CACHE_MB must be a number of megabytes, not {raw!r}") from None
    return int(megabytes * 1024 * 1024)


def write_file(path: Path, data: bytes) -> None:
    """Write `data` to a new file at `path` (the cache's writer; tests pass one that fails)."""
    with open(path, "xb") as file:
        file.write(data)


class MediaCache:
    """Bytes by key in a folder, at most `max_bytes` in all (LRU). Thread-safe; processes may share
    the folder. `write(path, data)` writes one file (default `write_file`)."""

    def __init__(self, folder: str | Path | None = None, max_bytes: int | None = None,
                 write: Callable[[Path, bytes], None] = write_file) -> None:
        self.folder = Path(folder) if folder is not None else default_dir()
        self.max_bytes = default_max_bytes() if max_bytes is None else int(max_bytes)
        if self.max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, not {self.max_bytes}")
        self._write = write
        self._lock = threading.Lock()
        self.failed_writes = 0
        with self._lock:
            self._evict(keep=None)

    @property
    def size(self) -> int:
        """Bytes in the folder now (segments and `.part` files, whoever wrote them)."""
        return sum(size for _, size, _ in self._files())

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
            os.utime(path)  # recently used, for every process sharing the folder
        except FileNotFoundError:
            return None  # never written, or evicted (maybe by another process)
        return data

    def put(self, key: str, data: bytes) -> bool:
        """Store `data` under `key`; False (and nothing left behind) when the disk refused it."""
        final = self._path(key)
        part = self.folder / f"{key}.{uuid.uuid4().hex}{PART}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._write(part, data)
            os.replace(part, final)
        except OSError as exc:
            part.unlink(missing_ok=True)
            self.failed_writes += 1
            log.warning("media cache: could not write %s (%s); serving it from memory", key, exc)
            return False
        with self._lock:
            self._evict(keep=key)
        return True

    def clear(self) -> None:
        with self._lock:
            for path, _, _ in self._files():
                if path.suffix == SUFFIX:
                    path.unlink(missing_ok=True)

    def _evict(self, keep: str | None) -> None:
        """Remove stale `.part` files, then the least recently used segments (never `keep`)
        until the folder is within the bound."""
        files = self._files()
        total = sum(size for _, size, _ in files)
        stale = time.time() - STALE_PART_S
        for path, size, mtime in sorted(files, key=lambda f: f[2]):
            dead = path.suffix == PART and mtime < stale
            if dead or (total > self.max_bytes and path.suffix == SUFFIX and path.stem != keep):
                path.unlink(missing_ok=True)
                total -= size

    def _files(self) -> list[tuple[Path, int, float]]:
        """(path, bytes, mtime) of the folder's segments and `.part` files."""
        found = []
        try:
            entries = list(os.scandir(self.folder))
        except FileNotFoundError:
            return []
        for entry in entries:
            if entry.name.endswith((SUFFIX, PART)):
                try:
                    stat = entry.stat()
                except FileNotFoundError:
                    continue  # removed meanwhile by another process
                found.append((Path(entry.path), stat.st_size, stat.st_mtime))
        return found

    def _path(self, key: str) -> Path:
        if not KEY.match(key):
            raise ValueError(f"cache keys are 1 to 64 ASCII letters and digits, not {key!r}")
        return self.folder / f"{key}{SUFFIX}"


__all__ = ["MediaCache", "default_dir", "default_max_bytes", "write_file"]
