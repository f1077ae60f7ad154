"""vn.start_pipelines: a capture session's AI pipelines, started once, shown as a table, stopped.

    >>> handle = vn.start_pipelines(conn, session, feed, alerts={"decision": "A decision is made"})  # doctest: +SKIP
    >>> handle                                                              # doctest: +SKIP
    Pipelines for cap-2b2c5b1e0b3f on ws ws-000000000001: 7 running
      rtstream              pipeline      detail                      status
      mic:default           transcript                                running
      mic:default           audio_index   Summarise what is said...   running
      ...
    >>> handle.stop()                                                       # doctest: +SKIP

As `on_active_webhook` does on VideoDB's capture events page
(https://docs.videodb.io/pages/ingest/capture-sdks/realtime-context): on each audio rtstream a transcript and an audio
index, on each video rtstream a visual index; alerts are `conn.create_event(prompt, label)`
plus `create_alert(event_id, callback_url, ws_connection_id)` on those indexes (the SDK has no
`RTStream.create_alert`). Every pipeline sends to one WebSocket connection id.

Idempotent across processes and restarts: before starting a pipeline it adopts what already
runs on the service, read from the service's own list calls (adopt.py: scene indexes by the
name and prompt given them here, alerts by label), and re-binds it to the caller's connection
(a dead kernel's connection gets nothing). One set of pipelines runs per session, sending to
the latest caller's connection. A process-wide registry keyed by (base_url, session, rtstream,
pipeline) spares a re-run cell the list calls; its handle shows the running pipelines.

After a feed reconnects, its connection id is new and the service still sends to the old one.
`handle.reattach(feed)` re-points everything (a handle made with a Feed does it by itself):
the transcript is started again with the new id; an index cannot change its id, so a new index
with the same prompt replaces it (the old one is stopped) and its alerts are re-created on it.
"""
from __future__ import annotations

import asyncio
import html
import threading
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias, TypeGuard

from videodb.rtstream import RTStream, RTStreamSceneIndex

from . import adopt
from .streams import SessionSource, Stream, session_streams

if TYPE_CHECKING:
    from videodb import Connection, WebSocketConnection

    from ..feed.feed import Feed

#: where pipelines send: a vn.Feed (followed across reconnects), the SDK's WebSocketConnection,
#: or a connection id
ConnectionTarget: TypeAlias = "Feed | WebSocketConnection | str"

DEFAULT_AUDIO_PROMPT = ("Summarise what is being said: topics, decisions, action items and "
                        "who owns them.")
DEFAULT_VISUAL_PROMPT = ("Describe what the user is doing on screen: the application, the "
                         "content shown and any change of activity.")
ALERT_TARGETS = ("all", "audio", "video")
#: the status of an alert whose prompt matches nothing in the emulator's scenario: it runs, but
#: will not fire offline (online, VideoDB's models decide)
NO_MATCH_OFFLINE = "no match offline"

_lock = threading.RLock()
_registry: dict[tuple[str, str, str, str], Pipeline] = {}
_events: dict[tuple[str, str, str], str] = {}  # (base_url, label, prompt) -> event_id


@dataclass
class Pipeline:
    """One pipeline on one rtstream; `name` is transcript, audio_index, visual_index or alert:<label>."""

    session_id: str
    rtstream_id: str
    rtstream_name: str
    name: str
    ws_connection_id: str
    prompt: str | None = None
    index: RTStreamSceneIndex | None = field(default=None, repr=False)
    event_id: str | None = None
    alert_id: str | None = None
    status: str = "running"
    rtstream: RTStream | None = field(default=None, repr=False, compare=False)

    @property
    def kind(self) -> str:
        """transcript, audio_index, visual_index or alert (the name without its label)."""
        return self.name.split(":", 1)[0]

    @property
    def index_id(self) -> str | None:
        return self.index.rtstream_index_id if self.index is not None else None

    @property
    def detail(self) -> str:
        return self.prompt or ""

    def row(self) -> dict[str, Any]:
        return {"rtstream": self.rtstream_name, "rtstream_id": self.rtstream_id,
                "pipeline": self.name, "detail": self.detail, "index_id": self.index_id,
                "alert_id": self.alert_id, "ws_connection_id": self.ws_connection_id,
                "status": self.status}


