"""The redirect in child processes: what the runner and `--videodb-offline` put in the environment.

A child started with this interpreter (a uvicorn reloader or worker, a `subprocess.run([sys.executable,
...])`, a Jupyter kernel under nbval) reads it at start-up: `VDB_OFFLINE_URL` names the running
emulator (served by the parent, which owns it), `VDB_OFFLINE_KEY` its key (it opens only that local
emulator), and PYTHONPATH starts with `_site/`, whose `sitecustomize` calls `install_hook()`. The hook
waits for `import videodb` and then pushes the redirect; a child that never imports videodb pays
nothing. The site directory chains to any other `sitecustomize` on the path, so that keeps working.

    >>> env = child_environment("http://127.0.0.1:8765", "emu-local-key", {"PYTHONPATH": "/x"})
    >>> env["VDB_OFFLINE_URL"], env["PYTHONPATH"].split(os.pathsep)[0] == str(SITE_DIR)
    ('http://127.0.0.1:8765', True)
"""
from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys
from collections.abc import Mapping, Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

__all__ = ["KEY_ENV", "SITE_DIR", "URL_ENV", "activate_from_env", "child_environment", "install_hook"]

URL_ENV = "VDB_OFFLINE_URL"
KEY_ENV = "VDB_OFFLINE_KEY"
SITE_DIR = Path(__file__).resolve().parent / "_site"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def child_environment(base_url: str, api_key: str, environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` plus what makes a child of this interpreter redirect to `base_url`."""
    path = [str(SITE_DIR), str(PACKAGE_ROOT), *filter(None, environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**environ, URL_ENV: base_url, KEY_ENV: api_key, "PYTHONPATH": os.pathsep.join(_unique(path))}


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def activate_from_env() -> bool:
    """Push the redirect named by the environment (once per process); False when none is named."""
    from . import redirect
    url, key = os.environ.get(URL_ENV), os.environ.get(KEY_ENV)
    if not url or not key:
        return False
    if redirect.active() is None:
        redirect.push(redirect.Target(url.rstrip("/"), key))
    return True


class _AfterVideodb(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the loader of `videodb` so the redirect follows its import."""

    def find_spec(self, name: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if name != "videodb":
            return None
        sys.meta_path.remove(self)  # once, and no recursion into find_spec below
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        sdk_exec = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            sdk_exec(module)
            activate_from_env()
        spec.loader.exec_module = exec_module  # type: ignore[method-assign]  # wrap this one loader's method
        return spec


def install_hook() -> None:
    """Redirect as soon as videodb is imported (at once if it already is)."""
    if not os.environ.get(URL_ENV):
        return
    if "videodb" in sys.modules:
        activate_from_env()
    elif not any(isinstance(finder, _AfterVideodb) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AfterVideodb())
