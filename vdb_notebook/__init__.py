"""vdb_notebook: VideoDB capture sessions in Jupyter.

    >>> import vdb_notebook as vn
    >>> conn = vn.connect()            # no key: the real SDK against a local emulator
    >>> store = vn.EventStore()
    >>> event = store.add({"channel": "transcript", "rtstream_id": "rts-1",
    ...                    "data": {"text": "hi", "is_final": True, "start": 1710000001234}})
    >>> event.channel, event.text, len(store)
    ('transcript', 'hi', 1)

Names are imported on first use so `import vdb_notebook` stays fast and light; the
`TYPE_CHECKING` imports below show type checkers the same names with their real types.

Async/sync naming: the bare name is the coroutine (`await vn.Feed.open(conn)`), its blocking
twin carries `_sync` with the identical signature (`vn.Feed.open_sync(conn)`). One exception:
`vn.replay` blocks (an unpaced replay never waits) and its coroutine is `vn.replay_async`.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import webhooks as webhooks
    from .analysis import alert_context as alert_context
    from .analysis import timeline as timeline
    from .connection import connect as connect
    from .emulator import Emulator as Emulator
    from .feed import Feed as Feed
    from .feed import FeedState as FeedState
    from .offline import mock_videodb as mock_videodb
    from .pipelines import start_pipelines as start_pipelines
    from .playback import replay as replay
    from .playback import replay_async as replay_async
    from .review import clip as clip
    from .review import clip_options as clip_options
    from .review import clips as clips
    from .store import EventStore as EventStore
    from .store import compact_dataset as compact_dataset
    from .store import open_dataset as open_dataset
    from .store import scan_dataset as scan_dataset
    from .webhooks import WebhookReceiver as WebhookReceiver
    from .widgets import Dashboard as Dashboard
    from .widgets import grid as grid

__version__ = "0.1.0"

_PUBLIC = {
    "connect": "vdb_notebook.connection",  # not .connect: a submodule named like the function would rebind vn.connect
    "Emulator": "vdb_notebook.emulator",
    "EventStore": "vdb_notebook.store",
    "open_dataset": "vdb_notebook.store",
    "compact_dataset": "vdb_notebook.store",
    "scan_dataset": "vdb_notebook.store",
    "Feed": "vdb_notebook.feed",
    "FeedState": "vdb_notebook.feed",
    "start_pipelines": "vdb_notebook.pipelines",
    "Dashboard": "vdb_notebook.widgets",
    "grid": "vdb_notebook.widgets",
    "WebhookReceiver": "vdb_notebook.webhooks",
    "replay": "vdb_notebook.playback",  # not vdb_notebook.replay: importing a submodule named
    # like a public function rebinds the package attribute to the module (see connect)
    "replay_async": "vdb_notebook.playback",
    "timeline": "vdb_notebook.analysis",
    "alert_context": "vdb_notebook.analysis",
    "clip": "vdb_notebook.review",
    "clip_options": "vdb_notebook.review",
    "mock_videodb": "vdb_notebook.offline",
}

#: Names kept one release after a rename: old name -> (module, its attribute, the new name).
_DEPRECATED = {
    "clips": ("vdb_notebook.review.inline", "_clips", "vn.clip (it takes a DataFrame too)"),
}

__all__ = [*_PUBLIC, "webhooks", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "webhooks":
        return importlib.import_module("vdb_notebook.webhooks")
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value  # cache; also undoes the import's binding of a same-named module
        return value
    if name in _DEPRECATED:
        from ._compat import warn

        module, attribute, instead = _DEPRECATED[name]
        warn(f"vn.{name}", instead)
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'vdb_notebook' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
