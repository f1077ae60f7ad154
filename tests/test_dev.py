"""dev.py: `lab` after `test` installs nothing again (no venv is built here: `run` is recorded)."""
from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def dev(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "VENV", tmp_path)
    monkeypatch.setattr(module, "PYTHON", tmp_path / "python")
    (tmp_path / "python").touch()  # the venv exists
    calls = []
    monkeypatch.setattr(module, "run", lambda *cmd, **kw: calls.append(cmd))
    module.calls = calls
    return module


def resolved(extras: dict[str, list[str]], name: str) -> set[str]:
    """The requirements of extra `name`, with its `vdb_notebook[...]` references expanded."""
    out: set[str] = set()
    for req in extras[name]:
        if req.startswith("vdb_notebook["):
            for inner in req[len("vdb_notebook["):-1].split(","):
                out |= resolved(extras, inner.strip())
        else:
            out.add(req)
    return out


def test_the_test_extra_includes_everything_lab_needs():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert resolved(extras, "lab") <= resolved(extras, "test")
    assert resolved(extras, "media") | resolved(extras, "sql") | resolved(extras, "dask") \
        <= resolved(extras, "lab")


def test_the_core_install_has_no_heavy_part():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {dep.split(">")[0].split("=")[0].split("[")[0].lower() for dep in project["dependencies"]}
    assert not names & {"av", "pillow", "duckdb", "dask", "nest-asyncio", "requests"}


def test_lab_after_test_installs_nothing(dev):
    dev.ensure_venv("test")
    assert len(dev.calls) == 2  # pip upgrade, then the project with the test extra
    dev.ensure_venv("lab")
    dev.ensure_venv("test")
    assert len(dev.calls) == 2


def test_test_after_lab_installs_the_test_extra(dev):
    dev.ensure_venv("lab")
    dev.ensure_venv("test")
    assert [c[-1] for c in dev.calls if "-e" in c] == [f"{ROOT}[lab]", f"{ROOT}[test]"]
