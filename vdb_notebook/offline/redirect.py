"""The redirect itself: while a target is pushed, the `videodb` SDK reaches it instead of VideoDB.

What is patched (and put back when the last target is popped), as moto's server mode points
boto3 at its endpoint:
- `videodb.client.Connection.__init__`: a connection bound for VideoDB's cloud (no base_url,
  the SDK's default `https://api.videodb.io`, any `*.videodb.io` host) or for the target gets the
  target's base_url and key. The user's key is dropped right there: it is never sent, stored
  on the connection, logged or shown. `videodb.connect(base_url="http://elsewhere")` is left alone.
- `videodb.capture.CaptureClient.__init__`: the same rule for the desktop client's base_url
  (its argument, else `VIDEO_DB_API`, else the SDK default), so it starts the emulator's stand-in.
- `play_stream` wherever the SDK bound it (`Video.play()`, `RTStream.play()`, shots, search
  results): it returns the target's player page for the stream and never opens a browser.
- `VIDEO_DB_API_KEY`, when unset (or holding another emulator's key), is set to the target's key
  so that `videodb.connect()` without a key works (moto sets fake AWS credentials the same way);
  each push puts back the value it found when it is popped. `placeholder_key()` tells it apart.

    >>> import videodb
    >>> original = videodb.client.Connection.__init__
    >>> token = push(Target("http://127.0.0.1:8765", "emu-local-key"))
    >>> conn = videodb.connect(api_key="sk-real-key")
    >>> conn.base_url, conn.api_key
    ('http://127.0.0.1:8765', 'emu-local-key')
    >>> pop(token)
    >>> videodb.client.Connection.__init__ is original
    True
"""
from __future__ import annotations

import functools
import importlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from ..emulator import Emulator

__all__ = ["Target", "active", "active_emulator", "bound_for_videodb", "placeholder_key", "pop", "push"]

KEY_ENV = "VIDEO_DB_API_KEY"
#: Modules that bind `play_stream` by name (`from videodb._utils._video import play_stream`).
PLAY_MODULES = ("videodb._utils._video", "videodb", "videodb.video", "videodb.rtstream",
                "videodb.shot", "videodb.search")


@dataclass(frozen=True)
class Target:
    """Where redirected calls go: an emulator's base_url and key (and the Emulator, in-process)."""

    base_url: str
    api_key: str
    emulator: Emulator | None = None

    def __repr__(self) -> str:  # the key opens a local emulator only; still, keep reprs key-free
        return f"Target(base_url={self.base_url!r})"


@dataclass
class _Entry:
    token: object
    target: Target
    key_before: str | None  # VIDEO_DB_API_KEY as this push found it, put back when it is popped
    set_key: bool  # whether this push set VIDEO_DB_API_KEY (it found none, or another placeholder)


_lock = threading.RLock()
_stack: list[_Entry] = []
_saved: list[tuple[object, str, object]] = []  # (owner, attribute, original) of every patch in place


def active() -> Target | None:
    """The innermost pushed target, or None when nothing is redirected."""
    with _lock:
        return _stack[-1].target if _stack else None


def active_emulator() -> Emulator | None:
    """The in-process Emulator of the innermost target, or None (no redirect, or a remote one)."""
    target = active()
    return target.emulator if target is not None else None


def placeholder_key() -> str | None:
    """The key that stands for "no key of the user's" while redirected (the emulator's own; the
    redirect puts it in VIDEO_DB_API_KEY when that is unset, and children inherit it), or None."""
    target = active()
    return target.api_key if target is not None else None


def bound_for_videodb(base_url: str | None) -> bool:
    """True for no base_url or a VideoDB cloud URL: what the redirect takes over.

        >>> bound_for_videodb(None), bound_for_videodb("https://api.videodb.io/")
        (True, True)
        >>> bound_for_videodb("http://127.0.0.1:9000")
        False
    """
    if not base_url:
        return True
    host = (urlsplit(base_url.strip()).hostname or "").lower()
    return host == "videodb.io" or host.endswith(".videodb.io")


