"""An asyncio loop on its own daemon thread, and a way to wait on another thread's progress.

The receiver answers on one such loop and processes on another, so a notebook cell blocked in
`time.sleep` or a synchronous SDK call never stops a webhook from being answered.

    >>> lt = LoopThread("demo")
    >>> async def two(): return 2
    >>> lt.run(two())
    2
    >>> lt.stop()
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from typing import Any, Callable, Coroutine, TypeVar

T = TypeVar("T")


class LoopThread:
    """A private event loop running forever on a daemon thread named `name`."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            tasks = [t for t in asyncio.all_tasks(self.loop) if not t.done()]
            for task in tasks:
                task.cancel()
            self.loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self.loop.is_closed()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule `coro` on this loop from any thread."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    async def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await `coro`, run on this loop, from a coroutine running on another loop."""
        return await asyncio.wrap_future(self.submit(coro))

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run `coro` on this loop and block the calling thread until it finishes."""
        return self.submit(coro).result(timeout)

    def soon(self, fn: Callable[..., Any], *args: Any) -> None:
        """Call `fn(*args)` on this loop from any thread, without waiting."""
        self.loop.call_soon_threadsafe(fn, *args)

    def stop(self, timeout: float = 5.0) -> None:
        if self.running:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout)


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
                except asyncio.TimeoutError:
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
