"""Binder config: repo2docker must pick our Python, install the package itself, and run postBuild.

`repo2docker --no-build` renders the Dockerfile Binder would build, without Docker; a dry-run pip
install checks that binder/requirements.txt resolves with the pinned constraints.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"


def test_binder_requirements_install_the_package_itself_with_pins():
    lines = [ln.strip() for ln in (BINDER / "requirements.txt").read_text().splitlines()]
    entries = [ln for ln in lines if ln and not ln.startswith("#")]
    assert any(e == "." or e.startswith(".[") for e in entries), entries
    constraint = next(e for e in entries if e.startswith("-c "))
    assert (BINDER / constraint.split(maxsplit=1)[1]).resolve() == ROOT / "constraints.txt"


def test_runtime_pins_the_python_the_suite_runs_on():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert runtime == f"python-{sys.version_info.major}.{sys.version_info.minor}"


def test_repo2docker_renders_a_build_that_installs_binder_requirements():
    repo2docker = Path(sys.executable).with_name("repo2docker")
    if not repo2docker.exists():
        repo2docker = shutil.which("repo2docker")
    if not repo2docker:
        pytest.skip("repo2docker is not installed (pip install jupyter-repo2docker)")
    out = subprocess.run(
        [str(repo2docker), "--no-build", "--debug", str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    rendered = out.stdout + out.stderr
    assert out.returncode == 0, rendered[-2000:]
    assert f"python={sys.version_info.major}.{sys.version_info.minor}" in rendered
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in rendered
    assert "./binder/postBuild" in rendered


def test_binder_requirements_resolve(tmp_path):
    """pip resolves binder/requirements.txt as repo2docker runs it: from the repo root."""
    out = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
         "--report", str(tmp_path / "report.json"), "-r", "binder/requirements.txt"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    report = (tmp_path / "report.json").read_text()
    for name in ("vdb-notebook", "videodb", "ipywidgets", "pandas", "jupyterlab"):
        assert f'"name": "{name}"' in report.replace("_", "-"), name