def start_pipelines(conn: Connection, session_or_payload: SessionSource,
                    feed_or_ws_connection_id: ConnectionTarget, *,
                    transcript: bool = True, audio_prompt: str | bool | None = None,
                    visual_prompt: str | bool | None = None,
                    alerts: Mapping[str, str | Mapping[str, str]] | None = None,
                    callback_url: str = "", collection_id: str = "default",
                    auto_reattach: bool = True) -> Pipelines:
    """Start transcript / audio index on audio rtstreams, visual index on video rtstreams,
    and alerts on those indexes, all sending to the feed's connection id.

    `session_or_payload`: a CaptureSession, a session id, or a capture_session.active
    payload (or the store Event of one). `audio_prompt` / `visual_prompt`: None for a
    default prompt, False to skip that index. `alerts`: {label: event prompt}, or
    {label: {"prompt": ..., "on": "all" | "audio" | "video"}} (default "all": every index
    started here). With a Feed and `auto_reattach`, the handle follows the feed's reconnects.
    """
    ws_id = _connection_id(feed_or_ws_connection_id)
    session_id, streams = session_streams(conn, session_or_payload, collection_id)
    wanted = _alert_specs(alerts)
    _check_open(conn, ws_id, feed_or_ws_connection_id)
    base_url = _base_url(conn)
    handle = Pipelines(conn, session_id, ws_id, callback_url=callback_url)
    failures: list[str] = []
    for stream in streams:
        rts = RTStream(conn, id=stream.id, name=stream.name, collection_id=collection_id)
        kinds: list[tuple[str, str | None]] = []
        if stream.media == "audio":
            if transcript:
                kinds.append(("transcript", None))
            if audio_prompt is not False:
                kinds.append(("audio_index", _prompt(audio_prompt, DEFAULT_AUDIO_PROMPT)))
        elif visual_prompt is not False:
            kinds.append(("visual_index", _prompt(visual_prompt, DEFAULT_VISUAL_PROMPT)))
        for name, prompt in kinds:
            handle._add(_ensure(base_url, conn, rts, stream, session_id, name, prompt, ws_id,
                                failures))
        index = next((p for p in handle.pipelines if p.rtstream_id == stream.id
                      and p.kind.endswith("_index") and p.index is not None), None)
        for label, (prompt, target) in wanted.items():
            if index is not None and target in ("all", stream.media):
                handle._add(_ensure(base_url, conn, rts, stream, session_id, f"alert:{label}",
                                    prompt, ws_id, failures, index=index, label=label,
                                    callback_url=callback_url))
    if any(p.ws_connection_id != ws_id for p in handle.running):
        handle.reattach(ws_id)  # running already, for another connection: send here now
    if failures:
        raise PipelinesStartError("some pipelines did not start (the others run; see .handle): "
                                  + "; ".join(failures), handle)
    if auto_reattach and _is_feed(feed_or_ws_connection_id):
        handle.follow(feed_or_ws_connection_id)
    return handle


class PipelinesStartError(RuntimeError):
    """Some pipelines did not start; `handle` (a `Pipelines`) holds those that run."""

    def __init__(self, message: str, handle: Pipelines) -> None:
        super().__init__(message)
        self.handle = handle


