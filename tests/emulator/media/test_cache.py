"""The media cache: bounded by bytes, least recently used out first, survives a restart."""
from __future__ import annotations

import asyncio
import errno
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from vdb_notebook.emulator.media.cache import MediaCache


def test_bounded_lru(tmp_path: Path) -> None:
    cache = MediaCache(tmp_path, max_bytes=100)
    for key in "abc":
        cache.put(key, bytes(30))
    assert cache.size == 90
    for n, key in enumerate("abc"):      # written in this order (a file's mtime is its last use)
        os.utime(tmp_path / f"{key}.ts", (n + 1, n + 1))
    cache.get("a")                       # a is now the most recently used
    cache.put("d", bytes(30))            # 120 > 100: b goes, not a
    assert cache.get("b") is None and cache.get("a") == bytes(30)
    assert cache.size <= 100 and sum(p.stat().st_size for p in tmp_path.glob("*.ts")) == cache.size


def test_reopened_cache_keeps_files_and_bound(tmp_path: Path) -> None:
    MediaCache(tmp_path, max_bytes=1000).put("x", b"abc")
    again = MediaCache(tmp_path, max_bytes=1000)
    assert again.get("x") == b"abc" and again.size == 3
    assert not list(tmp_path.glob("*.part"))


def test_environment_configures_folder_and_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VDB_NOTEBOOK_MEDIA_CACHE", str(tmp_path / "m"))
    monkeypatch.setenv("VDB_NOTEBOOK_MEDIA_CACHE_MB", "0.5")
    cache = MediaCache()
    assert cache.folder == tmp_path / "m" and cache.max_bytes == 512 * 1024
    monkeypatch.setenv("VDB_NOTEBOOK_MEDIA_CACHE_MB", "lots")
    with pytest.raises(ValueError, match="number of megabytes"):
        MediaCache()


def test_keys_cannot_escape_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ASCII letters and digits"):
        MediaCache(tmp_path).put("../x", b"")


def refusing_disk(written: list[Path]) -> Callable[[Path, bytes], None]:
    """A writer that starts the file, then finds the disk full (ENOSPC), as a full disk does."""
    def write(path: Path, data: bytes) -> None:
        written.append(path)
        with open(path, "xb") as file:
            file.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device", str(path))
    return write


def test_a_full_disk_leaves_no_part_file_and_put_says_so(tmp_path: Path) -> None:
    written: list[Path] = []
    cache = MediaCache(tmp_path, max_bytes=1000, write=refusing_disk(written))
    assert cache.put("a", b"x" * 100) is False
    assert written and not list(tmp_path.iterdir()) and cache.failed_writes == 1


def test_a_segment_that_encoded_fine_is_served_from_memory_when_the_disk_is_full(tmp_path: Path) -> None:
    from vdb_notebook.emulator.media.service import MediaService
    from vdb_notebook.emulator.media.synth import Segment

    media = MediaService(MediaCache(tmp_path, max_bytes=10**7, write=refusing_disk([])))
    seg = Segment("mic:default", 0.0, 1.0, offset=0.0, origin_ms=0)
    first = asyncio.run(media.segment(seg))
    again = asyncio.run(media.segment(seg))
    assert first[:1] == b"G" and again == first and media.encoded == 1   # remembered, not re-encoded
    assert not list(tmp_path.iterdir())


def test_part_files_count_toward_the_bound_and_stale_ones_are_removed(tmp_path: Path) -> None:
    live = tmp_path / "abc.1.part"
    live.write_bytes(bytes(60))                   # another process is writing this one now
    stale = tmp_path / "old.2.part"
    stale.write_bytes(bytes(10))
    os.utime(stale, (time.time() - 3600, time.time() - 3600))   # a writer that died an hour ago
    cache = MediaCache(tmp_path, max_bytes=100)
    assert not stale.exists() and live.exists()
    cache.put("a", bytes(30))
    os.utime(tmp_path / "a.ts", (1, 1))
    cache.put("b", bytes(30))                     # 60 + 30 + 30 > 100: the oldest segment goes
    assert cache.get("a") is None and cache.get("b") is not None and cache.size == 90


def test_two_caches_sharing_a_folder_stay_within_its_bound(tmp_path: Path) -> None:
    one, two = MediaCache(tmp_path, max_bytes=1000), MediaCache(tmp_path, max_bytes=1000)
    for n in range(40):
        (one if n % 2 else two).put(f"k{n}", bytes(100))
        assert sum(p.stat().st_size for p in tmp_path.iterdir()) <= 1000
    assert one.size == two.size == 1000
