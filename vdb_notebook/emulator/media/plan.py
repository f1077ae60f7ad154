"""What each segment of an rtstream window shows and says, from the emulator's scenario.

The screen rtstream shows the screen's descriptions with captions of everyone's speech (as an
exported recording has them); an audio rtstream shows the line being said on its own track.

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

from ..moments import SHOWN, SPOKEN, window
from ..scenario import Scenario
from .hls import split
from .synth import Segment


def window_segments(scenario: Scenario, title: str, track: str, media_type: str,
                    start_ms: float, end_ms: float, origin_ms: int,
                    audio_track: str | None = None) -> list[Segment]:
    """The segments of the window [start_ms, end_ms) (epoch ms) of an rtstream on `track`.

    `origin_ms`: the epoch ms of scenario time 0 (the moment the session went active).
    `audio_track`: the sound of a video stream that carries its own (coll.connect_rtstream);
    a capture's screen has none, so its clips caption everyone, as its exported video does.
    """
    start = (start_ms - origin_ms) / 1000
    duration = (end_ms - start_ms) / 1000
    if media_type == "audio":
        spoken = [track]
    else:
        spoken = [audio_track] if audio_track else _tracks_with(scenario, SPOKEN)
    shown = [] if media_type == "audio" else _tracks_with(scenario, SHOWN)
    found = []
    for a, b in split(duration):
        lo, hi = start + a, start + b
        slides = tuple((m.start, m.end, m.text) for t in shown for m in window(scenario, t, SHOWN, lo, hi))
        # who spoke: the scenario's speaker if it names one, else the stream it came in on
        lines = tuple(sorted((m.start, m.end, m.text, m.speaker or m.track) for t in spoken
                             for m in window(scenario, t, SPOKEN, lo, hi)))
        found.append(Segment(title, lo, hi, offset=a, origin_ms=origin_ms, slides=slides,
                             lines=lines, spoken_slides=media_type == "audio"))
    return found


def _tracks_with(scenario: Scenario, kind: str) -> list[str]:
    return sorted(name for name, kinds in scenario.tracks.items() if kinds.get(kind))


__all__ = ["window_segments"]
