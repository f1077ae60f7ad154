"""Standard Webhooks signatures: sign what `deliver` sends, check what the receiver gets.

The signature is HMAC-SHA256 over `"{webhook-id}.{webhook-timestamp}.{body}"`, base64, sent as
`webhook-signature: v1,<sig>`; the secret is `whsec_` + base64 bytes; a timestamp more than
five minutes from now is refused. The `standardwebhooks` package computes and compares.

    >>> secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    >>> headers = sign(b'{"a":1}', secret, "msg_1")
    >>> sorted(headers)
    ['webhook-id', 'webhook-signature', 'webhook-timestamp']
    >>> Verifier(secret).check(b'{"a":1}', headers) is None
    True
    >>> Verifier(secret).check(b'{"a":2}', headers).reason
    'bad_signature'
"""
from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from standardwebhooks import Webhook, WebhookVerificationError

TOLERANCE_S = 5 * 60


@dataclass(frozen=True)
class SignatureProblem:
    """Why a delivery's signature was refused: a reason for counting, a message for the sender."""

    reason: str  # "unsigned" | "stale_signature" | "bad_signature"
    message: str


def new_secret() -> str:
    """A fresh random secret in the Standard Webhooks form ('whsec_' + base64 of 24 bytes)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def webhook(secret: str | bytes) -> Webhook:
    """The `standardwebhooks` signer for `secret`, or a ValueError saying what a secret looks like."""
    try:
        return Webhook(secret)
    except Exception as exc:
        raise ValueError(
            f"webhook secret is not usable ({exc}); pass 'whsec_' followed by base64 bytes, "
            "e.g. vn.webhooks.new_secret()"
        ) from None


def sign(body: bytes, secret: str | bytes, msg_id: str,
         timestamp: float | None = None) -> dict[str, str]:
    """The three Standard Webhooks headers for one delivery attempt of `body`."""
    when = time.time() if timestamp is None else timestamp
    stamp = datetime.fromtimestamp(int(when), tz=UTC)
    signature = webhook(secret).sign(msg_id, stamp, body.decode("utf-8"))
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(when)),
            "webhook-signature": signature}


class Verifier:
    """Checks deliveries against one secret; `check` returns None when the signature holds."""

    def __init__(self, secret: str | bytes) -> None:
        self._webhook = webhook(secret)

    def check(self, body: bytes, headers: Mapping[str, str]) -> SignatureProblem | None:
        msg_id = headers.get("webhook-id")
        stamp = headers.get("webhook-timestamp")
        signature = headers.get("webhook-signature")
        if not (msg_id and stamp and signature):
            missing = [name for name, value in (("webhook-id", msg_id),
                       ("webhook-timestamp", stamp), ("webhook-signature", signature)) if not value]
            return SignatureProblem("unsigned", (
                f"missing {', '.join(missing)}: this receiver has a secret, so sign each "
                "delivery (Standard Webhooks; vn.webhooks.deliver(..., secret=...) does)"))
        try:
            skew = float(stamp) - time.time()
        except ValueError:
            return SignatureProblem("bad_signature", (
                f"webhook-timestamp {stamp[:40]!r} is not a number: send Unix seconds"))
        if abs(skew) > TOLERANCE_S:
            return SignatureProblem("stale_signature", (
                f"webhook-timestamp is {abs(skew):.0f} s in the {'past' if skew < 0 else 'future'};"
                f" the tolerance is {TOLERANCE_S} s - sign each attempt with the current time"))
        try:
            self._webhook.verify(body, {"webhook-id": msg_id, "webhook-timestamp": stamp,
                                        "webhook-signature": signature}, json_parse=False)
        except (WebhookVerificationError, ValueError, UnicodeDecodeError):
            return SignatureProblem("bad_signature", (
                "webhook-signature does not match: sign 'id.timestamp.body' (the exact body "
                "bytes) with HMAC-SHA256 and this receiver's secret, and send 'v1,<base64>'"))
        return None
