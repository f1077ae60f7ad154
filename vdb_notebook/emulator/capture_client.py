"""A stand-in for VideoDB's capture binary (`videodb-capture-bin`) that drives the emulator.

The SDK's `videodb.capture.CaptureClient` starts the binary and speaks to it in lines
`videodb_recorder|{json}` on stdin/stdout. This program answers the same commands; where the
real binary streams the desktop's media to VideoDB, it calls the emulator over loopback HTTP
with the client token, as the real binary calls VideoDB (openapi.yaml of videodb-python:
`POST /capture/session/start`, `POST /capture/session/{id}/stop`). `capture_binary.py` makes
the SDK start this program, only for a CaptureClient whose base_url is an emulator's.

    python -m vdb_notebook.emulator.capture_client     # reads commands on stdin

Commands (params -> result): init {apiUrl} -> {}; ping -> {}; getChannels -> {channels};
requestPermission {permission} -> {status: "granted"}; startRecording {sessionId,
uploadToken, channels} -> {sessionId}; stopRecording {sessionId} -> {sessionId};
pauseTracks / resumeTracks {tracks} -> {tracks}; shutdown -> {} and exit. Events
(`{"type": "event", "event", "payload"}`, names as videodb-node's CaptureClientEvents):
recording:started / recording:stopped {sessionId}, recording:error {error, code}, and
error {type, message} for a line that is not a command (not JSON, nested deeper than
`MAX_DEPTH`, or longer than `MAX_LINE_BYTES`: such a line is read in pieces and dropped, never
held whole). It imports only the standard library and `schema`, never the emulator's server.

    >>> standin = CaptureBinary(write=print)
    >>> standin.handle_line('videodb_recorder|{"command": "ping", "commandId": "c1", "params": {}}')
    videodb_recorder|{"type": "response", "commandId": "c1", "status": "success", "result": {}}
    True
"""
from __future__ import annotations

import json
import signal
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import IO, Any

from ..schema import CAPTURE_CHANNELS, json_depth

PREFIX = "videodb_recorder|"
#: The longest input line taken (the SDK's commands are under 1 KB); longer ones are dropped.
MAX_LINE_BYTES = 1 << 20
#: The deepest nesting taken (the SDK's commands nest 4 deep).
MAX_DEPTH = 32
HTTP_TIMEOUT_S = 30.0
#: The emulator is local: never route its calls through an HTTP(S)_PROXY from the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
#: What the SDKs may ask for (videodb-node's PermissionType; the Python SDK sends the first two).
PERMISSIONS = ("microphone", "screen-capture", "accessibility")
#: Track names of pauseTracks/resumeTracks (videodb-node's TrackType).
TRACKS = ("mic", "system_audio", "screen")
#: Display names of the channels getChannels reports (the ids are the documented ones).
CHANNEL_NAMES = {"mic:default": "Default Microphone", "system_audio:default": "System Audio",
                 "display:1": "Display 1"}


class CommandError(Exception):
    """A command that cannot be carried out; its message is the error response's result."""


