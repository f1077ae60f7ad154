"""EventStore: every event as one growing pandas DataFrame, plus the views notebooks want.

    >>> store = EventStore()
    >>> store.add({"channel": "transcript", "rtstream_id": "rts-1",
    ...            "data": {"text": "hi", "is_final": True, "start": 1710000001234,
    ...                     "end": 1710000002345}}).text
    'hi'
    >>> store.add("not json").reason
    'not JSON: Expecting value: line 1 column 1 (char 0) - send one JSON object per frame'
    >>> len(store), len(store.rejected), store.counts()["transcript"]
    (1, 1, 1)

`add` is O(1) amortised and thread-safe; `.df` is built vectorised on demand and cached until
the next add. Its dtypes never change, whatever arrived (an empty store has them too):
received_at, timestamp, start, end `datetime64[ns, UTC]`; channel, source, event, ids, names,
label, status `category` (with sorted `str` categories); text and key Arrow-backed `string`;
is_final, triggered `boolean`; confidence `Float64`; seq `int64`. Frames whose normalised
fields rebuild them exactly are not kept twice; all others keep their raw text or dict, so
`to_jsonl`/`to_parquet` give every frame back.
"""
from __future__ import annotations

import json
import threading
from collections import deque
from pathlib import Path
from typing import Any, Callable, Iterable

import pandas as pd

from . import columns
from ..events.fields import stream_ids, valid_unicode
from ..events.decode import Event, Rejection, normalise
from .views import lifecycle_view, sessions_view, transcript_view

Callback = Callable[[Any], None]
#: How many rtstream -> session owners a store remembers (sessions list a few rtstreams each).
MAX_STREAM_OWNERS = 100_000


class Rejections(deque):
    """The newest rejections (a bounded deque) that also compares equal to a list of them.

    >>> Rejections([], maxlen=2) == []
    True
    """

    def __eq__(self, other: object) -> bool:
        if isinstance(other, list):
            return len(self) == len(other) and list(self) == other
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]


