"""What already runs on the service, read from its own list calls, so `start_pipelines` adopts
it instead of starting it twice: after a kernel restart, from another process (several webhook
receivers handling the same `capture_session.active`), or from a re-run cell.

The service's answers say nothing of where an index sends its frames, so an index started by
`start_pipelines` carries its pipeline and its WebSocket connection id in its name:

    >>> index_name("audio_index", "ws-000000000001")
    'vdb_notebook audio_index @ws-000000000001'
    >>> started_here("vdb_notebook audio_index @ws-000000000001"), started_here("my own index")
    (('audio_index', 'ws-000000000001'), None)

An index sending to another connection (a dead kernel's) is adopted, then re-bound to the
caller's connection by `Pipelines.reattach`; one sending to the caller's connection is kept as
it is. When two processes start the same pipeline at the same moment, each lists again after
starting and keeps the same one: the index bound to the caller's connection, else the lowest
id; the others are stopped. The transcript needs no adoption: the service keeps one per
rtstream and `start_transcript(ws_connection_id=...)` re-targets it.
"""
from __future__ import annotations

from typing import Any

from videodb.rtstream import RTStream, RTStreamSceneIndex

PREFIX = "vdb_notebook"
STOPPED_INDEX = ("stopped", "failed")
ENABLED_ALERT = ("enabled", "active", "running")


def index_name(pipeline: str, ws_id: str) -> str:
    """The name `start_pipelines` gives the index of `pipeline` sending to `ws_id`."""
    return f"{PREFIX} {pipeline} @{ws_id}"


def started_here(name: object) -> tuple[str, str] | None:
    """(pipeline, ws connection id) of an index named by `index_name`; None for other names.
    An index named before connection ids were recorded ('vdb_notebook audio_index') gives ''."""
    if not isinstance(name, str) or not name.startswith(PREFIX + " "):
        return None
    pipeline, _, ws_id = name[len(PREFIX) + 1:].partition(" @")
    return pipeline, ws_id


def running_indexes(rts: RTStream, pipeline: str, prompt: str | None, ws_id: str) -> list[RTStreamSceneIndex]:
    """The running indexes `start_pipelines` started for `pipeline` with `prompt` on `rts`, the
    one to keep first (bound to `ws_id`, else the lowest id)."""
    found = [index for index in rts.list_scene_indexes()
             if index.status not in STOPPED_INDEX and index.prompt == prompt
             and (started_here(index.name) or ("", ""))[0] == pipeline]
    return sorted(found, key=lambda index: (bound_to(index) != ws_id, index.rtstream_index_id))


def bound_to(index: RTStreamSceneIndex) -> str:
    """The connection id an index started by `start_pipelines` sends to ('' if unknown)."""
    return (started_here(index.name) or ("", ""))[1]


def keep_one_index(found: list[RTStreamSceneIndex]) -> RTStreamSceneIndex:
    """found[0], with every other index in `found` stopped."""
    for extra in found[1:]:
        extra.stop()
    return found[0]


def enabled_alerts(index: RTStreamSceneIndex, label: str, prompt: str) -> list[dict[str, Any]]:
    """The enabled alerts with `label` and `prompt` on `index`, lowest id first."""
    found = [alert for alert in index.list_alerts()
             if alert.get("label") == label and alert.get("prompt", prompt) == prompt
             and str(alert.get("status", "enabled")) in ENABLED_ALERT]
    return sorted(found, key=lambda alert: str(alert.get("alert_id")))


def keep_one_alert(index: RTStreamSceneIndex, found: list[dict[str, Any]]) -> dict[str, Any]:
    """found[0], with every other alert in `found` disabled."""
    for extra in found[1:]:
        index.disable_alert(extra["alert_id"])
    return found[0]
