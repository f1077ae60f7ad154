"""A receiver's journal: what it accepted (durably, before answering) and what it processed.

One JSON record per line:

- `{"kind": "accepted", "key", "webhook_id", "received_at", "payload"}` is written, flushed and
  fsync'd before the receiver answers 2xx, so an acknowledged event survives a crash;
- `{"kind": "processed", "key"}` is written (flushed, not fsync'd: a killed process loses no
  flushed write, and a lost mark only means the handlers run again) as soon as the store has
  the event and every handler has returned (or raised; the error is kept);
- `{"kind": "seen", "digest", "at"}` keeps a processed key in the dedup window after compaction.

A receiver opened on an existing journal treats every key in the dedup window as already seen
(a late duplicate is still a duplicate) and processes, before anything new, each accepted
record that has no processed mark. A damaged last line (a crash mid-write) is skipped and
counted. The file is read a line at a time: memory holds the unprocessed records and the dedup
window, never the whole journal.

Compaction: once `compact_after` events have been processed since the last compaction (checked
at open and as events are processed), the file is rewritten (a new file, fsync'd, then renamed
over the old one) to the seen keys of the dedup window plus the unprocessed records; processed
payloads leave the journal then (the store has them).

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "hooks.jsonl")
    >>> j = DeliveryJournal(path)
    >>> j.write([accepted_record("id:m1", "m1", 0.0, {"event": "x"})], fsync=True)
    >>> j.mark_processed("id:m1"); j.close()
    >>> state = read_state(path); (state.accepted, state.processed, state.unprocessed)
    (1, 1, [])
    >>> read_payloads(path)
    [{'event': 'x'}]
"""
from __future__ import annotations

import asyncio
import functools
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._compat import renamed
from ..store.durable import fsync_dir
from .dedup import SeenKeys

COMPACT_AFTER = 10_000


def accepted_record(key: str, webhook_id: str | None, received_at: float,
                    payload: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "accepted", "key": key, "webhook_id": webhook_id,
            "received_at": received_at, "payload": payload}


def _line(record: dict[str, Any]) -> bytes:
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode("utf-8") + b"\n"
    except UnicodeEncodeError:  # a lone surrogate: only the \\u escape is valid UTF-8 JSON
        return json.dumps(record, separators=(",", ":")).encode("ascii") + b"\n"


@dataclass
class JournalState:
    """What a journal file says: counts of accepted and processed records, the accepted records
    without a processed mark (in order), and how many lines were damaged."""

    accepted: int = 0
    processed: int = 0
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)
    damaged_lines: int = 0

    @property
    def unprocessed(self) -> list[dict[str, Any]]:
        return list(self.pending.values())


def _records(path: Path, state: JournalState) -> Iterator[dict[str, Any]]:
    """Each well-formed record, a line at a time; damaged lines are counted in `state`."""
    if not path.exists():
        return
    with open(path, "rb") as file:
        for raw in file:
            try:
                record = json.loads(raw)
                kind = record["kind"]
                if kind not in ("accepted", "processed", "seen"):
                    raise KeyError(kind)
            except (ValueError, TypeError, KeyError, RecursionError):
                state.damaged_lines += raw.strip() != b""
                continue
            yield record


def read_state(path: str | os.PathLike[str], seen: SeenKeys | None = None) -> JournalState:
    """Read a journal; with `seen`, fill it with the dedup window's keys."""
    state = JournalState()
    for record in _records(Path(path), state):
        kind = record["kind"]
        try:
            if kind == "seen":
                if seen is not None:
                    seen.add_digest(bytes.fromhex(record["digest"]), float(record["at"]))
            elif _is_accepted(record):
                key = str(record["key"])
                state.accepted += 1
                state.pending.setdefault(key, record)
                if seen is not None:
                    seen.add(key, _seconds(record.get("received_at")))
            elif kind == "processed":
                state.processed += 1
                state.pending.pop(str(record["key"]), None)
            else:
                state.damaged_lines += 1
        except (ValueError, TypeError, KeyError):
            state.damaged_lines += 1
    return state


def _seconds(received_at_ms: Any) -> float | None:
    try:
        return min(float(received_at_ms) / 1000.0, 1e11)
    except (TypeError, ValueError):
        return None


