"""The pytest plugin (a `pytest11` entry point named `vdb_notebook`: installing the package enables it).

- `videodb_emulator`: a fixture that runs the test inside `vn.mock_videodb(...)` and yields the
  Emulator: `videodb.connect()` and `CaptureClient(...)` in the code under test reach it.
- `--videodb-offline`: the whole session inside `mock_videodb(subprocesses=True)`, so children
  of this interpreter are redirected too, nbval's kernels included:
  `pytest --nbval --videodb-offline notebooks/` tests notebooks that call `videodb.connect()`.
- `--videodb-scenario NAME`, `--videodb-speed N|max`: the emulators' world and speed.

Importing this module imports nothing but pytest, so every suite in the environment stays as fast.

    def test_my_backend(videodb_emulator):
        conn = videodb.connect()                       # the emulator, whatever the key says
        session = conn.create_capture_session(end_user_id="u1")
        assert videodb_emulator.start_capture(session.id)["status"] == "active"
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, TypedDict

import pytest

if TYPE_CHECKING:
    from ..emulator import Emulator
    from .mock import mock_videodb

_SESSION_MOCK: pytest.StashKey[mock_videodb] = pytest.StashKey()


class _World(TypedDict):
    """The emulator options the command line sets."""

    scenario: str | None
    speed: float | str | None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("videodb", "VideoDB offline (vdb_notebook)")
    group.addoption("--videodb-offline", action="store_true", default=False,
                    help="run the whole session against a local VideoDB emulator (child processes "
                         "such as nbval kernels too)")
    group.addoption("--videodb-scenario", default=None,
                    help="the emulator's world (default: the shipped default)")
    group.addoption("--videodb-speed", default=None, help="the emulator's speed: a number or 'max'")


def _options(config: pytest.Config) -> _World:
    speed = config.getoption("videodb_speed")
    if speed is not None and speed != "max":
        speed = float(speed)
    return {"scenario": config.getoption("videodb_scenario"), "speed": speed}


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("videodb_offline", default=False):
        return
    from vdb_notebook.offline import mock_videodb
    mock = mock_videodb(**_options(config), subprocesses=True)
    mock.start()
    config.stash[_SESSION_MOCK] = mock


def pytest_unconfigure(config: pytest.Config) -> None:
    mock = config.stash.get(_SESSION_MOCK, None)
    if mock is not None:
        del config.stash[_SESSION_MOCK]
        mock.stop()


def pytest_report_header(config: pytest.Config) -> str | None:
    mock = config.stash.get(_SESSION_MOCK, None)
    if mock is None:
        return None
    return f"videodb: offline, every call goes to {mock.emulator!r}"


@pytest.fixture
def videodb_emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """A running Emulator that `videodb.connect()` and `CaptureClient(...)` reach during the test."""
    from vdb_notebook.offline import mock_videodb
    with mock_videodb(**_options(request.config)) as emulator:
        yield emulator
