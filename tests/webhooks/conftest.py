"""The kill -9 tests' shared parts: a receiver in a child process, and a sender that kills it."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from vdb_notebook.webhooks import build

#: start_child(source, *args) -> (process, the URL its receiver printed)
StartChild = Callable[..., Awaitable[tuple[asyncio.subprocess.Process, str]]]
#: burst(url, todo, acked, proc=None, kill_after=None) -> killed with deliveries left to send
Burst = Callable[..., Awaitable[bool]]


async def start_child(source: str, *args: str | Path) -> tuple[asyncio.subprocess.Process, str]:
    """Run `python -c source args...` (stdin a pipe); its first line is the receiver's URL."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", source, *map(str, args),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert proc.stdout is not None
    url = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode().strip()
    assert url.startswith("http://127.0.0.1:"), url
    return proc, url


async def send(session: aiohttp.ClientSession, url: str, i: int, acked: set[str]) -> None:
    """Deliver `capture_session.active` of cap-i as webhook msg-i; acked gets it on a 2xx."""
    try:
        async with session.post(url, json=build("active", capture_session_id=f"cap-{i}"),
                                headers={"webhook-id": f"msg-{i}"}) as resp:
            if 200 <= resp.status < 300:
                acked.add(f"id:msg-{i}")
    except (TimeoutError, aiohttp.ClientError):
        pass  # the receiver died under us: not acknowledged, the sender sends it again


async def burst(url: str, todo: list[int], acked: set[str],
                proc: asyncio.subprocess.Process | None = None, kill_after: int | None = None) -> bool:
    """Send `todo` 8 at a time; with kill_after, kill -9 the receiver once that many more
    deliveries are acknowledged. True if it killed the receiver with deliveries still to send."""
    target = None if kill_after is None else len(acked) + kill_after
    queue = list(todo)
    killed = False
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        async def lane() -> None:
            nonlocal killed
            while queue:
                await send(session, url, queue.pop(0), acked)
                if target is not None and proc is not None and len(acked) >= target \
                        and proc.returncode is None:
                    killed = killed or bool(queue)
                    proc.send_signal(signal.SIGKILL)
                    return
        await asyncio.gather(*(lane() for _ in range(8)))
    return killed


@pytest.fixture(name="start_child")
def start_child_fixture() -> StartChild:
    return start_child


@pytest.fixture(name="burst")
def burst_fixture() -> Burst:
    return burst
