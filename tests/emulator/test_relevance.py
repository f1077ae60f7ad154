"""relevance.rank over the standup scenario's own texts: the moment a query is about comes first."""
from __future__ import annotations

import pytest

from vdb_notebook.emulator.relevance import Index, coverage, rank, tokens
from vdb_notebook.emulator.scenario import Scenario

STANDUP = Scenario.load("standup")


def scenario_texts() -> list[str]:
    """Every line, summary and screen description of the standup, in file order."""
    return [cue["text"] for track in STANDUP.tracks.values() for cues in track.values() for cue in cues]


@pytest.mark.parametrize("query, expected", [
    ("card number read out", "card number"),
    ("feature flags config file", "config/flags.yaml"),
    ("who owns the rollback plan", "rollback plan"),
    ("Jira board sprint", "Jira board"),
    ("latency chart on the slides", "latency chart"),
    ("Android build signed off by QA", "signed off"),
])
def test_the_matching_moment_ranks_first(query: str, expected: str) -> None:
    texts = scenario_texts()
    hits = rank(query, texts)
    assert hits, f"nothing matched {query!r}"
    best = texts[hits[0][0]]
    assert expected.lower() in best.lower(), (query, best)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_stemming_and_stop_words() -> None:
    assert tokens("The decisions") == tokens("decision")
    assert tokens("and the of a") == []
    assert rank("decisions", ["we decided nothing", "two decisions were made"])[0][0] == 1


def test_no_match_is_empty_and_ties_keep_order() -> None:
    assert rank("lunch", scenario_texts()) == []
    assert rank("", ["anything"]) == []
    assert [i for i, _ in rank("ship", ["ship it", "ship it", "ship it"])] == [0, 1, 2]


def test_deterministic_and_reused() -> None:
    texts = scenario_texts()
    assert rank("duplicate invoice", texts) == rank("duplicate invoice", list(texts))
    assert rank("duplicate invoice", texts, top_k=2) == rank("duplicate invoice", texts)[:2]


def test_coverage_is_the_share_of_the_query_found() -> None:
    assert coverage("card number", "the card number") == pytest.approx(1.0)
    assert coverage("card number", "ship on Thursday") == 0.0
    index = Index(["card", "number", "card number"])
    assert 0 < index.coverage("card number", 0) < index.coverage("card number", 2)


def test_bad_query_says_what_to_pass() -> None:
    with pytest.raises(TypeError, match="query must be a string"):
        rank(None, ["x"])  # type: ignore[arg-type]

LINES = ["Okay, so BILL-482 is the duplicate invoice ticket. It's still in review.",
         "So the plan is: we'll ship on Thursday, web and Android.",
         "The card number is 4111 1111 1111 1111, expiry 09/27.",
         "Then let's split it out. The invoice fix goes in 2.4.1."]


def test_best_match_first_and_only_matches():
    hits = rank("duplicate invoice", LINES)
    assert [i for i, _ in hits] == [0, 3]
    assert all(0 < score < 1 for _, score in hits) and hits[0][1] > hits[1][1]


def test_case_and_punctuation_do_not_matter():
    assert rank("CARD NUMBER?", LINES)[0][0] == 2


def test_nothing_matches_nothing():
    assert rank("lunch", LINES) == []
    assert rank("the", LINES) == []  # stopwords alone match nothing
    assert rank("invoice", []) == []
