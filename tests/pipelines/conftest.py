"""start_pipelines remembers what it started per service URL (and event ids per URL): each test
gets an emulator of its own, since resetting a shared one cannot reach that memory."""
from __future__ import annotations

import pytest

from vdb_notebook.emulator import Emulator


@pytest.fixture
def emu(own_emulator: Emulator) -> Emulator:
    return own_emulator
