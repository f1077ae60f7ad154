"""How well texts match a query: BM25 (bm25s), the one place the emulator ranks text.

    >>> rank("invoice ticket", ["the duplicate invoice ticket", "we ship on Thursday", "an invoice"])
    [(0, 0.34), (2, 0.2)]
"""
from __future__ import annotations

from typing import Sequence

import bm25s


def rank(query: str, texts: Sequence[str]) -> list[tuple[int, float]]:
    """(index into texts, score in (0, 1)), best first, for the texts that match at all."""
    if not texts:
        return []
    words = bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)[0]
    corpus = bm25s.tokenize(list(texts), stopwords="en", show_progress=False)
    if not words or not corpus.vocab:
        return []
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    known = [w for w in words if w in corpus.vocab]
    if not known:
        return []
    scores = retriever.get_scores(known)
    found = [(i, round(float(s) / (float(s) + 1), 2)) for i, s in enumerate(scores) if s > 0]
    return sorted(found, key=lambda hit: (-hit[1], hit[0]))
