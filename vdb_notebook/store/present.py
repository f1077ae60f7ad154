"""How a store's view is shown: filtered, sorted by `start`, timed from the session, at one
precision, each row knowing the store it came from.

- Rows are sorted by `start` (else their `timestamp`), then by arrival.
- `at`: time since the row's capture session went active (its `capture_session.active`
  timestamp; rows with no known session count from the first session's), to the second.
- Times are `datetime64[ms, UTC]`: pandas prints a column of those at one precision
  (`12:35:02.000` beside `12:35:11.500`), where Arrow timestamps print each value at its own.
- The index is `seq`, the row's number in its store, and `df.attrs["store"]` names the store,
  so `vn.clip(row)` and `vn.alert_context(row)` find both (see `store_of`).
- `df.attrs["clock"]` says which clock made the times (also `CLOCK_NOTE`).

    >>> import vdb_notebook as vn
    >>> store = vn.EventStore()
    >>> T0 = 1768912496000
    >>> _ = store.add({"channel": "capture_session", "event": "capture_session.active",
    ...                "capture_session_id": "cap-1", "timestamp": T0})
    >>> for label, at in (("pii", 95_500), ("decision", 30_000)):
    ...     _ = store.add({"channel": "alert", "rtstream_name": "mic", "capture_session_id": "cap-1",
    ...                    "data": {"label": label, "start": T0 + at, "end": T0 + at + 2000}})
    >>> store.alerts()[["at", "start", "label"]]  # doctest: +NORMALIZE_WHITESPACE
                     at                         start     label
    seq
    2   0 days 00:00:30 2026-01-20 12:35:26.000+00:00  decision
    1   0 days 00:01:36 2026-01-20 12:36:31.500+00:00       pii
    >>> store.alerts(label="pii").iloc[0].attrs["store"].startswith("store-")
    True
"""
from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .columns import TIME_FIELDS

#: Which clock made a view's times, as `df.attrs["clock"]` and the docs say it.
CLOCK_NOTE = ("start, end and timestamp come from the service (offline: the scenario's own "
              "clock, a fixed epoch on 2026-01-20 unless vn.connect(clock='wall')); "
              "received_at is this machine's wall clock when the event arrived; "
              "at = start - the session's capture_session.active timestamp")
TIME_DTYPE = "datetime64[ms, UTC]"
AT_DTYPE = "timedelta64[s]"

_lock = threading.Lock()
_tokens = itertools.count(1)
_stores: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()


def token_of(store: Any) -> str:
    """The name a view's `attrs["store"]` gives `store` (made on first use)."""
    with _lock:
        token = getattr(store, "_view_token", None)
        if token is None:
            token = f"store-{next(_tokens)}"
            store._view_token = token
        _stores[token] = store
        return token


def live_stores() -> list[Any]:
    """The stores whose views are alive (named by some view's attrs)."""
    with _lock:
        return list(_stores.values())


def store_of(rows: Any) -> Any:
    """The store a view, or a row of one, came from (None when it cannot say)."""
    attrs = getattr(rows, "attrs", None) or {}
    with _lock:
        return _stores.get(attrs.get("store")) if isinstance(attrs.get("store"), str) else None


def present(store: Any, rows: pd.DataFrame, shown: Iterable[str], *, origins: dict[str, Any],
            label: Any = None, stream: Any = None, session: Any = None, since: Any = None,
            until: Any = None) -> pd.DataFrame:
    """`rows` (a view's frame, with seq, start, timestamp, capture_session_id, rtstream_id,
    stream) filtered, sorted by start, with `at`, shown as the columns `shown` (after `at`).
    The work is one pass over the rows; already sorted rows (the usual case) are not moved."""
    rows = _filter(rows, label=label, stream=stream, session=session)
    when = _when(rows)
    at = _since_active(when, rows, origins)
    keep = _between(when, at, since, until)
    if keep is not None:
        rows, when, at = rows[keep], when[keep], at[keep]
    keys = when.to_numpy(dtype="int64", na_value=np.iinfo("int64").max)
    order = None if bool((keys[1:] >= keys[:-1]).all()) else np.argsort(keys, kind="stable")
    out = rows[[name for name in shown if name != "at"]]  # the view's own arrays, not copied
    for name in TIME_FIELDS:
        if name in out.columns:
            out[name] = _utc_ms(out[name])
    out.insert(0, "at", at.to_numpy())
    out.index = pd.Index(rows["seq"].to_numpy(dtype="int64"), name="seq")
    if order is not None:
        out = out.take(order)
    out.attrs = {"store": token_of(store), "clock": CLOCK_NOTE}
    return out


class Shown:
    """The last unfiltered presentation of one view, extended by the rows added since when
    they sort after it (the usual case), so reading a view after an add costs what is new."""

    def __init__(self) -> None:
        self.key: tuple[Any, ...] | None = None
        self.frame: pd.DataFrame | None = None

    def get(self, store: Any, rows: pd.DataFrame, shown: tuple[str, ...], origins: dict[str, Any],
            key: tuple[Any, ...]) -> pd.DataFrame:
        """The view of `rows` (every row of the view, in seq order); `key` changes when rows
        before the last presented one may have changed (dropped, refilled, other origins)."""
        frame = self.frame
        done = 0 if frame is None or key != self.key else len(frame)
        if done > len(rows):
            done = 0
        new = present(store, rows.iloc[done:] if done else rows, shown, origins=origins)
        if done and len(new):
            if _first_when(new) < _last_when(frame):  # arrived out of order: start over
                new, done = present(store, rows, shown, origins=origins), 0
            else:
                new = pd.concat([frame, new])
                new.attrs = frame.attrs
        elif done:
            new = frame
        self.key, self.frame = key, new
        return new.copy(deep=False)


