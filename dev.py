#!/usr/bin/env python3
"""One entry point for a fresh machine that has only Python 3 and pip.

    python3 dev.py lab     # JupyterLab on notebooks/01_quickstart.ipynb, offline, no API key
    python3 dev.py test    # the whole test suite: unit tests, nbval notebooks, browser test
    python3 dev.py bench   # every script in bench/, each printing ratios against its baseline
    python3 dev.py lint    # ruff and mypy (strict), configured in pyproject.toml; CI runs it

Each command creates (or reuses) ./.venv and installs what it needs, pinned by
constraints.txt: `lab` the package with its `[lab]` extra (`[all]`: media, sql, dask; plus
JupyterLab), `test` and `bench` with `[test]` (`[lab]` plus pytest, build, twine, mypy, ruff...).
Extra arguments after `test` go to pytest.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
QUICKSTART = ROOT / "notebooks" / "01_quickstart.ipynb"


def run(*cmd: str | Path, **kw) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kw)


#: The extras whose installation also satisfies an extra (test installs everything lab needs).
SATISFIED_BY = {"lab": ("lab", "test"), "test": ("test",)}


def ensure_venv(extra: str) -> None:
    """Create .venv once; install only when neither this extra nor one that includes it is
    installed for the current pyproject.toml and constraints.txt."""
    if not PYTHON.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    if any(_stamp(other).exists() and _stamp(other).read_text() == _digest(other)
           for other in SATISFIED_BY[extra]):
        return
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-c", ROOT / "constraints.txt",
        "-e", f"{ROOT}[{extra}]")
    _stamp(extra).write_text(_digest(extra))


def _stamp(extra: str) -> Path:
    return VENV / f".installed-{extra}"


def _digest(extra: str) -> str:
    """What an install of `extra` depends on: the project's requirements and pins."""
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "constraints.txt"):
        digest.update((ROOT / name).read_bytes())
    digest.update(extra.encode())
    return digest.hexdigest()


def ensure_chromium() -> None:
    """The browser test needs Debian's Chromium; install it when we can (as root)."""
    if Path("/usr/bin/chromium").exists() or shutil.which("chromium"):
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        try:
            run("apt-get", "update", "-qq", env=env)
            run("apt-get", "install", "-y", "-qq", "chromium", env=env)
        except subprocess.CalledProcessError as err:
            print(f"chromium could not be installed ({err}); the browser test will skip")
    else:
        print("chromium is missing and apt-get is unavailable (not root?); "
              "the browser test will skip")


def cmd_test(args: list[str]) -> int:
    ensure_venv("test")
    ensure_chromium()
    cmd = [str(PYTHON), "-m", "pytest", "tests", "--doctest-modules", "vdb_notebook",
           "--nbval", "notebooks",
           "--nbval-sanitize-with", str(ROOT / "notebooks" / "sanitize.cfg"), *workers(args), *args]
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT).returncode


def workers(args: list[str]) -> list[str]:
    """pytest-xdist options: whole files (a notebook's cells share one kernel, a module its
    fixtures) over one worker more than there are cores (many tests wait on sockets, kernels
    and browsers), longest files first (tests/conftest.py orders them). None when the
    arguments choose for themselves (-n 0 runs in one process)."""
    if any(a.startswith(("-n", "--numprocesses", "--dist")) or a == "no:xdist" for a in args):
        return []
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return ["-n", str((cores or 1) + 1), "--dist", "loadfile", "--no-loadscope-reorder"]


def cmd_lab(args: list[str]) -> int:
    ensure_venv("lab")
    target = QUICKSTART.relative_to(ROOT) if QUICKSTART.exists() else Path("notebooks")
    cmd = [str(BIN / "jupyter"), "lab", str(target), "--ServerApp.ip=127.0.0.1", *args]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI machines often run as root
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT).returncode


def cmd_bench(args: list[str]) -> int:
    ensure_venv("test")
    status = 0
    for script in sorted((ROOT / "bench").glob("*.py")):
        print(f"\n== {script.name}", flush=True)
        status |= subprocess.run([str(PYTHON), str(script), *args], cwd=ROOT).returncode
    return status


#: What ruff checks: every Python file of the project (tests/offline/programs is excluded in
#: pyproject.toml: vendored code stays byte for byte).
LINTED = ("vdb_notebook", "tests", "bench", "tools", "notebooks", "dev.py")


def cmd_lint(args: list[str]) -> int:
    ensure_venv("test")
    status = 0
    for cmd in ([str(BIN / "ruff"), "check", *LINTED, *args], [str(BIN / "mypy")]):
        print("+", " ".join(cmd), flush=True)
        status |= subprocess.run(cmd, cwd=ROOT).returncode
    return status


COMMANDS = {"test": cmd_test, "lab": cmd_lab, "bench": cmd_bench, "lint": cmd_lint}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        sys.exit(2)
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
