"""What the tests of vdb_notebook.offline share: a child environment without any redirect or
key of the caller's, and polling with a guard against hangs (never a timing assertion)."""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
#: What a redirected or keyed parent would pass on; the tests start from none of it.
INHERITED = ("VIDEO_DB_API_KEY", "VDB_OFFLINE_URL", "VDB_OFFLINE_KEY", "VDB_EMULATOR_KEY")


def clean_env(**extra: str) -> dict[str, str]:
    """os.environ without keys or redirects, this checkout first on PYTHONPATH, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in INHERITED}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return {**env, **extra}


def wait_for(fetch: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    """Call `fetch` until it returns something truthy (a refused connection counts as nothing yet)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = fetch()
        except requests.ConnectionError:
            value = None
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
