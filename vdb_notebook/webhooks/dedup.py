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
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

DEDUP_KEYS = 100_000
DEDUP_AGE_S = 3 * 24 * 3600.0  # Standard Webhooks senders give up retrying within about a day


def canonical_json(payload: Any) -> str:
    """The payload as JSON with sorted keys and no spaces: equal payloads give equal text."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _utf8(text: str) -> bytes:
    # surrogatepass: a lone surrogate (text cut inside an emoji) still hashes, to the same bytes
    return text.encode("utf-8", "surrogatepass")


def payload_key(payload: Any) -> str:
    """The content key of a payload: 'sha:' + SHA-256 (first 24 hex digits) of its canonical JSON."""
    return "sha:" + hashlib.sha256(_utf8(canonical_json(payload))).hexdigest()[:24]


def delivery_key(webhook_id: str | None, payload: Any) -> str:
    """The key a receiver deduplicates on: the sender's webhook-id, else the content key."""
    return f"id:{webhook_id}" if webhook_id else payload_key(payload)


def digest(key: str) -> bytes:
    """16 bytes standing for `key`, whatever its length (what `SeenKeys` keeps)."""
    return hashlib.blake2b(_utf8(key), digest_size=16).digest()


class SeenKeys:
    """The dedup window: keys seen within the last `max_age_s` seconds, at most `max_keys` of
    them (the oldest go first). Each key is kept as a 16-byte digest, whatever its length.

    An at-least-once sender retries within hours, not years; a copy that arrives after the
    window is accepted again (`LIMITS.md`).
    """

    def __init__(self, max_keys: int = DEDUP_KEYS, max_age_s: float = DEDUP_AGE_S, *,
                 clock: Callable[[], float] = time.time) -> None:
        if max_keys < 1 or max_age_s <= 0:
            raise ValueError(f"the dedup window needs max_keys >= 1 and max_age_s > 0, "
                             f"not {max_keys} and {max_age_s}")
        self.max_keys, self.max_age_s = max_keys, max_age_s
        self._clock = clock
        self._keys: OrderedDict[bytes, float] = OrderedDict()  # digest -> when seen, oldest first

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        self._expire()
        return digest(key) in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: str, seen_at: float | None = None) -> None:
        """Remember `key` (seen now, or at `seen_at` epoch seconds, e.g. from a journal)."""
        self.add_digest(digest(key), self._clock() if seen_at is None else seen_at)

    def discard(self, key: str) -> None:
        self._keys.pop(digest(key), None)

    def _expire(self) -> None:
        oldest = self._clock() - self.max_age_s
        while self._keys:
            mark, at = next(iter(self._keys.items()))
            if at >= oldest:
                return
            del self._keys[mark]

    def add_digest(self, mark: bytes, seen_at: float) -> None:
        """Remember a key known only by its digest (a journal's compacted `seen` record)."""
        self._keys[mark] = max(seen_at, self._keys.get(mark, seen_at))
        self._keys.move_to_end(mark)
        while len(self._keys) > self.max_keys:
            self._keys.popitem(last=False)

    def entries(self) -> list[tuple[bytes, float]]:
        """(digest, seen at) for each key in the window, oldest first."""
        self._expire()
        return list(self._keys.items())
