"""WebhookReceiver over real HTTP: bad input, dedup, ordering, handlers, a blocked caller."""
from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any, NoReturn

import aiohttp
import pytest

import vdb_notebook as vn
from vdb_notebook.store import EventStore
from vdb_notebook.webhooks import WebhookReceiver, alert, build, deliver, lifecycle


def stored(rx: WebhookReceiver) -> EventStore:
    """The receiver's default store (its `store` is typed as the EventSink protocol)."""
    assert isinstance(rx.store, EventStore)
    return rx.store


async def post(url: str, body: bytes | str | AsyncIterator[bytes], method: str = "POST",
               headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.request(method, url, data=body, headers=headers) as resp:
        return resp.status, json.loads(await resp.text() or "{}")


@pytest.fixture
async def rx() -> AsyncIterator[WebhookReceiver]:
    receiver = await WebhookReceiver.start(max_body=4096)
    yield receiver
    await receiver.close(timeout=2)


async def test_accepts_processes_into_store_and_binds_loopback(rx: WebhookReceiver) -> None:
    status, answer = await post(rx.url, json.dumps(build("active", capture_session_id="cap-1")))
    assert (status, answer["status"]) == (202, "accepted")
    await rx.wait_for(processed=1, timeout=5)
    assert rx.url.startswith("http://127.0.0.1:")
    assert stored(rx).sessions().set_index("capture_session_id").status.to_dict() == {"cap-1": "active"}
    assert rx.stats.as_dict() == {"received": 1, "accepted": 1, "duplicates": 0, "rejected": {},
                                  "recovered": 0, "processed": 1, "handler_errors": 0,
                                  "stale_skipped": 0, "pending": 0}


async def _chunks(size: int) -> AsyncIterator[bytes]:
    for _ in range(size // 1024):
        yield b" " * 1024


BAD = [
    ("POST", b"this is not json", 400, "bad_json", "not JSON"),
    ("POST", b"", 400, "bad_json", "empty"),
    ("POST", b"\xff\xfe{", 400, "bad_json", "not JSON"),
    ("POST", b"[1, 2]", 400, "not_object", "not an object"),
    ("POST", b'"capture_session.active"', 400, "not_object", "not an object"),
    ("POST", json.dumps({"pad": "x" * 5000}).encode(), 413, "too_large", "at most 4,096"),
    ("GET", b"", 405, "bad_method", "POST the webhook"),
    ("PUT", b"{}", 405, "bad_method", "POST the webhook"),
]


@pytest.mark.parametrize("method,body,status,reason,hint", BAD,
                         ids=[f"{b[3]}:{b[0]}:{b[1][:8]!r}" for b in BAD])
async def test_bad_delivery_is_refused_with_reason_and_counted(rx: WebhookReceiver, method: str, body: bytes, status: int, reason: str, hint: str) -> None:
    got, answer = await post(rx.url, body, method)
    assert got == status
    assert answer["error"] == reason and hint in answer["message"]
    assert rx.stats.rejected == {reason: 1}
    assert rx.stats.accepted == 0 and len(rx.store) == 0 and stored(rx).rejected == []


async def test_streamed_body_over_the_limit_is_cut_off_with_413(rx: WebhookReceiver) -> None:
    status, answer = await post(rx.url, _chunks(64 * 1024))  # chunked: no Content-Length
    assert (status, answer["error"]) == (413, "too_large")


async def test_bad_deliveries_do_not_disturb_good_ones(rx: WebhookReceiver) -> None:
    good = lifecycle("cap-1")
    bad = [b"nope", b"[]", b"x" * 5000]
    refused, summary = await asyncio.gather(asyncio.gather(*(post(rx.url, b) for b in bad)),
                                            deliver(rx.url, good, concurrency=3))
    assert [r[0] for r in refused] == [400, 400, 413]
    assert summary.delivered == len(good)
    await rx.wait_for(timeout=5)
    assert rx.stats.processed == len(good)
    assert rx.stats.rejected == {"bad_json": 1, "not_object": 1, "too_large": 1}
    assert stored(rx).sessions().status.tolist() == ["exported"]


@pytest.mark.parametrize("webhook_ids", [True, False], ids=["by-webhook-id", "by-content"])
async def test_duplicates_x3_and_reordering_process_each_event_once(rx: WebhookReceiver, webhook_ids: bool) -> None:
    payloads = lifecycle("cap-A", seed=1) + lifecycle("cap-B", seed=2, outcome="failed",
                                                       error="screen permission denied")
    seen: Counter[tuple[str, str]] = Counter()
    rx.on("*", lambda p: seen.update([(p["capture_session_id"], p["event"])]))
    summary = await deliver(rx.url, payloads, duplicates=3, reorder=True, seed=7,
                            concurrency=4, webhook_ids=webhook_ids)
    assert (summary.delivered, summary.sends) == (len(payloads), 4 * len(payloads))
    await rx.wait_for(timeout=5)
    assert sorted(seen.values()) == [1] * len(payloads)
    assert rx.stats.duplicates == 3 * len(payloads) and rx.stats.processed == len(payloads)
    assert len(rx.store) == len(payloads)
    assert stored(rx).sessions().set_index("capture_session_id").status.to_dict() == {
        "cap-A": "exported", "cap-B": "failed"}


async def test_late_earlier_events_never_move_a_status_backwards(rx: WebhookReceiver) -> None:
    created, starting, active, stopping, stopped, exported = lifecycle("cap-1")
    await deliver(rx.url, [exported, stopped, active, created, stopping, starting])
    await rx.wait_for(processed=6, timeout=5)
    assert stored(rx).sessions().status.tolist() == ["exported"]


async def test_webhook_id_decides_sameness_when_sent(rx: WebhookReceiver) -> None:
    a = build("active", capture_session_id="cap-1")
    b = build("stopping", capture_session_id="cap-1")
    await post(rx.url, json.dumps(a), headers={"webhook-id": "msg_same"})
    _, answer = await post(rx.url, json.dumps(b), headers={"webhook-id": "msg_same"})
    assert answer["status"] == "duplicate"
    _, answer = await post(rx.url, json.dumps(a), headers={"webhook-id": "msg_other"})
    assert answer["status"] == "accepted"
    assert (rx.stats.accepted, rx.stats.duplicates) == (2, 1)


async def test_slow_handler_never_delays_the_answer() -> None:
    release = threading.Event()
    rx = await WebhookReceiver.start(workers=1, handlers={"*": lambda p: release.wait(10)})
    try:
        summary = await deliver(rx.url, lifecycle("cap-1"), concurrency=3)
        assert summary.delivered == 6 and summary.statuses == {"202": 6}
        await rx.wait_for(until=lambda store: len(store) == 6, timeout=5)
        assert rx.stats.processed == 0  # in the store, while the first handler still waits
        release.set()
        await rx.wait_for(timeout=5)
        assert rx.stats.processed == 6
    finally:
        release.set()
        await rx.close()


async def test_answers_while_the_calling_loop_is_blocked(rx: WebhookReceiver) -> None:
    answered = threading.Event()
    body = json.dumps(build("created", capture_session_id="cap-1")).encode()

    def sender() -> None:
        with urllib.request.urlopen(urllib.request.Request(rx.url, data=body), timeout=5) as r:
            if r.status == 202:
                answered.set()

    threading.Thread(target=sender, daemon=True).start()
    # Block this event loop as a synchronous SDK call in a cell blocks the kernel's loop.
    assert answered.wait(timeout=5), "the receiver did not answer while the caller's loop was blocked"


async def test_failing_handler_keeps_its_error_and_the_event(rx: WebhookReceiver) -> None:
    def on_active(payload: dict[str, Any]) -> NoReturn:
        raise ValueError(f"cannot start pipelines for {payload['capture_session_id']}")

    after: list[dict[str, Any]] = []
    rx.on("capture_session.active", on_active)
    rx.on("capture_session.active", after.append)
    await deliver(rx.url, lifecycle("cap-1"))
    await rx.wait_for(timeout=5)
    assert rx.stats.processed == 6 and rx.stats.handler_errors == 1
    error = rx.errors[0]
    assert isinstance(error.error, ValueError) and error.event == "capture_session.active"
    assert error.payload["capture_session_id"] == "cap-1" and "on_active" in error.traceback
    assert [p["event"] for p in after] == ["capture_session.active"]
    assert "handler_errors=1" in repr(rx) and "cannot start pipelines for cap-1" in repr(rx)


async def test_async_handlers_short_names_and_alert_webhooks(rx: WebhookReceiver) -> None:
    got = []

    async def on_alert(payload: dict[str, Any]) -> None:
        await asyncio.sleep(0)
        got.append(("alert", payload["label"]))

    rx.on("alert", on_alert)
    rx.on("active", lambda p: got.append(("active", p["capture_session_id"])))
    fired = alert(label="sensitive_content", confidence=0.92, rtstream_id="rts-1",
                  start=1_768_912_500_000, end=1_768_912_503_000)
    await deliver(rx.url, [fired, build("active", capture_session_id="cap-9")])
    await rx.wait_for(timeout=5)
    assert sorted(got) == [("active", "cap-9"), ("alert", "sensitive_content")]
    assert stored(rx).alerts().label.tolist() == ["sensitive_content"]


async def test_unknown_shapes_are_accepted_and_kept_as_store_rejections(rx: WebhookReceiver) -> None:
    everything: list[dict[str, Any]] = []
    rx.on("*", everything.append)
    status, _ = await post(rx.url, json.dumps({"hello": "world"}))
    await rx.wait_for(processed=1, timeout=5)
    assert status == 202 and len(stored(rx).rejected) == 1 and everything == [{"hello": "world"}]


async def test_wait_for_until_and_timeout_message(rx: WebhookReceiver) -> None:
    await deliver(rx.url, lifecycle("cap-1")[:2])
    await rx.wait_for(until=lambda store: len(store.lifecycle()) == 2, timeout=5)
    with pytest.raises(TimeoutError, match=r"2 processed, 0 pending"):
        await rx.wait_for(processed=3, timeout=0.05)


def test_sync_api_start_wait_close() -> None:
    with WebhookReceiver.start_sync(store=vn.EventStore()) as rx:
        body = json.dumps(build("created", capture_session_id="cap-1")).encode()
        with urllib.request.urlopen(urllib.request.Request(rx.url, data=body), timeout=5) as r:
            assert r.status == 202
        rx.wait_for_sync(processed=1, timeout=5)
        assert stored(rx).sessions().status.tolist() == ["created"]
    assert rx.closed and "closed" in repr(rx)


async def test_bad_options_say_what_to_fix() -> None:
    with pytest.raises(ValueError, match="whsec_"):
        await WebhookReceiver.start(secret="not base64 !!")
    with pytest.raises(ValueError, match="workers"):
        await WebhookReceiver.start(workers=0)
    rx = await WebhookReceiver.start()
    with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{rx.port}.*port=0"):
        await WebhookReceiver.start(port=rx.port)
    try:
        with pytest.raises(ValueError, match=r"capture_session\.active"):
            rx.on("", print)
        with pytest.raises(TypeError, match="callable"):
            rx.on("*", 42)  # type: ignore[call-overload]  # the wrong type is the test
    finally:
        await rx.close()


async def test_a_sender_hanging_up_mid_body_is_counted_and_harms_nothing(rx: WebhookReceiver) -> None:
    _reader, writer = await asyncio.open_connection("127.0.0.1", rx.port)
    writer.write(b"POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 500\r\n\r\n{\"event\": \"capture_")
    await writer.drain()
    writer.close()
    for _ in range(500):  # the server notices the hang-up on its own thread
        if rx.stats.rejected:
            break
        await asyncio.sleep(0.01)
    assert rx.stats.rejected == {"incomplete_body": 1}
    assert (await deliver(rx.url, lifecycle("cap-1")[:1])).delivered == 1


async def test_closing_with_unprocessed_events_and_no_journal_warns() -> None:
    release = threading.Event()
    rx = await WebhookReceiver.start(handlers={"*": lambda p: release.wait(10)})
    await deliver(rx.url, lifecycle("cap-1")[:2])
    with pytest.warns(RuntimeWarning, match="2 accepted event.* not processed.*journal="):
        await rx.close(timeout=0.05)
    release.set()


async def test_skip_stale_handlers_miss_an_active_that_arrives_after_stopped(rx: WebhookReceiver) -> None:
    started: list[str] = []
    logged: list[dict[str, Any]] = []

    @rx.on("capture_session.active", skip_stale=True)
    def start_pipelines(payload: dict[str, Any]) -> None:
        started.append(payload["capture_session_id"])

    rx.on("active", logged.append)
    created, starting, active, stopping, stopped, _ = lifecycle("cap-late")
    fresh = build("active", capture_session_id="cap-fresh")
    await deliver(rx.url, [created, starting, stopping, stopped, active, fresh])
    await rx.wait_for(timeout=5)
    assert started == ["cap-fresh"]
    assert [p["capture_session_id"] for p in logged] == ["cap-late", "cap-fresh"]
    assert rx.stats.stale_skipped == 1 and rx.stats.processed == 6
    assert stored(rx).sessions().set_index("capture_session_id").status.to_dict() == {
        "cap-late": "stopped", "cap-fresh": "active"}
