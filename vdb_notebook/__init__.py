"""vdb_notebook: VideoDB capture sessions in Jupyter.

    >>> import vdb_notebook as vn
    >>> conn = vn.connect()            # no key: the real SDK against a local emulator
    >>> store = vn.EventStore()
    >>> store.add({"channel": "transcript", "rtstream_id": "rts-1",
    ...            "data": {"text": "hi", "is_final": True, "start": 1710000001234, "end": 1710000002345}})

Names are imported on first use so `import vdb_notebook` stays fast and light.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_PUBLIC = {
    "connect": "vdb_notebook.connect",
    "Emulator": "vdb_notebook.emulator",
    "EventStore": "vdb_notebook.store",
    "Feed": "vdb_notebook.feed",
    "start_pipelines": "vdb_notebook.pipelines",
    "Dashboard": "vdb_notebook.widgets",
    "WebhookReceiver": "vdb_notebook.webhooks",
    "replay": "vdb_notebook.replay",
}

__all__ = [*_PUBLIC, "webhooks", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "webhooks":
        return importlib.import_module("vdb_notebook.webhooks")
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'vdb_notebook' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