class Pipelines:
    """What `start_pipelines` runs for one session: a table (repr / HTML), `.stop()`,
    `.reattach(feed_or_id)`, `.follow(feed)`."""

    def __init__(self, conn: Connection, session_id: str, ws_connection_id: str, *,
                 callback_url: str = "") -> None:
        self._conn = conn
        self.session_id = session_id
        self.ws_connection_id = ws_connection_id
        self.callback_url = callback_url
        self.pipelines: list[Pipeline] = []
        self.reattach_errors: list[BaseException] = []
        self._unfollow: Callable[[], None] | None = None

    def _add(self, pipeline: Pipeline | None) -> None:
        if pipeline is not None and pipeline not in self.pipelines:
            self.pipelines.append(pipeline)

    @property
    def running(self) -> list[Pipeline]:
        return [p for p in self.pipelines if p.status != "stopped"]

    def stop(self) -> Pipelines:
        """Stop every pipeline of this handle: alerts, then indexes, then transcripts."""
        if self._unfollow is not None:
            self._unfollow()
            self._unfollow = None
        order = {"alert": 0, "audio_index": 1, "visual_index": 1, "transcript": 2}
        for p in sorted(self.running, key=lambda p: order[p.kind]):
            _stop(p)
            with _lock:
                _registry.pop(_key(_base_url(self._conn), p), None)
        return self

    def reattach(self, feed_or_ws_connection_id: ConnectionTarget) -> Pipelines:
        """Point every running pipeline at a connection id (after a feed reconnected)."""
        with _lock:  # a Feed's id is read under the lock: the latest reconnect wins
            new_id = _connection_id(feed_or_ws_connection_id)
            replaced: dict[str, RTStreamSceneIndex] = {}  # old index id -> its replacement
            for p in self.running:
                if p.kind != "alert" and p.ws_connection_id != new_id:
                    self._repoint(p, new_id, replaced)
            for p in self.running:
                if p.kind == "alert" and (p.index_id in replaced or p.ws_connection_id != new_id):
                    self._recreate_alert(p, replaced.get(p.index_id or "") or _index_of(p), new_id)
            self.ws_connection_id = new_id
        return self

    def _repoint(self, p: Pipeline, new_id: str, replaced: dict[str, RTStreamSceneIndex]) -> None:
        """Send a transcript or index to `new_id`: the transcript is started again with it; an
        index cannot change its id, so a new one replaces it (noted in `replaced`)."""
        if p.kind == "transcript":
            _rtstream(self._conn, p).start_transcript(ws_connection_id=new_id)
        else:
            old = _index_of(p)
            p.index = _start_index(_rtstream(self._conn, p), p.name, p.prompt, new_id)
            replaced[old.rtstream_index_id] = p.index
            old.stop()
        p.ws_connection_id = new_id

    def _recreate_alert(self, p: Pipeline, index: RTStreamSceneIndex, new_id: str) -> None:
        """Disable the alert where it was and create it again on `index`, sending to `new_id`."""
        _index_of(p).disable_alert(p.alert_id)
        p.index = index
        p.alert_id = index.create_alert(p.event_id, callback_url=self.callback_url,
                                        ws_connection_id=new_id)
        p.ws_connection_id = new_id

    def follow(self, feed: Feed) -> Pipelines:
        """Reattach after each reconnect of `feed` (in a worker thread: the SDK calls block)."""
        async def on_reconnect(f: Feed) -> None:
            try:
                await asyncio.to_thread(self.reattach, f)
            except Exception as exc:
                self.reattach_errors.append(exc)
                warnings.warn(f"pipelines of {self.session_id} could not follow the feed to "
                              f"{f.connection_id}: {exc}; call handle.reattach(feed)", RuntimeWarning,
                              stacklevel=1)  # raised in the feed's task: no caller to point at
        if self._unfollow is not None:
            self._unfollow()
        self._unfollow = feed.on_reconnect(on_reconnect)
        return self

    def _summary(self) -> str:
        n = len(self.running)
        stopped = len(self.pipelines) - n
        unmatched = sum(p.status == NO_MATCH_OFFLINE for p in self.pipelines)
        return (f"Pipelines for {self.session_id} on ws {self.ws_connection_id}: {n} running"
                + (f" ({unmatched} alert{'s' if unmatched > 1 else ''} with no match offline)"
                   if unmatched else "")
                + (f", {stopped} stopped" if stopped else ""))

    def __repr__(self) -> str:
        rows = [("rtstream", "pipeline", "detail", "status")]
        rows += [(p.rtstream_name, p.name, _clip(p.detail), p.status) for p in self.pipelines]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
        return "\n".join([self._summary(), *lines])

    def _repr_html_(self) -> str:
        # text reads left to right; ids never wrap mid-string (the detail column wraps)
        left, nowrap = "text-align:left", "text-align:left;white-space:nowrap"
        head = "".join(f"<th style='{left}'>{h}</th>" for h in (
            "rtstream", "rtstream_id", "pipeline", "detail", "index / alert", "status"))
        body = "".join(
            "<tr>" + "".join(f"<td style='{left if n == 3 else nowrap}'>"
                             f"{html.escape(str(c or ''))}</td>" for n, c in enumerate((
                                 p.rtstream_name, p.rtstream_id, p.name, _clip(p.detail, 60),
                                 p.alert_id or p.index_id, p.status))) + "</tr>"
            for p in self.pipelines)
        return (f"<div><b>{html.escape(self._summary())}</b><table><thead><tr>{head}</tr>"
                f"</thead><tbody>{body}</tbody></table></div>")


