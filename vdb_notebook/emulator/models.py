"""What the emulated service stores: plain records, changed only by `EmulatorState` (state.py).

Times kept here are what the REST API answers: epoch SECONDS (floats) for records and windows.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypedDict

from ..schema import EPOCH, payloads
from .scenario import ORIGIN_MS, ClockMark, Scenario


class Timed(TypedDict):
    """A REST record's window: epoch seconds on an rtstream, seconds into an exported video."""

    start: float
    end: float


class TranscriptRecord(Timed):
    """A final transcript segment (rtstream.get_transcript(), a video's spoken lines)."""

    text: str


class SceneRecord(Timed):
    """A scene index record (rtstream scene indexes, an exported video's scene indexes)."""

    description: str


class UnderstandingRecord(Timed):
    """A window's VLM output (understanding.get_records(), an index of it)."""

    understanding_id: str
    data: dict[str, str]  # {"description": ...}


class ExportedRecording(TypedDict):
    """rtstream.export()'s answer (duration None on a repeat call, as VideoDB answers)."""

    video_id: str
    name: str
    duration: float | None


class Ids:
    """Seeded id makers, one stream per prefix, so adding sessions never shifts alert ids.

        >>> Ids(0).new("cap") == Ids(0).new("cap")
        True
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._rngs: dict[str, random.Random] = {}

    def new(self, prefix: str) -> str:
        return payloads.make_id(prefix, self._rng(prefix))

    def hex(self, kind: str) -> str:
        """A bare 16-hex id, as VideoDB gives video scene indexes ('f4db35c5ce45a709')."""
        return f"{self._rng(kind).getrandbits(64):016x}"

    def _rng(self, prefix: str) -> random.Random:
        return self._rngs.setdefault(prefix, random.Random(f"emulator:{self.seed}:{prefix}"))


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
    export_status: str | None = None        # None, "exporting", "exported"
    export_ws: str | None = None            # session.export(ws_connection_id=...) asks to be told
    exported_video_id: str | None = None
    error: dict[str, Any] | None = None
    clock_s: float = 0.0  # timeline seconds after `epoch` of the latest lifecycle event
    epoch: datetime = EPOCH  # time zero of the session's timeline (the engine's Clock sets it)
    world: Scenario | None = None  # what it plays (worlds.py); set when it is created
    live_mark: ClockMark | None = None  # the clock's position when it went active (Clock.position)


@dataclass
class RtStream:
    id: str
    session_id: str | None                 # None: connected with coll.connect_rtstream()
    collection_id: str
    channel_id: str | None                 # "mic" | "system_audio" | "screen" for capture streams
    name: str
    media_types: list[str]
    track: str                             # the track of its world that plays on it
    world: Scenario                        # what it plays: its session's world, or the stream world
    audio_track: str | None = None         # a connected audio+video stream's audio
    url: str | None = None
    store: bool = True
    sample_rate: int = 30
    status: str = "connected"
    transcript_running: bool = False
    transcript_ws: str | None = None
    transcript: list[TranscriptRecord] = field(default_factory=list)  # epoch seconds
    exported: ExportedRecording | None = None  # rtstream.export()'s answer, once exported
    origin_s: float = ORIGIN_MS / 1000      # epoch seconds of its scenario time 0 (when it went live)
    live_mark: ClockMark | None = None      # the clock's position when it went live (Clock.position)
    recorded_s: float | None = None         # how long it recorded, once stopped (else its world's length)

    @property
    def window(self) -> tuple[float, float]:
        """What it recorded, epoch seconds: from going live, for as long as it ran (its world's
        length while it still runs)."""
        length = self.world.duration_s if self.recorded_s is None else self.recorded_s
        return self.origin_s, self.origin_s + length

    def track_for(self, kind: str) -> str:
        """The scenario track a pipeline of `kind` plays on this stream."""
        if kind in ("transcript", "audio_index") and self.audio_track:
            return self.audio_track
        return self.track


@dataclass
class SceneIndex:
    """An index made by index_visuals / index_audio / index_scenes / index_spoken_words."""

    id: str
    rtstream_id: str
    extraction_type: str
    extraction_config: Any
    prompt: str | None
    name: str | None
    ws_connection_id: str | None
    status: str = "running"
    records: list[SceneRecord] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "audio_index" if self.extraction_type == "transcript" else "visual_index"


@dataclass
class Understanding:
    """rtstream.understand(): one VLM analyzer over time windows; records persist if `store`."""

    id: str
    rtstream_id: str
    segmentation: dict[str, Any]
    analyzers: list[dict[str, Any]]
    store: bool
    ws_connection_id: str | None
    status: str = "running"
    records: list[UnderstandingRecord] = field(default_factory=list)

    @property
    def output(self) -> str:
        return str(self.analyzers[0].get("name") or "scene")


@dataclass
class StreamIndex:
    """rtstream.index(source): an understanding's output materialised for search and alerts."""

    id: str
    rtstream_id: str
    understanding_id: str
    output: str
    name: str | None
    use_for: list[str]
    status: str = "running"
    records: list[UnderstandingRecord] = field(default_factory=list)


@dataclass
class Event:
    id: str
    prompt: str
    label: str


@dataclass
class Alert:
    id: str
    index_id: str          # a SceneIndex or a StreamIndex
    rtstream_id: str
    event_id: str
    label: str
    callback_url: str
    ws_connection_id: str | None
    status: str = "enabled"
    fired: list[dict[str, Any]] = field(default_factory=list)  # for /_emulator/state only


@dataclass
class Video:
    """A recording exported from a capture session or an rtstream: a window of one rtstream."""

    id: str
    collection_id: str
    name: str
    rtstream_id: str
    start_s: float          # epoch seconds
    end_s: float
    audio_rtstream_ids: list[str]
    transcribed: bool = False
    spoken_indexed: bool = False  # video.index_spoken_words() was called
    scene_indexes: dict[str, VideoIndex] = field(default_factory=dict)

    @property
    def length(self) -> float:
        return round(self.end_s - self.start_s, 3)


@dataclass
class VideoIndex:
    """A scene index of an exported video (index_scenes / index_visuals / index_audio)."""

    id: str
    name: str
    extraction_type: str
    prompt: str | None
    records: list[SceneRecord]  # seconds into the video
    status: str = "done"
