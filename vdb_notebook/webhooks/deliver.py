"""`deliver`: post payloads the way an at-least-once sender does - retries, duplicates, reordering.

Each logical event gets one `webhook-id`, kept across its duplicates and retries (that is what a
receiver deduplicates on); with a `secret`, each attempt is signed with the current time.

    >>> await deliver(rx.url, lifecycle("cap-1"), duplicates=2, reorder=True)  # doctest: +SKIP
    DeliverySummary(events=6, sends=18, attempts=18, delivered=6, failed=0)
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import random
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from .. import _aio
from .._backoff import Backoff
from .._compat import keyword_only
from .dedup import canonical_json
from .signing import sign

Payload = dict[str, Any] | str | bytes


@dataclass
class DeliverySummary:
    """What a `deliver` call did. `delivered` + `failed` == `events` (distinct payloads);
    `sends` = events x (1 + duplicates); `attempts` counts every HTTP request, retries included."""

    events: int
    sends: int
    attempts: int = 0
    delivered: int = 0
    failed: int = 0
    statuses: Counter[str] = field(default_factory=Counter, repr=False)
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    failures: list[str] = field(default_factory=list, repr=False)
    seconds: float = field(default=0.0, repr=False)  # wall time of the whole call

    def latency_ms(self, quantile: float) -> float:
        """Answer latency at `quantile` (0.5 = median) over attempts that got an HTTP answer."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))]


def webhook_id(payload: Payload, index: int, seed: int = 0) -> str:
    """The stable id of event number `index`: the same for every duplicate and retry of it
    (a dict's id does not depend on its key order)."""
    raw = isinstance(payload, (str, bytes))
    content = _body(payload) if raw else canonical_json(payload).encode("utf-8")
    return "msg_" + hashlib.sha256(f"{seed}:{index}:".encode() + content).hexdigest()[:24]


def send_order(events: int, duplicates: int = 0, reorder: bool = False,
               seed: int = 0) -> list[int]:
    """Which event each send carries: all events, then each round of duplicates; shuffled
    (the same way for the same seed) when `reorder`.

    >>> send_order(3, duplicates=1)
    [0, 1, 2, 0, 1, 2]
    >>> send_order(3, duplicates=1, reorder=True, seed=1) == send_order(3, 1, True, seed=1)
    True
    """
    order = list(range(events)) * (1 + duplicates)
    if reorder:
        random.Random(f"reorder:{seed}").shuffle(order)
    return order


def _body(payload: Payload) -> bytes:
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode("utf-8")
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@keyword_only("duplicates", "reorder", "secret")
async def deliver(url: str, payloads: Payload | Iterable[Payload], *, duplicates: int = 0,
                  reorder: bool = False, secret: str | bytes | None = None, seed: int = 0,
                  concurrency: int = 1, retries: int = 5, backoff: float = 0.05,
                  max_backoff: float = 2.0, timeout: float = 10.0,
                  webhook_ids: bool = True) -> DeliverySummary:
    """POST each payload to `url` (1 + `duplicates`) times, retrying non-2xx answers and
    connection errors up to `retries` times with jittered exponential backoff.

    `concurrency` sends at once (1 keeps the send order exactly); `webhook_ids=False` sends no
    ids, as VideoDB does, so the receiver deduplicates by content. Payloads may be dicts, or
    str/bytes sent as they are (to reproduce malformed deliveries).
    """
    items = [payloads] if isinstance(payloads, (dict, str, bytes)) else list(payloads)
    if secret and not webhook_ids:
        raise ValueError("signing needs a webhook-id: use webhook_ids=True with secret=")
    if duplicates < 0 or concurrency < 1 or retries < 0:
        raise ValueError("need duplicates >= 0, concurrency >= 1 and retries >= 0; got "
                         f"duplicates={duplicates}, concurrency={concurrency}, retries={retries}")
    bodies = [_body(p) for p in items]
    ids = [webhook_id(p, i, seed) for i, p in enumerate(items)]
    order = send_order(len(items), duplicates, reorder, seed)
    summary = DeliverySummary(events=len(items), sends=len(order))
    delivered: set[int] = set()
    last_answer: dict[int, str] = {}
    queue = iter(enumerate(order))

    async def send(session: aiohttp.ClientSession, nth: int, index: int) -> None:
        retry = Backoff(base=backoff, cap=max(backoff, max_backoff), max_attempts=retries,
                        rng=random.Random(f"retry:{seed}:{nth}"))
        while True:
            headers = {"Content-Type": "application/json"}
            if webhook_ids:
                headers["webhook-id"] = ids[index]
            if secret:
                headers.update(sign(bodies[index], secret, ids[index]))
            started = time.perf_counter()
            try:
                async with session.post(url, data=bodies[index], headers=headers) as resp:
                    text = await resp.text(errors="replace")
                    answer, ok = f"{resp.status} {text[:300]}", 200 <= resp.status < 300
                    summary.latencies_ms.append((time.perf_counter() - started) * 1000.0)
                    summary.statuses[str(resp.status)] += 1
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                answer, ok = f"{type(exc).__name__}: {exc}", False
                summary.statuses[type(exc).__name__] += 1
            summary.attempts += 1
            if ok:
                delivered.add(index)
                return
            last_answer[index] = answer
            if retry.exhausted:
                return
            await asyncio.sleep(retry.next_delay())

    async def worker(session: aiohttp.ClientSession) -> None:
        for nth, index in queue:
            await send(session, nth, index)

    started = time.perf_counter()
    connector = aiohttp.TCPConnector(limit=concurrency)
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(connector=connector, timeout=client_timeout) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    summary.seconds = time.perf_counter() - started
    summary.delivered = len(delivered)
    summary.failed = summary.events - summary.delivered
    summary.failures = [f"event {i} ({ids[i]}): last answer {last_answer.get(i, 'none')}"
                        for i in range(len(items)) if i not in delivered]
    return summary


def deliver_sync(url: str, payloads: Payload | Iterable[Payload], *, duplicates: int = 0,
                 reorder: bool = False, secret: str | bytes | None = None, seed: int = 0,
                 concurrency: int = 1, retries: int = 5, backoff: float = 0.05,
                 max_backoff: float = 2.0, timeout: float = 10.0,
                 webhook_ids: bool = True) -> DeliverySummary:
    """`deliver` (the same signature) for code that cannot await: runs on the toolkit's loop
    thread and blocks this one until every send is done."""
    return _aio.run(deliver(url, payloads, duplicates=duplicates, reorder=reorder, secret=secret,
                            seed=seed, concurrency=concurrency, retries=retries,
                            backoff=backoff, max_backoff=max_backoff, timeout=timeout,
                            webhook_ids=webhook_ids))