class EventStore:
    """Normalised events in columnar storage; `max_events` keeps only the newest ones.

    `.rejected` keeps the newest `max_rejected` rejections (or `max_events`, if larger);
    `.rejected_dropped` counts the older ones it let go, so nothing goes uncounted:

    >>> store = EventStore(max_rejected=2)
    >>> for frame in ("x", "y", "z"):
    ...     _ = store.add(frame)
    >>> [r.raw for r in store.rejected], store.rejected_dropped
    (['y', 'z'], 1)
    >>> store
    EventStore(0 events; 2 rejected (1 older dropped), 0 dropped)
    """

    def __init__(self, max_events: int | None = None, *, max_rejected: int = 10_000) -> None:
        if max_events is not None and (not isinstance(max_events, int) or max_events < 1):
            raise ValueError(f"max_events must be a positive int or None, not {max_events!r}")
        if not isinstance(max_rejected, int) or max_rejected < 1:
            raise ValueError(f"max_rejected must be a positive int, not {max_rejected!r}")
        self.max_events = max_events
        self.max_rejected = max(max_rejected, max_events or 0)
        self.dropped = 0
        self.rejected: Rejections = Rejections(maxlen=self.max_rejected)
        #: rejections evicted from `.rejected` to keep it within max_rejected
        self.rejected_dropped = 0
        #: rtstream_id -> (capture_session_id, end_user_id), from capture_session.active events
        self._stream_owners: dict[str, tuple[str, str | None]] = {}
        self.callback_errors: list[tuple[Callback, BaseException]] = []
        self._cols = columns.Columns()
        self._counts: dict[str, int] = {}
        self._next_seq = 0
        self._lock = threading.RLock()
        self._df: pd.DataFrame | None = None
        self._subscribers: list[Callback] = []
        self._rejection_subscribers: list[Callback] = []

    # --- input --------------------------------------------------------------------------
    def add(self, frame: Any, *, source: str = "ws",
            received_at_ms: float | None = None) -> Event | Rejection:
        """Normalise one frame (dict, or JSON str/bytes) and keep it; never raises.

        `received_at_ms` (epoch ms) defaults to now; a replay passes the recorded time."""
        return self._add(frame, source, received_at_ms, None)

    def extend(self, frames: Iterable[Any], *, source: str = "ws") -> int:
        """Add many frames; returns how many were stored (the rest are in `.rejected`)."""
        stored = 0
        for frame in frames:
            if type(self._add(frame, source, None, None)) is Event:
                stored += 1
        return stored

    def _add(self, frame: Any, source: str, received_at_ms: float | None,
             seq: int | None) -> Event | Rejection:
        record = normalise(frame, source=source, received_at_ms=received_at_ms)
        if type(record) is Rejection:
            with self._lock:
                if len(self.rejected) == self.max_rejected:
                    self.rejected_dropped += 1
                self.rejected.append(record)
            self._announce(self._rejection_subscribers, record)
            return record
        with self._lock:
            record.seq = self._next_seq if seq is None else max(seq, self._next_seq)
            self._next_seq = record.seq + 1
            self._cols.append(record)
            self._counts[record.channel] = self._counts.get(record.channel, 0) + 1
            if record.event == "capture_session.active":
                self._own_streams(record)
            if self.max_events is not None and len(self._cols) > self.max_events:
                self._counts[self._cols.drop_oldest()] -= 1
                self.dropped += 1
            self._df = None
        if self._subscribers:
            self._announce(self._subscribers, record)
        return record

    def _own_streams(self, active: Event) -> None:
        """Remember which session (and end user) the rtstreams an active event lists belong
        to; `.df` fills them into stream rows that lack them (the latest active event wins)."""
        data = active.frame.get("data") if type(active.frame) is dict else None
        owners = self._stream_owners
        for rts in stream_ids(data) if type(data) is dict else ():
            owners.pop(rts, None)
            owners[rts] = (active.capture_session_id, active.end_user_id)
        while len(owners) > MAX_STREAM_OWNERS:
            del owners[next(iter(owners))]

    # --- live consumers -----------------------------------------------------------------
    def subscribe(self, callback: Callback, *, rejected: bool = False) -> Callable[[], None]:
        """Call `callback(event)` after each add (on the adding thread); returns unsubscribe.

        With rejected=True the callback gets each Rejection instead. Exceptions raised by a
        callback are kept in `store.callback_errors`, never raised into `add`.
        """
        targets = self._rejection_subscribers if rejected else self._subscribers
        with self._lock:
            targets.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in targets:
                    targets.remove(callback)
        return unsubscribe

    def _announce(self, callbacks: list[Callback], record: Any) -> None:
        for callback in tuple(callbacks):
            try:
                callback(record)
            except Exception as exc:
                with self._lock:
                    self.callback_errors.append((callback, exc))
                    del self.callback_errors[:-100]

    # --- reading ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._cols)

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in sorted(self.counts().items()) if v)
        older = f" ({self.rejected_dropped} older dropped)" if self.rejected_dropped else ""
        return (f"EventStore({len(self)} events{': ' + counts if counts else ''}; "
                f"{len(self.rejected)} rejected{older}, {self.dropped} dropped)")

    def counts(self) -> dict[str, int]:
        """{channel: number of events held}, kept up to date by add (cheap)."""
        with self._lock:
            return dict(self._counts)

    @property
    def df(self) -> pd.DataFrame:
        """Every held event, one row each; built once per change, then cached.

        Stream events (transcript, index, alert frames) carry an rtstream_id but often no
        capture_session_id: rows without one get the session (and end_user_id) whose
        `capture_session.active` event listed their rtstream, so `df.groupby(
        "capture_session_id")` groups everything by session. Rows keep their own ids.
        """
        df = self._df
        if df is None:
            with self._lock:
                if self._df is None:
                    self._df = self._cols.frame(self._stream_owners)
                df = self._df
        return df

    def rejected_df(self) -> pd.DataFrame:
        """The rejected frames: received_at, source, reason, raw."""
        rows = list(self.rejected)
        return pd.DataFrame({
            "received_at": columns.ms_to_utc(
                pd.array([r.received_at_ms for r in rows], dtype="float64").to_numpy()),
            "source": pd.Categorical([r.source for r in rows]),
            "reason": pd.array([r.reason for r in rows], dtype=columns.STRING),
            "raw": pd.array([_as_text(r.raw) for r in rows], dtype=columns.STRING),
        })

    def _channel(self, *channels: str) -> pd.DataFrame:
        df = self.df
        return df[df["channel"].isin(channels)].reset_index(drop=True)

    def transcript(self, final_only: bool = True) -> pd.DataFrame:
        """Transcript rows. final_only=False adds, per rtstream, the latest interim not yet
        superseded by a final (one that arrived after it on the same rtstream)."""
        return transcript_view(self._channel("transcript"), final_only)

    def scenes(self) -> pd.DataFrame:
        """Visual index events, whether they came as visual_index or scene_index."""
        return self._channel("visual_index")

    def audio(self) -> pd.DataFrame:
        return self._channel("audio_index")

    def alerts(self) -> pd.DataFrame:
        return self._channel("alert")

    def lifecycle(self) -> pd.DataFrame:
        """Capture-session events, each (session, event) once however often it arrived."""
        return lifecycle_view(self._channel("capture_session"))

    def sessions(self) -> pd.DataFrame:
        """One row per capture session with its latest status (by lifecycle order).

        `n_events` counts the session's distinct lifecycle events (as in `lifecycle()`);
        `n_stream_events` counts its other events (transcript, index, alert), including
        those attributed to it through its rtstreams (see `.df`).

        >>> from vdb_notebook.schema import payloads
        >>> store = EventStore()
        >>> for p in payloads.lifecycle("cap-1")[:3]:  # created, starting, active
        ...     _ = store.add(p, source="webhook")
        >>> rts = payloads.default_rtstreams(0)[0]["rtstream_id"]
        >>> _ = store.add({"channel": "transcript", "rtstream_id": rts, "data": {"text": "hi"}})
        >>> store.sessions()[["capture_session_id", "status", "n_events", "n_stream_events"]
        ...                  ].values.tolist()
        [['cap-1', 'active', 3, 1]]
        """
        df = self.df
        lifecycle = self.lifecycle()
        with self._lock:
            raws = self._cols.raw_of(lifecycle["seq"].tolist())
        streams = df.loc[df["channel"] != "capture_session", "capture_session_id"]
        return sessions_view(lifecycle, raws, streams.value_counts().to_dict())

    # --- files --------------------------------------------------------------------------
    def _records(self) -> list[dict[str, Any]]:
        with self._lock:
            cols = self._cols
            cols.flush()
            h = cols.head
            seqs, times = cols.seq[h:].tolist(), cols.floats["received_at"][h:].tolist()
            sources, raws = cols.strings["source"][h:], cols.raw_values()
            rejected = list(self.rejected)
        records = [{"seq": q, "received_at": t, "source": s, "frame": columns.exported(r)}
                   for q, t, s, r in zip(seqs, times, sources, raws)]
        records += [{"received_at": r.received_at_ms, "source": r.source, "frame": r.raw,
                     "rejected": r.reason} for r in rejected]
        return records

    def to_jsonl(self, path: str | Path) -> Path:
        """Write every held event and rejection, one JSON object a line; returns the path."""
        path = Path(path)
        with path.open("w", encoding="utf-8", errors="surrogatepass") as out:
            for record in self._records():
                out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":"),
                                     default=str))
                out.write("\n")
        return path

    @classmethod
    def from_jsonl(cls, path: str | Path, *, max_events: int | None = None,
                   max_rejected: int = 10_000) -> "EventStore":
        """Read a file written by `to_jsonl` back: same frames, sources and received_at."""
        store = cls(max_events=max_events, max_rejected=max_rejected)
        with Path(path).open(encoding="utf-8", errors="surrogatepass") as lines:
            for number, line in enumerate(lines, 1):
                if line.strip():
                    store._restore(line, f"{path}:{number}")
        return store

    def _restore(self, line: str, where: str) -> None:
        """One line of a to_jsonl file; a bare frame (or garbage) goes in as a frame."""
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if type(record) is dict and "frame" in record:
            self._restore_record(record)
            return
        result = self._add(line, "replay", None, None)
        if type(result) is Rejection:
            result.reason = f"{where}: {result.reason} (expected lines written by to_jsonl)"

    def _restore_record(self, record: dict[str, Any]) -> None:
        source, seq = record.get("source"), record.get("seq")
        result = self._add(record["frame"], source if isinstance(source, str) else "replay",
                           record.get("received_at"), seq if type(seq) is int else None)
        if type(result) is Rejection and isinstance(record.get("rejected"), str):
            result.reason = record["rejected"]

    def to_parquet(self, path: str | Path) -> Path:
        """Write the DataFrame plus what a lossless read-back needs (raw frame, exact times).

        Rejected frames follow the events as rows whose `rejected` column holds the reason.
        """
        with self._lock:
            df, records = self.df, self._records()
        table = df.astype({name: columns.STRING for name in df.columns
                           if isinstance(df[name].dtype, pd.CategoricalDtype)})
        table = pd.concat([table, pd.DataFrame(index=range(len(records) - len(df)))],
                          ignore_index=True)
        table["seq"] = pd.array([r.get("seq") for r in records], dtype="Int64")
        table["received_at_ms"] = pd.array([r["received_at"] for r in records], dtype="float64")
        table["source"] = pd.array([r["source"] for r in records], dtype=columns.STRING)
        table["raw"] = pd.array([json.dumps(r["frame"], default=str)  # ASCII: survives any str
                                 for r in records],
                                dtype=columns.STRING)
        table["rejected"] = pd.array([r.get("rejected") for r in records], dtype=columns.STRING)
        path = Path(path)
        table.to_parquet(path, index=False)
        return path

    @classmethod
    def from_parquet(cls, path: str | Path, *, max_events: int | None = None,
                     max_rejected: int = 10_000) -> "EventStore":
        """Read a file written by `to_parquet` back: same frames, sources and received_at."""
        table = pd.read_parquet(path, columns=["seq", "received_at_ms", "raw", "rejected",
                                               "source"])
        store = cls(max_events=max_events, max_rejected=max_rejected)
        for seq, received_at, raw, reason, source in table.itertuples(index=False):
            store._restore_record({
                "frame": json.loads(raw), "source": source, "received_at": received_at,
                "seq": None if pd.isna(seq) else int(seq),
                "rejected": None if pd.isna(reason) else reason})
        return store


def _as_text(raw: Any) -> str:
    text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, default=repr)
    return valid_unicode(text)

