"""Scenarios: data files of timed cues, turned into the frames a pipeline emits, and paced.

A scenario (scenarios/<name>.json) has one track per capture channel ("mic", "system_audio",
"display"), each with cue lists per pipeline kind ("transcript", "audio_index", "visual_index"),
plus "alerts": notes on what happens at a moment (matching.py fires an alert's event prompt on
the moments it is about; the notes' words help it, and explain the alert). Cue times are
seconds after the session went active; frame timestamps are epoch ms from the session's
timeline origin: fixed relative to `schema.EPOCH` under the default "scenario" clock, so the
same scenario always yields the same frames; the moment its capture started under the "wall"
clock (see `Clock`). Ids and texts are the same under both.

    >>> sc = Scenario.load("standup")
    >>> step = next(sc.steps("mic", "transcript", rtstream_id="rts-1", rtstream_name="mic:default"))
    >>> step.frame["channel"], step.frame["data"]["is_final"]
    ('transcript', False)
"""
from __future__ import annotations

import asyncio
import json
import math
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from ..schema import EPOCH
from . import recorded

SCENARIO_DIR = Path(__file__).with_name("scenarios")
#: Scenario time 0 is the moment a session turns active: EPOCH + 4 s, as in payloads.lifecycle().
ACTIVE_OFFSET_MS = 4000
ORIGIN_MS = int(EPOCH.timestamp() * 1000) + ACTIVE_OFFSET_MS
#: Where a session's timeline sits in real time: at EPOCH, or at the moment its capture starts.
CLOCKS = ("scenario", "wall")
#: How far scenario time had run at some moment (`Clock.position()`): (times the speed became
#: 'max', scenario seconds played at finite speeds, whether the speed was 'max' then).
ClockMark = tuple[int, float, bool]


def available() -> list[str]:
    """Names of the scenarios shipped with the package, e.g. ['burst', 'cctv', 'standup', ...]."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.json"))


def is_shipped(name_or_path: object) -> bool:
    """True for the name of a shipped scenario ('standup'), False for a path or anything else."""
    return isinstance(name_or_path, str) and name_or_path in available()


class Step(NamedTuple):
    """One frame a pipeline sends, `at` seconds of scenario time after its pipeline started."""

    at: float
    frame: dict[str, Any]


def parse_speed(speed: float | str | None, default: float | str) -> float:
    """None -> the scenario's default; 'max' or inf -> math.inf; a positive number as is."""
    value = default if speed is None else speed
    if value == "max":
        return math.inf
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"speed must be a positive number or 'max', not {value!r}") from None
    if not number > 0:
        raise ValueError(f"speed must be a positive number or 'max', not {value!r}")
    return number


