"""DataFrame views over the store's rows: transcript, lifecycle and sessions (pure functions).

    >>> import vdb_notebook as vn
    >>> store = vn.EventStore()
    >>> for p in vn.webhooks.lifecycle("cap-1"):
    ...     _ = store.add(p, source="webhook")
    >>> store.sessions()[["capture_session_id", "status", "n_rtstreams"]].values.tolist()
    [['cap-1', 'exported', 3]]
"""
from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from ..events.fields import stream_list
from ..schema import LIFECYCLE_ORDER

SESSION_COLUMNS = ("capture_session_id", "status", "end_user_id", "first_event_at",
                   "last_event_at", "n_events", "n_stream_events", "n_rtstreams",
                   "exported_video_id", "error")


def transcript_view(rows: pd.DataFrame, final_only: bool) -> pd.DataFrame:
    """Finals (and rows with no is_final, e.g. a webhook transcript), plus with
    final_only=False the latest interim per rtstream that no later final has superseded."""
    is_final = rows["is_final"].fillna(True).to_numpy(dtype=bool)
    if final_only:
        return rows[is_final].reset_index(drop=True)
    stream = rows["rtstream_id"].astype("object").fillna("").to_numpy()
    keep = is_final.copy()
    latest_final: dict[Any, int] = {}
    latest_interim: dict[Any, int] = {}
    for position, (rts, final) in enumerate(zip(stream, is_final)):
        (latest_final if final else latest_interim)[rts] = position
    for rts, position in latest_interim.items():
        if position > latest_final.get(rts, -1):
            keep[position] = True
    return rows[keep].reset_index(drop=True)


def lifecycle_view(rows: pd.DataFrame) -> pd.DataFrame:
    """Each (session, event) once: the first arrival wins (WS frame or webhook, duplicates)."""
    return rows.drop_duplicates(["capture_session_id", "event"], keep="first") \
        .reset_index(drop=True)


def sessions_view(lifecycle: pd.DataFrame, raws: dict[int, Any],
                  stream_events: dict[str, int] | None = None) -> pd.DataFrame:
    """One row per session: the furthest status reached (failed is terminal), who, when, what.

    `raws` maps seq -> raw frame of the lifecycle rows, for fields that are not columns;
    `stream_events` maps session -> number of its non-lifecycle events (n_stream_events).
    """
    stream_events = stream_events or {}
    rows = []
    when_all = lifecycle["timestamp"].fillna(lifecycle["received_at"])
    for sid, group in lifecycle.groupby("capture_session_id", observed=True, sort=False):
        ranks = group["status"].astype("object").map(
            lambda s: LIFECYCLE_ORDER.get(s, -1)).to_numpy()
        latest = group.iloc[int(np.argmax(ranks))]
        when = when_all.loc[group.index]
        details = [_details(raws.get(seq)) for seq in group["seq"].tolist()]
        users = group["end_user_id"].dropna()
        rows.append({
            "capture_session_id": sid,
            "status": latest["status"],
            "end_user_id": users.iloc[0] if len(users) else None,
            "first_event_at": when.min(),
            "last_event_at": when.max(),
            "n_events": len(group),
            "n_stream_events": stream_events.get(sid, 0),
            "n_rtstreams": max((d["n_rtstreams"] for d in details if d["n_rtstreams"] is not None),
                               default=None),
            "exported_video_id": next((d["exported_video_id"] for d in details
                                       if d["exported_video_id"]), None),
            "error": next(iter(group["text"].dropna()), None),
        })
    frame = pd.DataFrame(rows, columns=list(SESSION_COLUMNS))
    return frame.astype({
        "capture_session_id": "string[pyarrow]", "status": "string[pyarrow]",
        "end_user_id": "string[pyarrow]", "first_event_at": "datetime64[ns, UTC]",
        "last_event_at": "datetime64[ns, UTC]", "n_events": "int64",
        "n_stream_events": "int64", "n_rtstreams": "Int64",
        "exported_video_id": "string[pyarrow]", "error": "string[pyarrow]",
    })


def _details(raw: Any) -> dict[str, Any]:
    """exported_video_id and the number of rtstreams, read from a lifecycle frame."""
    frame = raw
    if isinstance(raw, str):
        try:
            frame = json.loads(raw)
        except ValueError:
            frame = None
    data = frame.get("data") if isinstance(frame, dict) else None
    data = data if isinstance(data, dict) else {}
    frame = frame if isinstance(frame, dict) else {}
    streams = stream_list(data)
    video = data.get("exported_video_id", frame.get("exported_video_id"))
    return {"n_rtstreams": len(streams) if streams is not None else None,
            "exported_video_id": video if isinstance(video, str) else None}
