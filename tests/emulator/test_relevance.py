"""relevance.rank: BM25 over the texts, best first, only texts that match, scores in (0, 1)."""
from __future__ import annotations

from vdb_notebook.emulator.relevance import rank

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
