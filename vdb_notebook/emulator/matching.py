"""Offline alerts: an event prompt fires on the scenario moments it is about.

The candidates are a track's moments (the lines said on it, or the screen descriptions shown on
it). A scenario's `alerts` entries are notes on what happens at a moment, in the words a
detector would use ("A participant reads out a full payment card number"); a note adds its text
and its label's words to the moments it overlaps, and becomes the explanation sent with the
alert. BM25 (relevance.py) ranks the moments against the prompt; a moment fires when it scores
at least a quarter of the best and contains at least a quarter of the prompt (idf-weighted). The
confidence grows with that share: 0.5 + share / 2, at most 0.99.

    >>> sc = Scenario.load("standup")
    >>> found = matches(sc, "system_audio", "card numbers read aloud")
    >>> [(m.start, m.confidence, m.explanation[:40]) for m in found]
    [(95.0, 0.83, 'A participant reads out card details: a ')]
    >>> matches(sc, "system_audio", "Someone mentions lunch")
    []
"""
from __future__ import annotations

from typing import Any, NamedTuple

from .moments import SHOWN, SPOKEN, Moment, base
from .relevance import Index
from .scenario import Scenario

#: a moment fires if its score is at least this share of the best moment's ...
RELATIVE_SCORE = 0.25
#: ... and it holds at least this share of the prompt (idf-weighted terms)
MIN_COVERAGE = 0.25


class Match(NamedTuple):
    """A moment an event prompt fires on (scenario seconds, in the scenario's first repeat)."""

    start: float
    end: float
    confidence: float
    explanation: str
    score: float


def matches(scenario: Scenario, track: str, prompt: str) -> list[Match]:
    """The moments of `track` that `prompt` fires on, in time order."""
    moments = base(scenario, track, SPOKEN) + base(scenario, track, SHOWN)
    if not moments or not prompt.strip():
        return []
    notes = [[n for n in scenario.alerts if n.get("track") == track
              and n["t"] < m.end and n["t"] + n["dur"] > m.start] for m in moments]
    index = Index([_searchable(m, ns) for m, ns in zip(moments, notes, strict=True)])
    ranked = index.rank(prompt)
    if not ranked:
        return []
    best = ranked[0][1]
    found = []
    for i, score in ranked:
        share = index.coverage(prompt, i)
        if score >= RELATIVE_SCORE * best and share >= MIN_COVERAGE:
            m = moments[i]
            explanation = " ".join(n["text"] for n in notes[i]) or m.text
            found.append(Match(m.start, m.end, round(min(0.99, 0.5 + share / 2), 2), explanation, score))
    return sorted(found)


def alert_cues(scenario: Scenario, track: str, prompt: str, label: str) -> list[dict[str, Any]]:
    """The alert cues for `Scenario.steps(track, "alert", cues=...)`: in a recording (recorded.py)
    that holds alerts labelled `label` on this track, those, as they fired; else the matches."""
    recorded = [n for n in scenario.alerts if n.get("recorded") and n.get("track") == track
                and str(n.get("label", "")).lower() == label.lower()]
    if recorded:
        return [{"t": n["t"], "dur": n["dur"], "text": n["text"], "label": label,
                 "confidence": n["confidence"]} for n in recorded]
    return [{"t": m.start, "dur": m.end - m.start, "text": m.explanation, "label": label,
             "confidence": m.confidence} for m in matches(scenario, track, prompt)]


def _searchable(moment: Moment, notes: list[dict[str, Any]]) -> str:
    words = [moment.text.replace("{n}", "")]
    words += [f"{n['text'].replace('{n}', '')} {n.get('label', '').replace('_', ' ')}" for n in notes]
    return " ".join(words)


__all__ = ["MIN_COVERAGE", "RELATIVE_SCORE", "Match", "alert_cues", "matches"]
