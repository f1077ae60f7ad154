"""Views over the store's rows: kept up to date incrementally (`View`), and shaped for reading.

A `View` keeps the rows of one channel (say) as Arrow batches of its own and, on refresh,
filters only the rows sealed since the last refresh; rows the store's ring buffer dropped are
cut from its front by seq. A view's DataFrame shows the columns a reader wants first
(`VIEW_COLUMNS`); `full=True` on the store's view methods gives every column.

    >>> import vdb_notebook as vn
    >>> store = vn.EventStore()
    >>> for p in vn.webhooks.lifecycle("cap-1"):
    ...     _ = store.add(p, source="webhook")
    >>> store.sessions()[["capture_session_id", "status", "n_rtstreams"]].values.tolist()
    [['cap-1', 'exported', 3]]
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..events.fields import stream_list
from ..schema import LIFECYCLE_ORDER
from .columns import COLUMNS, SCHEMA, TEXT, TIME, Columns, parse_frame, to_frame

#: What each view shows unless asked for the full frame: when, where (stream), what.
VIEW_COLUMNS = {
    "transcript": ("start", "end", "stream", "text"),
    "scenes": ("start", "end", "stream", "text"),
    "audio": ("start", "end", "stream", "text"),
    "alerts": ("start", "end", "stream", "label", "confidence", "text"),
    "lifecycle": ("timestamp", "capture_session_id", "end_user_id", "event", "status", "text"),
}
#: A view's batches: the store's columns plus `stream` (rtstream_name, else rtstream_id).
VIEW_SCHEMA = SCHEMA.append(pa.field("stream", TEXT))
Keep = Callable[[pa.RecordBatch], pa.Array]


def on_channel(channel: str, finals_only: bool = False) -> Keep:
    """A row filter: rows of `channel` (and with finals_only, is_final true or missing)."""
    def keep(batch: pa.RecordBatch) -> pa.Array:
        mask = pc.equal(batch.column("channel"), channel)
        if finals_only:
            mask = pc.and_(mask, pc.fill_null(batch.column("is_final"), True))
        return mask
    return keep


class View:
    """The store rows that pass `keep`, as Arrow batches refreshed at the cost of what is new.

        >>> from vdb_notebook.store import EventStore
        >>> store = EventStore()
        >>> _ = store.add({"channel": "alert", "rtstream_name": "display", "data": {"label": "pii"}})
        >>> view = View(on_channel("alert"))
        >>> view.frame(store._cols, ("stream", "label")).values.tolist()
        [['display', 'pii']]
    """

    def __init__(self, keep: Keep) -> None:
        self.keep = keep
        self.chunks: list[pa.RecordBatch] = []
        self.upto = 0  # global index of the first sealed row not yet looked at
        self.generation = 0

    def refresh(self, cols: Columns) -> list[pa.RecordBatch]:
        """Filter the rows sealed since the last refresh; drop what the store dropped."""
        cols.seal()
        if self.generation != cols.generation:
            self.chunks, self.upto, self.generation = [], 0, cols.generation
        for batch in cols.since(self.upto):
            kept = batch.filter(self.keep(batch))
            if kept.num_rows:
                self._push(kept)
        self.upto = cols.sealed_total
        self._cut(cols.head_seq())
        return self.chunks

    def frame(self, cols: Columns, names: tuple[str, ...] = COLUMNS) -> pd.DataFrame:
        return to_frame(self.refresh(cols), names, VIEW_SCHEMA)

    def table(self, cols: Columns) -> pa.Table:
        return pa.Table.from_batches(self.refresh(cols), schema=VIEW_SCHEMA)

    def _push(self, batch: pa.RecordBatch) -> None:
        stream = pc.coalesce(batch.column("rtstream_name"), batch.column("rtstream_id"))
        chunks = self.chunks
        chunks.append(pa.RecordBatch.from_arrays([*batch.columns, stream], schema=VIEW_SCHEMA))
        while len(chunks) > 1 and chunks[-2].num_rows <= 2 * chunks[-1].num_rows:
            chunks[-2:] = [pa.concat_batches(chunks[-2:])]

    def _cut(self, head_seq: int | None) -> None:
        """Drop the rows older than the store's oldest live row."""
        chunks = self.chunks
        if head_seq is None:
            chunks.clear()
            return
        while chunks and chunks[0].column(0)[-1].as_py() < head_seq:
            del chunks[0]
        if chunks and chunks[0].column(0)[0].as_py() < head_seq:
            seqs = chunks[0].column(0).to_numpy()
            chunks[0] = chunks[0].slice(int(np.searchsorted(seqs, head_seq)))

#: The columns of `sessions()`, in order, with their dtypes (the same when empty).
SESSION_DTYPES: dict[str, str | pd.ArrowDtype] = {
    "capture_session_id": "string[pyarrow]", "status": "string[pyarrow]",
    "end_user_id": "string[pyarrow]", "first_event_at": pd.ArrowDtype(TIME),
    "last_event_at": pd.ArrowDtype(TIME), "n_events": "int64", "n_stream_events": "int64",
    "n_rtstreams": "Int64", "exported_video_id": "string[pyarrow]", "error": "string[pyarrow]",
}


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
    for position, (rts, final) in enumerate(zip(stream, is_final, strict=True)):
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
            "n_stream_events": stream_events.get(str(sid), 0),
            "n_rtstreams": max((d["n_rtstreams"] for d in details if d["n_rtstreams"] is not None),
                               default=None),
            "exported_video_id": next((d["exported_video_id"] for d in details
                                       if d["exported_video_id"]), None),
            "error": next(iter(group["text"].dropna()), None),
        })
    return pd.DataFrame(rows, columns=list(SESSION_DTYPES)).astype(SESSION_DTYPES)


def _details(raw: Any) -> dict[str, Any]:
    """exported_video_id and the number of rtstreams, read from a lifecycle frame."""
    frame = parse_frame(raw)
    data = frame.get("data") if isinstance(frame, dict) else None
    data = data if isinstance(data, dict) else {}
    frame = frame if isinstance(frame, dict) else {}
    streams = stream_list(data)
    video = data.get("exported_video_id", frame.get("exported_video_id"))
    return {"n_rtstreams": len(streams) if streams is not None else None,
            "exported_video_id": video if isinstance(video, str) else None}
