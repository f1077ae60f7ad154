"""`vn.alert_context`: what was said and shown around an alert, as one DataFrame.

    >>> import vdb_notebook as vn
    >>> store = vn.EventStore()
    >>> T0 = 1768912496000
    >>> _ = store.add({"channel": "capture_session", "event": "capture_session.active",
    ...                "capture_session_id": "cap-1", "timestamp": T0})
    >>> _ = store.add({"channel": "transcript", "rtstream_name": "mic:default",
    ...                "data": {"text": "the card is 4111", "is_final": True,
    ...                         "start": T0 + 90_000, "end": T0 + 94_000}})
    >>> _ = store.add({"channel": "alert", "rtstream_name": "mic:default",
    ...                "data": {"label": "sensitive_content", "confidence": 0.9,
    ...                         "start": T0 + 92_000, "end": T0 + 95_000}})
    >>> alert = store.alerts().iloc[0]
    >>> alert_context(store, alert)[["at", "from_alert", "channel", "stream", "text"]]
          at from_alert     channel       stream              text
    0  01:30     -00:02  transcript  mic:default  the card is 4111
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

import pandas as pd

from .._compat import keyword_only
from .._duration import Duration, seconds
from .clock import mmss, session_start

if TYPE_CHECKING:
    from ..store.store import EventStore

#: An alert as alert_context takes it: a row of `store.alerts()` (a Series or an
#: `itertuples()` row) or the alert's `seq`.
AlertRef: TypeAlias = "pd.Series | tuple[Any, ...] | int"

#: The channels that say what was said (transcript, audio index) and shown (visual index).
CONTEXT_CHANNELS = ("transcript", "audio_index", "visual_index")
COLUMNS = ["at", "from_alert", "channel", "stream", "text", "start", "end"]


@keyword_only("before", "after")
def alert_context(store: EventStore | pd.Series, alert: AlertRef | None = None, *, before: Duration = "10s",
                  after: Duration = "5s") -> pd.DataFrame:
    """The final transcript lines, audio summaries and screen descriptions that overlap the
    alert's span widened by `before` and `after` (seconds, a string such as "10s" or "1m30s",
    or a timedelta), in time order.

    `alert` is a row of `store.alerts()` (a Series or an `itertuples()` row) or an alert's
    `seq`; `vn.alert_context(row)` alone finds the row's store (see review.targets). Columns: `at` (mm:ss since the session went active), `from_alert` (mm:ss from the
    alert's start), `channel`, `stream`, `text`, `start`, `end`.
    """
    store, alert = _store_and_alert(store, alert)
    df = store.df
    start, end = _span(df, alert)
    before, after = _duration(before, "before"), _duration(after, "after")
    rows = df[df["channel"].astype(object).isin(CONTEXT_CHANNELS)
              & df["is_final"].fillna(True).astype(bool)]
    ends = rows["end"].fillna(rows["start"])
    near = rows[(ends >= start - before) & (rows["start"] <= end + after)]
    near = near.sort_values(["start", "seq"], kind="stable")
    origin = session_start(df).at
    origin = start if origin is None else origin
    context: pd.DataFrame = pd.DataFrame({
        "at": [mmss((t - origin).total_seconds()) for t in near["start"]],
        "from_alert": [mmss((t - start).total_seconds()) for t in near["start"]],
        "channel": near["channel"].astype(str).to_numpy(),
        "stream": near["rtstream_name"].astype(object).fillna(near["rtstream_id"]).astype(str)
                  .to_numpy(),
        "text": near["text"].astype(object).to_numpy(),
        "start": near["start"].to_numpy(),
        "end": near["end"].to_numpy(),
    }, columns=COLUMNS)
    return context


def _store_and_alert(store: EventStore | pd.Series,
                     alert: AlertRef | None) -> tuple[EventStore, AlertRef]:
    """(store, alert) from alert_context(store, alert) or alert_context(row)."""
    if alert is not None:
        if isinstance(store, pd.Series):
            raise ValueError("pass the store first: vn.alert_context(store, alert), or the "
                             "alert's row alone: vn.alert_context(store.alerts().iloc[0])")
        return store, alert
    from ..review.targets import store_for
    found: EventStore | None = store_for(store) if isinstance(store, pd.Series) else None
    if found is None or not isinstance(store, pd.Series):
        raise ValueError(_PASS_AN_ALERT)
    return found, store


_PASS_AN_ALERT = ("pass an alert: vn.alert_context(store.alerts().iloc[0]) (a view's row knows "
                  "its store) or vn.alert_context(store, alert)")


def _span(df: pd.DataFrame, alert: AlertRef) -> tuple[pd.Timestamp, pd.Timestamp]:
    if isinstance(alert, (int,)) and not isinstance(alert, bool):
        match = df[df["seq"] == alert]
        if not len(match) or match["channel"].iloc[0] != "alert":
            raise ValueError(f"no alert with seq {alert} in the store; pass a row of "
                             "store.alerts() or its seq")
        alert = match.iloc[0]
    start = getattr(alert, "start", None)
    if start is None or pd.isna(start):
        start = getattr(alert, "timestamp", None)
    if start is None or pd.isna(start):
        raise ValueError("the alert has no start or timestamp; pass a row of store.alerts(), "
                         "e.g. vn.alert_context(store, store.alerts().iloc[0])")
    end = getattr(alert, "end", None)
    return pd.Timestamp(start), pd.Timestamp(start if end is None or pd.isna(end) else end)


def _duration(value: Duration, name: str) -> pd.Timedelta:
    span: pd.Timedelta = pd.Timedelta(seconds=seconds(value, name))
    return span
