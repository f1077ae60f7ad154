"""`Progress`: wait, from any thread or loop, until a condition on shared state becomes true.

The webhook receiver stores deliveries on one thread; `wait_for` and `drain` wait on others.

    >>> progress, done = Progress(), []
    >>> done.append("stored"); progress.notify()
    >>> progress.wait_sync(lambda: len(done) >= 1, timeout=1, what=lambda: "one delivery")
    >>> progress.wait_sync(lambda: len(done) >= 2, timeout=0.01, what=lambda: "two deliveries")
    Traceback (most recent call last):
    TimeoutError: timed out after 0.01 s waiting for two deliveries
"""
from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable


class Progress:
    """Lets any thread or loop wait until a condition on shared state becomes true.

    The state changes on one thread; `notify()` wakes waiters, which re-check their condition,
    so waiting is deterministic (no polling interval to tune).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._async_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def notify(self) -> None:
        with self._lock:
            self._changed.notify_all()
            waiters = list(self._async_waiters)
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that loop has closed; its waiter is gone
                pass

    async def wait(self, ready: Callable[[], bool], timeout: float | None,
                   what: Callable[[], str]) -> None:
        """Return once `ready()` is true; after `timeout` seconds, TimeoutError saying `what()`."""
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._async_waiters.add(waiter)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                waiter[1].clear()
                if ready():
                    return
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError(f"timed out after {timeout} s waiting for {what()}")
                try:
                    await asyncio.wait_for(waiter[1].wait(), remaining)
                except TimeoutError:
                    pass
        finally:
            with self._lock:
                self._async_waiters.discard(waiter)

    def wait_sync(self, ready: Callable[[], bool], timeout: float | None,
                  what: Callable[[], str]) -> None:
        """`wait` for code that cannot await (it blocks the calling thread)."""
        with self._changed:
            if not self._changed.wait_for(ready, timeout):
                raise TimeoutError(f"timed out after {timeout} s waiting for {what()}")
