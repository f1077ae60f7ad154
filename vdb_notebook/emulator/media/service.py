"""Segments on demand: from the cache when encoded before, else encoded in a worker thread.

One process-wide service (every emulator shares the disk cache); `configure()` changes where it
caches and how much. Two requests for the same segment encode it once.

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
import threading
from pathlib import Path

from .cache import MediaCache
from .synth import Segment, encode


class MediaService:
    """Encoded segments by content, cached on disk (LRU, bounded)."""

    def __init__(self, cache: MediaCache | None = None) -> None:
        self.cache = cache if cache is not None else MediaCache()
        self.encoded = 0  # segments encoded (not served from the cache) by this service
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    async def segment(self, seg: Segment) -> bytes:
        """The segment's MPEG-TS bytes; encoding runs off the event loop."""
        key = seg.key()
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        return await asyncio.to_thread(self._encode_once, key, seg)

    def _encode_once(self, key: str, seg: Segment) -> bytes:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            data = self.cache.get(key)  # another request may have encoded it meanwhile
            if data is None:
                data = encode(seg)
                self.cache.put(key, data)
                self.encoded += 1
        with self._guard:
            self._locks.pop(key, None)
        return data


_service: MediaService | None = None


def service() -> MediaService:
    """The process-wide media service (created on first use)."""
    global _service
    if _service is None:
        _service = MediaService()
    return _service


def configure(folder: str | Path | None = None, max_bytes: int | None = None) -> MediaService:
    """Cache synthesised media in `folder` (default: the user's cache), at most `max_bytes`."""
    global _service
    _service = MediaService(MediaCache(folder, max_bytes))
    return _service


__all__ = ["MediaService", "MediaCache", "service", "configure"]
