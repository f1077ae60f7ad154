"""`vn.connect()` (defined here, in `connection`, so importing this module never rebinds the
`vn.connect` name): a real `videodb` Connection, online or against the local emulator.

    >>> import vdb_notebook as vn
    >>> conn = vn.connect()                  # no key: the process-wide default emulator
    >>> conn.emulator is not None
    True
    >>> ws = conn.connect_websocket()        # has .stream() as well as the SDK's .receive()

Doc compatibility (the snippets of VideoDB's capture events page run as written,
https://docs.videodb.io/pages/ingest/capture-sdks/realtime-context): `conn.get_rtstream(id)` and
`ws.stream()` exist here although the SDK lacks them.
"""
from __future__ import annotations

import asyncio
import atexit
import os
import threading
import weakref
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from videodb import client as _client
from videodb import websocket_client as _websocket
from videodb._constants import VIDEO_DB_API, ApiPath
from videodb.exceptions import AuthenticationError
from videodb.rtstream import RTStream

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

    from .emulator import Emulator

__all__ = ["Connection", "SdkConnection", "WebSocketConnection", "connect", "default_emulator"]


class SdkConnection(Protocol):
    """What the toolkit needs of a videodb connection (what `vn.connect()` or `videodb.connect()`
    returns): the API's base URL and the HTTP calls the SDK's RTStream and session objects make
    through it. videodb ships no type information, so this names what the toolkit relies on.

        >>> conn: SdkConnection = connect(offline=True)
        >>> conn.base_url.startswith("http://127.0.0.1:")
        True
    """

    base_url: str

    def get(self, path: str, **kwargs: Any) -> Any:
        """GET `path` under base_url: the answer's `data`, a JSON value."""
        ...

    def post(self, path: str, data: Any = None, **kwargs: Any) -> Any:
        """POST the JSON `data` to `path` under base_url: the answer's `data`, a JSON value."""
        ...


class WebSocketConnection(_websocket.WebSocketConnection):  # type: ignore[misc]  # videodb is untyped
    """The SDK's WebSocket client plus `stream()`, the name VideoDB's capture events page uses
    for `receive()`."""

    def stream(self) -> AsyncIterator[dict[str, Any]]:
        """Alias of `receive()`: `async for ev in ws.stream(): ...`."""
        frames: AsyncIterator[dict[str, Any]] = self.receive()
        return frames

    async def close(self) -> None:
        """As the SDK's, but keeps reading (and discarding) frames still in flight meanwhile.

        A consumer that stopped reading leaves the websockets client paused on a full queue; it
        would then never see the server's close frame and `close()` would wait out its 10 s
        timeout. Reading while closing lets the handshake finish at once.
        """
        connection = self._connection
        if connection is None:
            return
        drain = asyncio.ensure_future(_discard(connection))
        try:
            await super().close()
        finally:
            drain.cancel()
            await asyncio.gather(drain, return_exceptions=True)

    def __repr__(self) -> str:  # the URL carries a token: keep it out
        state = "connected" if self._connection is not None else "not connected"
        return f"WebSocketConnection(connection_id={self.connection_id!r}, {state})"


async def _discard(connection: ClientConnection) -> None:
    try:
        while True:
            await connection.recv()
    except Exception:  # closed, or another reader is active: either way, done
        return


_live: weakref.WeakSet[Connection] = weakref.WeakSet()


def live_connections() -> list[Connection]:
    """The toolkit's Connections still referenced somewhere and able to answer (vn.clip picks
    the only one): an offline connection whose emulator has stopped serves nothing."""
    return [conn for conn in list(_live) if conn.emulator is None or conn.emulator.running]


