"""The recorded standup, replayed once per module."""
from __future__ import annotations

from pathlib import Path

import pytest

import vdb_notebook as vn

RECORDING = Path(__file__).parents[2] / "notebooks" / "data" / "standup.jsonl"


@pytest.fixture(scope="module")
def standup():
    return vn.replay(RECORDING, progress=False)
