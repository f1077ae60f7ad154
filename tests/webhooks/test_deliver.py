"""deliver(): retries with stable ids, duplicates, deterministic reordering, failures reported."""
from __future__ import annotations

import socket
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from vdb_notebook.webhooks import deliver, lifecycle
from vdb_notebook.webhooks.deliver import send_order, webhook_id

#: the flaky server's URL, the (webhook-id, event) of each attempt, and its settings
Flaky = tuple[str, list[tuple[str, str]], dict[str, int]]


@pytest.fixture
async def flaky() -> AsyncIterator[Flaky]:
    """A bare server that answers 500 to the first `fail_first` attempts of each webhook-id."""
    seen: list[tuple[str, str]] = []
    attempts: Counter[str] = Counter()
    state = {"fail_first": 2}

    async def handle(request: web.Request) -> web.Response:
        msg_id = request.headers.get("webhook-id", "")
        seen.append((msg_id, (await request.json())["event"]))
        attempts[msg_id] += 1
        return web.Response(status=500 if attempts[msg_id] <= state["fail_first"] else 200)

    app = web.Application()
    app.router.add_post("/", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/", seen, state
    await runner.cleanup()


async def test_retries_non_2xx_with_the_same_webhook_id(flaky: Flaky) -> None:
    url, seen, _ = flaky
    summary = await deliver(url, lifecycle("cap-1")[:2], backoff=0.001)
    assert (summary.delivered, summary.failed, summary.attempts) == (2, 0, 6)
    assert summary.statuses == {"500": 4, "200": 2}
    ids_by_event: dict[str, set[str]] = {}
    for msg_id, event in seen:
        ids_by_event.setdefault(event, set()).add(msg_id)
    assert all(len(ids) == 1 for ids in ids_by_event.values())
    assert len({next(iter(ids)) for ids in ids_by_event.values()}) == 2


async def test_duplicates_resend_the_same_id_and_reordering_follows_the_seed(flaky: Flaky) -> None:
    url, seen, state = flaky
    state["fail_first"] = 0
    payloads = lifecycle("cap-1")
    await deliver(url, payloads, duplicates=2, reorder=True, seed=3)
    assert Counter(msg_id for msg_id, _ in seen) == {
        webhook_id(p, i, 3): 3 for i, p in enumerate(payloads)}
    order = [event for _, event in seen]
    assert order == [payloads[i]["event"] for i in send_order(6, 2, True, seed=3)]
    assert send_order(6, 2, True, seed=3) != send_order(6, 2, False)
    assert send_order(6, 2, True, seed=3) != send_order(6, 2, True, seed=4)


async def test_connection_errors_are_retried_then_reported() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before deliver runs: nothing listens
    summary = await deliver(f"http://127.0.0.1:{port}/", lifecycle("cap-1")[:2], retries=2,
                            backoff=0.001)
    assert (summary.delivered, summary.failed, summary.attempts) == (0, 2, 6)
    assert set(summary.statuses) == {"ClientConnectorError"}
    assert "Cannot connect" in summary.failures[0]


async def test_raw_bodies_and_bad_arguments(flaky: Flaky) -> None:
    url, seen, state = flaky
    state["fail_first"] = 0
    summary = await deliver(url, '{"event": "raw"}')
    assert summary.delivered == 1 and seen[-1][1] == "raw"
    with pytest.raises(ValueError, match="webhook_ids=True"):
        await deliver(url, [{}], secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                      webhook_ids=False)
    with pytest.raises(ValueError, match="duplicates >= 0"):
        await deliver(url, [{}], duplicates=-1)


def test_webhook_ids_are_stable_and_distinct() -> None:
    a, b = lifecycle("cap-1")[:2]
    assert webhook_id(a, 0) == webhook_id(dict(reversed(list(a.items()))), 0)
    assert len({webhook_id(a, 0), webhook_id(b, 1), webhook_id(a, 1), webhook_id(a, 0, seed=1)}) == 4
