"""At-least-once webhook delivery: POST, retry on failure with a compressed backoff, record.

Payloads for one key (a capture session, an alert) go out in order, one after another; every
attempt is recorded in `deliveries` for tests and notebooks to inspect.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import aiohttp

from .faults import Faults

log = logging.getLogger(__name__)

#: Seconds before each retry: VideoDB's schedule compressed so tests and notebooks stay fast.
BACKOFF_S = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)
ATTEMPT_TIMEOUT_S = 5.0
#: Posts in flight to one receiver (host and port) at once, and so the kept-alive connections
#: to it: a fleet's sessions share a few receivers, and each connection is a descriptor here.
CONNECTIONS_PER_RECEIVER = 16


class WebhookSender:
    """Posts JSON payloads to callback URLs on the emulator's loop."""

    def __init__(self, faults: Callable[[], Faults]) -> None:
        self._faults = faults
        self.deliveries: list[dict[str, Any]] = []
        self._client: aiohttp.ClientSession | None = None
        self._chains: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._attempts = 0

    def send(self, url: str | None, payloads: list[dict[str, Any]], key: str) -> None:
        """Queue `payloads` for `url` after anything still pending for `key`."""
        if not url or not payloads:
            return
        if self._faults().reorder_webhooks:
            payloads = list(reversed(payloads))
        task = asyncio.create_task(self._run(url, payloads, self._chains.get(key)))
        self._chains[key] = task
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._settled(key, done))

    def _settled(self, key: str, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if self._chains.get(key) is task:  # nothing queued after it: the chain ends here
            del self._chains[key]

    async def idle(self) -> None:
        """Wait until every queued payload was delivered or given up."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        self._chains.clear()
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def _run(self, url: str, payloads: list[dict[str, Any]], previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)
        for payload in payloads:
            if await self._deliver(url, payload):
                for _ in range(self._faults().duplicate_webhooks):
                    await self._attempt(url, payload, attempt=1, duplicate=True)

    async def _deliver(self, url: str, payload: dict[str, Any]) -> bool:
        for attempt, delay in enumerate((0.0, *BACKOFF_S), start=1):
            if delay:
                await asyncio.sleep(delay)
            if await self._attempt(url, payload, attempt=attempt):
                return True
        log.warning("webhook %s to %s given up after %d attempts",
                    payload.get("event", "alert"), url, len(BACKOFF_S) + 1)
        return False

    async def _attempt(self, url: str, payload: dict[str, Any], *, attempt: int,
                       duplicate: bool = False) -> bool:
        self._attempts += 1
        status: int | None = None
        error: str | None = None
        if self._attempts <= self._faults().fail_webhooks:
            error = "injected fault: attempt failed before sending"
        else:
            try:
                async with self._session().post(url, json=payload) as response:
                    status = response.status
                    await response.read()
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                error = f"{type(exc).__name__}: {exc}"
        ok = status is not None and 200 <= status < 300
        self.deliveries.append({
            "url": url, "event": payload.get("event") or f"alert:{payload.get('label')}",
            "capture_session_id": payload.get("capture_session_id"), "attempt": attempt,
            "duplicate": duplicate, "status": status, "ok": ok, "error": error, "payload": payload,
        })
        return ok

    def _session(self) -> aiohttp.ClientSession:
        if self._client is None:
            self._client = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit_per_host=CONNECTIONS_PER_RECEIVER),
                timeout=aiohttp.ClientTimeout(total=ATTEMPT_TIMEOUT_S),
                headers={"User-Agent": "vdb-notebook-emulator"})
        return self._client
