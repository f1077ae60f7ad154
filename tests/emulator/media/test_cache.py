"""The media cache: bounded by bytes, least recently used out first, survives a restart."""
from __future__ import annotations

import pytest

from vdb_notebook.emulator.media.cache import MediaCache


def test_bounded_lru(tmp_path) -> None:
    cache = MediaCache(tmp_path, max_bytes=100)
    for key in "abc":
        cache.put(key, bytes(30))
    assert cache.size == 90
    cache.get("a")                       # a is now the most recently used
    cache.put("d", bytes(30))            # 120 > 100: b goes, not a
    assert cache.get("b") is None and cache.get("a") == bytes(30)
    assert cache.size <= 100 and sum(p.stat().st_size for p in tmp_path.glob("*.ts")) == cache.size


def test_reopened_cache_keeps_files_and_bound(tmp_path) -> None:
    MediaCache(tmp_path, max_bytes=1000).put("x", b"abc")
    again = MediaCache(tmp_path, max_bytes=1000)
    assert again.get("x") == b"abc" and again.size == 3
    assert not list(tmp_path.glob("*.part"))


def test_environment_configures_folder_and_bound(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("VDB_NOTEBOOK_MEDIA_CACHE", str(tmp_path / "m"))
    monkeypatch.setenv("VDB_NOTEBOOK_MEDIA_CACHE_MB", "0.5")
    cache = MediaCache()
    assert cache.folder == tmp_path / "m" and cache.max_bytes == 512 * 1024
    monkeypatch.setenv("VDB_NOTEBOOK_MEDIA_CACHE_MB", "lots")
    with pytest.raises(ValueError, match="number of megabytes"):
        MediaCache()


def test_keys_cannot_escape_the_folder(tmp_path) -> None:
    with pytest.raises(ValueError, match="letters and digits"):
        MediaCache(tmp_path).put("../x", b"")
