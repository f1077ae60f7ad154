"""Fixtures shared by the media tests."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from videodb.video import Video

from vdb_notebook.emulator import Emulator
from vdb_notebook.emulator.media import configure
from vdb_notebook.emulator.media.service import MediaService


@pytest.fixture
def media(tmp_path: Path) -> Iterator[MediaService]:
    """A fresh media cache for this test (so segments are really encoded here)."""
    yield configure(tmp_path / "media", max_bytes=64 * 1024 * 1024)
    configure()


def _exported_video(emu: Emulator) -> Video:
    """A new capture session of `emu`, started and stopped: the video it exported."""
    conn = emu.connect()
    session = conn.create_capture_session(end_user_id="user_abc")
    emu.start_capture(session.id)
    emu.stop_capture(session.id)
    return conn.get_collection().get_video(conn.get_capture_session(session.id).exported_video_id)


@pytest.fixture(scope="session")
def exported_video() -> Callable[[Emulator], Video]:
    """`exported_video(emu)`: a capture session recorded on `emu`, as its exported Video."""
    return _exported_video
