"""Fixtures shared by the tests that drive the real SDK against the emulator."""
from __future__ import annotations

import pytest

from vdb_notebook.emulator import Emulator


@pytest.fixture
def emu():
    """The standup scenario, as fast as the socket goes, seed 0."""
    with Emulator(scenario="standup", speed="max", seed=0) as emulator:
        yield emulator


@pytest.fixture
def active_session():
    """`active_session(conn, emu, ws_connection_id=None)`: a capture session made active by the
    emulator's desktop-client part (as the SDK sees it), and its rtstreams by name."""
    def make(conn, emulator, ws_connection_id=None):
        session = conn.create_capture_session(end_user_id="user_abc",
                                              ws_connection_id=ws_connection_id)
        emulator.start_capture(session.id)
        session = conn.get_capture_session(session.id)
        return session, {r.name: r for r in session.rtstreams}
    return make
