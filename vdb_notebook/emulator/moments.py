"""What a scenario says happens when: its lines and screen descriptions as timed moments.

The media synthesiser draws them (what was on screen and said in a window) and alert matching
ranks them against an event prompt. Times are scenario seconds after the session went active;
a repeated scenario (`repeat`, `period_s`) repeats its moments, `{n}` numbering each repeat.

    >>> sc = Scenario.load("standup")
    >>> [m.text[:23] for m in window(sc, "display", "visual_index", 95.0, 110.0)]
    ['Support ticket ESC-1193', 'Support ticket ESC-1193']
    >>> said = window(sc, "mic", "transcript", 100.0, 110.0)
    >>> said[0].track, said[0].start, said[0].text[:22]
    ('mic', 102.5, 'Sofia, stop there, ple')
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from typing import NamedTuple

from .scenario import Scenario

#: which tracks say something (transcript) and which show something (visual_index)
SPOKEN, SHOWN = "transcript", "visual_index"


class Moment(NamedTuple):
    """One cue of a scenario track: `start`/`end` in scenario seconds, its text, who spoke."""

    start: float
    end: float
    text: str
    track: str
    kind: str        # transcript, audio_index, visual_index
    speaker: str | None = None
    repeat: int = 0  # which repeat of the scenario (0 for a scenario played once)


def base(scenario: Scenario, track: str, kind: str) -> list[Moment]:
    """The moments of one repeat, `{n}` unreplaced, in time order."""
    cues = scenario.tracks.get(track, {}).get(kind, [])
    moments = [Moment(float(c["t"]), float(c["t"]) + float(c["dur"]), c["text"], track, kind,
                      c.get("speaker")) for c in cues]
    return sorted(moments, key=lambda m: (m.start, m.end))


def window(scenario: Scenario, track: str, kind: str, start: float, end: float) -> list[Moment]:
    """The moments of `track`/`kind` overlapping [start, end) (scenario seconds), in time order."""
    cues = base(scenario, track, kind)
    if not cues or end <= start:
        return []
    found = []
    for n in _repeats(scenario, start - max(m.end for m in cues), end):
        shift = n * scenario.period_s
        for m in cues:
            if m.start + shift < end and m.end + shift > start:
                found.append(Moment(m.start + shift, m.end + shift, m.text.replace("{n}", str(n)),
                                    track, kind, m.speaker, n))
    return sorted(found, key=lambda m: (m.start, m.end))


def at(scenario: Scenario, track: str, kind: str, when: float) -> Moment | None:
    """The moment showing (or being said) at `when`, the latest to start if several overlap."""
    current = window(scenario, track, kind, when, when + 1e-6)
    return current[-1] if current else None


def _repeats(scenario: Scenario, start: float, end: float) -> Iterator[int]:
    """The repeat numbers whose period can overlap [start, end)."""
    period = scenario.period_s or scenario.duration_s or 1.0
    first = max(0, math.floor(start / period))
    last = min(scenario.repeat - 1, math.floor(end / period))
    return iter(range(first, last + 1))


__all__ = ["SHOWN", "SPOKEN", "Moment", "at", "base", "window"]
