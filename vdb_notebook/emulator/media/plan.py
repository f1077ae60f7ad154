"""What each segment of an rtstream window shows and says, from the emulator's scenario.

The screen rtstream shows the screen's descriptions with captions of everyone's speech (as an
exported recording has them); an audio rtstream shows the line being said on its own track.
A `WindowPlan` works out one segment when asked (`plan.segment(n)`): its cost does not grow
with the window, and `plans` keeps recent plans (and their playlists) for the next request.

    >>> from vdb_notebook.emulator.scenario import Scenario, ORIGIN_MS
    >>> sc = Scenario.load("standup")
    >>> segs = window_segments(sc, "display:1", "display", "video",
    ...                        ORIGIN_MS + 94_000, ORIGIN_MS + 102_000, origin_ms=ORIGIN_MS)
    >>> [(s.start, s.end, s.offset) for s in segs]
    [(94.0, 98.0, 0.0), (98.0, 102.0, 4.0)]
    >>> segs[0].slides[0][2][:23], [line[3] for line in segs[0].lines]
    ('Support ticket ESC-1193', ['system_audio'])
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from ..moments import SHOWN, SPOKEN, window
from ..scenario import Scenario
from .hls import bounds, count
from .synth import Segment


@dataclass(frozen=True, eq=False)
class Source:
    """What an rtstream plays: its scenario tracks, title, and scenario time 0 (epoch ms).

    `audio_track`: the sound of a video stream that carries its own (coll.connect_rtstream);
    a capture's screen has none, so its clips caption everyone, as its exported video does.
    """

    scenario: Scenario
    title: str
    track: str
    media_type: str
    origin_ms: int
    audio_track: str | None = None

    def key(self) -> tuple[object, ...]:
        return (id(self.scenario), self.title, self.track, self.media_type, self.origin_ms, self.audio_track)

    def spoken(self) -> list[str]:
        if self.media_type == "audio":
            return [self.track]
        return [self.audio_track] if self.audio_track else _tracks_with(self.scenario, SPOKEN)

    def shown(self) -> list[str]:
        """The video track's own visual cues: a camera never draws another camera's."""
        if self.media_type == "audio" or not self.scenario.tracks.get(self.track, {}).get(SHOWN):
            return []
        return [self.track]


class WindowPlan:
    """The segments of the window [start_us, end_us) (epoch µs) of a `Source`."""

    def __init__(self, source: Source, start_us: int, end_us: int) -> None:
        self.source = source
        self.start = (start_us / 1000 - source.origin_ms) / 1000  # scenario seconds
        self.duration = (end_us - start_us) / 1e6
        self.count = count(self.duration)
        self._spoken, self._shown = source.spoken(), source.shown()
        self._playlist: str | None = None

    def segment(self, n: int) -> Segment:
        """Segment `n` (0 <= n < count): what it shows and says."""
        a, b = bounds(self.duration, n)
        lo, hi, scenario = self.start + a, self.start + b, self.source.scenario
        slides = tuple((m.start, m.end, m.text) for t in self._shown for m in window(scenario, t, SHOWN, lo, hi))
        # who spoke: the scenario's speaker if it names one, else the stream it came in on
        lines = tuple(sorted((m.start, m.end, m.text, m.speaker or m.track) for t in self._spoken
                             for m in window(scenario, t, SPOKEN, lo, hi)))
        return Segment(self.source.title, lo, hi, offset=a, origin_ms=self.source.origin_ms,
                       slides=slides, lines=lines, spoken_slides=self.source.media_type == "audio")

    def playlist(self, build: Callable[[WindowPlan], str]) -> str:
        """The playlist `build(self)` makes, made once."""
        if self._playlist is None:
            self._playlist = build(self)
        return self._playlist


class PlanCache:
    """The most recent plans by (source, window); thread-safe. The plan keeps its scenario
    alive, so an id() in the key cannot be reused while it is cached."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._plans: OrderedDict[tuple[object, ...], WindowPlan] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, source: Source, start_us: int, end_us: int) -> WindowPlan:
        key = (*source.key(), start_us, end_us)
        with self._lock:
            plan = self._plans.get(key)
            if plan is not None and plan.source.scenario is source.scenario:
                self._plans.move_to_end(key)
                return plan
        plan = WindowPlan(source, start_us, end_us)
        with self._lock:
            self._plans[key] = plan
            while len(self._plans) > self.size:
                self._plans.popitem(last=False)
        return plan


plans = PlanCache()


def window_segments(scenario: Scenario, title: str, track: str, media_type: str,
                    start_ms: float, end_ms: float, origin_ms: int,
                    audio_track: str | None = None) -> list[Segment]:
    """Every segment of the window [start_ms, end_ms) (epoch ms) of an rtstream on `track`."""
    source = Source(scenario, title, track, media_type, origin_ms, audio_track)
    plan = WindowPlan(source, round(start_ms * 1000), round(end_ms * 1000))
    return [plan.segment(n) for n in range(plan.count)]


def _tracks_with(scenario: Scenario, kind: str) -> list[str]:
    return sorted(name for name, kinds in scenario.tracks.items() if kinds.get(kind))


__all__ = ["PlanCache", "Source", "WindowPlan", "plans", "window_segments"]
