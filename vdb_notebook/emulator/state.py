"""The emulator's state machine: every change to what the service knows happens here.

No I/O: responses/ turns HTTP into calls on `EmulatorState` (through engine.py where a change
also sends webhooks or frames); the records it keeps live in models.py. Errors are `ApiError`s
carrying the HTTP status and a message the SDK shows the user. Ids come from the seed, so the
same calls in the same order give the same ids. REST records are kept in epoch seconds (frames,
which engine.py sends, carry epoch ms).

    >>> state = EmulatorState(seed=0)
    >>> session = state.create_session("default", {"end_user_id": "user_abc"})
    >>> session.status, session.id.startswith("cap-")
    ('created', True)
"""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from ..schema import CAPTURE_CHANNELS, payloads
from .alerting import Alerting
from .errors import ApiError, BadRequest, Conflict, NotFound, string_field
from .folders import Collections
from .models import (
    Ids,
    RtStream,
    SceneIndex,
    SceneRecord,
    Session,
    StreamIndex,
    Timed,
    TranscriptRecord,
    Understanding,
    UnderstandingRecord,
    Video,
)
from .passes import Passes
from .recordings import Library
from .scenario import ClockMark, Scenario
from .worlds import WorldLike, Worlds

__all__ = ["ApiError", "BadRequest", "Conflict", "EmulatorState", "NotFound"]

#: Lifecycle step times relative to a session's epoch (seconds), as payloads.lifecycle() spaces them.
STEP_S = 2.0
NEXT_STATUS = {"created": {"starting", "failed"}, "starting": {"active", "failed"},
               "active": {"stopping", "failed"}, "stopping": {"stopped", "failed"},
               "stopped": {"exported"}, "exported": set(), "failed": set()}
EXTRACTION_TYPES = ("time", "transcript", "shot")