# --- starting and stopping one pipeline ------------------------------------------------------

def _ensure(base_url: str, conn: Connection, rts: RTStream, stream: Stream, session_id: str, name: str,
            prompt: str | None, ws_id: str, failures: list[str], *, index: Pipeline | None = None,
            label: str | None = None, callback_url: str = "") -> Pipeline | None:
    """The registered pipeline for this key, or a newly started one (None if it failed)."""
    key = (base_url, session_id, stream.id, name)
    with _lock:
        running = _registry.get(key)
        if running is not None:
            return running
        p = Pipeline(session_id, stream.id, stream.name, name, ws_id, prompt, rtstream=rts)
        try:
            if p.kind == "transcript":
                rts.start_transcript(ws_connection_id=ws_id)
            elif p.kind.endswith("_index"):
                p.index = _adopt_or_start_index(rts, name, prompt, ws_id)
                p.ws_connection_id = adopt.bound_to(p.index)  # reattach re-binds another one
            else:  # start_pipelines passes an alert its index, label and prompt
                assert index is not None and index.index is not None and label and prompt
                _adopt_or_create_alert(base_url, conn, p, index, label, prompt, callback_url, ws_id)
                if not _fires_offline(conn, stream.id, prompt):
                    p.status = NO_MATCH_OFFLINE
        except Exception as exc:
            failures.append(f"{name} on {stream.name} ({stream.id}): {exc}")
            return None
        _registry[key] = p
        return p


def _adopt_or_start_index(rts: RTStream, name: str, prompt: str | None,
                          ws_id: str) -> RTStreamSceneIndex:
    """The running index of this pipeline (adopted), or one started now for `ws_id`."""
    found = adopt.running_indexes(rts, name, prompt, ws_id)
    if not found:
        started = _start_index(rts, name, prompt, ws_id)
        # another process may have started the same one meanwhile: all keep the same one
        found = [i for i in adopt.running_indexes(rts, name, prompt, ws_id)
                 if adopt.bound_to(i) == ws_id] or [started]
    return adopt.keep_one_index(found)


def _adopt_or_create_alert(base_url: str, conn: Connection, p: Pipeline, index: Pipeline, label: str,
                           prompt: str, callback_url: str, ws_id: str) -> None:
    """Fill `p` from the enabled alert of this label on the index (adopted, sending where the
    index sends), or from one created now for `ws_id`."""
    scene = p.index = index.index
    assert scene is not None
    found = adopt.enabled_alerts(scene, label, prompt)
    if found:
        p.ws_connection_id = index.ws_connection_id
    else:
        p.event_id = _event_id(base_url, conn, label, prompt)
        created = scene.create_alert(p.event_id, callback_url=callback_url, ws_connection_id=ws_id)
        found = adopt.enabled_alerts(scene, label, prompt) or [
            {"alert_id": created, "event_id": p.event_id}]
    alert = adopt.keep_one_alert(scene, found)
    p.alert_id, p.event_id = alert["alert_id"], alert.get("event_id") or p.event_id
    if p.event_id:
        _events.setdefault((base_url, label, prompt), p.event_id)


def _start_index(rts: RTStream, name: str, prompt: str | None, ws_id: str) -> RTStreamSceneIndex:
    start = rts.index_audio if name == "audio_index" else rts.index_visuals
    index = start(prompt=prompt, ws_connection_id=ws_id, name=adopt.index_name(name, ws_id))
    if index is None or not index.rtstream_index_id:
        raise RuntimeError(f"the service returned no index id for {name}")
    return index


def _event_id(base_url: str, conn: Connection, label: str, prompt: str) -> str:
    key = (base_url, label, prompt)
    if key not in _events:
        event_id = conn.create_event(event_prompt=prompt, label=label)
        if not event_id:
            raise RuntimeError(f"the service returned no event id for alert {label!r}")
        _events[key] = event_id
    return _events[key]


def _fires_offline(conn: Connection, rtstream_id: str, prompt: str) -> bool:
    """Offline, whether the emulator's scenario has a moment the prompt matches (online: True)."""
    emulator = getattr(conn, "emulator", None)
    return emulator is None or bool(emulator.alert_matches(rtstream_id, prompt))


