"""A receiver's journal: what it accepted (durably, before answering) and what it processed.

One JSON record per line:

- `{"kind": "accepted", "key", "webhook_id", "received_at", "payload"}` is written, flushed and
  fsync'd before the receiver answers 2xx, so an acknowledged event survives a crash;
- `{"kind": "processed", "key"}` is written (flushed, not fsync'd) once the store has the event
  and every handler has returned (or raised; the error is kept, the event counts as processed).

A receiver opened on an existing journal treats every accepted key as already seen (a late
duplicate is still a duplicate) and processes, before anything new, each accepted record that
has no processed mark. A damaged last line (a crash mid-write) is skipped and counted.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "hooks.jsonl")
    >>> j = DeliveryJournal(path)
    >>> j.write([accepted_record("id:m1", "m1", 0.0, {"event": "x"})], fsync=True)
    >>> j.mark_processed("id:m1"); j.close()
    >>> state = read_state(path); (list(state.accepted), state.processed, state.unprocessed)
    (['id:m1'], {'id:m1'}, [])
    >>> read_journal(path)
    [{'event': 'x'}]
"""
from __future__ import annotations

import asyncio
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def accepted_record(key: str, webhook_id: str | None, received_at: float,
                    payload: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "accepted", "key": key, "webhook_id": webhook_id,
            "received_at": received_at, "payload": payload}


def _line(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


@dataclass
class JournalState:
    """What a journal file says: accepted records by key (in order), processed keys."""

    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)
    processed: set[str] = field(default_factory=set)
    damaged_lines: int = 0

    @property
    def unprocessed(self) -> list[dict[str, Any]]:
        return [rec for key, rec in self.accepted.items() if key not in self.processed]


def read_state(path: str | os.PathLike[str]) -> JournalState:
    state = JournalState()
    if not Path(path).exists():
        return state
    with open(path, "rb") as file:
        for raw in file:
            try:
                record = json.loads(raw)
                kind, key = record["kind"], record["key"]
            except (ValueError, TypeError, KeyError):
                state.damaged_lines += raw.strip() != b""
                continue
            if kind == "accepted" and isinstance(record.get("payload"), dict):
                state.accepted.setdefault(key, record)
            elif kind == "processed":
                state.processed.add(key)
            else:
                state.damaged_lines += 1
    return state


def read_journal(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every payload a receiver accepted into this journal, in order (to rebuild a store:
    `store.extend(vn.webhooks.read_journal(path), source="webhook")`)."""
    return [record["payload"] for record in read_state(path).accepted.values()]


class DeliveryJournal:
    """Appends records to `path`; `commit` batches concurrent callers into one fsync."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.state = read_state(self.path)
        self._lock = threading.Lock()
        self._file = open(self.path, "ab")
        if self._file.tell() and not self._ends_with_newline():
            self._file.write(b"\n")  # end a line torn by a crash so the next record stands alone
        self._pending: list[tuple[bytes, asyncio.Future[None]]] = []
        self._flushing = False

    def _ends_with_newline(self) -> bool:
        with open(self.path, "rb") as file:
            file.seek(-1, os.SEEK_END)
            return file.read(1) == b"\n"

    @property
    def closed(self) -> bool:
        return self._file.closed

    def write(self, records: list[dict[str, Any]] | list[bytes], *, fsync: bool) -> None:
        """Append records (dicts, or lines already encoded); thread-safe."""
        data = b"".join(r if isinstance(r, bytes) else _line(r) for r in records)
        with self._lock:
            self._file.write(data)
            self._file.flush()
            if fsync:
                os.fsync(self._file.fileno())

    def mark_processed(self, key: str) -> None:
        line = _line({"kind": "processed", "key": key})
        with self._lock:
            if self._file.closed:
                return  # a handler that outlived close(): the next receiver redoes the event
            self._file.write(line)
            self._file.flush()

    async def commit(self, record: dict[str, Any]) -> None:
        """Append `record` and return once it is on disk (fsync'd).

        Callers on one event loop share fsyncs: records that arrive while one is in progress
        go out together in the next, so durability costs about one fsync per burst.
        """
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((_line(record), done))
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
                    await loop.run_in_executor(None, lambda: self.write(
                        [line for line, _ in batch], fsync=True))
                except Exception as exc:
                    for _, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                else:
                    for _, done in batch:
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
