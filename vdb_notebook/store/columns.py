"""Columnar storage behind EventStore: append-only typed columns with a ring-buffer head.

Events are kept as one Python list or `array` per field (no per-row dicts), and turned into a
DataFrame all at once, with stable dtypes, only when someone asks for it. Materialising also
"seals" the rows added since the last time: their content hashes are computed once and their
text moves into Arrow arrays, which the DataFrame's text column shares instead of copying.
Repeated ids share one string object; a frame that `_shapes.rebuild` gives back exactly is
not kept as raw text at all.

    >>> cols = Columns()
    >>> cols.frame().dtypes["received_at"]
    datetime64[ns, UTC]
"""
from __future__ import annotations

import bisect
import json
from array import array
from typing import Any, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa

from ..events.shapes import KEPT, rebuild, shape_of
from ..events.decode import CONTENT_FIELDS, FIELDS, Event
from ..schema import CHANNELS

NAN = float("nan")
FLOAT_FIELDS = ("received_at", "confidence", "timestamp", "start", "end")
FLAG_FIELDS = ("is_final", "triggered")
CATEGORY_FIELDS = ("source", "event", "capture_session_id", "end_user_id", "rtstream_id",
                   "rtstream_name", "label", "status")
TEXT_FIELDS = ("text",)
TIME_FIELDS = ("received_at", "timestamp", "start", "end")
#: DataFrame column order (the Event attributes, without raw).
COLUMNS = tuple(f for f in FIELDS if f != "raw")
KEY_FIELDS = CONTENT_FIELDS
STRING = pd.StringDtype("pyarrow")
CHANNEL_DTYPE = pd.CategoricalDtype(sorted(CHANNELS))  # sorted, like every category column
#: Stored channel codes index CHANNELS (they feed the content hash, so they never change);
#: this maps them to positions in the sorted categories.
CHANNEL_CODES = {name: code for code, name in enumerate(CHANNELS)}
_SORTED_CHANNEL = np.array([sorted(CHANNELS).index(name) for name in CHANNELS], dtype=np.int8)
_FLAG = {None: -1, False: 0, True: 1}
_UNFLAG = {-1: None, 0: False, 1: True}


def _none(value: float) -> float | None:
    return None if value != value else value


class DictJSON(str):
    """Compact JSON text of a frame that arrived as a dict (so exports give back a dict)."""

    __slots__ = ()