class Scenario:
    """A loaded scenario file: cue lists per track and kind, repeated `repeat` times."""

    def __init__(self, doc: dict[str, Any], source: str = "<dict>") -> None:
        self.source = source
        self.name: str = doc.get("name", source)
        self.description: str = doc.get("description", "")
        self.duration_s: float = float(doc["duration_s"])
        self.default_speed: float | str = doc.get("default_speed", 1)
        self.visual_channel: str = doc.get("visual_channel", "scene_index")
        self.period_s: float = float(doc.get("period_s", self.duration_s))
        self.repeat: int = int(doc.get("repeat", 1))
        self.tracks: dict[str, dict[str, list[dict[str, Any]]]] = doc.get("tracks", {})
        self.alerts: list[dict[str, Any]] = doc.get("alerts", [])
        #: the video tracks a connected rtstream (coll.connect_rtstream) can play, e.g. cameras
        self.live_tracks: list[str] = list(doc.get("live_tracks") or ["display"])
        #: a recording made with record_to= (recorded.py) rather than a written scenario
        self.recorded: bool = bool(doc.get("recorded", False))

    def __repr__(self) -> str:
        return f"Scenario({self.name!r})"

    def capture_track(self, track: str) -> str:
        """The track a capture channel's stream plays: its own (mic, system_audio, display);
        a world without a screen track shows its first live track on the screen."""
        if track == "display" and track not in self.tracks:
            return self.live_tracks[0]
        return track

    def live_track(self, name: str, url: str, connected_before: int) -> str:
        """The track a connected rtstream named `name` at `url` plays: the live track its name or
        URL mentions ("parking_lot" for rtsp://cam/parking-lot), else the live tracks in turn."""
        said = re.sub(r"[^a-z0-9]+", "_", f"{name} {url}".lower())
        named = [t for t in self.live_tracks if t.lower() in said]
        return named[0] if named else self.live_tracks[connected_before % len(self.live_tracks)]

    @classmethod
    def load(cls, name_or_path: str | Path) -> Scenario:
        """A shipped scenario by name ('standup', 'cctv', ...), a scenario JSON file by path, or
        a recording (JSONL) that `vn.Feed.open(conn, record_to=...)` made (recorded.py)."""
        path = Path(name_or_path)
        if not path.suffix:  # a name: only a shipped one, so a name cannot leave SCENARIO_DIR
            known = str(name_or_path) in available()
            path = SCENARIO_DIR / f"{name_or_path}.json" if known else Path("/nonexistent")
        if not path.exists() or path.suffix not in (".json", ".jsonl"):
            raise ValueError(
                f"unknown scenario {str(name_or_path)!r}; use one of {available()}, the path of a "
                "scenario JSON file, or a recording (.jsonl) made with vn.Feed.open(conn, record_to=...)"
            )
        if path.suffix == ".jsonl":
            return cls(recorded.scenario_doc(path), source=str(path))
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ValueError(f"scenario {path} is not valid JSON ({exc}); fix the file") from None
        if not isinstance(doc, dict) or "duration_s" not in doc:
            raise ValueError(f"scenario {path} has no 'duration_s'")
        return cls(doc, source=str(path))

    def _base(self, track: str, kind: str, cues: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
        """The cues of one repeat, as written in the file (with {n}), ordered by their end."""
        if kind == "alert" and cues is None:
            raise ValueError("alert steps need their cues: matching.alert_cues(scenario, track, prompt, label)")
        base = cues if cues is not None else self.tracks.get(track, {}).get(kind, [])
        return sorted(base, key=lambda cue: cue["t"] + cue["dur"])

    def steps(self, track: str, kind: str, *, rtstream_id: str, rtstream_name: str,
              extra: dict[str, Any] | None = None, cues: list[dict[str, Any]] | None = None,
              origin_ms: int = ORIGIN_MS) -> Iterator[Step]:
        """The frames a pipeline of `kind` on `track` sends, in the order it sends them; their
        times count from `origin_ms`, the epoch ms at which the session went active. `cues`
        replaces the track's own cues (an alert's, from matching.alert_cues)."""
        channel = {"visual_index": self.visual_channel}.get(kind, kind)
        head = {"channel": channel, "rtstream_id": rtstream_id, "rtstream_name": rtstream_name}
        parts = self._parts(track, kind, cues, origin_ms)
        tail = extra or {}
        for n in range(self.repeat):
            shift, shift_ms, tag = n * self.period_s, round(n * self.period_s * 1000), str(n)
            for at, text, templated, start, end, before, after in parts:
                data = {"text": text.replace("{n}", tag) if templated else text, **before,
                        "start": start + shift_ms, "end": end + shift_ms, **after, **tail}
                yield Step(at + shift, {**head, "data": data})

    def _parts(self, track: str, kind: str, cues: list[dict[str, Any]] | None,
               origin_ms: int) -> list[tuple[Any, ...]]:
        """Per step of one repeat: (at, text, has {n}, start ms, end ms, fields before/after times).

        Worked out once per pipeline so that expanding thousands of repeats stays cheap.
        """
        parts: list[tuple[Any, ...]] = []
        for cue in self._base(track, kind, cues):
            start = origin_ms + round(cue["t"] * 1000)
            end = origin_ms + round((cue["t"] + cue["dur"]) * 1000)
            done = cue["t"] + cue["dur"]
            if kind == "transcript":
                # who speaks is the stream (mic: the local user; system audio: the others),
                # never a name in the text: VideoDB's ASR sends the words only
                text = cue["text"]
                words = text.split()
                interim = " ".join(words[: max(1, (len(words) + 1) // 2)])
                # an utterance as ASR streams it: an interim half-way through, then the final
                parts.append((cue["t"] + cue["dur"] / 2, interim, "{n}" in interim, start,
                              (start + end) // 2, {"is_final": False}, {}))
                parts.append((done, text, "{n}" in text, start, end, {"is_final": True}, {}))
            elif kind == "alert":
                fields = {"label": cue["label"], "triggered": True, "confidence": cue["confidence"]}
                parts.append((done, cue["text"], "{n}" in cue["text"], start, end, fields, {}))
            else:
                parts.append((done, cue["text"], "{n}" in cue["text"], start, end, {}, {}))
        return parts


def parse_clock(mode: str) -> str:
    """'scenario' or 'wall' as is; anything else is a ValueError saying what to pass."""
    if mode not in CLOCKS:
        raise ValueError(f"clock must be one of {list(CLOCKS)}, not {mode!r}: 'scenario' for "
                         "the fixed epoch (reproducible), 'wall' to start at the real time")
    return mode


class Clock:
    """The emulator's speed, shared by every pipeline (changing it wakes the sleeping ones), and
    where a session's timeline sits in real time.

    mode "scenario" (the default): every session's timeline starts at the fixed EPOCH, so
    notebooks print the same times on every run. mode "wall": a session's timeline is anchored
    at the moment its capture starts (its `starting` and `active` steps are both now, cue t at
    active + t scenario seconds), so now-relative queries such as
    `rtstream.get_transcript(start=time.time() - 3600)` find its records, and at speed 1 and
    below nothing it records lies in the future. At a speed above 1 the frames' times run ahead
    of the wall clock, as the scenario itself does. `monotonic` paces speeds; `wall` (epoch
    seconds) anchors timelines: both injectable.

        >>> Clock(1.0).epoch_for(2.0) == EPOCH
        True
        >>> import time
        >>> abs(Clock(1.0, "wall").epoch_for(2.0).timestamp() + 2.0 - time.time()) < 5
        True
    """

    def __init__(self, speed: float, mode: str = "scenario",
                 monotonic: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time) -> None:
        self.speed = speed
        self.mode = parse_clock(mode)
        self._changed = asyncio.Event()
        self._monotonic = monotonic
        self._wall = wall
        self._since = monotonic()  # when the current speed was set
        self._played = 0.0  # scenario seconds played at finite speeds before `_since`
        self._max_runs = int(math.isinf(speed))  # how many times the speed became 'max'

    def position(self) -> ClockMark:
        """A mark of how far scenario time has run: for `elapsed_since`."""
        return self._max_runs, self._played_now(), math.isinf(self.speed)

    def elapsed_since(self, mark: ClockMark) -> float:
        """Scenario seconds run since `position()` gave `mark`; inf if any of it ran at 'max'."""
        runs, played, at_max = mark
        if at_max or self._max_runs > runs:
            return math.inf
        return self._played_now() - played

    def played_since(self, mark: ClockMark | None, longest_s: float) -> float:
        """Scenario seconds played since `mark` (a `position()`), at most `longest_s`, whole ms
        rounded down (so a window ending there is never past what played), at least 1 ms: how
        long something that went live at `mark` has recorded. At 'max' everything played at
        once: `longest_s`; no mark (never went live) is also `longest_s`.

            >>> ticks = [0.0]
            >>> clock = Clock(60.0, "wall", monotonic=lambda: ticks[0])
            >>> mark = clock.position(); ticks[0] = 0.5
            >>> clock.played_since(mark, 300.0), clock.played_since(mark, 20.0)
            (30.0, 20.0)
        """
        if mark is None:
            return longest_s
        played = min(longest_s, self.elapsed_since(mark))
        return max(0.001, math.floor(played * 1000 + 1e-6) / 1000)

    def _played_now(self) -> float:
        if math.isinf(self.speed):
            return self._played
        return self._played + (self._monotonic() - self._since) * self.speed

    def epoch_for(self, offset_s: float) -> datetime:
        """Time zero of a session timeline whose point `offset_s` is now (EPOCH on the scenario clock)."""
        if self.mode == "scenario":
            return EPOCH
        now = self._now() - timedelta(seconds=offset_s)
        return now.replace(microsecond=now.microsecond // 1000 * 1000)  # whole ms, as frames carry

    def live_origin_s(self) -> float:
        """Epoch seconds of scenario time 0 for a stream that goes live now (a connected rtstream)."""
        return ORIGIN_MS / 1000 if self.mode == "scenario" else self.epoch_for(0.0).timestamp()

    def step_after(self, epoch: datetime, at_s: float, scenario_s: float) -> float:
        """Seconds from timeline point `at_s` to a lifecycle step made now: `scenario_s` on the
        scenario clock; on the wall clock, up to now in whole ms (never backwards)."""
        if self.mode == "scenario":
            return scenario_s
        return max(0.0, math.floor(((self._now() - epoch).total_seconds() - at_s) * 1000) / 1000)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._wall(), UTC)

    def set(self, speed: float) -> None:
        self._played = self._played_now()
        self._since = self._monotonic()
        self._max_runs += math.isinf(speed) and not math.isinf(self.speed)
        self.speed = speed
        self._changed.set()
        self._changed = asyncio.Event()

    async def sleep(self, seconds: float) -> bool:
        """Sleep `seconds` of wall time; True if the speed changed meanwhile (sleep cut short)."""
        changed = self._changed
        try:
            await asyncio.wait_for(changed.wait(), seconds)
        except TimeoutError:
            return False
        return True


class Pacer:
    """Waits until scenario time `at` on the wall clock, at the clock's current speed.

    A speed change takes effect at once, even for a pipeline asleep before its next step.
    At infinite speed it never sleeps but yields to the event loop every few hundred steps so
    HTTP requests are still answered.
    """

    def __init__(self, clock: Clock, start_at: float = 0.0) -> None:
        self._clock = clock
        self._anchor: tuple[float, float, float] | None = None  # (wall, scenario time, speed)
        self._last_at = start_at
        self._count = 0

    async def until(self, at: float) -> None:
        while True:
            speed = self._clock.speed
            if math.isinf(speed):
                self._anchor = None
                self._last_at = at
                self._count += 1
                if self._count % 256 == 0:
                    await asyncio.sleep(0)
                return
            now = asyncio.get_running_loop().time()
            if self._anchor is None or self._anchor[2] != speed:
                self._anchor = (now, self._reached(now, at), speed)
            wall0, at0, _ = self._anchor
            delay = wall0 + (at - at0) / speed - now
            if delay <= 0 or not await self._clock.sleep(delay):
                self._last_at = at
                return

    def _reached(self, now: float, at: float) -> float:
        """Scenario time reached by now at the previous speed (never past the next step)."""
        if self._anchor is None or math.isinf(self._anchor[2]):
            return self._last_at
        wall0, at0, speed = self._anchor
        return min(at, at0 + (now - wall0) * speed)
