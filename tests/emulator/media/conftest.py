"""Fixtures shared by the media tests."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from vdb_notebook.emulator.media import configure
from vdb_notebook.emulator.media.service import MediaService


@pytest.fixture
def media(tmp_path: Path) -> Iterator[MediaService]:
    """A fresh media cache for this test (so segments are really encoded here)."""
    yield configure(tmp_path / "media", max_bytes=64 * 1024 * 1024)
    configure()
