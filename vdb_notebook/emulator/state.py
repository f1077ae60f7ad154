"""The emulator's state: sessions, rtstreams, indexes, events, alerts and what was emitted.

No I/O here, and every state change happens here: responses/ turns HTTP into calls on
`EmulatorState` (through engine.py where a change also sends webhooks or frames). Errors are `ApiError`s carrying the HTTP status and a message the SDK
shows to the user. Ids come from the seed, so the same calls in the same order give the same ids.

    >>> state = EmulatorState(seed=0)
    >>> session = state.create_session("default", {"end_user_id": "user_abc"})
    >>> session.status, session.id.startswith("cap-")
    ('created', True)
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ..schema import CAPTURE_CHANNELS, EPOCH, payloads

#: Lifecycle step times relative to EPOCH (seconds), as payloads.lifecycle() spaces them.
STEP_S = 2.0
NEXT_STATUS = {"created": {"starting", "failed"}, "starting": {"active", "failed"},
               "active": {"stopping", "failed"}, "stopping": {"stopped", "failed"},
               "stopped": {"exported"}, "exported": set(), "failed": set()}
EXTRACTION_TYPES = ("time", "transcript", "shot")


class ApiError(Exception):
    """An error answer: HTTP `status` and a `message` that says what to fix."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class NotFound(ApiError):
    status = 404


class BadRequest(ApiError):
    status = 400


class Conflict(ApiError):
    status = 409


