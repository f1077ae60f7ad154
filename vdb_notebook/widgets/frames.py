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
from typing import Any

import numpy as np
import pandas as pd

TIME_COLUMNS = ("received_at", "timestamp", "start", "end")


def epoch_ms(series: pd.Series) -> list[int | None]:
    """UTC timestamps -> integer epoch milliseconds (None for NaT), exactly as the live events
    carry them (never through a float: 1710000000101 stays 1710000000101)."""
    ms = series.to_numpy(dtype="datetime64[ms]").astype("int64")
    missing = ms == np.iinfo("int64").min
    return [None if gone else v for v, gone in zip(ms.tolist(), missing.tolist(), strict=True)]


def event_rows(df: pd.DataFrame) -> list[SimpleNamespace]:
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
