"""The journal: durable before 2xx, and a restart neither repeats nor loses an event."""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, NoReturn

import pytest

from vdb_notebook.store import EventStore
from vdb_notebook.webhooks import WebhookReceiver, build, deliver, lifecycle, read_payloads
from vdb_notebook.webhooks.journal import DeliveryJournal, read_state


def stored(rx: WebhookReceiver) -> EventStore:
    """The receiver's default store (its `store` is typed as the EventSink protocol)."""
    assert isinstance(rx.store, EventStore)
    return rx.store


async def test_accepted_is_on_disk_before_the_answer(tmp_path: Path) -> None:
    path = tmp_path / "hooks.jsonl"
    release = threading.Event()
    rx = await WebhookReceiver.start(journal=path, handlers={"*": lambda p: release.wait(10)},
                                     workers=1)
    try:
        await deliver(rx.url, lifecycle("cap-1")[:3])
        state = read_state(path)  # read while the handler still holds every event
        assert state.accepted == 3 and len(state.unprocessed) == 3
    finally:
        release.set()
        await rx.close()
    assert read_state(path).unprocessed == []


async def test_restart_processes_only_what_was_not_processed(tmp_path: Path) -> None:
    path = tmp_path / "hooks.jsonl"
    stuck = threading.Event()

    def hold_cap2(payload: dict[str, Any]) -> None:
        if payload["capture_session_id"] == "cap-2":
            stuck.wait(10)

    first = await WebhookReceiver.start(journal=path, handlers={"*": hold_cap2})
    done_cap1 = lifecycle("cap-1")
    held = build("created", capture_session_id="cap-2")
    await deliver(first.url, [*done_cap1, held])
    await first.wait_for(processed=6, timeout=5)
    await first.close(timeout=0.1)  # cap-2's event is accepted but not processed
    assert first.stats.pending == 1
    stuck.set()  # the old handler finishes after close: it must not mark anything

    calls: list[dict[str, Any]] = []
    second = await WebhookReceiver.start(journal=path, handlers={"*": calls.append})
    try:
        await second.wait_for(timeout=5)
        assert calls == [held]
        assert (second.stats.recovered, second.stats.processed) == (1, 1)
        assert stored(second).sessions().status.tolist() == ["created"]
        again = await deliver(second.url, [*done_cap1, held])  # the sender retries everything
        assert again.delivered == 7 and second.stats.duplicates == 7
        assert second.stats.accepted == 0 and calls == [held]
    finally:
        await second.close()

    third = await WebhookReceiver.start(journal=path)
    await third.close()
    assert third.stats.recovered == 0
    assert read_payloads(path) == [*done_cap1, held]


async def test_torn_last_line_is_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "hooks.jsonl"
    rx = await WebhookReceiver.start(journal=path)
    await deliver(rx.url, lifecycle("cap-1")[:2])
    await rx.close()
    with open(path, "ab") as file:
        file.write(b'{"kind":"accepted","key":"id:torn","payl')  # a crash mid-write
    rx = await WebhookReceiver.start(journal=path)
    try:
        await deliver(rx.url, lifecycle("cap-1")[2:3])
        await rx.wait_for(timeout=5)
        assert rx.stats.recovered == 0 and rx.stats.accepted == 1
    finally:
        await rx.close()
    state = read_state(path)
    assert state.damaged_lines == 1 and state.accepted == 3 and state.unprocessed == []


async def test_a_failed_journal_write_answers_503_and_the_retry_gets_through(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # A full disk cannot be arranged here, so the write is made to fail (a stand-in, not a disk).
    rx = await WebhookReceiver.start(journal=tmp_path / "hooks.jsonl")
    real_write = DeliveryJournal.write

    def disk_full(*args: object, **kwargs: object) -> NoReturn:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rx._journal, "write", disk_full)
    try:
        body = build("created", capture_session_id="cap-1")
        failed = await deliver(rx.url, [body], retries=0)
        assert failed.statuses == {"503": 1} and "journal" in failed.failures[0]
        monkeypatch.setattr(rx._journal, "write", real_write.__get__(rx._journal))
        retried = await deliver(rx.url, [body], retries=0)
        assert retried.statuses == {"202": 1}
        await rx.wait_for(timeout=5)
        assert (rx.stats.accepted, rx.stats.duplicates, rx.stats.processed) == (1, 0, 1)
        assert rx.stats.rejected == {"journal_error": 1}
    finally:
        await rx.close()


def test_journal_lines_are_plain_json(tmp_path: Path) -> None:
    path = tmp_path / "hooks.jsonl"
    journal = DeliveryJournal(path)
    journal.write([{"kind": "accepted", "key": "k", "webhook_id": None, "received_at": 1.0,
                    "payload": {"event": "x"}}], fsync=True)
    journal.mark_processed("k")
    journal.close()
    journal.mark_processed("late")  # after close: ignored, no exception
    kinds = [json.loads(line)["kind"] for line in path.read_text().splitlines()]
    assert kinds == ["accepted", "processed"]
    with pytest.raises(ValueError):
        journal.write([{"kind": "processed", "key": "x"}], fsync=False)


async def test_concurrent_copies_wait_for_the_first_ones_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rx = await WebhookReceiver.start(journal=tmp_path / "hooks.jsonl")
    try:
        one = build("created", capture_session_id="cap-1")
        summary = await deliver(rx.url, [one], duplicates=5, concurrency=6)
        assert summary.statuses == {"202": 1, "200": 5}

        def disk_full(*args: object, **kwargs: object) -> NoReturn:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(rx._journal, "write", disk_full)
        two = build("starting", capture_session_id="cap-1")
        summary = await deliver(rx.url, [two], duplicates=3, concurrency=4, retries=0)
        assert summary.statuses == {"503": 4}  # no copy was acknowledged without a durable write
        assert "No space left on device" in summary.failures[0]
        assert rx.stats.accepted == 1 and rx.stats.rejected == {"journal_error": 4}
    finally:
        await rx.close()
