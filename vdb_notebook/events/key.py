"""An event's content key: a stable hash of its normalised fields, the same for one event
however it arrived (WebSocket text, dict, webhook) and whether it is hashed alone (`Event.key`)
or as a column of many (the store's `key` column).

    >>> from vdb_notebook.events import normalise
    >>> frame = {"channel": "transcript", "rtstream_id": "rts-1", "data": {"text": "hi"}}
    >>> normalise(frame).key == normalise(str(frame).replace("'", '"'), source="webhook").key
    True
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

#: The fields a key is computed from, in order (events.event.CONTENT_FIELDS).
KEY_FIELDS = ("channel", "event", "capture_session_id", "end_user_id", "rtstream_id",
              "rtstream_name", "text", "is_final", "label", "confidence", "triggered",
              "timestamp", "start", "end", "status")
FLAG_FIELDS = ("is_final", "triggered")
TIME_FIELDS = ("timestamp", "start", "end")
#: A missing time in the int64 time columns that are hashed.
NO_TIME = np.iinfo("int64").min
FLAG_CODES = {None: -1, False: 0, True: 1}


def content_keys(columns: dict[str, np.ndarray]) -> pa.LargeStringArray:
    """16-hex-digit keys, one per row, from KEY_FIELDS columns: text as object arrays (None for
    missing), flags as int8 codes (-1 missing), times as int64 ms (NO_TIME missing), confidence
    float64 (NaN missing). pandas' hash_array uses a fixed key: stable across processes."""
    n = len(columns["channel"])
    combined = np.zeros(n, dtype=np.uint64)
    for name in KEY_FIELDS:
        hashes = pd.util.hash_array(columns[name], categorize=False)
        combined = (combined * np.uint64(1_000_003)) ^ hashes
    digits = combined.astype(">u8").tobytes().hex().encode("ascii")
    offsets = np.arange(0, 16 * n + 1, 16, dtype=np.int64)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(digits))


def key_columns(values: dict[str, list[Any]]) -> dict[str, np.ndarray]:
    """Python values per KEY_FIELDS name (None for missing) -> the arrays content_keys takes."""
    arrays: dict[str, np.ndarray] = {}
    for name in KEY_FIELDS:
        column = values[name]
        if name in FLAG_FIELDS:
            arrays[name] = np.array([FLAG_CODES[v] for v in column], dtype=np.int8)
        elif name in TIME_FIELDS:
            arrays[name] = np.array([NO_TIME if v is None else v for v in column], dtype=np.int64)
        elif name == "confidence":
            arrays[name] = np.array([np.nan if v is None else v for v in column], dtype=np.float64)
        else:
            arrays[name] = np.array(column, dtype=object)
    return arrays


def arrow_key_columns(arrays: dict[str, pa.Array]) -> dict[str, np.ndarray]:
    """The arrays content_keys takes, from Arrow columns (times as timestamp or int64 ms)."""
    import pyarrow.compute as pc
    out: dict[str, np.ndarray] = {}
    for name in KEY_FIELDS:
        column = arrays[name]
        if name in FLAG_FIELDS:
            out[name] = pc.fill_null(column.cast(pa.int8()), -1).to_numpy()
        elif name in TIME_FIELDS:
            out[name] = pc.fill_null(column.cast(pa.int64()), NO_TIME).to_numpy()
        elif name == "confidence":
            out[name] = pc.fill_null(column, np.nan).to_numpy()
        else:
            out[name] = column.to_numpy(zero_copy_only=False)
    return out


def event_key(event: Any) -> str:
    """The key of one event (what the store's key column holds for it)."""
    keys = content_keys(key_columns({name: [getattr(event, name)] for name in KEY_FIELDS}))
    return keys[0].as_py()