class CaptureBinary:
    """The binary's command loop, without the process: feed it lines, it writes lines."""

    def __init__(self, write: Callable[[str], Any]) -> None:
        self._write = write
        self.api_url: str | None = None
        self.session_id: str | None = None  # the session being recorded, if any
        self._token: str | None = None
        self.paused: set[str] = set()
        self.running = True

    # wire ---------------------------------------------------------------------------------------
    def handle_line(self, line: str) -> bool:
        """Carry out one input line; False once the binary should exit (after `shutdown`)."""
        line = line.strip()
        if not line:
            return self.running
        if not line.startswith(PREFIX):
            self._protocol_error(f"ignored a line without the {PREFIX!r} prefix: {line[:80]!r}")
            return self.running
        try:
            message = json.loads(line[len(PREFIX):])
        except RecursionError:
            message = None  # deeper than the decoder goes: refused as too deep below
        except ValueError as exc:
            self._protocol_error(f"ignored a line that is not JSON after the prefix ({exc})")
            return self.running
        if message is None or json_depth(message) > MAX_DEPTH:
            self._protocol_error(f"ignored a message nested more than {MAX_DEPTH} levels deep")
            return self.running
        if not isinstance(message, dict) or not isinstance(message.get("commandId"), str):
            self._protocol_error("ignored a message without a string commandId: send "
                                 '{"command": ..., "commandId": ..., "params": {...}}')
            return self.running
        command_id, command = message["commandId"], message.get("command")
        raw_params = message.get("params")
        params: dict[str, Any] = raw_params if isinstance(raw_params, dict) else {}
        handler = COMMANDS.get(command) if isinstance(command, str) else None
        try:
            if handler is None:
                raise CommandError(f"unknown command {command!r}; the capture binary understands "
                                   f"{', '.join(sorted(COMMANDS))}")
            result = handler(self, params)
        except CommandError as exc:
            self._send({"type": "response", "commandId": command_id, "status": "error", "result": str(exc)})
            return self.running
        self._send({"type": "response", "commandId": command_id, "status": "success", "result": result})
        return self.running

    def line_too_long(self) -> None:
        """Report an input line dropped for being longer than MAX_LINE_BYTES."""
        self._protocol_error(f"ignored a line longer than {MAX_LINE_BYTES:,} bytes; commands "
                             "are single JSON lines of a few hundred bytes")

    def _send(self, message: dict[str, Any]) -> None:
        self._write(PREFIX + json.dumps(message))

    def _event(self, name: str, payload: dict[str, Any]) -> None:
        self._send({"type": "event", "event": name, "payload": payload})

    def _protocol_error(self, message: str) -> None:
        self._event("error", {"type": "protocol", "message": message})

    # commands -----------------------------------------------------------------------------------
    def init(self, params: dict[str, Any]) -> dict[str, Any]:
        url = params.get("apiUrl")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise CommandError(f"init needs apiUrl, the emulator's base_url (http://...), not {url!r}")
        self.api_url = url.rstrip("/")
        return {}

    def ping(self, params: dict[str, Any]) -> dict[str, Any]:
        return {}

    def get_channels(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"channels": [{"channel_id": c.name, "type": c.media_type, "name": CHANNEL_NAMES[c.name]}
                             for c in CAPTURE_CHANNELS]}

    def request_permission(self, params: dict[str, Any]) -> dict[str, Any]:
        kind = params.get("permission")
        if kind not in PERMISSIONS:
            raise CommandError(f"unknown permission {kind!r}; ask for one of {', '.join(PERMISSIONS)}")
        return {"status": "granted"}  # nothing to ask the OS for: the emulator captures nothing

    def start_recording(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.session_id is not None:
            raise CommandError(f"already recording capture session {self.session_id}; "
                               "stopRecording first")
        session_id, token, channels = params.get("sessionId"), params.get("uploadToken"), params.get("channels")
        if not isinstance(session_id, str) or not session_id:
            raise CommandError("startRecording needs sessionId, the capture session's id")
        if not isinstance(token, str) or not token:
            raise CommandError("startRecording needs uploadToken: conn.generate_client_token()")
        if not isinstance(channels, list) or not channels:
            raise CommandError("startRecording needs channels: a non-empty list from getChannels")
        body = {"session_id": session_id, "channels": [_api_channel(c) for c in channels]}
        self._token = token
        self._post("capture/session/start", body, on_error="start")
        self.session_id = session_id
        self.paused.clear()
        self._event("recording:started", {"sessionId": session_id})
        return {"sessionId": session_id}

    def stop_recording(self, params: dict[str, Any]) -> dict[str, Any]:
        requested = params.get("sessionId")
        if self.session_id is None:
            raise CommandError("not recording: startRecording first")
        if requested not in (None, "current", self.session_id):
            raise CommandError(f"recording capture session {self.session_id}, not {requested!r}")
        session_id = self.session_id
        self._post(f"capture/session/{session_id}/stop", {}, on_error="stop")
        self.session_id = None
        self._event("recording:stopped", {"sessionId": session_id})
        return {"sessionId": session_id}

    def pause_tracks(self, params: dict[str, Any]) -> dict[str, Any]:
        tracks = self._tracks(params)
        self.paused.update(tracks)
        return {"tracks": tracks}

    def resume_tracks(self, params: dict[str, Any]) -> dict[str, Any]:
        tracks = self._tracks(params)
        self.paused.difference_update(tracks)
        return {"tracks": tracks}

    def shutdown(self, params: dict[str, Any]) -> dict[str, Any]:
        self.close()
        return {}

    def close(self) -> None:
        """End as the binary does when it quits: a session still recording is stopped (the
        service notices the upload ending, as the capture quickstart says of a forced quit)."""
        if self.session_id is not None:
            try:
                self.stop_recording({})
            except CommandError as exc:
                self._event("recording:error", {"error": str(exc), "code": "stop_failed"})
        self.running = False

    # helpers ------------------------------------------------------------------------------------
    def _tracks(self, params: dict[str, Any]) -> list[str]:
        if self.session_id is None:
            raise CommandError("not recording: startRecording first")
        tracks = params.get("tracks")
        if not isinstance(tracks, list) or not tracks or any(t not in TRACKS for t in tracks):
            raise CommandError(f"tracks must be a non-empty list of {', '.join(TRACKS)}, not {tracks!r}")
        return list(tracks)

    def _post(self, path: str, body: dict[str, Any], *, on_error: str) -> Any:
        """POST to the service with the client token; a refusal becomes a recording:error event
        and a CommandError carrying the service's message."""
        if self.api_url is None:
            raise CommandError("init first: the binary does not know the service's apiUrl")
        request = urllib.request.Request(
            f"{self.api_url}/{path}", data=json.dumps(body).encode(), method="POST",
            headers={"content-type": "application/json", "x-access-token": self._token or ""})
        try:
            with _DIRECT.open(request, timeout=HTTP_TIMEOUT_S) as response:
                return json.loads(response.read() or b"{}").get("data")
        except urllib.error.HTTPError as exc:
            message = _service_message(exc)
        except (OSError, ValueError) as exc:  # refused, timed out, not JSON
            message = f"cannot reach {self.api_url} ({exc}); is the emulator running?"
        self._event("recording:error", {"error": message, "code": f"{on_error}_failed"})
        raise CommandError(message)


def _api_channel(channel: Any) -> dict[str, Any]:
    """A channel as the SDK hands it over -> as openapi.yaml's /capture/session/start takes it."""
    if not isinstance(channel, dict) or not isinstance(channel.get("channel_id"), str):
        raise CommandError(f"each channel needs a channel_id (as getChannels reports), not {channel!r}")
    return {"channel_id": channel["channel_id"], "channel_name": channel.get("name", ""),
            "type": channel.get("type"), "store": bool(channel.get("store", True))}


def _service_message(error: urllib.error.HTTPError) -> str:
    try:
        message = json.loads(error.read()).get("message")
    except (ValueError, AttributeError, OSError):
        message = None
    return f"the service answered {error.code}: {message or error.reason}"


COMMANDS: dict[str, Callable[[CaptureBinary, dict[str, Any]], dict[str, Any]]] = {
    "init": CaptureBinary.init,
    "ping": CaptureBinary.ping,
    "getChannels": CaptureBinary.get_channels,
    "requestPermission": CaptureBinary.request_permission,
    "startRecording": CaptureBinary.start_recording,
    "stopRecording": CaptureBinary.stop_recording,
    "pauseTracks": CaptureBinary.pause_tracks,
    "resumeTracks": CaptureBinary.resume_tracks,
    "shutdown": CaptureBinary.shutdown,
}


def read_lines(stream: IO[bytes], limit: int = MAX_LINE_BYTES) -> Iterator[str | None]:
    """The lines of `stream`, decoded; None for a line longer than `limit` bytes, which is read
    in `limit`-sized pieces and dropped, so memory stays bounded whatever a line's length.

        >>> import io
        >>> list(read_lines(io.BytesIO(b"ok\\n" + b"x" * 10 + b"\\nok\\n"), limit=4))
        ['ok\\n', None, 'ok\\n']
    """
    while line := stream.readline(limit + 1):
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := stream.readline(limit)) and not rest.endswith(b"\n"):
                pass
            yield None
        else:
            yield line.decode("utf-8", errors="replace")


def main() -> int:
    """Serve commands from stdin until `shutdown`, end of input or SIGTERM (the SDK's
    `shutdown()` sends the command, then terminates the process at once)."""
    def write(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def terminate(*_: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, terminate)
    binary = CaptureBinary(write)
    try:
        for line in read_lines(sys.stdin.buffer):
            if line is None:
                binary.line_too_long()
            elif not binary.handle_line(line):
                break
    finally:
        if binary.running:  # the SDK went away without shutdown
            binary.close()
        # Ending anyway: a SIGTERM during interpreter teardown (which restores the default
        # handler) must not turn a clean exit into "killed by SIGTERM".
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    return 0


if __name__ == "__main__":
    sys.exit(main())