class Ids:
    """Seeded id makers, one stream per prefix, so adding sessions never shifts alert ids."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._rngs: dict[str, random.Random] = {}

    def new(self, prefix: str) -> str:
        rng = self._rngs.setdefault(prefix, random.Random(f"emulator:{self.seed}:{prefix}"))
        return payloads.make_id(prefix, rng)


@dataclass
class Session:
    id: str
    collection_id: str
    end_user_id: str
    callback_url: str | None
    ws_connection_id: str | None
    metadata: dict[str, Any]
    status: str = "created"
    rtstream_ids: list[str] = field(default_factory=list)
    exported_video_id: str | None = None
    error: dict[str, Any] | None = None
    clock_s: float = 0.0  # scenario seconds after EPOCH of the latest lifecycle event


@dataclass
class RtStream:
    id: str
    session_id: str
    collection_id: str
    channel_id: str
    name: str
    media_type: str
    track: str
    status: str = "connected"
    transcript_running: bool = False
    transcript_ws: str | None = None
    transcript: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SceneIndex:
    id: str
    rtstream_id: str
    extraction_type: str
    extraction_config: Any
    prompt: str | None
    name: str | None
    ws_connection_id: str | None
    status: str = "connected"
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "audio_index" if self.extraction_type == "transcript" else "visual_index"


@dataclass
class Event:
    id: str
    prompt: str
    label: str


@dataclass
class Alert:
    id: str
    index_id: str
    rtstream_id: str
    event_id: str
    label: str
    callback_url: str
    ws_connection_id: str | None
    status: str = "enabled"
    fired: list[dict[str, Any]] = field(default_factory=list)


class EmulatorState:
    """Everything the emulated service knows. Touched only from the emulator's event loop."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.ids = Ids(seed)
        self.collections = {"default": {"id": "default", "name": "Default Collection",
                                        "description": "The emulator's only collection",
                                        "is_public": False}}
        self.sessions: dict[str, Session] = {}
        self.rtstreams: dict[str, RtStream] = {}
        self.indexes: dict[str, SceneIndex] = {}
        self.events: dict[str, Event] = {}
        self.alerts: dict[str, Alert] = {}
        self.ws_tickets: set[str] = set()  # tokens of the WebSocket URLs handed out

    # collections and sessions -------------------------------------------------------------
    def collection(self, cid: str) -> dict[str, Any]:
        if cid not in self.collections:
            raise NotFound(f"collection {cid!r} not found; the emulator has one collection, 'default'")
        return self.collections[cid]

    def create_session(self, cid: str, body: dict[str, Any]) -> Session:
        self.collection(cid)
        user = body.get("end_user_id")
        if not isinstance(user, str) or not user:
            raise BadRequest("end_user_id is required: pass end_user_id='user_abc' (a non-empty string)")
        for key in ("callback_url", "ws_connection_id"):
            if body.get(key) is not None and not isinstance(body[key], str):
                raise BadRequest(f"{key} must be a string, not {type(body[key]).__name__}")
        metadata = body.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise BadRequest("metadata must be a JSON object (a dict)")
        session = Session(id=self.ids.new("cap"), collection_id=cid, end_user_id=user,
                          callback_url=body.get("callback_url") or None,
                          ws_connection_id=body.get("ws_connection_id") or None, metadata=metadata)
        self.sessions[session.id] = session
        return session

    def session(self, cid: str, sid: str) -> Session:
        self.collection(cid)
        session = self.sessions.get(sid)
        if session is None or session.collection_id != cid:
            raise NotFound(f"capture session {sid!r} not found in collection {cid!r}")
        return session

    def find_session(self, sid: str) -> Session:
        if sid not in self.sessions:
            raise NotFound(f"capture session {sid!r} not found; create one with conn.create_capture_session()")
        return self.sessions[sid]

    def list_sessions(self, cid: str, status: str | None = None) -> list[Session]:
        self.collection(cid)
        return [s for s in self.sessions.values()
                if s.collection_id == cid and (not status or s.status == status)]

    def created_payload(self, session: Session) -> dict[str, Any]:
        """The capture_session.created webhook of a new session."""
        return payloads.build("created", capture_session_id=session.id,
                              end_user_id=session.end_user_id, timestamp=EPOCH)

    def transition(self, session: Session, status: str, *, error: str | None = None,
                   after_s: float = STEP_S) -> dict[str, Any]:
        """Move a session to `status`, `after_s` scenario seconds after its previous change.

        Returns the v2 webhook payload announcing it (its timestamp derives from EPOCH).
        """
        if status not in NEXT_STATUS[session.status]:
            raise Conflict(f"capture session {session.id} is {session.status!r}; it cannot become "
                           f"{status!r} (allowed next: {sorted(NEXT_STATUS[session.status]) or 'none'})")
        if status == "active":
            self._open_rtstreams(session)
        if status == "exported":
            session.exported_video_id = self.ids.new("m")
        if status == "failed":
            session.error = {"message": error or "capture failed", "code": "capture_failed"}
        session.status = status
        session.clock_s += after_s
        return payloads.build(
            status, capture_session_id=session.id, end_user_id=session.end_user_id,
            timestamp=EPOCH + timedelta(seconds=session.clock_s),
            rtstreams=self.rtstream_summaries(session) if status == "active" else None,
            exported_video_id=session.exported_video_id, error=session.error)

    def _open_rtstreams(self, session: Session) -> None:
        for channel_id, name, media, track in CAPTURE_CHANNELS:
            rts = RtStream(id=self.ids.new("rts"), session_id=session.id, track=track,
                           collection_id=session.collection_id, channel_id=channel_id,
                           name=name, media_type=media)
            self.rtstreams[rts.id] = rts
            session.rtstream_ids.append(rts.id)

    def rtstream_summaries(self, session: Session) -> list[dict[str, Any]]:
        """data.rtstreams[] of the active webhook, shaped as the seed doc shows."""
        return [{"rtstream_id": r.id, "name": r.name, "media_types": [r.media_type]}
                for r in (self.rtstreams[i] for i in session.rtstream_ids)]

    # rtstreams, indexes, events, alerts ----------------------------------------------------
    def rtstream(self, rid: str) -> RtStream:
        if rid not in self.rtstreams:
            raise NotFound(f"rtstream {rid!r} not found; rtstreams exist once their capture session is active")
        return self.rtstreams[rid]

    def create_index(self, rts: RtStream, body: dict[str, Any]) -> SceneIndex:
        kind = body.get("extraction_type")
        if kind not in EXTRACTION_TYPES:
            raise BadRequest(f"extraction_type must be one of {list(EXTRACTION_TYPES)}, not {kind!r}; "
                             "use rtstream.index_audio() or rtstream.index_visuals()")
        prompt = body.get("prompt")
        if prompt is not None and not isinstance(prompt, str):
            raise BadRequest(f"prompt must be a string, not {type(prompt).__name__}")
        index = SceneIndex(id=self.ids.new("rti"), rtstream_id=rts.id, extraction_type=kind,
                           extraction_config=body.get("extraction_config"), prompt=prompt,
                           name=body.get("name"), ws_connection_id=body.get("ws_connection_id") or None)
        self.indexes[index.id] = index
        return index

    def index(self, rts: RtStream, idx: str) -> SceneIndex:
        index = self.indexes.get(idx)
        if index is None or index.rtstream_id != rts.id:
            raise NotFound(f"index {idx!r} not found on rtstream {rts.id}")
        return index

    def create_event(self, body: dict[str, Any]) -> Event:
        prompt, label = body.get("event_prompt"), body.get("label")
        if not isinstance(prompt, str) or not prompt.strip():
            raise BadRequest("event_prompt is required: describe what to detect, e.g. "
                             "'Someone reads out a card number or password'")
        if not isinstance(label, str) or not label.strip():
            raise BadRequest("label is required: a short name for the event, e.g. 'sensitive_content'")
        event = Event(id=self.ids.new("event"), prompt=prompt, label=label)
        self.events[event.id] = event
        return event

    def create_alert(self, index: SceneIndex, body: dict[str, Any]) -> Alert:
        event_id = body.get("event_id")
        if event_id not in self.events:
            raise BadRequest(f"event_id {event_id!r} is unknown; create it first with "
                             "conn.create_event(event_prompt, label)")
        if "callback_url" not in body or not isinstance(body["callback_url"], str):
            raise BadRequest("callback_url is required (a URL string, or '' for no webhook)")
        alert = Alert(id=self.ids.new("alert"), index_id=index.id, rtstream_id=index.rtstream_id,
                      event_id=event_id, label=self.events[event_id].label,
                      callback_url=body["callback_url"],
                      ws_connection_id=body.get("ws_connection_id") or None)
        self.alerts[alert.id] = alert
        return alert

    def alert(self, index: SceneIndex, aid: str) -> Alert:
        alert = self.alerts.get(aid)
        if alert is None or alert.index_id != index.id:
            raise NotFound(f"alert {aid!r} not found on index {index.id}")
        return alert

    def alerts_of(self, index: SceneIndex) -> list[Alert]:
        return [a for a in self.alerts.values() if a.index_id == index.id]

    def set_alert_enabled(self, alert: Alert, enabled: bool) -> None:
        alert.status = "enabled" if enabled else "disabled"

    def record_alert(self, alert: Alert, data: dict[str, Any]) -> bool:
        """Note that `alert` fired with frame `data`; False if it is disabled (nothing recorded)."""
        if alert.status != "enabled":
            return False
        alert.fired.append(dict(data))
        return True

    # pipelines' state ---------------------------------------------------------------------
    def set_rtstream_status(self, rts: RtStream, status: str) -> None:
        """'connected' (rtstream.start(), only while its session is active) or 'stopped'."""
        if status == "connected":
            session = self.sessions[rts.session_id]
            if session.status != "active":
                raise Conflict(f"rtstream {rts.id} belongs to a {session.status!r} capture session; "
                               "it can only be started while the session is active")
        rts.status = status

    def require_connected(self, rts: RtStream, what: str) -> None:
        if rts.status != "connected":
            raise Conflict(f"rtstream {rts.id} is {rts.status!r}; {what} needs a connected rtstream "
                           "(an active capture session, or rtstream.start())")

    def set_transcript(self, rts: RtStream, running: bool, ws_connection_id: str | None = None) -> None:
        """Start (retargeting to `ws_connection_id` if given) or stop an rtstream's transcript."""
        if running:
            self.require_connected(rts, "start_transcript")
            rts.transcript_ws = ws_connection_id or rts.transcript_ws
        rts.transcript_running = running

    def record_transcript(self, rts: RtStream, data: dict[str, Any]) -> None:
        """Keep a final transcript segment for get_transcript()."""
        if data["is_final"]:
            rts.transcript.append({**data, "rtstream_id": rts.id, "rtstream_name": rts.name})

    def set_index_running(self, index: SceneIndex, running: bool) -> None:
        if running:
            self.require_connected(self.rtstream(index.rtstream_id), "index_audio/index_visuals")
        index.status = "connected" if running else "stopped"

    def record_scene(self, index: SceneIndex, data: dict[str, Any]) -> None:
        index.records.append({**data, "description": data["text"]})

    def indexes_of(self, rts: RtStream) -> list[SceneIndex]:
        return [i for i in self.indexes.values() if i.rtstream_id == rts.id]

    def target_ws(self, rts: RtStream, requested: str | None) -> str | None:
        """Where a pipeline's frames go: its own ws_connection_id, else its session's (or nowhere)."""
        if requested:
            return requested
        session = self.sessions.get(rts.session_id)
        return session.ws_connection_id if session else None
