"""Processing: nothing a handler does stops the workers; handlers get a stable delivery id;
closing does not wait on a stuck handler."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from vdb_notebook.webhooks import WebhookReceiver, build, deliver, lifecycle
from vdb_notebook.webhooks.processor import Handler


def _raises(exc_type: type[BaseException]) -> Handler:
    def handler(payload: dict[str, Any]) -> None:
        if payload["capture_session_id"] == "bad":
            raise exc_type("from a handler")
    return handler


def _raises_async(exc_type: type[BaseException]) -> Handler:
    async def handler(payload: dict[str, Any]) -> None:
        if payload["capture_session_id"] == "bad":
            raise exc_type("from a handler")
    return handler


# GeneratorExit is a handler's error like any other (only this worker's own cancellation is not)
KILLERS = [SystemExit, KeyboardInterrupt, asyncio.CancelledError, GeneratorExit]


@pytest.mark.parametrize("make", [_raises, _raises_async], ids=["sync", "async"])
@pytest.mark.parametrize("exc_type", KILLERS, ids=lambda t: t.__name__)
async def test_no_handler_exception_stops_processing(make: Callable[[type[BaseException]], Handler], exc_type: type[BaseException]) -> None:
    rx = await WebhookReceiver.start(workers=2, handlers={"*": make(exc_type)})
    try:
        bad = [build(s, capture_session_id="bad") for s in ("created", "starting", "active")]
        await deliver(rx.url, bad)  # one per worker and more
        await deliver(rx.url, lifecycle("good"))
        await rx.wait_for(timeout=10)
        assert rx.stats.processed == 3 + 6 and rx.stats.handler_errors == 3
        assert all(isinstance(e.error, exc_type) for e in rx.errors)
    finally:
        await rx.close(timeout=2)


async def test_handlers_get_the_stable_delivery_id_and_plain_handlers_still_work() -> None:
    ids: list[str] = []
    plain: list[dict[str, Any]] = []
    rx = await WebhookReceiver.start(handlers={"*": [lambda p: ids.append(p.delivery_id),
                                                     plain.append]})
    try:
        one, two = (build(s, capture_session_id="cap-1") for s in ("active", "stopped"))
        async with aiohttp.ClientSession() as session:
            for _ in range(2):  # a retry has the same id
                await session.post(rx.url, json=one, headers={"webhook-id": "msg_A"})
            await session.post(rx.url, json=two)  # no webhook-id: a content key
        await rx.wait_for(processed=2, timeout=5)
        assert ids[0] == "id:msg_A" and ids[1].startswith("sha:")
        assert plain == [one, two] and type(plain[0]).__name__ == "WebhookPayload"
        assert rx.stats.duplicates == 1
    finally:
        await rx.close(timeout=2)


SCRIPT = textwrap.dedent("""
    import sys, threading, urllib.request, json
    from vdb_notebook.webhooks import WebhookReceiver, build
    rx = WebhookReceiver.start_sync(handlers={"*": lambda p: threading.Event().wait()})
    req = urllib.request.Request(rx.url, json.dumps(build("active", capture_session_id="c")).encode(),
                                 {"Content-Type": "application/json"})
    assert urllib.request.urlopen(req).status == 202
    rx.wait_for_sync(until=lambda store: len(store) == 1, timeout=10)
    rx.close_sync(timeout=0.5)
    print("closed", flush=True)
""")


def test_a_stuck_sync_handler_does_not_keep_the_process_alive_after_close() -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "closed"


async def test_close_honours_its_timeout_when_an_async_handler_blocks_its_loop() -> None:
    release, blocking = threading.Event(), threading.Event()
    closed_first = []

    async def blocks_the_loop(payload: dict[str, Any]) -> None:  # the mistake: a blocking call in an async handler
        blocking.set()
        release.wait(20)
        closed_first.append(close_returned.is_set())

    close_returned = threading.Event()
    rx = await WebhookReceiver.start(handlers={"*": blocks_the_loop}, workers=1)
    await deliver(rx.url, [build("active", capture_session_id="c")])
    assert await asyncio.to_thread(blocking.wait, 10)
    # close(timeout=0.5) must return long before the handler is let go after 4 s
    timer = threading.Timer(4.0, release.set)
    timer.start()
    with pytest.warns(RuntimeWarning):
        await rx.close(timeout=0.5)
    close_returned.set()
    timer.join()
    await asyncio.to_thread(lambda: [threading.Event().wait(0.01) for _ in range(500)
                                     if not closed_first] and None)
    assert closed_first == [True]
