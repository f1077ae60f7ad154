"""One private asyncio loop on a daemon thread, for code that cannot `await`.

`Feed.open_sync` runs its feed here. In a notebook cell a loop is already running in the
kernel's thread; rather than re-entering it with nest_asyncio (which patches asyncio globally
and has known deadlocks), the coroutine runs on this thread's loop and the cell blocks only
until it has finished. The emulator and the webhook receiver run on threads of their own, so
nothing the coroutine waits for needs the blocked kernel thread.

    >>> async def answer(): return 42
    >>> run(answer())
    42
"""
from __future__ import annotations

import asyncio
import threading
from typing import Any, Coroutine, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def background_loop() -> asyncio.AbstractEventLoop:
    """The shared private loop, started on first use and kept for the life of the process."""
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="vdb_notebook-loop", daemon=True).start()
            _loop = loop
        return _loop


def on_loop_thread(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def run(coro: Coroutine[Any, Any, T], loop: asyncio.AbstractEventLoop | None = None,
        timeout: float | None = None) -> T:
    """Run `coro` on `loop` (default: the private loop) and block this thread for its result."""
    loop = loop or background_loop()
    if on_loop_thread(loop):
        coro.close()
        raise RuntimeError("this blocking call was made from the loop it would wait on, which "
                           "would deadlock; use the awaitable form (await ...) here instead")
    return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)


async def run_on(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]) -> T:
    """Await `coro` on `loop`, from this loop or from any other one."""
    if on_loop_thread(loop):
        return await coro
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))
