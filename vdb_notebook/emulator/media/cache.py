"""Synthesised media on disk, bounded: least recently used files go first once over `max_bytes`.

The folder is `$VDB_NOTEBOOK_MEDIA_CACHE`, else the user's cache folder
(`$XDG_CACHE_HOME` or `~/.cache`) + `vdb_notebook/media`; the bound is
`$VDB_NOTEBOOK_MEDIA_CACHE_MB` megabytes (default 256). Files are written whole (temp + rename),
so two processes sharing the folder never read half a segment.

    >>> import tempfile
    >>> cache = MediaCache(tempfile.mkdtemp(), max_bytes=10)
    >>> cache.put("a", b"123456"); cache.put("b", b"7890")
    >>> cache.get("a")                 # a hit makes "a" the most recently used
    b'123456'
    >>> cache.put("c", b"xyz")         # 13 bytes > 10: the least recently used ("b") goes
    >>> cache.get("b") is None, cache.size
    (True, 9)
"""
from __future__ import annotations

import os
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

DEFAULT_MAX_MB = 256
SUFFIX = ".ts"


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


class MediaCache:
    """Bytes by key in a folder, at most `max_bytes` in all (LRU). Thread-safe."""

    def __init__(self, folder: str | Path | None = None, max_bytes: int | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_dir()
        self.max_bytes = default_max_bytes() if max_bytes is None else int(max_bytes)
        if self.max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, not {self.max_bytes}")
        self._lock = threading.Lock()
        self._sizes: OrderedDict[str, int] = OrderedDict()  # least recently used first
        self._load()

    @property
    def size(self) -> int:
        """Bytes held now."""
        with self._lock:
            return sum(self._sizes.values())

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            with self._lock:
                self._sizes.pop(key, None)  # evicted by another process
            return None
        with self._lock:
            self._sizes[key] = len(data)
            self._sizes.move_to_end(key)
        return data

    def put(self, key: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".part")
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(tmp, self._path(key))
        with self._lock:
            self._sizes[key] = len(data)
            self._sizes.move_to_end(key)
            self._evict()

    def clear(self) -> None:
        with self._lock:
            for key in list(self._sizes):
                self._path(key).unlink(missing_ok=True)
            self._sizes.clear()

    def _evict(self) -> None:
        total = sum(self._sizes.values())
        while total > self.max_bytes and len(self._sizes) > 1:  # never the one just written
            key, size = self._sizes.popitem(last=False)
            self._path(key).unlink(missing_ok=True)
            total -= size

    def _load(self) -> None:
        """Files left by an earlier run, oldest access first."""
        if not self.folder.is_dir():
            return
        found = sorted(self.folder.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_atime)
        for path in found:
            self._sizes[path.stem] = path.stat().st_size
        with self._lock:
            self._evict()

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError(f"cache keys are letters and digits, not {key!r}")
        return self.folder / f"{key}{SUFFIX}"


__all__ = ["MediaCache", "default_dir", "default_max_bytes"]