class Columns:
    """Typed, append-only columns; `head` rows at the front are logically dropped."""

    def __init__(self) -> None:
        self.seq = array("q")
        self.floats = {name: array("d") for name in FLOAT_FIELDS}
        self.flags = {name: array("b") for name in FLAG_FIELDS}
        self.channel = array("b")
        self.strings: dict[str, list] = {name: [] for name in (*CATEGORY_FIELDS, *TEXT_FIELDS)}
        self.shape = array("b")
        self.raw: list[Any] = []  # None where the frame can be rebuilt from the columns
        self.key_hash = array("Q")  # content hash of rows [0, len(key_hash)), filled by _seal
        self.text_chunks: list[pa.Array] = []  # text of rows [0, sealed); later rows in strings
        self.sealed = 0
        self.head = 0
        self._interned: dict[Any, Any] = {}
        self.pending: list[tuple] = []  # the newest rows, one tuple each, until _flush

    def __len__(self) -> int:
        return len(self.seq) + len(self.pending) - self.head

    def append(self, ev: Event) -> None:
        """Add one event; its raw frame is kept only when the columns cannot rebuild it.

        Rows wait as tuples and move into the columns a batch at a time (one transpose in C
        instead of twenty appends per row)."""
        try:
            shape = shape_of(ev) if type(ev.frame) is dict else KEPT
        except Exception:  # e.g. a caller's dict holding objects whose == misbehaves
            shape = KEPT
        if shape != KEPT:
            raw = None
        elif type(ev.raw) is dict:
            raw = compact_json(ev.raw)
        else:
            raw = ev.raw
        self.pending.append((
            ev.seq, ev.received_at, ev.source, CHANNEL_CODES[ev.channel], ev.event,
            ev.capture_session_id, ev.end_user_id, ev.rtstream_id, ev.rtstream_name, ev.text,
            ev.is_final, ev.label, ev.confidence, ev.triggered, ev.timestamp, ev.start, ev.end,
            ev.status, shape, raw))
        if len(self.pending) >= 2048:
            self.flush()

    def flush(self) -> None:
        """Move the pending rows into the typed columns."""
        if not self.pending:
            return
        (seq, received_at, source, channel, event, session, user, rtstream, rtstream_name,
         text, is_final, label, confidence, triggered, timestamp, start, end, status, shape,
         raw) = zip(*self.pending)
        self.pending = []
        intern = self._interned.setdefault  # repeated ids share one string object
        if len(self._interned) > 200_000:  # odd inputs must not grow it without bound
            self._interned.clear()
        strings, floats, flags = self.strings, self.floats, self.flags
        for name, values in (("source", source), ("event", event),
                             ("capture_session_id", session), ("end_user_id", user),
                             ("rtstream_id", rtstream), ("rtstream_name", rtstream_name),
                             ("label", label), ("status", status)):
            strings[name].extend([intern(v, v) for v in values])
        strings["text"].extend(text)
        for name, values in (("confidence", confidence), ("timestamp", timestamp),
                             ("start", start), ("end", end)):
            floats[name].extend([NAN if v is None else v for v in values])
        floats["received_at"].extend(received_at)
        flags["is_final"].extend([_FLAG[v] for v in is_final])
        flags["triggered"].extend([_FLAG[v] for v in triggered])
        self.seq.extend(seq)
        self.channel.extend(channel)
        self.shape.extend(shape)
        self.raw.extend(raw)

    def drop_oldest(self) -> str:
        """Drop the oldest row (O(1) amortised); returns its channel."""
        head = self.head
        if head >= len(self.seq):
            self.flush()
        channel = CHANNELS[self.channel[head]]
        self.raw[head] = None
        if head >= self.sealed:
            self.strings["text"][head - self.sealed] = None
        self.head = head + 1
        if self.head >= 1024 and self.head * 2 >= len(self.seq):
            self._compact()
        return channel

    def _compact(self) -> None:
        """Forget the dropped rows for good: one O(live) copy after >= live drops."""
        cut = self.head
        for col in (self.seq, self.channel, *self.floats.values(), *self.flags.values(),
                    *(self.strings[name] for name in CATEGORY_FIELDS), self.shape, self.raw):
            del col[:cut]
        del self.key_hash[:cut]
        texts = self.strings["text"]
        if cut >= self.sealed:
            del texts[:cut - self.sealed]
            self.text_chunks, self.sealed = [], 0
        else:  # copy the live part of the sealed text so the dropped part is freed
            live = pa.chunked_array(self.text_chunks, pa.string()).slice(cut).chunks
            self.text_chunks = [pa.concat_arrays(live)] if live else []
            self.sealed -= cut
        self.head = 0

    def texts(self) -> list[str | None]:
        """The live rows' text as Python strings (for exports)."""
        self.flush()
        sealed = pa.chunked_array(self.text_chunks, pa.string()).slice(self.head).to_pylist()
        return sealed + self.strings["text"][max(0, self.head - self.sealed):]

    def raw_values(self) -> list[Any]:
        """The live rows' frames: as received, or rebuilt (as dicts) where they were elided."""
        self.flush()
        h = self.head
        raws, texts = self.raw[h:], self.texts()
        for i, shape in enumerate(self.shape[h:]):
            if shape != KEPT:
                raws[i] = self._rebuild(h + i, texts[i])
        return raws

    def raw_of(self, seqs: Iterable[int]) -> dict[int, Any]:
        """{seq: frame} for the given live seqs (O(log n) each; absent ones are left out)."""
        self.flush()
        found = {}
        for seq in seqs:
            i = bisect.bisect_left(self.seq, seq, self.head)
            if i < len(self.seq) and self.seq[i] == seq:
                found[seq] = self.raw[i] if self.shape[i] == KEPT else self._rebuild(i, self._text(i))
        return found

    def _text(self, i: int) -> str | None:
        """The text of row `i` (of the flushed rows), sealed into Arrow or not."""
        if i >= self.sealed:
            return self.strings["text"][i - self.sealed]
        return pa.chunked_array(self.text_chunks, pa.string())[i].as_py()

    def _rebuild(self, i: int, text: str | None) -> dict[str, Any]:
        """The frame of row `i`, stored without its raw frame, rebuilt from its columns."""
        s, f, g = self.strings, self.floats, self.flags
        return rebuild(self.shape[i], CHANNELS[self.channel[i]], s["rtstream_id"][i],
                       s["rtstream_name"][i], text, _UNFLAG[g["is_final"][i]], s["label"][i],
                       _none(f["confidence"][i]), _UNFLAG[g["triggered"][i]],
                       _none(f["start"][i]), _none(f["end"][i]))

    def _seal(self) -> None:
        """Hash the rows added since the last call, and move their text into Arrow (compact,
        shared with the DataFrame) so only rows added since stay as Python strings."""
        start = len(self.key_hash)
        if start == len(self.seq):
            return
        keyed: dict[str, Any] = {name: np.array(col[start:], dtype=object)
                                 for name, col in self.strings.items() if name != "text"}
        keyed.update({name: np.array(col[start:]) for name, col in
                      (*self.floats.items(), *self.flags.items(), ("channel", self.channel))})
        texts = self.strings["text"]
        keyed["text"] = np.array(texts[start - self.sealed:], dtype=object)
        self.key_hash.extend(content_hashes([keyed[name] for name in KEY_FIELDS]).tolist())
        self.text_chunks.append(pa.array(keyed["text"], pa.string()))
        # keep O(log n) chunks: merge neighbours of similar size (amortised O(log n) copies)
        chunks = self.text_chunks
        while len(chunks) > 1 and len(chunks[-2]) <= 2 * len(chunks[-1]):
            chunks[-2:] = [pa.concat_arrays(chunks[-2:])]
        del texts[:]
        self.sealed = len(self.seq)

    def frame(self, stream_owners: dict[str, tuple[str, str | None]] | None = None
              ) -> pd.DataFrame:
        """All live rows as a DataFrame with stable dtypes (same for an empty store).

        `stream_owners` maps rtstream_id -> (capture_session_id, end_user_id): rows on such
        an rtstream that carry no session of their own get that one (see `fill_owners`)."""
        self.flush()
        self._seal()
        h = self.head
        data: dict[str, Any] = {"seq": _numpy(self.seq, h)}
        for name in FLOAT_FIELDS:
            values = _numpy(self.floats[name], h)
            if name in TIME_FIELDS:
                data[name] = ms_to_utc(values)
            else:
                data[name] = pd.arrays.FloatingArray(np.nan_to_num(values), np.isnan(values))
        for name in FLAG_FIELDS:
            codes = _numpy(self.flags[name], h)
            data[name] = pd.arrays.BooleanArray(codes == 1, codes < 0)
        data["channel"] = pd.Categorical.from_codes(_SORTED_CHANNEL[_numpy(self.channel, h)],
                                                    dtype=CHANNEL_DTYPE)
        values = {name: np.array(self.strings[name][h:], dtype=object)
                  for name in CATEGORY_FIELDS}
        if stream_owners:
            fill_owners(values, stream_owners)
        for name in CATEGORY_FIELDS:
            data[name] = categorical(values[name])
        text = pa.chunked_array(self.text_chunks, pa.string()).slice(h)
        data["text"] = pd.arrays.ArrowStringArray(text)
        data["key"] = hex_keys(_numpy(self.key_hash, h))
        return pd.DataFrame({name: data[name] for name in COLUMNS}, copy=False)


