"""Fuzzing the receiver's intake over real HTTP: random bytes, JSON of any depth and content,
odd headers. Never a 5xx, never a dead worker, and the counters always add up."""
from __future__ import annotations

import http.client
import json
import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vdb_notebook.webhooks import WebhookReceiver, build, new_secret, sign

# FUZZ_EXAMPLES=5000 for a longer, randomised run (CI runs the fixed 150)
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 150)), deadline=None,
                derandomize=not os.environ.get("FUZZ_EXAMPLES"),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats()
    | st.text(st.characters(exclude_categories=()))  # lone surrogates too, and often:
    | st.sampled_from(["\ud83d", "an emoji cut in half \ud83d", "\udfff\ud800"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30)
header_values = st.binary(max_size=300).map(
    lambda b: bytes(c for c in b if c not in b"\r\n\x00").strip())
header_names = st.sampled_from(["webhook-id", "webhook-timestamp", "webhook-signature",
                                "content-type", "content-encoding", "transfer-encoding-x",
                                "x-odd"])


@pytest.fixture(scope="module", params=["plain", "journal+secret"])
def secret(request: pytest.FixtureRequest) -> str | None:
    """The receiver's signing secret: none for a plain one (which has no journal either)."""
    return None if request.param == "plain" else new_secret()


@pytest.fixture(scope="module")
def rx(secret: str | None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebhookReceiver]:
    journal = tmp_path_factory.mktemp("fuzz") / "hooks.jsonl" if secret else None
    receiver = WebhookReceiver.start_sync(workers=2, max_body=64 * 1024, journal=journal,
                                          secret=secret,
                                          handlers={"*": lambda payload: len(payload)})
    yield receiver
    receiver.close_sync(timeout=5)


def post(rx: WebhookReceiver, body: bytes, headers: dict[str, bytes] | None = None) -> int:
    conn = http.client.HTTPConnection(rx.host, rx.port, timeout=30)
    try:
        conn.request("POST", rx.path, body=body, headers=headers or {})
        return conn.getresponse().status
    finally:
        conn.close()


def check_invariants(rx: WebhookReceiver, status: int) -> None:
    assert status < 500, status
    s = rx.stats
    assert s.received == s.accepted + s.duplicates + sum(s.rejected.values()), s


def deep(depth: int, kind: str) -> bytes:
    open_, close = ("[", "]") if kind == "list" else ('{"a":', "}")
    return ('{"event":"alert","data":' + open_ * depth + "1" + close * depth + "}").encode()


@FUZZ
@given(body=st.binary(max_size=2048))
def test_random_bytes(rx: WebhookReceiver, body: bytes) -> None:
    check_invariants(rx, post(rx, body))


@FUZZ
@given(payload=json_values, event=st.sampled_from(["alert", "capture_session.active", None]))
def test_json_of_any_content(rx: WebhookReceiver, payload: object, event: str | None) -> None:
    body = {"event": event, "data": payload} if event else payload
    check_invariants(rx, post(rx, json.dumps(body).encode()))


@FUZZ
@given(depth=st.integers(1, 5000), kind=st.sampled_from(["list", "dict"]),
       with_id=st.booleans())
def test_json_of_any_depth(rx: WebhookReceiver, depth: int, kind: str, with_id: bool) -> None:
    headers = {"webhook-id": f"deep-{depth}-{kind}".encode()} if with_id else None
    check_invariants(rx, post(rx, deep(depth, kind), headers))


@FUZZ
@given(headers=st.dictionaries(header_names, header_values, max_size=4), payload=json_values)
def test_odd_headers(rx: WebhookReceiver, headers: dict[str, bytes], payload: object) -> None:
    body = json.dumps({"event": "alert", "data": payload}).encode()
    check_invariants(rx, post(rx, body, headers))


@FUZZ
@given(msg_id=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200),
       payload=json_values)
def test_signed_deliveries_with_odd_ids(rx: WebhookReceiver, secret: str | None, msg_id: str,
                                        payload: object) -> None:
    body = json.dumps({"event": "alert", "data": payload}).encode()
    if secret:
        headers = {k: v.encode("utf-8") for k, v in sign(body, secret, msg_id).items()}
    else:
        headers = {"webhook-id": msg_id.encode("utf-8")}
    check_invariants(rx, post(rx, body, headers))


def test_after_the_fuzzing_the_workers_still_process(rx: WebhookReceiver, secret: str | None) -> None:
    """Runs after the fuzz tests of the same receiver: a good delivery is still processed."""
    before = rx.stats.processed
    good = json.dumps(build("active", capture_session_id="after-fuzz")).encode()
    headers = ({k: v.encode() for k, v in sign(good, secret, "after-fuzz").items()}
               if secret else None)
    assert post(rx, good, headers) == 202
    rx.wait_for_sync(processed=before + 1, timeout=30)
    rx.wait_for_sync(timeout=30)  # nothing accepted is stuck
    assert rx.stats.pending == 0