class Connection(_client.Connection):  # type: ignore[misc]  # videodb is untyped
    """The SDK's Connection plus `emulator`, `get_rtstream(id)` and a `stream()`-capable WebSocket."""

    def __init__(self, api_key: str | None = None, session_token: str | None = None,
                 base_url: str | None = VIDEO_DB_API, *, emulator: Emulator | None = None,
                 **kwargs: Any) -> None:
        super().__init__(api_key=api_key, session_token=session_token, base_url=base_url, **kwargs)
        self.emulator = emulator
        _live.add(self)

    def get_rtstream(self, id: str) -> RTStream:
        """The rtstream `id` (the SDK has this only on Collection)."""
        data = self.get(path=f"{ApiPath.rtstream}/{id}")
        return RTStream(self, **data)

    def connect_websocket(self, collection_id: str = "default") -> WebSocketConnection:
        """As the SDK's, returning a WebSocketConnection that also has `stream()`."""
        response = self.get(path=f"{ApiPath.collection}/{collection_id}/{ApiPath.websocket}")
        return WebSocketConnection(url=response.get("websocket_url"))

    def _handle_request_error(self, e: Exception) -> None:
        """The SDK's errors, except that an unreachable service names its host and what to do
        (the SDK says only "Invalid request: Connection error")."""
        import requests
        from videodb.exceptions import InvalidRequestError

        if isinstance(e, requests.exceptions.ConnectionError) and \
                not isinstance(e, requests.exceptions.Timeout):
            host = urlsplit(self.base_url or "").netloc or self.base_url
            raise InvalidRequestError(
                f"cannot reach VideoDB at {host} ({type(e).__name__}): check this machine's "
                f"network and proxy settings (is {self.base_url} reachable?), or work offline "
                "with vn.connect(offline=True)", getattr(e, "response", None)) from None
        super()._handle_request_error(e)

    def __repr__(self) -> str:
        # Never the key; offline, not the port either (notebook outputs must be reproducible).
        if self.emulator is not None:
            return f"Connection(offline, {self.emulator!r})"
        return f"Connection(base_url={self.base_url!r}, online)"


_defaults: dict[tuple[str, int, str], Emulator] = {}
_defaults_lock = threading.Lock()


def default_emulator(scenario: str = "standup", seed: int = 0, speed: float | str | None = None,
                     clock: str = "scenario") -> Emulator:
    """The process-wide emulator for (scenario, seed, clock): started on first use, stopped at exit."""
    from .emulator import Emulator
    with _defaults_lock:
        emu = _defaults.get((scenario, seed, clock))
        if emu is None or not emu.running:
            emu = Emulator(scenario=scenario, seed=seed, speed=speed, clock=clock).start()
            if not _defaults:
                atexit.register(_stop_defaults)
            _defaults[(scenario, seed, clock)] = emu
        elif speed is not None:
            emu.set_speed(speed)
        return emu


def _stop_defaults() -> None:
    with _defaults_lock:
        for emu in _defaults.values():
            emu.stop()
        _defaults.clear()


def _environment_key() -> str | None:
    """VIDEO_DB_API_KEY, unless it is the stand-in key an offline redirect put there."""
    from .offline.redirect import placeholder_key
    key = os.environ.get("VIDEO_DB_API_KEY")
    return None if key is not None and key == placeholder_key() else key


def _mocked_emulator() -> Emulator | None:
    """The in-process Emulator of an active `vn.mock_videodb`, else None."""
    from .offline.redirect import active_emulator
    return active_emulator()


def connect(api_key: str | None = None, *, offline: bool | None = None, scenario: str = "standup",
            speed: float | str | None = None, seed: int = 0, clock: str = "scenario",
            emulator: Emulator | None = None, **kwargs: Any) -> Connection:
    """A real `videodb` Connection: online with a key (argument or VIDEO_DB_API_KEY) unless
    `offline=True`; otherwise against `emulator`, or the process-wide default emulator for
    (scenario, seed, clock), started lazily and reused. `clock="wall"` anchors each session's
    times at the moment its capture starts (now-relative queries work); the default
    "scenario" keeps them at the fixed epoch (reproducible notebooks).

        >>> conn = connect(offline=True, speed="max")
        >>> conn.emulator.scenario.name, conn.emulator.clock
        ('standup', 'scenario')
    """
    key = api_key or _environment_key()
    if emulator is None and offline is not False and "base_url" not in kwargs:
        emulator = _mocked_emulator()  # inside vn.mock_videodb: its emulator, key or no key
    if offline is not True and emulator is None:
        if key:
            return Connection(api_key=key, **kwargs)
        if offline is False:
            raise AuthenticationError(
                "offline=False needs an API key: pass api_key=... or set VIDEO_DB_API_KEY "
                "(or leave offline unset to use the local emulator)")
    if emulator is not None and clock != "scenario" and clock != emulator.clock:
        raise ValueError(f"clock={clock!r} applies to the default emulator; this emulator runs the "
                         f"{emulator.clock!r} clock: create it with Emulator(..., clock={clock!r})")
    emu = emulator if emulator is not None else default_emulator(scenario, seed, speed, clock)
    kwargs.pop("base_url", None)  # offline, the emulator's
    emu.start()
    return Connection(api_key=emu.api_key, base_url=emu.base_url, emulator=emu, **kwargs)