class EmulatorState:
    """Everything the emulated service knows. Touched only from the emulator's event loop.

    `worlds`: which world each session and connected rtstream plays (worlds.py).
    `now`: the monotonic clock (seconds) that WebSocket tickets and client tokens expire on.
    Self-contained pieces it owns: `library` (exported videos), `collections`, `alerting`
    (events and alerts), `passes` (WebSocket tickets and client tokens).
    """

    def __init__(self, seed: int = 0, worlds: Worlds | None = None,
                 now: Callable[[], float] = time.monotonic) -> None:
        self.seed = seed
        self.now = now
        self.ids = Ids(seed)
        self.worlds = worlds if worlds is not None else Worlds()
        self.library = Library(self.ids)  # exported videos and their indexes
        self.collections = Collections(self.ids)
        self.sessions: dict[str, Session] = {}
        self.rtstreams: dict[str, RtStream] = {}
        self.indexes: dict[str, SceneIndex] = {}
        self.understandings: dict[str, Understanding] = {}
        self.stream_indexes: dict[str, StreamIndex] = {}
        self.alerting = Alerting(self.ids)  # events and alerts
        self.passes = Passes(self.ids, now)  # WebSocket tickets and client tokens (responses/desktop.py)

    # collections and sessions -------------------------------------------------------------
    def collection(self, cid: str) -> dict[str, Any]:
        return self.collections.get(cid)

    def create_session(self, cid: str, body: dict[str, Any]) -> Session:
        self.collection(cid)
        user = body.get("end_user_id")
        if not isinstance(user, str) or not user:
            raise BadRequest("end_user_id is required: pass end_user_id='user_abc' (a non-empty string)")
        callback_url, ws_connection_id = string_field(body, "callback_url"), string_field(body, "ws_connection_id")
        metadata = body.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise BadRequest("metadata must be a JSON object (a dict)")
        session = Session(id=self.ids.new("cap"), collection_id=cid, end_user_id=user,
                          callback_url=callback_url, ws_connection_id=ws_connection_id, metadata=metadata)
        session.world = self.worlds.for_session(session.id, user, metadata)
        self.sessions[session.id] = session
        return session

    def set_world(self, session: Session, world: WorldLike) -> Scenario:
        """Play `world` in `session` (before its capture starts: its rtstreams open on it)."""
        if session.status != "created":
            raise Conflict(f"capture session {session.id} is {session.status!r}; choose its world "
                           "while it is 'created', before its capture starts")
        session.world = self.worlds.set(world, session_id=session.id)
        return session.world

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
                              end_user_id=session.end_user_id, timestamp=session.epoch)

    def transition(self, session: Session, status: str, *, error: str | None = None,
                   after_s: float = STEP_S, urls: tuple[str, str] | None = None) -> dict[str, Any]:
        """Move a session to `status`, `after_s` timeline seconds after its previous change.

        Returns the v2 webhook payload announcing it (its timestamp derives from session.epoch);
        `urls` are the exported video's stream and player URLs.
        """
        if status not in NEXT_STATUS[session.status]:
            raise Conflict(f"capture session {session.id} is {session.status!r}; it cannot become "
                           f"{status!r} (allowed next: {sorted(NEXT_STATUS[session.status]) or 'none'})")
        session.clock_s += after_s
        when = session.epoch + timedelta(seconds=session.clock_s)
        if status == "active":
            self._open_rtstreams(session, when.timestamp())
        if status == "stopped":
            session.export_status = "exporting"  # VideoDB exports every stopped session
        if status == "exported":
            session.exported_video_id = self.export_session(session).id
            session.export_status = "exported"
        if status == "failed":
            session.error = {"message": error or "capture failed", "code": "capture_failed"}
        session.status = status
        stream_url, player_url = urls or (None, None)
        return payloads.build(
            status, capture_session_id=session.id, end_user_id=session.end_user_id,
            timestamp=when,
            rtstreams=self.rtstream_summaries(session) if status == "active" else None,
            exported_video_id=session.exported_video_id, error=session.error,
            stream_url=stream_url, player_url=player_url)

    def watch_export(self, session: Session, ws_connection_id: str | None) -> None:
        """session.export(ws_connection_id=...): that connection also hears capture_session.exported."""
        if ws_connection_id:
            session.export_ws = ws_connection_id

    def _open_rtstreams(self, session: Session, origin_s: float) -> None:
        world = session.world or self.worlds.default
        for category, name, media, track in CAPTURE_CHANNELS:
            rts = RtStream(id=self.ids.new("rts"), session_id=session.id, track=world.capture_track(track),
                           world=world, origin_s=origin_s, live_mark=session.live_mark,
                           collection_id=session.collection_id, channel_id=category,
                           name=name, media_types=[media])
            self.rtstreams[rts.id] = rts
            session.rtstream_ids.append(rts.id)

    def rtstream_summaries(self, session: Session) -> list[dict[str, Any]]:
        """data.rtstreams[] of the active webhook, shaped as VideoDB's capture events page
        (docs.videodb.io/pages/ingest/capture-sdks/realtime-context) shows."""
        return [{"rtstream_id": r.id, "name": r.name, "media_types": list(r.media_types)}
                for r in (self.rtstreams[i] for i in session.rtstream_ids)]

    def screen_of(self, session: Session) -> RtStream:
        """The session's primary video rtstream (display:1)."""
        return next(self.rtstreams[r] for r in session.rtstream_ids if "video" in self.rtstreams[r].media_types)

    def export_session(self, session: Session) -> Video:
        """The video of a stopped session: its screen over what it recorded, with the sound of
        its audio streams (made once)."""
        if session.exported_video_id in self.library.videos:
            return self.library.videos[session.exported_video_id]
        streams = [self.rtstreams[r] for r in session.rtstream_ids]
        audio = [r for r in streams if "audio" in r.media_types]
        return self.library.export(f"Capture {session.id}", self.screen_of(session), audio)

    # rtstreams -----------------------------------------------------------------------------
    def rtstream(self, rid: str) -> RtStream:
        if rid not in self.rtstreams:
            raise NotFound(f"rtstream {rid!r} not found; rtstreams exist once their capture session "
                           "is active, or after coll.connect_rtstream()")
        return self.rtstreams[rid]

    def connect_rtstream(self, body: dict[str, Any], origin_s: float,
                         live_mark: ClockMark | None = None) -> RtStream:
        """coll.connect_rtstream(url, name, media_types, ...): a live source that plays a live
        track of the stream world (worlds.py; a camera by default) from `origin_s` (epoch s) on."""
        cid = body.get("collection_id") or "default"
        self.collection(cid)
        url, name = string_field(body, "url"), string_field(body, "name")
        if not url:
            raise BadRequest("url is required: the RTSP/RTMP address of the stream, e.g. rtsp://host:8554/cam")
        media = body.get("media_types") or ["video"]
        if not isinstance(media, list) or not media or set(media) - {"video", "audio"}:
            raise BadRequest(f"media_types must be a non-empty list of 'video' and 'audio', not {media!r}")
        sample_rate = body.get("sample_rate", 30)
        if not isinstance(sample_rate, int) or isinstance(sample_rate, bool) or sample_rate <= 0:
            raise BadRequest(f"sample_rate must be a positive whole number, not {sample_rate!r}")
        world = self.worlds.streams
        before = sum(1 for r in self.rtstreams.values() if r.session_id is None and r.world is world)
        track = world.live_track(name or url, url, before) if "video" in media else "system_audio"
        speaks = bool(world.tracks.get(track, {}).get("transcript"))  # a recorded camera with sound
        rts = RtStream(id=self.ids.new("rts"), session_id=None, collection_id=cid, channel_id=None,
                       name=name or url, media_types=list(media), track=track, world=world,
                       audio_track=(track if speaks else "system_audio") if "video" in media and "audio" in media else None,
                       url=url, store=bool(body.get("store", False)), sample_rate=sample_rate,
                       origin_s=origin_s, live_mark=live_mark)
        self.rtstreams[rts.id] = rts
        return rts

    def set_rtstream_status(self, rts: RtStream, status: str) -> None:
        """'connected' (rtstream.start(); a capture stream only while its session is active) or 'stopped'."""
        if status == "connected" and rts.session_id is not None:
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
        """Keep a final transcript frame's segment (epoch ms) for get_transcript() (epoch s)."""
        if data["is_final"]:
            rts.transcript.append(TranscriptRecord(**_window(data), text=data["text"]))

    def target_ws(self, rts: RtStream, requested: str | None) -> str | None:
        """Where a pipeline's frames go: its own ws_connection_id, else its session's (or nowhere)."""
        if requested:
            return requested
        session = self.sessions.get(rts.session_id) if rts.session_id else None
        return session.ws_connection_id if session else None

    # scene indexes (index_visuals, index_audio, ...) ----------------------------------------
    def create_index(self, rts: RtStream, body: dict[str, Any]) -> SceneIndex:
        kind = body.get("extraction_type")
        if kind not in EXTRACTION_TYPES:
            raise BadRequest(f"extraction_type must be one of {list(EXTRACTION_TYPES)}, not {kind!r}; "
                             "use rtstream.index_audio() or rtstream.index_visuals()")
        needs = "audio" if kind == "transcript" else "video"
        if needs not in rts.media_types:
            what = "index_audio/index_spoken_words" if needs == "audio" else "index_visuals/index_scenes"
            raise BadRequest(f"{what} needs an rtstream with {needs}; {rts.name} carries {rts.media_types}")
        index = SceneIndex(id=self.ids.new("rti"), rtstream_id=rts.id, extraction_type=kind,
                           extraction_config=body.get("extraction_config"),
                           prompt=string_field(body, "prompt"), name=string_field(body, "name"),
                           ws_connection_id=string_field(body, "ws_connection_id"))
        self.indexes[index.id] = index
        return index

    def index(self, rts: RtStream, idx: str) -> SceneIndex:
        return _owned(self.indexes, idx, rts, "index")

    def indexes_of(self, rts: RtStream) -> list[SceneIndex]:
        return _all_on(self.indexes, rts)

    def set_running(self, job: SceneIndex | Understanding | StreamIndex, running: bool) -> None:
        """Start or stop a scene index, an understanding or an index."""
        if running:
            self.require_connected(self.rtstream(job.rtstream_id), "starting an index or understanding")
        job.status = "running" if running else "stopped"

    def record_scene(self, index: SceneIndex, data: dict[str, Any]) -> None:
        index.records.append(SceneRecord(**_window(data), description=data["text"]))

    # understandings and their indexes (rtstream.understand / rtstream.index) -----------------
    def create_understanding(self, rts: RtStream, body: dict[str, Any]) -> Understanding:
        segmentation, analyzers = body.get("segmentation") or {}, body.get("analyzers") or []
        if not isinstance(segmentation, dict) or segmentation.get("type") != "time":
            raise BadRequest('segmentation must be {"type": "time", "window": "10s"}; '
                             "rtstreams segment by time only")
        if (not isinstance(analyzers, list) or len(analyzers) != 1 or not isinstance(analyzers[0], dict)
                or analyzers[0].get("type") != "vlm"):
            raise BadRequest('analyzers must hold exactly one vlm analyzer, e.g. [{"type": "vlm", '
                             '"name": "scene", "config": {"prompt": "Describe the scene"}}]')
        if "video" not in rts.media_types:
            raise BadRequest(f"understand() runs a vision model; {rts.name} carries {rts.media_types}, "
                             "use index_audio() or start_transcript() for audio")
        und = Understanding(id=self.ids.new("und"), rtstream_id=rts.id, segmentation=segmentation,
                            analyzers=analyzers, store=bool(body.get("store", True)),
                            ws_connection_id=string_field(body, "ws_connection_id"))
        self.understandings[und.id] = und
        return und

    def understanding(self, rts: RtStream, uid: str) -> Understanding:
        return _owned(self.understandings, uid, rts, "understanding")

    def understandings_of(self, rts: RtStream) -> list[Understanding]:
        return _all_on(self.understandings, rts)

    def record_understanding(self, und: Understanding, data: dict[str, Any]) -> None:
        """A window's VLM output: kept if `store`, and materialised into the running indexes."""
        record = UnderstandingRecord(**_window(data), understanding_id=und.id,
                                     data={"description": data["text"]})
        if und.store:
            und.records.append(record)
        for index in self.stream_indexes.values():
            if index.understanding_id == und.id and index.status == "running":
                index.records.append(record.copy())

    def create_stream_index(self, rts: RtStream, body: dict[str, Any]) -> StreamIndex:
        source = body.get("source")
        uid = source.get("understanding_id") if isinstance(source, dict) else None
        if not isinstance(source, dict) or uid is None:
            raise BadRequest('source must be an understanding output, e.g. understanding.outputs["scene"]')
        und = self.understanding(rts, uid)
        if not und.store:
            raise BadRequest(f"understanding {und.id} was started with store=False, so it keeps no "
                             "output to index; start one with store=True")
        use_for = body.get("use_for") or ["semantic"]
        if not isinstance(use_for, list) or set(use_for) - {"semantic", "query", "aggregate"}:
            raise BadRequest(f"use_for must be a list of 'semantic', 'query', 'aggregate', not {use_for!r}")
        index = StreamIndex(id=self.ids.new("idx"), rtstream_id=rts.id, understanding_id=und.id,
                            output=str(source.get("output") or und.output),
                            name=string_field(body, "name"), use_for=use_for,
                            records=[r.copy() for r in und.records])
        self.stream_indexes[index.id] = index
        return index

    def stream_index(self, rts: RtStream, iid: str) -> StreamIndex:
        return _owned(self.stream_indexes, iid, rts, "index", "; list them with rtstream.list_indexes()")

    def stream_indexes_of(self, rts: RtStream) -> list[StreamIndex]:
        return _all_on(self.stream_indexes, rts)


_Job = TypeVar("_Job", SceneIndex, Understanding, StreamIndex)


def _owned(table: dict[str, _Job], key: str, rts: RtStream, what: str, hint: str = "") -> _Job:
    """table[key] if it belongs to `rts`; a NotFound naming `what` (then `hint`) otherwise."""
    job = table.get(key)
    if job is None or job.rtstream_id != rts.id:
        raise NotFound(f"{what} {key!r} not found on rtstream {rts.id}{hint}")
    return job


def _all_on(table: dict[str, _Job], rts: RtStream) -> list[_Job]:
    """Everything in `table` that belongs to `rts`, oldest first."""
    return [job for job in table.values() if job.rtstream_id == rts.id]


def _window(frame_data: dict[str, Any]) -> Timed:
    """A REST record's window from a frame's: start and end in epoch seconds (frames carry ms)."""
    return Timed(start=frame_data["start"] / 1000, end=frame_data["end"] / 1000)
