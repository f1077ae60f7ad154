"""Which deliveries are the same event: by `webhook-id` when sent, else by payload content.

VideoDB documents no delivery id, and advises deduplicating on a hash of the payload; Standard
Webhooks senders (and `deliver`) send a `webhook-id` that stays the same across retries.

    >>> delivery_key(None, {"b": 1, "a": 2}) == delivery_key(None, {"a": 2, "b": 1})
    True
    >>> delivery_key("msg_1", {"a": 1})
    'id:msg_1'
    >>> seen = SeenKeys(max_keys=2); seen.add("a"); seen.add("b"); seen.add("c")
    >>> ("a" in seen, "c" in seen, len(seen))
    (False, True, 2)
"""
from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Any


def canonical_json(payload: Any) -> str:
    """The payload as JSON with sorted keys and no spaces: equal payloads give equal text."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def payload_key(payload: Any) -> str:
    """The content key of a payload: 'sha:' + SHA-256 (first 24 hex digits) of its canonical JSON."""
    return "sha:" + hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()[:24]


def delivery_key(webhook_id: str | None, payload: Any) -> str:
    """The key a receiver deduplicates on: the sender's webhook-id, else the content key."""
    return f"id:{webhook_id}" if webhook_id else payload_key(payload)


class SeenKeys:
    """The most recent `max_keys` keys (an at-least-once sender retries within hours, not years)."""

    def __init__(self, max_keys: int = 1_000_000) -> None:
        self.max_keys = max_keys
        self._keys: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: str) -> None:
        self._keys[key] = None
        self._keys.move_to_end(key)
        while len(self._keys) > self.max_keys:
            self._keys.popitem(last=False)

    def discard(self, key: str) -> None:
        self._keys.pop(key, None)
