"""DataFrame rows back into event-like objects, for panes that catch up on a filled store.

    >>> import vdb_notebook as vn
    >>> store = vn.EventStore()
    >>> _ = store.add({"channel": "transcript", "data": {"text": "hi", "start": 1768912496000}})
    >>> row = event_rows(store.df)[0]
    >>> row.text, row.start, row.is_final
    ('hi', 1768912496000.0, None)
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

TIME_COLUMNS = ("received_at", "timestamp", "start", "end")


def epoch_ms(series: pd.Series) -> list[float | None]:
    """UTC timestamps -> epoch milliseconds (None for NaT), as the live events carry them."""
    ns = series.to_numpy(dtype="datetime64[ns]").astype("int64")
    ms = np.where(ns == np.iinfo("int64").min, np.nan, ns / 1e6)
    return [None if v != v else v for v in ms.tolist()]


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
    return [SimpleNamespace(**dict(zip(names, values))) for values in zip(*columns.values())]
