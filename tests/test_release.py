"""Release hygiene: `python -m build` makes an sdist and a wheel that `twine check` passes, with
the version from its one place (vdb_notebook.__version__) and the extras of a lean core."""
from __future__ import annotations

import email
import subprocess
import sys
import zipfile
from pathlib import Path

import vdb_notebook

ROOT = Path(__file__).resolve().parents[1]


def test_build_makes_an_sdist_and_a_wheel_that_twine_checks(tmp_path) -> None:
    build = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    version = vdb_notebook.__version__
    sdist = tmp_path / f"vdb_notebook-{version}.tar.gz"
    wheel = tmp_path / f"vdb_notebook-{version}-py3-none-any.whl"
    assert sdist.exists() and wheel.exists(), sorted(p.name for p in tmp_path.iterdir())
    check = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(sdist),
                            str(wheel)], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr

    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        meta = email.message_from_bytes(zf.read(f"vdb_notebook-{version}.dist-info/METADATA"))
    assert {"vdb_notebook/py.typed", "vdb_notebook/_player/hls.light.min.js",
            "vdb_notebook/emulator/scenarios/standup.json"} <= names
    assert meta["Version"] == version
    assert {"media", "sql", "dask", "all", "lab", "test"} <= set(meta.get_all("Provides-Extra"))
    core = [r for r in meta.get_all("Requires-Dist") if "extra ==" not in r]
    assert not [r for r in core if r.split(">")[0].split("=")[0].strip().lower()
                in {"av", "pillow", "duckdb", "dask", "nest-asyncio", "requests"}], core