def _first_when(frame: pd.DataFrame) -> Any:
    when = frame["start"] if "start" in frame.columns else None
    value = when.iloc[0] if when is not None and len(when) else pd.NaT
    return pd.Timestamp.max.tz_localize("UTC") if pd.isna(value) else value


def _last_when(frame: pd.DataFrame) -> Any:
    when = frame["start"].dropna() if "start" in frame.columns else pd.Series([], dtype=object)
    return when.iloc[-1] if len(when) else pd.Timestamp.min.tz_localize("UTC")


def origins_of(lifecycle: pa.Table) -> dict[str, Any]:
    """{capture_session_id: when it went active} from the lifecycle view's Arrow table; key ""
    is the first session's (for rows whose session is unknown)."""
    active = lifecycle.filter(pc.equal(lifecycle.column("event"), "capture_session.active"))
    when = pc.coalesce(active.column("timestamp"), active.column("received_at"))
    found: dict[str, Any] = {}
    for session, at in zip(active.column("capture_session_id").to_pylist(),
                           pc.cast(when, pa.int64()).to_pylist(), strict=True):
        if isinstance(session, str) and at is not None:
            found[session] = min(at, found.get(session, at))
    found = {s: pd.Timestamp(ms, unit="ms", tz="UTC") for s, ms in found.items()}
    if found:
        found[""] = min(found.values())
    return found


def _when(rows: pd.DataFrame) -> pd.Series:
    """When each row happened: its start, else its timestamp."""
    return _utc_ms(rows["start"]).fillna(_utc_ms(rows["timestamp"]))


def _utc_ms(column: pd.Series) -> pd.Series:
    """An Arrow timestamp column as datetime64[ms, UTC] (pandas' own astype goes through
    Python objects: 100x slower)."""
    if not isinstance(column.dtype, pd.ArrowDtype):
        return column.astype(TIME_DTYPE)
    ms = column.array.__arrow_array__().cast(pa.int64())
    values = ms.fill_null(np.iinfo("int64").min).to_numpy().view("datetime64[ms]")  # min: NaT
    return pd.Series(pd.to_datetime(values, utc=True), index=column.index, name=column.name)


def _since_active(when: pd.Series, rows: pd.DataFrame, origins: dict[str, Any]) -> pd.Series:
    if not origins:
        return pd.Series(pd.NaT, index=rows.index, dtype=AT_DTYPE)
    if len(origins) == 2:  # one session: one origin for every row
        origin: Any = origins[""]
    else:
        codes, names = pd.factorize(rows["capture_session_id"], use_na_sentinel=False)
        starts = [origins.get(n, origins[""]) if isinstance(n, str) else origins[""] for n in names]
        origin = pd.Series(pd.DatetimeIndex(starts, tz="UTC").as_unit("ms")[codes], index=rows.index)
    return (when - origin).dt.round("s").astype(AT_DTYPE)


def _filter(rows: pd.DataFrame, *, label: Any, stream: Any, session: Any) -> pd.DataFrame:
    keep = np.ones(len(rows), dtype=bool)
    if label is not None:
        keep &= rows["label"].astype(object).isin(_names("label", label)).to_numpy()
    if stream is not None:
        wanted = _names("stream", stream)
        keep &= (rows["stream"].astype(object).isin(wanted)
                 | rows["rtstream_id"].astype(object).isin(wanted)).to_numpy()
    if session is not None:
        keep &= rows["capture_session_id"].astype(object).isin(
            [getattr(s, "id", s) for s in _names("session", session, objects=True)]).to_numpy()
    return rows[keep] if not keep.all() else rows


def _names(what: str, value: Any, objects: bool = False) -> list[Any]:
    values = [value] if isinstance(value, str) or (objects and hasattr(value, "id")) else value
    try:
        values = list(values)
    except TypeError:
        values = [None]
    if not values or not all(isinstance(v, str) or (objects and hasattr(v, "id")) for v in values):
        example = {"label": "label='sensitive_content'", "stream": "stream='mic:default'",
                   "session": "session=session.id"}[what]
        raise TypeError(f"{what}= takes a name or a list of names, not {value!r}; e.g. {example}")
    return values


def _between(when: pd.Series, at: pd.Series, since: Any, until: Any) -> np.ndarray | None:
    """Which rows are from `since` to `until` (None: no bound given): Timestamps (or ISO text
    with a date) compare with start, durations ('90s', pd.Timedelta, seconds) with `at`."""
    if since is None and until is None:
        return None
    keep = pd.Series(True, index=when.index)
    for name, bound in (("since", since), ("until", until)):
        if bound is None:
            continue
        column, value = _bound(name, bound, when, at)
        keep &= (column >= value) if name == "since" else (column <= value)
    return keep.fillna(False).to_numpy(dtype=bool)


def _bound(name: str, bound: Any, when: pd.Series, at: pd.Series) -> tuple[pd.Series, Any]:
    if isinstance(bound, (pd.Timedelta, np.timedelta64)) or (
            isinstance(bound, str) and _is_duration(bound)):
        return at, pd.Timedelta(bound)
    if isinstance(bound, (int, float)) and not isinstance(bound, bool):
        return at, pd.Timedelta(seconds=bound)
    try:
        stamp = pd.Timestamp(bound)
    except (TypeError, ValueError):
        stamp = None
    if stamp is None or stamp is pd.NaT:
        raise TypeError(f"{name}= takes a time since the session went active ('90s', "
                        f"pd.Timedelta(minutes=2), seconds as a number) or a UTC time "
                        f"(pd.Timestamp('2026-01-20 12:36', tz='UTC')), not {bound!r}")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return when, stamp


def _is_duration(text: str) -> bool:
    try:
        pd.Timedelta(text)
        return True
    except ValueError:
        return False
