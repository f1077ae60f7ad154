"""DataFrame rows back into event-like objects, for panes that catch up on a filled store.

    >>> import vdb_notebook as vn
    >>> store = vn.EventStore()
    >>> _ = store.add({"channel": "transcript", "data": {"text": "hi", "start": 1768912496000}})
    >>> row = event_rows(store.df)[0]
    >>> row.text, row.start, row.is_final
    ('hi', 1768912496000, None)
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Protocol

import numpy as np
import pandas as pd

TIME_COLUMNS = ("received_at", "timestamp", "start", "end")


class EventRow(Protocol):
    """What the panes read off an event: an `Event`, or a row of `store.df` from event_rows."""

    @property
    def seq(self) -> int: ...
    @property
    def received_at(self) -> int: ...
    @property
    def source(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def event(self) -> str: ...
    @property
    def capture_session_id(self) -> str | None: ...
    @property
    def end_user_id(self) -> str | None: ...
    @property
    def rtstream_id(self) -> str | None: ...
    @property
    def rtstream_name(self) -> str | None: ...
    @property
    def text(self) -> str | None: ...
    @property
    def is_final(self) -> bool | None: ...
    @property
    def label(self) -> str | None: ...
    @property
    def confidence(self) -> float | None: ...
    @property
    def triggered(self) -> bool | None: ...
    @property
    def timestamp(self) -> int | None: ...
    @property
    def start(self) -> int | None: ...
    @property
    def end(self) -> int | None: ...
    @property
    def status(self) -> str | None: ...


def epoch_ms(series: pd.Series) -> list[int | None]:
    """UTC timestamps -> integer epoch milliseconds (None for NaT), exactly as the live events
    carry them (never through a float: 1710000000101 stays 1710000000101)."""
    ms = series.to_numpy(dtype="datetime64[ms]").astype("int64")
    missing = ms == np.iinfo("int64").min
    return [None if gone else v for v, gone in zip(ms.tolist(), missing.tolist(), strict=True)]


def event_rows(df: pd.DataFrame) -> list[EventRow]:
    """Each row as an object with the Event attributes (times in epoch ms, NA as None)."""
    if len(df) == 0:
        return []
    columns: dict[str, list[Any]] = {}
    for name in df.columns:
        series = df[name]
        if name in TIME_COLUMNS:
            columns[name] = epoch_ms(series)
        else:
            columns[name] = series.astype(object).where(series.notna(), None).tolist()
    names = list(columns)
    return [SimpleNamespace(**dict(zip(names, values, strict=True)))
            for values in zip(*columns.values(), strict=True)]