def _numpy(column: array, head: int) -> np.ndarray:
    """A copy of column[head:] as numpy (never a view: the array must stay resizable)."""
    return np.array(column[head:])


def compact_json(frame: dict) -> Any:
    """A dict frame as compact JSON text (immune to later mutation by the caller)."""
    try:
        return DictJSON(json.dumps(frame, ensure_ascii=False, separators=(",", ":")))
    except Exception:
        return frame  # not JSON-serialisable (e.g. a datetime inside): keep the dict itself


def exported(raw: Any) -> Any:
    """A held raw frame as it appears in an export: dicts as objects, text as text."""
    return json.loads(raw) if type(raw) is DictJSON else raw


def categorical(values: np.ndarray) -> pd.Categorical:
    """Strings (None for missing) -> a categorical whose categories are always `str`, sorted
    (so sorting by the column sorts by value, whatever order the values arrived in).

    >>> list(categorical(np.array(["mic", None, "display", "mic"], dtype=object)).categories)
    ['display', 'mic']
    """
    codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=True)
    categories = pd.Index(uniques, dtype="str")
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories))


def fill_owners(values: dict[str, np.ndarray],
                owners: dict[str, tuple[str, str | None]]) -> None:
    """Give rows with no capture_session_id the session that owns their rtstream (and its
    end_user_id where the row has none), in place; one lookup per distinct rtstream.

    >>> values = {"rtstream_id": np.array(["rts-1", "rts-2", None], dtype=object),
    ...           "capture_session_id": np.array([None, "cap-9", None], dtype=object),
    ...           "end_user_id": np.array([None, None, None], dtype=object)}
    >>> fill_owners(values, {"rts-1": ("cap-1", "u-1"), "rts-2": ("cap-2", "u-2")})
    >>> values["capture_session_id"].tolist(), values["end_user_id"].tolist()
    (['cap-1', 'cap-9', None], ['u-1', None, None])
    """
    codes, streams = pd.factorize(values["rtstream_id"], use_na_sentinel=True)
    if not len(streams):
        return
    owned = [owners.get(rts, (None, None)) for rts in streams] + [(None, None)]  # [-1]: no rts
    owner_session = np.array([o[0] for o in owned], dtype=object)[codes]
    owner_user = np.array([o[1] for o in owned], dtype=object)[codes]
    session = values["capture_session_id"]
    fill = pd.isna(session) & pd.notna(owner_session)
    if fill.any():
        session = np.where(fill, owner_session, session)
        values["capture_session_id"] = session
    user = values["end_user_id"]
    fill = pd.isna(user) & pd.notna(owner_user) & (session == owner_session)
    if fill.any():
        values["end_user_id"] = np.where(fill, owner_user, user)


