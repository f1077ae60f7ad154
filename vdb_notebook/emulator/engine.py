"""The emulated service's behaviour: state changes announced as webhooks and frames, pipelines.

Runs on the emulator's event loop only. responses/ calls it for the REST API and the control
routes; `Emulator` calls it (through the loop) for the desktop client's part: start_capture,
stop_capture, fail_capture. State changes themselves are made by `EmulatorState` (state.py).
"""
from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..schema import media, payloads
from . import matching
from .faults import Faults
from .hub import Hub
from .models import Alert, RtStream, SceneIndex, Session, StreamIndex, Understanding
from .scenario import Clock, Pacer, Scenario, Step, parse_speed
from .sender import WebhookSender
from .state import STEP_S, Conflict, EmulatorState
from .worlds import WorldLike, Worlds

log = logging.getLogger(__name__)
#: Scenario seconds an export takes after the session stopped (scaled by the speed, as all time).
EXPORT_S = STEP_S


def _report_failure(task: asyncio.Task[None]) -> None:
    """A pipeline or announcer that crashed is a bug: say so in the log, never silently."""
    if not task.cancelled() and task.exception() is not None:
        log.error("emulator task %s failed", task.get_name(), exc_info=task.exception())


@dataclass
class Pipeline:
    """One running (or paused) producer of frames: a transcript, an index or an alert."""

    key: str
    steps: Callable[[], Iterator[Step]]
    target: Callable[[], str | None]
    on_step: Callable[[dict[str, Any]], bool]  # records the frame; False: do not send it
    cursor: int = 0  # steps already emitted; a restart resumes here
    last_at: float = 0.0
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()


