"""Segments on demand: from the cache when encoded before, else encoded in the media workers.

One process-wide service (every emulator shares the disk cache); `configure()` changes where it
caches and how much. Two requests for the same segment encode it once. Encoding runs in a small
pool of its own (`WORKERS` threads), never on an event loop, so the API keeps answering while
long windows are encoded. A segment the disk refused (full) is served from a small memory store.

    >>> import asyncio, tempfile
    >>> from vdb_notebook.emulator.media.synth import Segment
    >>> media = MediaService(MediaCache(tempfile.mkdtemp(), max_bytes=10_000_000))
    >>> seg = Segment("mic:default", 0.0, 1.0, offset=0.0, origin_ms=0)
    >>> first = asyncio.run(media.segment(seg))
    >>> asyncio.run(media.segment(seg)) == first, media.encoded
    (True, 1)
"""
from __future__ import annotations

import asyncio
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .cache import MediaCache
from .synth import Segment

#: encoding threads per process: PyAV encodes with the GIL released, two keep a core free
WORKERS = 2
#: bytes kept in memory for segments the disk refused
MEMORY_BYTES = 32 * 1024 * 1024


class MediaService:
    """Encoded media by content key, cached on disk (LRU, bounded)."""

    def __init__(self, cache: MediaCache | None = None, workers: int = WORKERS) -> None:
        self.cache = cache if cache is not None else MediaCache()
        self.encoded = 0  # items encoded (not served from the cache) by this service
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="vdb-media")

    async def segment(self, seg: Segment) -> bytes:
        """The segment's MPEG-TS bytes."""
        from .synth import encode
        return await self.get(seg.key(), lambda: encode(seg))

    async def still(self, seg: Segment, width: int) -> bytes:
        """A JPEG of the segment's first frame, `width` pixels wide."""
        from .synth import still
        key = hashlib.sha256(f"still|{seg.key()}|{width}".encode()).hexdigest()[:32]
        return await self.get(key, lambda: still(seg, seg.start, width))

    async def get(self, key: str, make: Callable[[], bytes]) -> bytes:
        """The bytes cached under `key`, made by `make()` in the media workers when missing."""
        cached = self._remembered(key)
        if cached is not None:
            return cached
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._make_once, key, make)

    def _make_once(self, key: str, make: Callable[[], bytes]) -> bytes:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            data = self._remembered(key)  # another request may have made it meanwhile
            if data is None:
                data = make()
                self.encoded += 1
                if not self.cache.put(key, data):
                    self._remember(key, data)
        with self._guard:
            self._locks.pop(key, None)
        return data

    def _remembered(self, key: str) -> bytes | None:
        with self._guard:
            data = self._memory.get(key)
        return data if data is not None else self.cache.get(key)

    def close(self) -> None:
        """Let the workers go once what they are doing is done."""
        self._pool.shutdown(wait=False)

    def _remember(self, key: str, data: bytes) -> None:
        with self._guard:
            self._memory[key] = data
            while sum(map(len, self._memory.values())) > MEMORY_BYTES and len(self._memory) > 1:
                self._memory.popitem(last=False)


_service: MediaService | None = None


def service() -> MediaService:
    """The process-wide media service (created on first use)."""
    global _service
    if _service is None:
        _service = MediaService()
    return _service


def configure(folder: str | Path | None = None, max_bytes: int | None = None,
              cache: MediaCache | None = None) -> MediaService:
    """Cache synthesised media in `folder` (default: the user's cache), at most `max_bytes`
    (or in the given `cache`)."""
    global _service
    if _service is not None:
        _service.close()
    _service = MediaService(cache if cache is not None else MediaCache(folder, max_bytes))
    return _service


__all__ = ["WORKERS", "MediaCache", "MediaService", "configure", "service"]
