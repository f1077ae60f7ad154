"""An asyncio loop on its own daemon thread, for code that must answer while another thread blocks.

A synchronous SDK call in a notebook cell blocks the kernel's loop, so whatever must keep
answering meanwhile (the emulator, the webhook receiver) runs on a `LoopThread` of its own:

    >>> lt = LoopThread("demo")
    >>> async def two(): return 2
    >>> lt.run(two())
    2
    >>> lt.stop()

`Feed.open_sync` runs its feed on one shared, process-wide `background_loop()`. In a notebook
cell a loop is already running in the kernel's thread; rather than re-entering it with
nest_asyncio (which patches asyncio globally and has known deadlocks), the coroutine runs on
the background loop and the cell blocks only until it has finished:

    >>> async def answer(): return 42
    >>> run(answer())
    42
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from aiohttp import web

T = TypeVar("T")
Response = TypeVar("Response", bound="web.StreamResponse")
log = logging.getLogger("vdb_notebook")


class QuietAcceptErrors:
    """A loop exception handler that reports running out of descriptors (EMFILE) while
    accepting connections as one warning per `interval` seconds, not a traceback per attempt:
    asyncio retries each listening socket every second, for every pending connection, and a
    flood of idle sockets would write hundreds of thousands of tracebacks. The servers' idle
    timeout closes those sockets; accepting then resumes by itself. Anything else goes to the
    loop's default handler."""

    def __init__(self, interval: float = 10.0) -> None:
        self.interval = interval
        self.suppressed = 0
        self._last = -interval

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if not str(context.get("message", "")).startswith("socket.accept() out of system resource"):
            loop.default_exception_handler(context)
            return
        now = time.monotonic()
        if now - self._last < self.interval:
            self.suppressed += 1
            return
        log.warning("cannot accept connections: %s (%d more since the last warning); idle "
                    "connections are closed after the idle timeout, then accepting resumes",
                    context.get("exception"), self.suppressed)
        self._last, self.suppressed = now, 0


class LoopThread:
    """A private event loop running forever on a daemon thread named `name`, until `stop()`."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.loop.set_exception_handler(QuietAcceptErrors())
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

    @property
    def is_current(self) -> bool:
        """True when called from this loop's own thread."""
        return threading.current_thread() is self._thread

    async def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await `coro`, run on this loop, from a coroutine on this or any other loop."""
        return await run_on(self.loop, coro)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run `coro` on this loop and block the calling thread until it finishes."""
        return run(coro, self.loop, timeout)

    def soon(self, fn: Callable[..., Any], *args: Any) -> None:
        """Call `fn(*args)` on this loop from any thread, without waiting."""
        self.loop.call_soon_threadsafe(fn, *args)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the loop: its tasks are cancelled, async generators closed, the loop closed and
        (unless called from the loop's own thread) the thread joined. Idempotent."""
        if not self.running:
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        if not self.is_current:
            self._thread.join(timeout)


async def answer_and_close(request: web.BaseRequest, response: Response) -> Response:
    """Send `response` (an aiohttp response to `request`) with `Connection: close`, then close
    the connection at once. For a client whose body stopped arriving (408): aiohttp would
    otherwise keep reading that body for its `lingering_time` before closing.

        return await answer_and_close(request, web.json_response({...}, status=408))
    """
    response.force_close()
    try:
        await response.prepare(request)
        await response.write_eof()
    except ConnectionError:  # the client is gone already: nothing left to tell it
        pass
    request.protocol.force_close()  # the transport flushes what was written, then closes
    return response


_lock = threading.Lock()
_background: LoopThread | None = None


def background_loop() -> asyncio.AbstractEventLoop:
    """The shared private loop, started on first use and kept for the life of the process."""
    global _background
    with _lock:
        if _background is None or not _background.running:
            _background = LoopThread("vdb_notebook-loop")
        return _background.loop


def on_loop_thread(loop: asyncio.AbstractEventLoop) -> bool:
    """True when called from a coroutine or callback running on `loop`."""
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def run(coro: Coroutine[Any, Any, T], loop: asyncio.AbstractEventLoop | None = None,
        timeout: float | None = None) -> T:
    """Run `coro` on `loop` (default: the background loop) and block this thread for its result."""
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