def push(target: Target) -> object:
    """Redirect to `target` (innermost wins) until `pop(token)`; patches the SDK on the first push."""
    token = object()
    with _lock:
        if target.emulator is None:  # another process's emulator: its CaptureClient stand-in too
            _capture_binary().register(target.base_url)
        if not _stack:
            _install()  # after capture_binary wraps CaptureClient, so that undoing ours keeps its wrap
        before = os.environ.get(KEY_ENV)
        set_key = before is None or before in _placeholders()
        _stack.append(_Entry(token, target, before, set_key))
        if set_key:
            os.environ[KEY_ENV] = target.api_key
    return token


def pop(token: object) -> None:
    """Undo one `push` (in any order); the last pop restores everything as it was."""
    with _lock:
        index = next((i for i, entry in enumerate(_stack) if entry.token is token), None)
        if index is None:
            return
        entry = _stack.pop(index)
        if index < len(_stack):  # popped from under another push: that one now restores for both
            above = _stack[index]
            above.key_before, above.set_key = entry.key_before, entry.set_key or above.set_key
        elif entry.set_key:
            _restore_key(entry.key_before)
        if entry.target.emulator is None:
            _capture_binary().unregister(entry.target.base_url)
        if not _stack:
            _uninstall()


def _capture_binary() -> ModuleType:
    from ..emulator import (
        capture_binary,  # registers the stand-in desktop binary for a URL
    )
    return capture_binary


# --- the patches -----------------------------------------------------------------------------------
def _target_for(base_url: str | None) -> Target | None:
    target = active()
    if target is None:
        return None
    same = base_url is not None and base_url.rstrip("/") == target.base_url
    return target if same or bound_for_videodb(base_url) else None


def _patched_connection_init(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def __init__(self: Any, api_key: str | None = None, session_token: str | None = None,
                 base_url: str | None = None, **kwargs: Any) -> None:
        target = _target_for(base_url)
        if target is not None:
            api_key, session_token, base_url = target.api_key, None, target.base_url
        original(self, api_key=api_key, session_token=session_token, base_url=base_url, **kwargs)
    return __init__


def _patched_capture_init(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def __init__(self: Any, client_token: str, base_url: str | None = None, *args: Any, **kwargs: Any) -> None:
        target = _target_for(base_url or os.environ.get("VIDEO_DB_API"))
        if target is not None:
            base_url = target.base_url
        original(self, client_token, base_url, *args, **kwargs)
    return __init__


def _play_offline(url: str) -> str:
    """The redirect's `play_stream`: the emulator's player page for `url`; no browser."""
    from ..schema.media import player_url
    target = active()
    if target is None:  # a stale binding after the redirect ended: still no browser
        return url
    return player_url(target.base_url, url)


def _patch(owner: object, attribute: str, replacement: object) -> None:
    _saved.append((owner, attribute, owner.__dict__[attribute] if isinstance(owner, type)
                   else getattr(owner, attribute)))
    setattr(owner, attribute, replacement)


def _install() -> None:
    from videodb import capture, client
    _patch(client.Connection, "__init__", _patched_connection_init(client.Connection.__init__))
    _patch(capture.CaptureClient, "__init__", _patched_capture_init(capture.CaptureClient.__init__))
    for name in PLAY_MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "play_stream"):
            _patch(module, "play_stream", _play_offline)


def _uninstall() -> None:
    while _saved:
        owner, attribute, original = _saved.pop()
        setattr(owner, attribute, original)


def _placeholders() -> set[str]:
    """Keys that stand for "no key of the user's": emulators' keys, ours or a parent process's."""
    inherited = os.environ.get("VDB_OFFLINE_KEY")
    return {entry.target.api_key for entry in _stack} | ({inherited} if inherited else set())


def _restore_key(value: str | None) -> None:
    if value is None:
        os.environ.pop(KEY_ENV, None)
    else:
        os.environ[KEY_ENV] = value
