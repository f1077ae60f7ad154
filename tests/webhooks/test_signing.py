"""Standard Webhooks signatures: valid, tampered, stale, missing; interop with the reference."""
from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from standardwebhooks import Webhook

from vdb_notebook.webhooks import WebhookReceiver, build, deliver, lifecycle, new_secret, sign
from vdb_notebook.webhooks.signing import Verifier

SECRET = new_secret()
BODY = json.dumps(build("active", capture_session_id="cap-1")).encode()


async def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as resp:
        return resp.status, await resp.json()


@pytest.fixture
async def rx() -> AsyncIterator[WebhookReceiver]:
    receiver = await WebhookReceiver.start(secret=SECRET)
    yield receiver
    await receiver.close(timeout=2)


async def test_signed_deliveries_are_accepted(rx: WebhookReceiver) -> None:
    summary = await deliver(rx.url, lifecycle("cap-1"), duplicates=1, secret=SECRET)
    await rx.wait_for(timeout=5)
    assert (summary.delivered, summary.failed) == (6, 0)
    assert (rx.stats.processed, rx.stats.duplicates, rx.stats.rejected) == (6, 6, {})
    assert SECRET.removeprefix("whsec_") not in repr(rx) + repr(summary)  # never shown


async def test_signature_made_by_the_reference_library_is_accepted(rx: WebhookReceiver) -> None:
    now = datetime.now(tz=UTC)
    signature = Webhook(SECRET).sign("msg_ref", now, BODY.decode())
    status, _ = await post(rx.url, BODY, {"webhook-id": "msg_ref",
                                          "webhook-timestamp": str(int(now.timestamp())),
                                          "webhook-signature": signature})
    assert status == 202


def test_our_signature_verifies_with_the_reference_library() -> None:
    headers = sign(BODY, SECRET, "msg_1")
    assert Webhook(SECRET).verify(BODY, headers) == json.loads(BODY)
    assert headers["webhook-signature"].startswith("v1,")


def _tampered() -> tuple[bytes, dict[str, str]]:
    return BODY.replace(b"cap-1", b"cap-2"), sign(BODY, SECRET, "msg_1")


def _stale() -> tuple[bytes, dict[str, str]]:
    return BODY, sign(BODY, SECRET, "msg_1", timestamp=time.time() - 600)


def _future() -> tuple[bytes, dict[str, str]]:
    return BODY, sign(BODY, SECRET, "msg_1", timestamp=time.time() + 600)


def _missing() -> tuple[bytes, dict[str, str]]:
    return BODY, {}


def _no_signature() -> tuple[bytes, dict[str, str]]:
    headers = sign(BODY, SECRET, "msg_1")
    del headers["webhook-signature"]
    return BODY, headers


def _other_secret() -> tuple[bytes, dict[str, str]]:
    return BODY, sign(BODY, new_secret(), "msg_1")


def _garbled() -> tuple[bytes, dict[str, str]]:
    return BODY, {**sign(BODY, SECRET, "msg_1"), "webhook-signature": "garbage"}


def _bad_timestamp() -> tuple[bytes, dict[str, str]]:
    return BODY, {**sign(BODY, SECRET, "msg_1"), "webhook-timestamp": "yesterday"}


@pytest.mark.parametrize("make,reason,hint", [
    (_tampered, "bad_signature", "does not match"),
    (_other_secret, "bad_signature", "does not match"),
    (_garbled, "bad_signature", "does not match"),
    (_bad_timestamp, "bad_signature", "Unix seconds"),
    (_stale, "stale_signature", "in the past"),
    (_future, "stale_signature", "in the future"),
    (_missing, "unsigned", "webhook-id, webhook-timestamp, webhook-signature"),
    (_no_signature, "unsigned", "missing webhook-signature"),
], ids=lambda v: v.__name__.strip("_") if callable(v) else None)
async def test_bad_signatures_get_401_and_are_counted(rx: WebhookReceiver, make: Callable[[], tuple[bytes, dict[str, str]]], reason: str, hint: str) -> None:
    body, headers = make()
    status, answer = await post(rx.url, body, headers)
    assert (status, answer["error"]) == (401, reason)
    assert hint in answer["message"]
    assert rx.stats.rejected == {reason: 1} and rx.stats.accepted == 0 and len(rx.store) == 0


async def test_deliver_with_the_wrong_secret_reports_the_failure(rx: WebhookReceiver) -> None:
    summary = await deliver(rx.url, lifecycle("cap-1")[:1], secret=new_secret(), retries=1,
                            backoff=0.01)
    assert (summary.delivered, summary.failed, summary.attempts) == (0, 1, 2)
    assert "401" in summary.failures[0] and "does not match" in summary.failures[0]


def test_verifier_alone() -> None:
    assert Verifier(SECRET).check(BODY, sign(BODY, SECRET, "msg_1")) is None
    with pytest.raises(ValueError, match="whsec_"):
        Verifier("whsec_")