def _stop(p: Pipeline) -> None:
    try:
        if p.kind == "transcript":
            if p.rtstream is None:
                raise RuntimeError("it has no rtstream (it never started)")
            p.rtstream.stop_transcript()
        elif p.kind == "alert":
            _index_of(p).disable_alert(p.alert_id)
        else:
            _index_of(p).stop()
        p.status = "stopped"
    except Exception as exc:
        p.status = f"stop failed: {exc}"


def _index_of(p: Pipeline) -> RTStreamSceneIndex:
    if p.index is None:
        raise RuntimeError(f"{p.name} on {p.rtstream_name} has no index (it never started)")
    return p.index


def _prompt(given: str | bool | None, default: str) -> str:
    """The prompt an index runs: the one given, or the default for None or True."""
    return given if isinstance(given, str) and given else default


def _rtstream(conn: Connection, p: Pipeline) -> RTStream:
    return p.rtstream or RTStream(conn, id=p.rtstream_id, name=p.rtstream_name)


def _key(base_url: str, p: Pipeline) -> tuple[str, str, str, str]:
    return (base_url, p.session_id, p.rtstream_id, p.name)


def _base_url(conn: Connection) -> str:
    """The service a connection talks to: registry keys keep two emulators' pipelines apart."""
    return str(getattr(conn, "base_url", "") or "")


def _is_feed(target: ConnectionTarget) -> TypeGuard[Feed]:
    return hasattr(target, "on_reconnect")


def _connection_id(feed_or_id: object) -> str:
    state = getattr(feed_or_id, "state", None)
    if isinstance(state, str) and state in ("closing", "closed", "failed"):
        raise ValueError(
            f"the feed is {state}: no event could ever reach it, so no pipeline was started; "
            "open a new one and pass it: feed = await vn.Feed.open(conn)")
    ws_id = getattr(feed_or_id, "connection_id", feed_or_id)
    if not isinstance(ws_id, str) or not ws_id:
        raise TypeError("pass a vn.Feed (or an SDK WebSocketConnection) or its connection_id "
                        f"string as the third argument, not {feed_or_id!r}")
    return ws_id


def _check_open(conn: Connection, ws_id: str, given: ConnectionTarget) -> None:
    """A plain word given as the connection id (such as "feed", a variable's name in quotes)
    is refused unless an open Feed or (offline) the emulator knows it as an open connection:
    pipelines started with it would send to nobody."""
    if not isinstance(given, str) or not ws_id.replace("_", "").isalpha():
        return
    from ..feed.feed import open_feeds
    emulator = getattr(conn, "emulator", None)
    if any(f.connection_id == ws_id for f in open_feeds()) or (
            emulator is not None and ws_id in emulator.state()["connections"]):
        return
    raise ValueError(f"{ws_id!r} is not the id of an open WebSocket connection, so no event "
                     "would reach you and no pipeline was started; pass the Feed itself "
                     "(vn.start_pipelines(conn, session, feed)) or its feed.connection_id")


def _alert_specs(alerts: Mapping[str, object] | None) -> dict[str, tuple[str, str]]:
    specs: dict[str, tuple[str, str]] = {}
    for label, spec in (alerts or {}).items():
        prompt, target = (spec, "all") if isinstance(spec, str) else (
            (spec.get("prompt"), spec.get("on", "all")) if isinstance(spec, Mapping) else (None, None))
        if not isinstance(label, str) or not label or not isinstance(prompt, str) or not prompt:
            raise ValueError(f"alerts maps a label to an event prompt, e.g. "
                             f"{{'decision': 'A decision is made'}}; got {label!r}: {spec!r}")
        if target not in ALERT_TARGETS:
            raise ValueError(f"alerts[{label!r}]['on'] must be one of {ALERT_TARGETS}, not {target!r}")
        specs[label] = (prompt, target)
    return specs


def _clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def registered(conn: Connection | None = None) -> list[Pipeline]:
    """Every pipeline the registry holds (for `conn`'s base_url, if given)."""
    base_url = None if conn is None else _base_url(conn)
    with _lock:
        return [p for k, p in _registry.items() if base_url is None or k[0] == base_url]


__all__ = ["DEFAULT_AUDIO_PROMPT", "DEFAULT_VISUAL_PROMPT", "Pipeline", "Pipelines",
           "PipelinesStartError", "registered", "start_pipelines"]
