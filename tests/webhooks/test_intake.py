"""Intake limits over real HTTP: depth, odd text, and the counters always adding up."""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, NoReturn

import aiohttp
import pytest

from vdb_notebook.webhooks import WebhookReceiver, build


async def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as resp:
        return resp.status, json.loads(await resp.text() or "{}")


def nested(depth: int) -> bytes:
    """A valid webhook whose data is `depth` lists deep."""
    return (b'{"event":"capture_session.active","capture_session_id":"cap-deep","data":'
            + b"[" * depth + b"]" * depth + b"}")


def adds_up(rx: WebhookReceiver) -> bool:
    s = rx.stats
    return s.received == s.accepted + s.duplicates + sum(s.rejected.values())


@pytest.mark.parametrize("depth", [500, 980, 5000])
@pytest.mark.parametrize("with_id", [True, False])
async def test_deep_nesting_is_refused_with_400_and_counted(depth: int, with_id: bool) -> None:
    rx = await WebhookReceiver.start(workers=2)
    try:
        headers = {"webhook-id": f"msg-{depth}"} if with_id else None
        status, answer = await post(rx.url, nested(depth), headers)
        assert (status, answer["error"]) == (400, "too_deep")
        assert "64" in answer["message"] and "max_depth" in answer["message"]
        assert rx.stats.rejected == {"too_deep": 1} and adds_up(rx)
    finally:
        await rx.close(timeout=2)


async def test_deep_nesting_within_the_limit_is_accepted_and_processed() -> None:
    seen: list[dict[str, Any]] = []
    rx = await WebhookReceiver.start(max_depth=600, handlers={"*": seen.append}, workers=1)
    try:
        status, _ = await post(rx.url, nested(500))
        assert status == 202
        await rx.wait_for(processed=1, timeout=10)
        assert len(seen) == 1 and rx.stats.handler_errors == 0
    finally:
        await rx.close(timeout=2)


async def test_a_poison_record_in_the_journal_does_not_stop_the_workers(tmp_path: Path) -> None:
    # A journal written before the depth limit existed can hold a delivery too deep to copy.
    path = tmp_path / "hooks.jsonl"
    deep = "[" * 800 + "]" * 800  # deeper than copy.deepcopy goes; written by hand
    path.write_text("".join(
        f'{{"kind":"accepted","key":"id:poison-{i}","webhook_id":"poison-{i}","received_at":0,'
        f'"payload":{{"event":"capture_session.active","data":{deep}}}}}\n' for i in range(3)))
    calls: list[dict[str, Any]] = []
    rx = await WebhookReceiver.start(journal=path, workers=2, handlers={"*": calls.append})
    try:
        status, _ = await post(rx.url, json.dumps(build("active", capture_session_id="c1")).encode())
        assert status == 202
        await rx.wait_for(timeout=10)  # every recovered and new event is processed
        assert rx.stats.processed == 4 and rx.stats.pending == 0
        assert [c.get("capture_session_id") for c in calls][-1] == "c1"
        assert len(calls) + rx.stats.handler_errors == 4  # each poison one: handled or kept
    finally:
        await rx.close(timeout=2)


@pytest.mark.parametrize("text", ['"\\ud83d"', '"cut \\ud83d"', '"\\udfff\\ud800"'])
@pytest.mark.parametrize("journal", [False, True])
async def test_a_lone_surrogate_is_accepted_once_and_journaled(tmp_path: Path, text: str, journal: bool) -> None:
    body = ('{"event":"alert","capture_session_id":"c","data":{"label":' + text + "}}").encode()
    path = tmp_path / "hooks.jsonl"
    rx = await WebhookReceiver.start(journal=path if journal else None)
    try:
        assert (await post(rx.url, body))[0] == 202
        assert (await post(rx.url, body))[0] == 200  # the same content is a duplicate
        await rx.wait_for(timeout=5)
        assert rx.stats.accepted == 1 and rx.stats.duplicates == 1 and adds_up(rx)
    finally:
        await rx.close(timeout=2)
    if journal:
        again = await WebhookReceiver.start(journal=path)
        try:
            assert (await post(again.url, body))[0] == 200  # the key survived the restart
        finally:
            await again.close(timeout=2)


def test_an_empty_secret_is_refused_not_taken_as_no_secret() -> None:
    from vdb_notebook._aio import background_loop

    background_loop()  # the toolkit's one loop thread lives for the process, by design
    before = set(threading.enumerate())
    with pytest.raises(ValueError, match="secret"):
        WebhookReceiver.start_sync(secret="")
    assert set(threading.enumerate()) <= before  # nothing left running for a refused start


async def test_an_unforeseen_intake_error_is_a_counted_400_not_a_500(monkeypatch: pytest.MonkeyPatch) -> None:
    # a stand-in for a bug in intake: whatever it raises, the answer is 4xx and counted
    import vdb_notebook.webhooks.receiver as receiver_module

    async def broken(*args: object, **kwargs: object) -> NoReturn:
        raise LookupError("a bug")
    monkeypatch.setattr(receiver_module, "read_delivery", broken)
    rx = await WebhookReceiver.start()
    try:
        status, answer = await post(rx.url, b"{}")
        assert (status, answer["error"]) == (400, "unreadable") and "a bug" in answer["message"]
        assert rx.stats.rejected == {"unreadable": 1} and adds_up(rx)
    finally:
        await rx.close(timeout=2)
