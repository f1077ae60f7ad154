"""The receiver's limits (docs/LIMITS.md): timeouts, the dedup window, journal compaction,
the default store's bound."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from vdb_notebook.store import EventStore
from vdb_notebook.webhooks import WebhookReceiver, build, deliver, lifecycle, read_payloads
from vdb_notebook.webhooks.dedup import SeenKeys
from vdb_notebook.webhooks.journal import read_state


def stored(rx: WebhookReceiver) -> EventStore:
    """The receiver's default store (its `store` is typed as the EventSink protocol)."""
    assert isinstance(rx.store, EventStore)
    return rx.store


async def _open(rx: WebhookReceiver) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection(rx.host, rx.port)


async def _closed_by_server(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes (bounded: 30 s)."""
    return await asyncio.wait_for(reader.read(), 30)


@pytest.mark.parametrize("sent", [b"", b"POST /webhooks HTTP/1.1\r\nHost: x\r\n"],
                         ids=["idle", "headers-never-finished"])
async def test_an_idle_or_stalled_connection_is_closed(sent: bytes) -> None:
    rx = await WebhookReceiver.start(idle_timeout=0.3)
    try:
        reader, writer = await _open(rx)
        writer.write(sent)
        assert await _closed_by_server(reader) == b""
        writer.close()
        assert (await deliver(rx.url, lifecycle("c")[:1])).delivered == 1
    finally:
        await rx.close(timeout=2)


async def test_a_body_that_stops_arriving_gets_408_and_is_counted() -> None:
    rx = await WebhookReceiver.start(read_timeout=0.3)
    try:
        reader, writer = await _open(rx)
        writer.write(b"POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"event\":")
        answer = await _closed_by_server(reader)
        assert answer.startswith(b"HTTP/1.1 408") and b"slow_body" in answer
        # said and done: the receiver closes rather than reading on for aiohttp's lingering_time
        assert b"\r\nConnection: close\r\n" in answer.split(b"\r\n\r\n")[0] + b"\r\n"
        writer.close()
        assert rx.stats.rejected == {"slow_body": 1} and rx.stats.received == 1
    finally:
        await rx.close(timeout=2)


def test_seen_keys_keep_fixed_size_digests_and_forget_by_count_and_age() -> None:
    now = [1000.0]
    seen = SeenKeys(max_keys=3, max_age_s=60, clock=lambda: now[0])
    seen.add("id:" + "x" * 8192)
    assert "id:" + "x" * 8192 in seen and [len(d) for d, _ in seen.entries()] == [16]
    for key in "abc":
        seen.add(key)
    assert len(seen) == 3 and "id:" + "x" * 8192 not in seen  # by count
    now[0] += 61
    assert "a" not in seen and len(seen) == 0  # by age


async def test_the_dedup_window_is_set_on_the_receiver() -> None:
    rx = await WebhookReceiver.start(dedup_keys=2)
    try:
        events = lifecycle("c")[:3]
        await deliver(rx.url, events, webhook_ids=False)  # keyed by content
        again = await deliver(rx.url, events[2:] + events[:1], webhook_ids=False)
        assert again.statuses == {"200": 1, "202": 1}  # the first one left the window
        assert stored(rx).max_events == 10_000  # the default store is bounded
    finally:
        await rx.close(timeout=2)


async def test_the_journal_is_compacted_and_still_deduplicates(tmp_path: Path) -> None:
    path = tmp_path / "hooks.jsonl"
    events = [build("active", capture_session_id=f"cap-{i}") for i in range(600)]
    rx = await WebhookReceiver.start(journal=path, compact_after=100)
    try:
        await deliver(rx.url, events, concurrency=8)
        await rx.wait_for(timeout=30)
        assert rx._journal is not None and rx._journal.compactions >= 4
    finally:
        await rx.close()
    lines = path.read_text().splitlines()
    kinds = {json.loads(line)["kind"] for line in lines}
    # what is left: the window's keys and at most compact_after events since the last compaction
    assert len(lines) < 600 + 2 * 100 and "seen" in kinds
    assert len(read_payloads(path)) < 600
    again = await WebhookReceiver.start(journal=path, compact_after=100)
    try:
        summary = await deliver(again.url, events, concurrency=8)
        assert summary.statuses == {"200": 600}  # every key survived compaction
        assert again.stats.recovered == 0
    finally:
        await again.close()


async def test_an_old_large_journal_is_compacted_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "hooks.jsonl"
    with open(path, "w") as file:
        for i in range(5000):
            file.write(json.dumps({"kind": "accepted", "key": f"id:{i}", "webhook_id": str(i),
                                   "received_at": 1e12 + i, "payload": {"pad": "x" * 200}}) + "\n")
            if i != 4999:
                file.write(json.dumps({"kind": "processed", "key": f"id:{i}"}) + "\n")
    size = path.stat().st_size
    calls: list[dict[str, Any]] = []
    rx = await WebhookReceiver.start(journal=path, compact_after=1000, handlers={"*": calls.append})
    try:
        await rx.wait_for(timeout=10)
        assert rx.stats.recovered == 1 and calls == [{"pad": "x" * 200}]
    finally:
        await rx.close()
    assert path.stat().st_size < size / 3
    state = read_state(path)
    assert state.unprocessed == [] and state.accepted == 1


async def test_the_defaults_bound_what_a_sender_can_make_the_receiver_hold() -> None:
    rx = await WebhookReceiver.start()
    try:
        big = json.dumps({"event": "alert", "pad": "x" * (1 << 20)})  # 1 MB, as in the probe
        summary = await deliver(rx.url, [big], retries=0)
        assert summary.statuses == {"413": 1} and "at most 65,536" in summary.failures[0]
        assert stored(rx).max_events == 10_000 and len(rx.store) == 0
    finally:
        await rx.close(timeout=2)
