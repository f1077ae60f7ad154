"""The raw-frame journal: what `Feed(record_to=...)` writes and `vn.replay` reads.

One JSON object per line, in arrival order:

    {"received_at": 1769000000123.4, "source": "ws", "frame": "<the frame text exactly as received>"}
    {"received_at": 1769000000456.7, "source": "feed", "frame": {"channel": "feed", "event": "feed.gap", ...}}

`frame` keeps a WebSocket frame as the exact text that came off the socket (even when it is not
JSON), so a replay meets the very bytes the live feed met; the feed's own records (gaps,
reconnects) are objects. `received_at` is epoch milliseconds (UTC). The keys are those of
`EventStore.to_jsonl`, so `EventStore.from_jsonl(journal)` reads a journal too, and `vn.replay`
reads both.

After a crash, replaying the journal into the store's dataset puts every journaled frame there
exactly once: `vn.replay(path, store=vn.EventStore(path=dataset))` adds them all again, and
readers give each event key once (a frame's content key; a feed record's key includes its
recorded arrival time, which the journal keeps), so what the dataset writer had already written
is not read back twice.

Lines are buffered and written in batches (every `batch_size` lines or `flush_after` seconds,
whichever comes first) and flushed to the OS, so a crashed kernel loses at most the last batch.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "j.jsonl")
    >>> with FrameJournal(path) as j:
    ...     j.write('{"channel": "transcript"}', 1000.0)
    >>> [(r.received_at, r.source, r.frame) for r in read_records(path)]
    [(1000.0, 'ws', '{"channel": "transcript"}')]
"""
from __future__ import annotations

import asyncio
import json
import os
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._compat import renamed

#: Keys a journal line (or an EventStore.to_jsonl line) may have; "frame" is required.
_RECORD_KEYS = frozenset(("seq", "received_at", "source", "frame", "rejected", "truncated",
                          "size"))
_encode = json.JSONEncoder(ensure_ascii=False).encode
_SOURCES = {name: _encode(name) for name in ("ws", "feed", "replay")}
RECORD_BATCH = 512  # lines written at a time (docs/LIMITS.md)
FLUSH_AFTER_S = 0.25  # ... or after this long, whichever comes first


@dataclass(frozen=True)
class Record:
    """One journal line: the frame as received, when, and from which source."""

    received_at: float | None
    source: str
    frame: Any


class FrameJournal:
    """Appends raw frames to a JSONL file in batches.

    The file is opened for appending: re-running a cell never destroys an earlier recording.
    """

    def __init__(self, path: str | os.PathLike[str], *, batch_size: int = RECORD_BATCH,
                 flush_after: float = FLUSH_AFTER_S):
        self.path = Path(path)
        self.batch_size = batch_size
        self.flush_after = flush_after
        self.written = 0
        self.lost = 0
        self.error: OSError | None = None
        self._lines: list[str] = []
        self._oldest = 0.0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        cut_short = _ends_mid_line(self.path)
        # held open across writes and closed by close(), so no `with` block
        self._file = open(self.path, "a", encoding="utf-8",  # noqa: SIM115
                          errors="backslashreplace", newline="\n")
        if cut_short:  # a crash left half a line: end it, so our first line stays whole
            self._file.write("\n")

    def write(self, raw: Any, received_at: float, source: str = "ws") -> None:
        """Buffer one frame; writes the batch when it is full or old enough."""
        if not self._lines:
            self._oldest = time.monotonic()
        self._lines.append(f'{{"received_at": {received_at!r}, "source": '
                           f'{_SOURCES.get(source) or _encode(source)}, "frame": {_encode(raw)}}}\n')
        if len(self._lines) >= self.batch_size or time.monotonic() - self._oldest >= self.flush_after:
            self.flush()

    @property
    def pending(self) -> int:
        """Lines buffered but not yet written."""
        return len(self._lines)

    def flush(self) -> None:
        """Write the buffered lines. A failing disk (full, gone) stops the recording, never the
        feed: the error is kept in `.error` and the lines it could not write are counted in
        `.lost`; the events themselves are still in the store."""
        if not self._lines:
            return
        if self.error is None and not self._file.closed:
            try:
                self._file.write("".join(self._lines))
                self._file.flush()
                self.written += len(self._lines)
            except OSError as exc:
                self.error = exc
                warnings.warn(f"recording to {self.path} stopped: {exc}; the feed goes on "
                              "without it", RuntimeWarning, stacklevel=2)
        if self.error is not None or self._file.closed:
            self.lost += len(self._lines)
        self._lines.clear()

    def close(self) -> None:
        if not self._file.closed:
            self.flush()
            try:
                self._file.close()
            except OSError as exc:
                self.error = self.error or exc

    @property
    def closed(self) -> bool:
        return self._file.closed

    def __enter__(self) -> FrameJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"FrameJournal({str(self.path)!r}, written={self.written}, pending={self.pending})"


async def flush_when_quiet(journal: FrameJournal) -> None:
    """Flush `journal` every `flush_after` seconds until it is closed, so a batch waits at most
    that long even when no further frame comes (`write` only flushes when a frame arrives)."""
    while not journal.closed:
        await asyncio.sleep(journal.flush_after)
        if journal.pending and not journal.closed:
            journal.flush()


def _ends_mid_line(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            f.seek(-1, os.SEEK_END)
            return f.read(1) != b"\n"
    except OSError:  # missing or empty
        return False


def as_record(item: Any, default_source: str = "replay") -> Record:
    """A journal or to_jsonl line ({"frame": ..., "received_at": ..., "source": ...}) -> Record;
    anything else is taken as a frame itself.

    A bare frame (a dict of any other shape, or a JSON string) has no arrival time: it replays
    without pacing.
    """
    if isinstance(item, dict) and "frame" in item and item.keys() <= _RECORD_KEYS:
        received_at = item.get("received_at")
        if not isinstance(received_at, (int, float)) or isinstance(received_at, bool):
            received_at = None
        return Record(received_at, str(item.get("source", default_source)), item["frame"])
    return Record(None, default_source, item)


def read_records(path: str | os.PathLike[str]) -> Iterator[Record]:
    """Records of a journal file in order. A line that is not JSON (say, cut short by a crash)
    comes back as its text, so the store can reject it with a reason rather than lose it."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError:
                yield Record(None, "replay", line)
                continue
            yield as_record(item)


def count_lines(path: str | os.PathLike[str]) -> int:
    """Non-empty lines in a file (for a progress bar's total) without parsing them."""
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())


#: Deprecated name of `read_records` (vn.webhooks.read_journal returned payloads, not records).
read_journal = renamed(read_records, "vdb_notebook.feed.journal.read_journal", "read_records")
