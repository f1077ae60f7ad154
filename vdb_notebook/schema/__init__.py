"""The vocabulary shared by the client side and the emulator: nothing here does I/O.

Channels and their aliases, the capture session's lifecycle (statuses, their order, and the
"capture_session.X" <-> "X" rule), the desktop capture client's channels, and the scenario
epoch. `schema.payloads` builds the webhook bodies VideoDB posts.

    >>> lifecycle_event("active"), status_of_event("capture_session.exported")
    ('capture_session.active', 'exported')
    >>> canonical_channel("scene_index")
    'visual_index'
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

#: Channels an event can come under, in display order; "feed" is the toolkit's own records
#: (gaps, reconnects, the feed closing), never sent by VideoDB.
CHANNELS = ("transcript", "visual_index", "audio_index", "alert", "capture_session", "feed")
#: Every channel name seen in the wild -> its canonical name (VideoDB's capture events page,
#: https://docs.videodb.io/pages/ingest/capture-sdks/realtime-context, names scene_index in its
#: channel table for index_visuals() and visual_index in its example frame).
CHANNEL_ALIASES = {name: name for name in CHANNELS} | {"scene_index": "visual_index"}

#: Lifecycle statuses in the order a session moves through them; failed can follow any of the
#: live ones.
LIFECYCLE_STATUSES = ("created", "starting", "active", "stopping", "stopped", "exported", "failed")
LIFECYCLE_EVENTS = tuple(f"capture_session.{s}" for s in LIFECYCLE_STATUSES)
#: Rank of each status: a session's status never moves to a lower rank; failed is final.
LIFECYCLE_ORDER = {s: i for i, s in enumerate(LIFECYCLE_STATUSES[:-1])} | {"failed": 99}
_PREFIX = "capture_session."


def lifecycle_event(status_or_event: str) -> str:
    """'active' or 'capture_session.active' -> 'capture_session.active' (no validation)."""
    if status_or_event.startswith(_PREFIX):
        return status_or_event
    return _PREFIX + status_or_event


def status_of_event(event: str | None) -> str | None:
    """'capture_session.active' -> 'active'; None for any other event name."""
    if event and event.startswith(_PREFIX) and len(event) > len(_PREFIX):
        return event[len(_PREFIX):]
    return None


def canonical_channel(name: object) -> str | None:
    """The canonical channel for a name seen on the wire, or None if it is not one."""
    return CHANNEL_ALIASES.get(name) if isinstance(name, str) else None


class CaptureChannel(NamedTuple):
    """One channel of the desktop capture client and the rtstream it becomes."""

    category: str     # CaptureSession.get_rtstream(category) matches rtstream channel_id on this
    name: str         # the channel id the capture client reports, and the rtstream's name
    media_type: str   # "audio" or "video"
    track: str        # the scenario track that plays on it


#: The desktop capture client's channels as VideoDB documents them (mic:default,
#: system_audio:default, display:1); mic is the local user, system audio the others.
CAPTURE_CHANNELS = (
    CaptureChannel("mic", "mic:default", "audio", "mic"),
    CaptureChannel("system_audio", "system_audio:default", "audio", "system_audio"),
    CaptureChannel("screen", "display:1", "video", "display"),
)

#: How the capture client names its channels to a person (the channel list of VideoDB's node
#: capture quickstart: "mic:default (audio): Default Microphone", "display:1 (video): Built-in
#: Display").
CHANNEL_LABELS = {"mic:default": "Default Microphone", "system_audio:default": "System Audio",
                  "display:1": "Built-in Display"}

#: The scenario epoch: a fixed instant, so payloads and frames do not depend on the wall clock.
EPOCH = datetime(2026, 1, 20, 12, 34, 56, tzinfo=UTC)


def json_depth(value: Any) -> int:
    """How deeply `value` nests lists and dicts (a scalar is 0); iterative, so any depth works.

    Both servers refuse bodies nested deeper than a limit: a deeper one would exhaust the stack
    of whatever copies, hashes or serialises it later.

        >>> json_depth({"a": [{"b": 1}]}), json_depth({}), json_depth([[[]]]), json_depth(1)
        (3, 1, 3, 0)
    """
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest
