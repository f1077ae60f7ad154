"""Fixtures of the widget tests: a counting comm (no kernel, no browser) and an empty store."""
from __future__ import annotations

import pytest

import vdb_notebook as vn
from vdb_notebook.widgets.testing import counting_comms


@pytest.fixture
def log():
    with counting_comms() as comm_log:
        yield comm_log


@pytest.fixture
def store():
    return vn.EventStore()
