"""Title relevance the way a search engine ranks it: BM25 over word tokens, deliberately imperfect.

Near-duplicate titles, decoys sharing words and a preprint and its published version all come back
as candidates, ranked by score; telling them apart is the caller's job (as with the real APIs).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "via",
        "using",
        "towards",
        "toward",
    ]
)


def tokens(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return [t for t in _WORD.findall(folded) if t not in STOPWORDS]


class Index(Generic[T]):
    """A tiny BM25 index over one text per item."""

    def __init__(
        self, items: Sequence[T], text_of: Callable[[T], str], *, k1: float = 1.2, b: float = 0.75
    ) -> None:
        self.items = list(items)
        token_lists = [tokens(text_of(item)) for item in self.items]
        self.docs = [Counter(t) for t in token_lists]
        self.joined = [" " + " ".join(t) + " " for t in token_lists]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avg = (sum(self.lengths) / len(self.lengths)) if self.lengths else 1.0
        df: Counter[str] = Counter()
        for d in self.docs:
            df.update(d.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self.k1 = k1
        self.b = b

    def search(self, query: str, *, min_score: float = 0.0) -> list[tuple[T, float]]:
        """Items with a positive score, best first (ties keep catalog order).

        A document holding the whole query as a phrase gets a bonus (engines boost phrase matches),
        so an exact title usually, not always, beats a shorter decoy sharing most of its words.
        """
        q = tokens(query)
        if not q:
            return []
        phrase = " " + " ".join(q) + " " if len(q) > 1 else None
        scored: list[tuple[int, float]] = []
        for i, doc in enumerate(self.docs):
            score = 0.0
            norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avg)
            for term in q:
                tf = doc.get(term, 0)
                if tf:
                    score += self.idf[term] * tf * (self.k1 + 1) / (tf + norm)
            if phrase is not None and phrase in self.joined[i]:
                score *= 1.5
            if score > min_score:
                scored.append((i, score))
        scored.sort(key=lambda pair: (-pair[1], pair[0]))
        return [(self.items[i], s) for i, s in scored]


def coverage(query: str, text: str) -> float:
    """Share of the query's tokens present in ``text`` (for match endpoints' thresholds)."""
    q = tokens(query)
    if not q:
        return 0.0
    have = set(tokens(text))
    return sum(1 for t in q if t in have) / len(q)