def read_payloads(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every payload still in this journal, in order: what the receiver accepted since the last
    compaction (to rebuild a store: `store.extend(vn.webhooks.read_payloads(path),
    source="webhook")`)."""
    return [r["payload"] for r in _records(Path(path), JournalState()) if _is_accepted(r)]


def _is_accepted(record: dict[str, Any]) -> bool:
    return record["kind"] == "accepted" and isinstance(record.get("payload"), dict)


class DeliveryJournal:
    """Appends records to `path`; `commit` batches concurrent callers into one fsync.

    `seen` (the receiver's dedup window) is filled from the file and written back by `compact`.
    """

    def __init__(self, path: str | os.PathLike[str], seen: SeenKeys | None = None, *,
                 compact_after: int | None = COMPACT_AFTER) -> None:
        if compact_after is not None and compact_after < 1:
            raise ValueError(f"compact_after must be at least 1 (or None: never), not {compact_after}")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.seen = seen if seen is not None else SeenKeys()
        self.compact_after = compact_after
        self.state = read_state(self.path, self.seen)
        self.compactions = 0
        self._processed_since = self.state.processed
        self._pending_lines = {key: _line(rec) for key, rec in self.state.pending.items()}
        self._lock = threading.Lock()
        self._file = open(self.path, "ab")  # noqa: SIM115 - held for appends until close()
        if self._file.tell() and not self._ends_with_newline():
            self._file.write(b"\n")  # end a line torn by a crash so the next record stands alone
        self._pending: list[tuple[bytes, str, asyncio.Future[None]]] = []
        self._flushing = False
        if self.compaction_due:
            self.compact()

    def _ends_with_newline(self) -> bool:
        with open(self.path, "rb") as file:
            file.seek(-1, os.SEEK_END)
            return file.read(1) == b"\n"

    @property
    def closed(self) -> bool:
        return self._file.closed

    @property
    def compaction_due(self) -> bool:
        return self.compact_after is not None and self._processed_since >= self.compact_after

    def write(self, records: list[dict[str, Any]] | list[bytes], *, fsync: bool,
              accepted: dict[str, bytes] | None = None) -> None:
        """Append records (dicts, or lines already encoded, with `accepted` naming those that
        are accepted records by key); thread-safe."""
        lines = [r if isinstance(r, bytes) else _line(r) for r in records]
        accepted = dict(accepted or {})
        accepted.update((r["key"], line) for r, line in zip(records, lines, strict=True)
                        if isinstance(r, dict) and r.get("kind") == "accepted")
        with self._lock:
            self._file.write(b"".join(lines))
            self._file.flush()
            if fsync:
                os.fsync(self._file.fileno())
            self._pending_lines.update(accepted)  # under the lock: a compaction keeps them

    def mark_processed(self, key: str) -> None:
        line = _line({"kind": "processed", "key": key})
        with self._lock:
            if self._file.closed:
                return  # a handler that outlived close(): the next receiver redoes the event
            self._file.write(line)
            self._file.flush()
            self._pending_lines.pop(key, None)
            self._processed_since += 1

    def compact(self) -> None:
        """Rewrite the file as the dedup window's keys plus the unprocessed records.

        Crash-safe: the new file is fsync'd before it is renamed over the old one. Call it on
        the thread that updates `seen` (the receiver's answering thread).
        """
        temp = self.path.with_name(self.path.name + ".compacting")
        with self._lock:
            if self._file.closed:
                return
            with open(temp, "wb") as out:
                out.writelines(_line({"kind": "seen", "digest": mark.hex(), "at": at})
                               for mark, at in self.seen.entries())
                out.writelines(self._pending_lines.values())
                out.flush()
                os.fsync(out.fileno())
            self._file.close()
            os.replace(temp, self.path)
            fsync_dir(self.path.parent)
            self._file = open(self.path, "ab")  # noqa: SIM115 - held for appends until close()
            self._processed_since = 0
            self.compactions += 1

    async def commit(self, record: dict[str, Any]) -> None:
        """Append `record` and return once it is on disk (fsync'd).

        Callers on one event loop share fsyncs: records that arrive while one is in progress
        go out together in the next, so durability costs about one fsync per burst.
        """
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((_line(record), record["key"], done))
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().create_task(self._flush_pending())
        await done

    async def _flush_pending(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    await loop.run_in_executor(None, functools.partial(
                        self.write, [line for line, _, _ in batch], fsync=True,
                        accepted={key: line for line, key, _ in batch}))
                except Exception as exc:
                    for _, _, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                else:
                    for _, _, done in batch:
                        if not done.done():
                            done.set_result(None)
        finally:
            self._flushing = False

    def close(self) -> None:
        with self._lock:
            if not self._file.closed:
                self._file.flush()
                os.fsync(self._file.fileno())
                self._file.close()


#: Deprecated name of `read_payloads` (the feed's journal had a `read_journal` returning records).
read_journal = renamed(read_payloads, "vn.webhooks.read_journal", "vn.webhooks.read_payloads")
