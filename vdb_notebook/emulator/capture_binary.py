"""Which binary a `videodb.capture.CaptureClient` starts: the stand-in, for an emulator only.

The SDK finds its binary in `CaptureClient.__init__` through
`videodb.capture.get_capture_binary_path()` (the optional `videodb-capture-bin` package) and
execs it without arguments. `register(base_url)` (called by `Emulator.start()` for its own
URL; call it yourself for an emulator in another process) wraps both, in this process only:
a CaptureClient whose base_url (its argument, else VIDEO_DB_API, as the SDK resolves it) is a
registered emulator's gets the launcher shipped beside this module (`videodb-capture-bin`, a
shell script running `python -m vdb_notebook.emulator.capture_client`). It is a file of the
package, not a temporary one, so a process killed with -9 leaves nothing behind; it runs the
interpreter of the process that registered an emulator, which `register` puts in the
environment the SDK's subprocess inherits (`VDB_NOTEBOOK_PYTHON`).
Every other CaptureClient resolves exactly as the SDK does: the real binary if installed,
else the SDK's own "Capture runtime not found". Nothing is installed into site-packages and
no `videodb_capture_bin` module is faked, so going online never meets the stand-in.

    >>> register("http://127.0.0.1:8765")
    >>> is_emulator_url("http://localhost:8765/"), is_emulator_url("https://api.videodb.io")
    (True, False)
    >>> unregister("http://127.0.0.1:8765")
"""
from __future__ import annotations

import contextvars
import functools
import os
import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_LOOPBACK = {"localhost": "127.0.0.1", "::1": "127.0.0.1"}
_lock = threading.Lock()
_emulator_urls: set[tuple[str, str, int | None]] = set()
#: The launcher the SDK execs for an emulator (package data, executable).
LAUNCHER = Path(__file__).resolve().with_name("videodb-capture-bin")
PYTHON_VARIABLE = "VDB_NOTEBOOK_PYTHON"
_installed = False
#: Set while a CaptureClient for an emulator is being constructed (read by the path resolver).
_wants_standin: contextvars.ContextVar[bool] = contextvars.ContextVar("vdb_capture_standin", default=False)


def _key(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    return parts.scheme.lower(), _LOOPBACK.get(host, host), parts.port


def register(base_url: str) -> None:
    """Let a CaptureClient for `base_url` (an emulator's) start the stand-in binary."""
    _install()
    os.environ[PYTHON_VARIABLE] = sys.executable  # the launcher's interpreter: this one
    with _lock:
        _emulator_urls.add(_key(base_url))


def unregister(base_url: str) -> None:
    """Undo `register` (Emulator.stop() does, for its URL)."""
    with _lock:
        _emulator_urls.discard(_key(base_url))


def is_emulator_url(base_url: str) -> bool:
    """True if `base_url` is a registered emulator's (loopback names count as one)."""
    with _lock:
        return _key(base_url) in _emulator_urls


def launcher_path() -> Path:
    """The executable that runs the stand-in with this copy of the package."""
    if not os.access(LAUNCHER, os.X_OK):
        raise RuntimeError(f"{LAUNCHER} is missing or not executable; reinstall vdb_notebook "
                           f"(or chmod +x it)")
    return LAUNCHER


def _install() -> None:
    """Wrap the SDK's CaptureClient.__init__ and get_capture_binary_path (once per process)."""
    global _installed
    with _lock:
        if _installed:
            return
        from videodb import capture
        from videodb._constants import VIDEO_DB_API

        sdk_init = capture.CaptureClient.__init__
        sdk_binary_path = capture.get_capture_binary_path

        @functools.wraps(sdk_init)
        def __init__(self: Any, client_token: str, base_url: str | None = None, *args: Any, **kwargs: Any) -> None:
            resolved = base_url or os.environ.get("VIDEO_DB_API", VIDEO_DB_API)
            mark = _wants_standin.set(is_emulator_url(resolved))
            try:
                sdk_init(self, client_token, base_url, *args, **kwargs)
            finally:
                _wants_standin.reset(mark)

        @functools.wraps(sdk_binary_path)
        def get_capture_binary_path() -> str:
            return str(launcher_path()) if _wants_standin.get() else sdk_binary_path()

        capture.CaptureClient.__init__ = __init__
        capture.get_capture_binary_path = get_capture_binary_path
        _installed = True