def ms_to_utc(values: np.ndarray) -> pd.DatetimeIndex:
    """Epoch-ms floats (NaN for missing) -> tz-aware UTC nanosecond timestamps, vectorised."""
    missing = np.isnan(values)
    ns = np.where(missing, 0, np.rint(values * 1e6)).astype("int64")
    ns[missing] = np.iinfo("int64").min  # NaT
    return pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC")


def content_hashes(columns: list[np.ndarray]) -> np.ndarray:
    """One uint64 per row from the key columns, stable across runs and processes (pandas'
    hash_array uses a fixed hash key)."""
    combined = np.zeros(len(columns[0]), dtype=np.uint64)
    for values in columns:
        hashes = pd.util.hash_array(values, categorize=False)  # factorising text is slower
        combined = (combined * np.uint64(1_000_003)) ^ hashes
    return combined


def hex_keys(hashes: np.ndarray) -> pd.arrays.ArrowStringArray:
    """uint64 hashes -> 16-hex-digit strings, built without a per-row Python loop."""
    n = len(hashes)
    digits = hashes.astype(">u8").tobytes().hex().encode("ascii")
    offsets = np.arange(0, 16 * n + 1, 16, dtype=np.int32)
    return pd.arrays.ArrowStringArray(
        pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(digits)))
