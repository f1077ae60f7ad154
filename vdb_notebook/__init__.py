"""vdb_notebook: VideoDB capture sessions in Jupyter.

    >>> import vdb_notebook as vn
    >>> conn = vn.connect()            # no key: the real SDK against a local emulator
    >>> store = vn.EventStore()
    >>> event = store.add({"channel": "transcript", "rtstream_id": "rts-1",
    ...                    "data": {"text": "hi", "is_final": True, "start": 1710000001234}})
    >>> event.channel, event.text, len(store)
    ('transcript', 'hi', 1)

Names are imported on first use so `import vdb_notebook` stays fast and light.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_PUBLIC = {
    "connect": "vdb_notebook.connection",  # not .connect: a submodule named like the function would rebind vn.connect
    "Emulator": "vdb_notebook.emulator",
    "EventStore": "vdb_notebook.store",
    "open_dataset": "vdb_notebook.store",
    "Feed": "vdb_notebook.feed",
    "start_pipelines": "vdb_notebook.pipelines",
    "Dashboard": "vdb_notebook.widgets",
    "WebhookReceiver": "vdb_notebook.webhooks",
    "replay": "vdb_notebook.playback",  # not vdb_notebook.replay: importing a submodule named
    # like a public function rebinds the package attribute to the module (see connect)
    "replay_async": "vdb_notebook.playback",
    "timeline": "vdb_notebook.analysis",
    "alert_context": "vdb_notebook.analysis",
    "clip": "vdb_notebook.review",
    "clips": "vdb_notebook.review",
    "clip_options": "vdb_notebook.review",
}

__all__ = [*_PUBLIC, "webhooks", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "webhooks":
        return importlib.import_module("vdb_notebook.webhooks")
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value  # cache; also undoes the import's binding of a same-named module
        return value
    raise AttributeError(f"module 'vdb_notebook' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
