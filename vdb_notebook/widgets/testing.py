"""Helpers for tests and bench: a comm that counts widget messages instead of sending them to a
browser, sample frames, and waiting for a pane to show something.

ipywidgets' own model tests swap in a dummy comm (`ipywidgets.widgets.tests.utils.
setup_test_comm`); this does the same through the `comm` package's replaceable `create_comm`,
and also records each message's size and time, so we can see what a browser would receive.

    >>> import ipywidgets as widgets
    >>> with counting_comms() as log:
    ...     w = widgets.HTML("a")
    ...     w.value = "b"
    >>> log.updates(w)
    1
"""
from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import comm
from comm.base_comm import BaseComm

if TYPE_CHECKING:
    from .dashboard import Dashboard


@dataclass(frozen=True)
class Message:
    comm_id: str
    msg_type: str  # comm_open, comm_msg, comm_close
    method: str | None  # "update" for state changes
    at: float  # the log's clock() when sent (time.monotonic() unless the log was given another)
    size: int  # bytes of JSON content plus binary buffers
    keys: tuple[str, ...]  # the state keys an update carries


class CommLog:
    """Every message sent by the comms made inside `counting_comms()`, thread-safe.

    `clock` stamps each message's `at`; a test may swap it, e.g. for the renderer's
    `frame_at`, to see which frame each message belongs to.
    """

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.clock: Callable[[], float] = time.monotonic
        self._lock = threading.Lock()

    def add(self, message: Message) -> None:
        with self._lock:
            self.messages.append(message)

    def of(self, widget: Any, method: str | None = "update") -> list[Message]:
        """The messages of one widget (by default its state updates)."""
        with self._lock:
            return [m for m in self.messages
                    if m.comm_id == widget.comm.comm_id and (method is None or m.method == method)]

    def updates(self, widget: Any) -> int:
        return len(self.of(widget))


class CountingComm(BaseComm):
    """A comm whose messages are logged, not published."""

    log: CommLog

    def publish_msg(self, msg_type: str, data: Any = None, metadata: Any = None,
                    buffers: Any = None, **keys: Any) -> None:
        data = data or {}
        size = len(json.dumps(data, default=str, separators=(",", ":")).encode("utf-8"))
        size += sum(len(memoryview(b).cast("B")) for b in buffers or ())
        state = data.get("state") if isinstance(data, dict) else None
        self.log.add(Message(self.comm_id, msg_type, data.get("method"), self.log.clock(), size,
                             tuple(state) if isinstance(state, dict) else ()))


#: The scenario epoch, 2026-01-20T12:34:56Z, in ms.
T0 = 1768912496000


def transcript_frame(text: str, *, final: bool = True, stream: str = "mic:default",
                     rts: str = "rts-1", at: int = 0) -> dict[str, Any]:
    """A transcript frame `at` ms after T0, lasting 0.9 s."""
    return {"channel": "transcript", "rtstream_id": rts, "rtstream_name": stream,
            "data": {"text": text, "is_final": final, "start": T0 + at, "end": T0 + at + 900}}


def alert_frame(label: str = "sensitive_content", confidence: float = 0.92,
                text: str = "") -> dict[str, Any]:
    """An alert frame on the screen stream, 5-7 s after T0."""
    return {"channel": "alert", "rtstream_id": "rts-3", "rtstream_name": "display:1",
            "data": {"label": label, "triggered": True, "confidence": confidence, "text": text,
                     "start": T0 + 5000, "end": T0 + 7000}}


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Block (time.sleep, not await) until condition() holds; AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


async def await_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """wait_until for tests whose event loop must keep running (a Feed consumes on it)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def shows(dash: Dashboard, pane: str, text: str) -> Callable[[], bool]:
    """A condition: the dashboard's pane `pane` shows `text`."""
    return lambda: text in dash.panes[pane].value


@contextmanager
def counting_comms() -> Iterator[CommLog]:
    """Widgets created inside the block get a `CountingComm`; yields their shared `CommLog`."""
    log = CommLog()
    original = comm.create_comm

    def create(*args: Any, **kwargs: Any) -> CountingComm:
        made = CountingComm.__new__(CountingComm)
        made.log = log
        CountingComm.__init__(made, *args, **kwargs)
        return made

    comm.create_comm = create
    try:
        yield log
    finally:
        comm.create_comm = original


def run_cell(client: Any, code: str, cell_id: str, timeout: float = 60.0) -> str:
    """Run `code` in a real kernel (a jupyter_client `client`) as notebook cell `cell_id`, as
    JupyterLab sends it (the cell id in the request's metadata); its text/plain result."""
    msg = client.session.msg("execute_request", {
        "code": code, "silent": False, "store_history": True, "user_expressions": {},
        "allow_stdin": False, "stop_on_error": True}, metadata={"cellId": cell_id})
    client.shell_channel.send(msg)
    result = ""
    while True:
        reply = client.get_iopub_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
            continue
        if reply["msg_type"] == "execute_result":
            result = str(reply["content"]["data"]["text/plain"])
        elif reply["msg_type"] == "error":
            raise AssertionError("\n".join(reply["content"]["traceback"]))
        elif reply["msg_type"] == "status" and reply["content"]["execution_state"] == "idle":
            return result
