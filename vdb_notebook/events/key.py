"""The event key: what makes two records the same event, for the store's `key` column,
`Event.key`, and the datasets that give each key once however many writers received it.

- A webhook's key is its delivery id (`'id:<webhook-id>'`, or `'sha:<hash of the body>'`
  without one; the receiver gives it): the same delivery retried to two receivers, or
  replayed from a journal after a crash, is one event.
- A WebSocket frame's key is its content key: a stable hash of its normalised fields, the same
  however it arrived (text or dict), whether hashed alone or as a column of many, so the same
  session replayed twice into one dataset is read back once.
- A feed's own records (channel `feed`: `feed.gap`, `feed.closed`, ...) say what happened to
  one feed at one moment: their key also hashes their arrival time, so two feeds' `feed.closed` are two
  records, and a record replayed from the feed's journal (which keeps its time) is one.

    >>> from vdb_notebook.events import normalise
    >>> frame = {"channel": "transcript", "rtstream_id": "rts-1", "data": {"text": "hi"}}
    >>> normalise(frame).key == normalise(str(frame).replace("'", '"'), source="webhook").key
    True
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

if TYPE_CHECKING:
    from .event import Event

#: The fields a key is computed from, in order (events.event.CONTENT_FIELDS).
KEY_FIELDS = ("channel", "event", "capture_session_id", "end_user_id", "rtstream_id",
              "rtstream_name", "text", "is_final", "label", "confidence", "triggered",
              "timestamp", "start", "end", "status")
FLAG_FIELDS = ("is_final", "triggered")
TIME_FIELDS = ("timestamp", "start", "end")
#: A missing time in the int64 time columns that are hashed.
NO_TIME = np.iinfo("int64").min
FLAG_CODES = {None: -1, False: 0, True: 1}


def content_keys(columns: dict[str, np.ndarray],
                 kept: np.ndarray | None = None) -> pa.LargeStringArray:
    """16-hex-digit keys, one per row, from KEY_FIELDS columns: text as object arrays (None for
    missing), flags as int8 codes (-1 missing), times as int64 ms (NO_TIME missing), confidence
    float64 (NaN missing). pandas' hash_array uses a fixed key: stable across processes.

    `kept`: the frame's text where the store keeps it whole (None elsewhere): two frames whose
    fields agree but that differ elsewhere are two events (their keys hash that text too)."""
    n = len(columns["channel"])
    combined = np.zeros(n, dtype=np.uint64)
    for name in KEY_FIELDS:
        hashes = pd.util.hash_array(columns[name], categorize=False)
        combined = (combined * np.uint64(1_000_003)) ^ hashes
    if kept is not None:
        whole = pd.notna(kept)
        if whole.any():
            combined[whole] = ((combined[whole] * np.uint64(1_000_003))
                               ^ pd.util.hash_array(kept[whole], categorize=False))
    digits = combined.astype(">u8").tobytes().hex().encode("ascii")
    offsets = np.arange(0, 16 * n + 1, 16, dtype=np.int64)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(digits))


def row_keys(arrays: dict[str, pa.Array], given: tuple[str | None, ...]) -> pa.Array:
    """The key column of rows (Arrow columns by name, `received_at` included)
    whose sources gave the keys in `given` (None where they gave none)."""
    import pyarrow.compute as pc
    keys = content_keys(arrow_key_columns(arrays), arrays["raw"].to_numpy(zero_copy_only=False))
    feed = pc.equal(arrays["channel"], "feed")
    if pc.any(feed).as_py():
        times = arrays["received_at"].cast(pa.int64()).to_pylist()
        keys = pa.array([feed_key(k, t) if own else k for k, t, own in zip(
            keys.to_pylist(), times, feed.to_pylist(), strict=True)], pa.large_string())
    if any(k is not None for k in given):
        keys = pc.coalesce(pa.array(given, pa.large_string()), keys)
    return keys


def feed_key(content_key: str, received_at_ms: int | None) -> str:
    """A feed record's key: its content key and its arrival time (ms)."""
    return _hash(f"{content_key}@{received_at_ms}")


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


def event_key(event: Event) -> str:
    """The key of one event (what the store's key column holds for it)."""
    whole = kept_text(event)
    columns = key_columns({name: [getattr(event, name)] for name in KEY_FIELDS})
    keys = content_keys(columns, None if whole is None else np.array([whole], dtype=object))
    key: str = keys[0].as_py()
    if event.channel == "feed":
        return feed_key(key, int(event.received_at))
    return key


def kept_text(event: Event) -> str | None:
    """The text the store keeps for a frame its fields cannot rebuild (events/raw.py), which
    the key hashes too; None when the fields rebuild it."""
    from .raw import arrow_raw
    from .shapes import KEPT, kept_as
    return arrow_raw(event.raw)[0] if kept_as(event) == KEPT else None


def _hash(text: str) -> str:
    import hashlib
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