class Engine:
    """Sessions, pipelines and their side effects. `worlds` says which world plays where
    (worlds.py); `scenario` is the default world."""

    def __init__(self, worlds: Worlds | Scenario, *, speed: float | str | None, seed: int, faults: Faults,
                 clock: str = "scenario", now: Callable[[], float] = time.monotonic) -> None:
        worlds = worlds if isinstance(worlds, Worlds) else Worlds(worlds)
        self.scenario = worlds.default
        self.now = now  # the monotonic clock tickets and client tokens expire on
        self.clock = Clock(parse_speed(speed, self.scenario.default_speed), clock)
        self.faults = Faults.from_dict(faults)  # a copy: one-shot faults disarm only here
        self.state = EmulatorState(seed, worlds, now=now)
        self.hub = Hub(lambda: self.faults)
        self.sender = WebhookSender(lambda: self.faults)
        self.pipelines: dict[str, Pipeline] = {}
        self.base_url = "http://127.0.0.1"  # the server sets its own once it listens
        self._tasks: set[asyncio.Task[None]] = set()  # pipelines, exports and frame announcers
        self._frame_chains: dict[str, asyncio.Task[None]] = {}  # per session: frames go out in order
        self.ticket_ttl = 60.0  # seconds a WebSocket URL stays usable (Emulator(ticket_ttl=))

    # the desktop client's part ------------------------------------------------------------
    def create_session(self, cid: str, body: dict[str, Any]) -> Session:
        session = self.state.create_session(cid, body)
        session.epoch = self.clock.epoch_for(0.0)
        self._announce(session, [self.state.created_payload(session)])
        return session

    def start_capture(self, sid: str) -> Session:
        """created -> starting -> active: the rtstreams open; nothing flows until a pipeline starts.

        The session's timeline is anchored here (a no-op on the scenario clock): `starting` now,
        and on the wall clock `active` now too, so what it records never lies in the future.
        """
        session = self.state.find_session(sid)
        if session.status != "created":
            raise Conflict(f"capture session {sid} is {session.status!r}; start_capture needs a 'created' session")
        session.epoch = self.clock.epoch_for(session.clock_s + STEP_S)
        session.live_mark = self.clock.position()  # what it records is counted from here
        starting = self.state.transition(session, "starting")
        active = self.state.transition(session, "active", after_s=self.clock.step_after(
            session.epoch, session.clock_s, STEP_S))
        self._announce(session, [starting, active])
        return session

    def stop_capture(self, sid: str) -> Session:
        """active -> stopping -> stopped; the session's pipelines stop and its export starts
        (exported follows EXPORT_S scenario seconds later, as VideoDB exports every session)."""
        session = self.state.find_session(sid)
        if session.status != "active":
            raise Conflict(f"capture session {sid} is {session.status!r}; stop_capture needs an 'active' session")
        world = session.world or self.scenario
        recorded = self.clock.played_since(session.live_mark, world.duration_s)  # what its pipelines played
        self._close_rtstreams(session, recorded)
        self._announce(session, [
            self.state.transition(session, "stopping", after_s=self.clock.step_after(
                session.epoch, session.clock_s, recorded)),
            self.state.transition(session, "stopped"),
        ])
        self._spawn(self._export(session))
        return session

    async def _export(self, session: Session) -> None:
        await Pacer(self.clock).until(EXPORT_S)
        if session.status != "stopped":  # failed meanwhile
            return
        screen = self.state.screen_of(session)
        stream = media.stream_url(self.base_url, screen.id, *screen.window)
        urls = (stream, media.player_url(self.base_url, stream))
        self._announce(session, [self.state.transition(session, "exported", urls=urls)],
                       also_to=session.export_ws)

    def fail_capture(self, sid: str, message: str = "capture failed") -> Session:
        session = self.state.find_session(sid)
        world = session.world or self.scenario
        self._close_rtstreams(session, self.clock.played_since(session.live_mark, world.duration_s))
        self._announce(session, [self.state.transition(session, "failed", error=message)])
        return session

    def request_export(self, session: Session, ws_connection_id: str | None) -> None:
        """session.export(): allowed once stopped; `ws_connection_id` also hears capture_session.exported."""
        if session.status not in ("stopped", "exported"):
            raise Conflict(f"capture session {session.id} is {session.status!r}; it can be exported once "
                           "stopped (the desktop client stops it; offline: emu.stop_capture(session_id))")
        self.state.watch_export(session, ws_connection_id)

    def _close_rtstreams(self, session: Session, recorded_s: float) -> None:
        for rid in session.rtstream_ids:
            rts = self.state.rtstreams[rid]
            rts.recorded_s = recorded_s if rts.recorded_s is None else rts.recorded_s
            self.set_rtstream_status(rts, "stopped")

    def set_world(self, sid: str, world: WorldLike) -> Scenario:
        """Play `world` in the session `sid` (while it is 'created'); the world."""
        return self.state.set_world(self.state.find_session(sid), world)

    def _announce(self, session: Session, lifecycle: list[dict[str, Any]], also_to: str | None = None) -> None:
        """Post the webhooks and send the capture_session frames, after those sent before."""
        self.sender.send(session.callback_url, lifecycle, key=session.id)
        targets = list(dict.fromkeys(t for t in (session.ws_connection_id, also_to) if t))
        if targets:
            frames = [{"channel": "capture_session", **p} for p in lifecycle]
            previous = self._frame_chains.get(session.id)
            self._frame_chains[session.id] = self._spawn(self._send_in_order(targets, frames, previous))

    async def _send_in_order(self, targets: list[str], frames: list[dict[str, Any]],
                             previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)
        for frame in frames:
            for conn_id in targets:
                await self.hub.send(conn_id, frame)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """A task kept referenced until done (so a cancelled one is never collected mid-way)."""
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_report_failure)
        return task

    # pipelines ------------------------------------------------------------------------------
    def start_transcript(self, rts: RtStream, ws_connection_id: str | None) -> None:
        self.state.set_transcript(rts, True, ws_connection_id)

        def record(frame: dict[str, Any]) -> bool:
            self.state.record_transcript(rts, frame["data"])
            return True

        self._start(f"transcript:{rts.id}", rts, "transcript",
                    target=lambda: self.state.target_ws(rts, rts.transcript_ws), on_step=record)

    def stop_transcript(self, rts: RtStream) -> None:
        self.state.set_transcript(rts, False)
        self._pause(f"transcript:{rts.id}")

    def start_index(self, index: SceneIndex) -> None:
        rts = self.state.rtstream(index.rtstream_id)
        self.state.set_running(index, True)

        def record(frame: dict[str, Any]) -> bool:
            self.state.record_scene(index, frame["data"])
            return True

        same_kind = [f"index:{i.id}" for i in self.state.indexes_of(rts) if i.kind == index.kind]
        self._start(f"index:{index.id}", rts, index.kind, same_kind=same_kind,
                    target=lambda: self.state.target_ws(rts, index.ws_connection_id), on_step=record)
        self._start_alerts(index)

    def stop_index(self, index: SceneIndex | StreamIndex) -> None:
        self.state.set_running(index, False)
        self._pause(f"index:{index.id}")
        for alert in self.state.alerting.alerts_of(index):
            self._pause(f"alert:{alert.id}")

    def start_understanding(self, und: Understanding) -> None:
        """rtstream.understand() / understanding.start(): VLM output per window of the screen track."""
        rts = self.state.rtstream(und.rtstream_id)
        self.state.set_running(und, True)

        def record(frame: dict[str, Any]) -> bool:
            self.state.record_understanding(und, frame["data"])
            return True

        self._start(f"understanding:{und.id}", rts, "visual_index", on_step=record,
                    same_kind=[f"understanding:{u.id}" for u in self.state.understandings_of(rts)],
                    target=lambda: self.state.target_ws(rts, und.ws_connection_id))

    def stop_understanding(self, und: Understanding) -> None:
        self.state.set_running(und, False)
        self._pause(f"understanding:{und.id}")

    def start_stream_index(self, index: StreamIndex) -> None:
        """rtstream.index(...) / index.start(): materialise new understanding output; alerts run."""
        self.state.set_running(index, True)
        self._start_alerts(index)

    def _start_alerts(self, index: SceneIndex | StreamIndex) -> None:
        for alert in self.state.alerting.alerts_of(index):
            self.start_alert(alert)

    def start_alert(self, alert: Alert) -> None:
        rts = self.state.rtstream(alert.rtstream_id)

        def fire(frame: dict[str, Any]) -> bool:
            data = frame["data"]
            if not self.state.alerting.record(alert, data):
                return False
            if alert.callback_url:
                body = payloads.alert(
                    label=data["label"], confidence=data["confidence"], rtstream_id=rts.id,
                    start=data["start"], end=data["end"], explanation=data["text"],
                    event_id=alert.event_id, stream_start=rts.window[0] * 1000,
                    media_base_url=self.base_url, seed=self.state.seed)
                self.sender.send(alert.callback_url, [body], key=f"alert:{alert.id}")
            return True

        prompt = self.state.alerting.prompt_of(alert)
        same_kind = [f"alert:{a.id}" for a in self.state.alerting.alerts.values()
                     if a.rtstream_id == alert.rtstream_id and a.label == alert.label
                     and self.state.alerting.prompt_of(a) == prompt]
        tracks = sorted({rts.track, rts.track_for("transcript")})  # an A/V stream: its screen and its audio
        cues = [c for t in tracks for c in matching.alert_cues(rts.world, t, prompt, alert.label)]
        self._start(f"alert:{alert.id}", rts, "alert", cues=cues, same_kind=same_kind,
                    extra={"alert_id": alert.id, "event_id": alert.event_id},
                    target=lambda: self.state.target_ws(rts, alert.ws_connection_id), on_step=fire)

    def set_rtstream_status(self, rts: RtStream, status: str) -> None:
        """rtstream.start() / stop(); stopping also stops its transcript, indexes and
        understandings, and a connected rtstream's recording ends there."""
        self.state.set_rtstream_status(rts, status)
        if status == "stopped":
            if rts.session_id is None and rts.recorded_s is None:
                rts.recorded_s = self.clock.played_since(rts.live_mark, rts.world.duration_s)
            self.stop_transcript(rts)
            for index in self.state.indexes_of(rts):
                self.stop_index(index)
            for und in self.state.understandings_of(rts):
                self.stop_understanding(und)
            for stream_index in self.state.stream_indexes_of(rts):
                self.stop_index(stream_index)

    def create_index(self, rts: RtStream, body: dict[str, Any]) -> SceneIndex:
        self.state.require_connected(rts, "index_audio/index_visuals")
        index = self.state.create_index(rts, body)
        self.start_index(index)
        return index

    def create_understanding(self, rts: RtStream, body: dict[str, Any]) -> Understanding:
        self.state.require_connected(rts, "understand()")
        und = self.state.create_understanding(rts, body)
        self.start_understanding(und)
        return und

    def create_stream_index(self, rts: RtStream, body: dict[str, Any]) -> StreamIndex:
        self.state.require_connected(rts, "index()")
        index = self.state.create_stream_index(rts, body)
        self.start_stream_index(index)
        return index

    def create_alert(self, index: SceneIndex | StreamIndex, body: dict[str, Any]) -> Alert:
        alert = self.state.alerting.create_alert(index, body)
        if index.status == "running":
            self.start_alert(alert)
        return alert

    def _start(self, key: str, rts: RtStream, kind: str, *, target: Callable[[], str | None],
               on_step: Callable[[dict[str, Any]], bool], cues: list[dict[str, Any]] | None = None,
               extra: dict[str, Any] | None = None, same_kind: Sequence[str] = ()) -> None:
        """Start (or resume, or retarget) the pipeline `key`.

        A new pipeline that follows earlier ones in `same_kind` (keys of pipelines of its kind on
        the same rtstream) starts where the furthest of them got to, as the service indexes the
        live stream from a pipeline's creation on. An index re-created to reach a new WebSocket
        after a reconnect (what vn.start_pipelines' handle.reattach does) so repeats nothing; the
        first pipeline of a kind on an rtstream still plays the track from the beginning.
        """
        pipeline = self.pipelines.get(key)
        if pipeline is None:
            def steps() -> Iterator[Step]:
                return rts.world.steps(rts.track_for(kind), kind, rtstream_id=rts.id, rtstream_name=rts.name,
                                           extra=extra, cues=cues, origin_ms=round(rts.origin_s * 1000))
            pipeline = self.pipelines[key] = Pipeline(key, steps, target, on_step)
            earlier = [self.pipelines[k] for k in same_kind if k != key and k in self.pipelines]
            if earlier:
                furthest = max(earlier, key=lambda p: p.cursor)
                pipeline.cursor, pipeline.last_at = furthest.cursor, furthest.last_at
        else:
            pipeline.target = target
        if not pipeline.running:
            pipeline.task = self._spawn(self._play(pipeline))

    def _pause(self, key: str) -> None:
        pipeline = self.pipelines.get(key)
        if pipeline is not None and pipeline.task is not None:
            pipeline.task.cancel()
            pipeline.task = None

    async def _play(self, pipeline: Pipeline) -> None:
        pacer = Pacer(self.clock, start_at=pipeline.last_at)
        steps = pipeline.steps()
        for _ in range(pipeline.cursor):  # resume after a stop where we left off
            next(steps, None)
        for step in steps:
            await pacer.until(step.at)
            pipeline.cursor += 1
            pipeline.last_at = step.at
            if pipeline.on_step(step.frame):
                await self.hub.send(pipeline.target(), step.frame)

    # control ----------------------------------------------------------------------------------
    @property
    def speed(self) -> float | str:
        """The speed in use: a time multiplier, or 'max'."""
        return "max" if math.isinf(self.clock.speed) else self.clock.speed

    def set_speed(self, speed: float | str | None) -> None:
        self.clock.set(parse_speed(speed, self.scenario.default_speed))

    def set_faults(self, values: dict[str, Any], *, replace: bool = False) -> Faults:
        """Apply `values` to the current faults (to all-off ones if `replace`)."""
        self.faults = (Faults() if replace else self.faults).updated(values)
        return self.faults

    async def shutdown(self) -> None:
        """Stop every pipeline and delivery and close every socket."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.pipelines.clear()
        await self.sender.close()
        await self.hub.close_all()

    async def reset(self, seed: int | None = None) -> None:
        """Forget everything (sessions, pipelines, deliveries, sockets); optionally a new seed."""
        await self.shutdown()
        self.state.worlds.forget_assignments()
        self.state = EmulatorState(self.state.seed if seed is None else seed, self.state.worlds, now=self.now)
        self._frame_chains.clear()
        self.sender = WebhookSender(lambda: self.faults)
        self.hub = Hub(lambda: self.faults)
