"""What was said and shown in a clip's window: from the store when there is one, else from the
service (the rtstream's transcript and scene index records, through the SDK).

    >>> import vdb_notebook as vn
    >>> from vdb_notebook.review.window import Window
    >>> store = vn.EventStore()
    >>> _ = store.add({"channel": "transcript", "rtstream_id": "rts-1", "rtstream_name": "mic:default",
    ...                "data": {"text": "We ship Thursday.", "is_final": True,
    ...                         "start": 1768912591000, "end": 1768912593000}})
    >>> _ = store.add({"channel": "capture_session", "event": "capture_session.active",
    ...                "capture_session_id": "cap-1", "timestamp": 1768912500000})
    >>> said, shown = from_store(store, Window("rts-1", 1768912590, 1768912600))
    >>> said.to_dict("records"), len(shown)
    ([{'at': '01:31', 'stream': 'mic:default', 'text': 'We ship Thursday.'}], 0)
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..analysis.clock import clock
from ..analysis.context import alert_context
from .window import Window, epoch_seconds

if TYPE_CHECKING:
    from ..connection import SdkConnection
    from ..store import EventStore

COLUMNS = ["at", "stream", "text"]


def from_store(store: EventStore, window: Window) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(said, shown) in the window, in time order, as `vn.alert_context` reads them: columns at
    (mm:ss since the session went active), stream, text."""
    span = pd.Series({"start": pd.Timestamp(window.start, unit="s", tz="UTC"),
                      "end": pd.Timestamp(window.end, unit="s", tz="UTC")})
    rows = alert_context(store, span, before="0s", after="0s")
    said, shown = rows[rows["channel"] == "transcript"], rows[rows["channel"] == "visual_index"]
    return (said[COLUMNS].reset_index(drop=True), shown[COLUMNS].reset_index(drop=True))


def from_service(conn: SdkConnection, window: Window) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(said, shown) from the service for the clip's own rtstream: its transcript, and the
    records of its visual (scene) indexes, in the window. A refusal shows as a line saying why."""
    from videodb.rtstream import RTStream

    rts = RTStream(conn, id=window.rtstream_id, name=window.rtstream_name)
    stream = window.rtstream_name or window.rtstream_id
    try:
        answer = rts.get_transcript(start=window.start, end=window.end)
        said = _records((answer or {}).get("transcription_records") or [], stream, "text")  # openapi's shape
    except Exception as exc:  # the service said no: show why instead of an empty list
        said = _records([{"start": None, "text": f"(transcript unavailable: {exc})"}], "", "text")
    try:
        scenes = [r for index in rts.list_scene_indexes() if index.extraction_type != "transcript"
                  for r in (index.get_scenes(start=window.start, end=window.end) or {}).get("scenes", [])]
        shown = _records(sorted(scenes, key=lambda r: r.get("start") or 0), stream, "description")
    except Exception as exc:
        shown = _records([{"start": None, "description": f"(screen unavailable: {exc})"}], "", "description")
    return said, shown


def _records(records: list[dict[str, Any]], stream: str, field: str) -> pd.DataFrame:
    rows = [{"at": "" if r.get("start") is None else clock(epoch_seconds(r["start"]) * 1000),
             "stream": stream, "text": r.get(field) or r.get("text") or ""} for r in records]
    frame: pd.DataFrame = pd.DataFrame(rows, columns=COLUMNS)
    return frame


__all__ = ["from_service", "from_store"]
