"""Text relevance for the emulator: which records (or scenario moments) a query is about.

BM25 (the bm25s library) over words lowercased, stripped of English stop words and stemmed
with the Snowball stemmer (PyStemmer), so "decisions" finds "decision" and "card numbers" finds
"card number". Deterministic: equal scores keep the texts' order.

    >>> hits = rank("card number", ["Ship on Thursday", "She reads out the card numbers", "A card game"])
    >>> [(i, round(score, 2)) for i, score in hits]
    [(1, 0.31), (2, 0.18)]
    >>> rank("lunch", ["Ship on Thursday"])
    []
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

#: a version number ("2.4.1") stays one word; other punctuation splits ("flags.yaml", "BILL-482")
_WORD = re.compile(r"\d+(?:\.\d+)+|[a-z0-9]+(?:'[a-z]+)?")
_STOP = frozenset(STOPWORDS_EN) | {"s", "t", "n"}
_stemmer = Stemmer.Stemmer("english")


def tokens(text: str) -> list[str]:
    """The terms BM25 sees: lowercased words, stop words dropped, stemmed.

    >>> tokens("Sofia reads out the customer's card numbers in config/flags.yaml for 2.4.1")
    ['sofia', 'read', 'out', 'custom', 'card', 'number', 'config', 'flag', 'yaml', '2.4.1']
    """
    words = [w.replace("'s", "").replace("'", "") for w in _WORD.findall(text.lower())]
    stems: list[str] = _stemmer.stemWords([w for w in words if w and w not in _STOP])  # untyped PyStemmer
    return stems


class Index:
    """A BM25 index over `texts` (built once; query it many times).

    >>> index = Index(["the rollback plan", "ship on Thursday"])
    >>> [(i, round(score, 2)) for i, score in index.rank("rollback plan")]
    [(0, 0.55)]
    >>> round(index.coverage("rollback plan by Wednesday", 0), 2)
    0.44
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self.docs = [tokens(t) for t in texts]
        self._bm25 = bm25s.BM25()
        if self.docs:
            # bm25s needs one non-empty document to build a vocabulary; "" is its empty token
            self._bm25.index([d or [""] for d in self.docs], show_progress=False)
        counts = Counter(term for doc in self.docs for term in set(doc))
        n = len(self.docs)
        # Lucene's idf, as bm25s uses: positive even for a term every text has
        self._idf = {term: math.log(1 + (n - df + 0.5) / (df + 0.5)) for term, df in counts.items()}
        self._unseen_idf = math.log(1 + (n + 0.5) / 0.5)

    def __len__(self) -> int:
        return len(self.docs)

    def scores(self, query: str) -> np.ndarray:
        """The BM25 score of every text for `query` (zeros when no term of it occurs)."""
        terms = [t for t in tokens(query) if t in self._idf]
        if not terms:
            return np.zeros(len(self.docs), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)

    def rank(self, query: str, top_k: int | None = None) -> list[tuple[int, float]]:
        """(index into texts, score) best first, score > 0 only; ties keep the texts' order."""
        scores = self.scores(query)
        hits = np.flatnonzero(scores > 0)
        order = hits[np.lexsort((hits, -scores[hits]))]  # by score descending, then index
        if top_k is not None:
            order = order[:top_k]
        return [(int(i), float(scores[i])) for i in order]

    def coverage(self, query: str, i: int) -> float:
        """How much of `query` text `i` contains: the idf-weighted share of the query's terms
        found in it (a term no text has weighs as the rarest), from 0.0 to 1.0."""
        wanted = set(tokens(query))
        if not wanted:
            return 0.0
        weight = {t: self._idf.get(t, self._unseen_idf) for t in wanted}
        found = wanted & set(self.docs[i])
        return sum(weight[t] for t in found) / sum(weight.values())


@lru_cache(maxsize=32)
def _index(texts: tuple[str, ...]) -> Index:
    return Index(texts)


def rank(query: str, texts: Sequence[str], top_k: int | None = None) -> list[tuple[int, float]]:
    """Indices into `texts` that match `query`, best first, with a score in (0, 1): the BM25
    score s as s / (s + 1), rounded to 4 places (what search answers carry as `score`).

    The index over the same texts is reused, so repeated searches over what an rtstream has
    emitted so far cost one tokenisation of the query.
    """
    if not isinstance(query, str):
        raise TypeError(f"query must be a string, not {type(query).__name__}")
    return [(i, round(score / (score + 1), 4)) for i, score in _index(tuple(texts)).rank(query, top_k)]


def coverage(query: str, text: str) -> float:
    """The share of `query`'s terms (by weight) that `text` contains, 0.0 to 1.0."""
    return Index([text]).coverage(query, 0)


__all__ = ["Index", "coverage", "rank", "tokens"]
