"""A per-client bound on media work: a page cannot keep the emulator's encoders to itself.

Media needs no key (a browser fetches it), so any page can ask for it; each client (its address
and the page's Origin) gets `per_client` encodes at a time and `max_waiting` more in line; past
that it is answered 429 (retry in a second), and other clients and API calls go on.

    >>> import asyncio
    >>> limits = ClientLimits(per_client=1, max_waiting=0)
    >>> async def two_at_once():
    ...     async with limits.slot("page-a"):
    ...         try:
    ...             async with limits.slot("page-a"):
    ...                 pass
    ...         except TooManyRequests as exc:
    ...             return exc.status
    >>> asyncio.run(two_at_once())
    429
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

from ..errors import ApiError

PER_CLIENT = 2
MAX_WAITING = 16


class TooManyRequests(ApiError):
    status = 429


@dataclass
class _Client:
    slots: asyncio.Semaphore
    waiting: int = 0
    users: int = 0


@dataclass
class ClientLimits:
    """`slot(client)`: wait for one of the client's `per_client` places (at most `max_waiting`
    wait). Used on one event loop."""

    per_client: int = PER_CLIENT
    max_waiting: int = MAX_WAITING
    _clients: dict[str, _Client] = field(default_factory=dict)

    @asynccontextmanager
    async def slot(self, client: str) -> AsyncIterator[None]:
        state = self._clients.setdefault(client, _Client(asyncio.Semaphore(self.per_client)))
        if state.slots.locked() and state.waiting >= self.max_waiting:
            raise TooManyRequests(f"this client already has {self.per_client} media requests being "
                                  f"encoded and {state.waiting} waiting; retry in a second")
        state.users += 1
        try:
            state.waiting += 1
            try:
                await state.slots.acquire()
            finally:
                state.waiting -= 1
            try:
                yield
            finally:
                state.slots.release()
        finally:
            state.users -= 1
            if state.users == 0:
                self._clients.pop(client, None)


def client_of(request: web.BaseRequest) -> str:
    """Who is asking: the peer address and the page's Origin (one page, one client)."""
    return f"{request.remote}|{request.headers.get('Origin', '')}"


__all__ = ["MAX_WAITING", "PER_CLIENT", "ClientLimits", "TooManyRequests", "client_of"]
