"""Which store and connection a row belongs to, so `vn.clip(row)` and `vn.alert_context(row)`
need no other argument when one of each is in play.

A view's rows carry their store's name (`df.attrs["store"]`) and their `seq` (the index), so
the store is found from the row itself; failing that (a row rebuilt by hand, a `pd.concat` of
views), the one live store holding that seq at that start. The connection is the one given,
else the one a search shot or RTStream brings, else the one feeding the row's store (an open
`vn.Feed`), else the only live connection made by `vn.connect`. When several fit, the error
names them and says which argument to pass.

    >>> import vdb_notebook as vn
    >>> store = vn.EventStore()
    >>> _ = store.add({"channel": "alert", "rtstream_id": "rts-1", "rtstream_name": "mic",
    ...                "data": {"label": "pii", "start": 1768912496000, "end": 1768912498000}})
    >>> row = store.alerts().iloc[0]
    >>> "rtstream_id" in row.index, identified(row, store)["rtstream_id"]
    (False, 'rts-1')
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pandas as pd

from ..store import present

if TYPE_CHECKING:
    from ..connection import SdkConnection
    from ..store import EventStore

T = TypeVar("T")


def store_for(target: object, store: EventStore | None = None) -> EventStore | None:
    """The store `target` (a view, or a row of one) came from: `store` if given, else its own
    (None when nothing says; the clip then reads the service)."""
    if store is not None:
        return store
    own: EventStore | None = present.store_of(target)
    if own is not None:
        return own
    seq = _seq(target)
    if seq is None:
        return None
    holding: list[EventStore] = [s for s in present.live_stores() if _holds(s, seq, target)]
    if len(holding) > 1:
        raise ValueError(f"{len(holding)} stores hold an event #{seq} at this time; pass "
                         "store= (e.g. store=feed.store) to say which this row came from")
    return holding[0] if holding else None


def conn_for(conn: SdkConnection | None, brought: SdkConnection | None,
             store: EventStore | None) -> SdkConnection:
    """The connection that serves the stream: given, brought by the target, feeding `store`,
    or the only live one."""
    if conn is not None:
        return conn
    if brought is not None:
        return brought
    from ..connection import live_connections
    from ..feed.feed import open_feeds
    # a feed types its connection by the one call it makes; what it holds is an SDK connection
    feeding: list[SdkConnection] = _distinct(cast("SdkConnection", f._conn) for f in open_feeds()
                                             if store is not None and f.store is store)
    if len(feeding) == 1:
        return feeding[0]
    candidates: list[SdkConnection] = feeding or _distinct(live_connections())
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise ValueError("vn.clip needs the connection that serves the stream and none is open: "
                         "pass conn=conn (what vn.connect() returned)")
    raise ValueError(f"{len(candidates)} connections are open ("
                     f"{', '.join(_describe(c) for c in candidates)}); pass conn= to say which "
                     "serves this stream")


def identified(row: pd.Series[Any], store: EventStore | None) -> pd.Series[Any]:
    """A view's row with the rtstream_id, rtstream_name and capture_session_id of the event it
    shows, looked up in `store` by its seq (else by stream and time)."""
    if "rtstream_id" in row.index and isinstance(row["rtstream_id"], str):
        return row
    if store is None:
        raise ValueError("this row has no rtstream_id and no store says where it came from: "
                         "pass store= (the store the row came from), or a row of "
                         "store.alerts(full=True)")
    events = store.df
    found = _by_seq(events, row) if _seq(row) is not None else None
    if found is None:
        found = _by_stream_and_time(events, row)
    ids = ["rtstream_id", "rtstream_name", "capture_session_id"]
    whole: pd.Series[Any] = pd.concat([row.drop(ids, errors="ignore"), found[ids]])
    return whole


def _seq(target: object) -> int | None:
    """The row's seq: its `seq` field, else its index label (a view's index is the seq)."""
    if isinstance(target, pd.Series):
        if "seq" in target.index:
            return int(target["seq"])
        label: Any = target.name
        if isinstance(label, int) or hasattr(label, "__index__"):
            try:
                return int(label)
            except (TypeError, ValueError):
                return None
    return None


def _holds(store: EventStore, seq: int, row: object) -> bool:
    events = store.df
    match = events[events["seq"] == seq]
    if match.empty:
        return False
    if not isinstance(row, pd.Series):
        return True
    start = row.get("start")
    held = match["start"].iloc[0]  # NaT when that store's event #seq has no time span
    if start is None or bool(pd.isna(start)):
        return True
    return not bool(pd.isna(held)) and bool(held == pd.Timestamp(start))


def _by_seq(events: pd.DataFrame, row: pd.Series[Any]) -> pd.Series[Any] | None:
    match = events[events["seq"] == _seq(row)]
    return None if match.empty else match.iloc[0]


def _by_stream_and_time(events: pd.DataFrame, row: pd.Series[Any]) -> pd.Series[Any]:
    name = row.get("stream", row.get("rtstream_name"))
    named = events["rtstream_name"].astype("object").fillna(events["rtstream_id"])
    same = events[(named == name) & (events["start"] == pd.Timestamp(row["start"]))]
    if same.empty:
        raise ValueError(f"no event of the given store is on {name!r} at {row['start']}; pass "
                         "the store this row came from (store=)")
    first: pd.Series[Any] = same.iloc[0]
    return first


def _distinct(items: Iterable[T]) -> list[T]:
    seen: dict[int, T] = {}
    for item in items:
        seen.setdefault(id(item), item)
    return list(seen.values())


def _describe(conn: SdkConnection) -> str:
    emulator = getattr(conn, "emulator", None)
    return f"offline at {emulator.base_url}" if emulator is not None else \
        f"to {getattr(conn, 'base_url', '?')}"
