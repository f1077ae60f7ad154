"""Offline alerts fire on what their prompt asks for (text relevance), not on a label."""
from __future__ import annotations

import pytest

from vdb_notebook.emulator.matching import MIN_COVERAGE, alert_cues, matches
from vdb_notebook.emulator.scenario import Scenario

STANDUP = Scenario.load("standup")
CARD = "Someone reads out a password or a payment card number"
DECISION = "A decision is made or a task gets an owner and a deadline"


@pytest.mark.parametrize("track, prompt, starts", [
    ("system_audio", CARD, [95.0]),                   # Sofia reads the card number out
    ("display", CARD, [90.0]),                        # the ticket with the card number on screen
    ("mic", DECISION, [31.5, 72.5, 144.5]),           # the owner/deadline, scope and release decisions
    ("system_audio", "card numbers read aloud", [95.0]),
    ("display", "the feature flags file in VS Code", [158.0, 174.0]),  # the file, then the VS Code terminal
])
def test_a_prompt_fires_on_the_moments_it_is_about(track: str, prompt: str, starts: list[float]) -> None:
    assert [m.start for m in matches(STANDUP, track, prompt)] == starts


@pytest.mark.parametrize("prompt", ["Someone mentions lunch", "Someone is late", "   "])
def test_a_prompt_about_nothing_in_the_scenario_fires_nowhere(prompt: str) -> None:
    assert all(matches(STANDUP, track, prompt) == [] for track in ("mic", "system_audio", "display"))


def test_confidence_comes_from_the_match() -> None:
    precise = matches(STANDUP, "system_audio", "payment card number read out")[0]
    vague = matches(STANDUP, "system_audio", "someone reads a payment card number to the team")[0]
    assert precise.start == vague.start == 95.0
    assert 0.5 + MIN_COVERAGE / 2 <= vague.confidence < precise.confidence <= 0.99


def test_the_label_is_the_alerts_own_and_the_note_explains() -> None:
    (cue,) = alert_cues(STANDUP, "system_audio", CARD, label="pii")
    assert cue["label"] == "pii" and cue["t"] == 95.0 and cue["dur"] == 7.0
    assert "payment card number" in cue["text"]       # the scenario's note on that moment


def test_repeated_scenarios_fire_in_every_repeat() -> None:
    burst = Scenario.load("burst")
    cues = alert_cues(burst, "system_audio", "a ship decision", label="decision")
    assert [(c["t"], c["text"]) for c in cues] == [(1.2, "Block {n}: ship decision")]
    steps = burst.steps("system_audio", "alert", rtstream_id="r", rtstream_name="n", cues=cues)
    first_two = [next(steps).frame["data"]["text"] for _ in range(2)]
    assert first_two == ["Block 0: ship decision", "Block 1: ship decision"]


def test_deterministic() -> None:
    assert matches(STANDUP, "mic", DECISION) == matches(Scenario.load("standup"), "mic", DECISION)
