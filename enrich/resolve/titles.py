"""Title comparison for the matcher (:mod:`enrich.resolve.match`) and link verification. Pure.

The title evidence of the match score, in log-odds: both titles lose markup (``<i>``, JATS tags),
are normalised (:func:`enrich.ids.normalize_title`) and aligned word by word. Words that only differ by a typo
(edit similarity >= 75 %, both at least 4 letters, not numbers) count as aligned at a small cost.
Every *content* word left unaligned on either side costs ``UNMATCHED_WORD`` (so "... for
Medicine" vs "... for Law", or "GPT-3" vs "GPT-4", fails however close the strings are); an
unaligned stop word costs less. A query that is the candidate's main title with the subtitle left
off costs ``SUBTITLE_DROPPED`` instead of one penalty per word (lists abbreviate); a candidate
lacking the query's subtitle costs ``SUBTITLE_UNMATCHED`` (more likely another work); either way a
shared main title under ``MIN_MAIN_TITLE_WORDS`` content words costs ``SHORT_MAIN_TITLE`` more:
"BERT" alone is weak evidence for "BERT: Pre-training of ...". Short titles pay ``SHORT_TITLE``:
generic titles such as "Deep Learning" need year or author support.

:func:`titles_agree` tells whether an entry's texts name a work at all (link verification).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from enrich.ids import normalize_title
from enrich.markup import strip_tags

# --- weights (log-odds) -----------------------------------------------------------------------
TITLE_EXACT = 7.0  # every word aligned, no typos
TYPO_WORD = -0.7  # per aligned word that needed a typo match
UNMATCHED_WORD = -4.5  # per content word present on one side only
UNMATCHED_STOPWORD = -1.2
SUBTITLE_DROPPED = -1.5  # the query lacks the candidate's subtitle (lists abbreviate), main titles equal
SUBTITLE_UNMATCHED = -4.0  # the candidate lacks the query's subtitle: more likely another work
MIN_MAIN_TITLE_WORDS = 3
SHORT_MAIN_TITLE = -4.0  # the shared main title has fewer content words: needs year and author
SHORT_TITLE = {1: -4.5, 2: -3.5, 3: -1.5}  # by number of content words in the (shorter) title

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "for",
        "and",
        "or",
        "in",
        "on",
        "to",
        "with",
        "via",
        "by",
        "from",
        "at",
        "is",
        "are",
        "as",
        "its",
        "into",
        "using",
        "towards",
        "toward",
        "vs",
        "versus",
        "be",
        "we",
        "do",
        "does",
        "can",
        "how",
        "what",
        "when",
        "why",
        "which",
    ]
)
TYPO_MIN_LEN = 4
TYPO_MIN_RATIO = 75.0
_SUBTITLE_SPLIT = re.compile(r"\s*(?::|\s[-\u2013\u2014]\s|\?\s)\s*")


@dataclass(frozen=True, slots=True)
class TitleComparison:
    similarity: float  # rapidfuzz ratio of the normalised titles, 0..1
    logit: float
    content_words: int
    unmatched: tuple[str, ...]  # words (either side) left unaligned
    typos: int
    subtitle_dropped: bool


def _strip_markup(title: str) -> str:
    """Drop HTML/JATS tags (Crossref titles carry ``<i>``, ``<sub>``, ``<scp>``) and collapse spaces
    (:func:`enrich.markup.strip_tags`: ``H<sub>2</sub>O`` compares as ``H2O``, entities are kept)."""
    return strip_tags(title, tags="html", gap="", unescape=False)


def _split_subtitle(raw: str) -> tuple[str, str] | None:
    parts = _SUBTITLE_SPLIT.split(raw.strip(), maxsplit=1)
    if len(parts) == 2 and parts[0] and parts[1]:
        return parts[0], parts[1]
    return None


def _align(q_words: list[str], c_words: list[str]) -> tuple[list[str], list[str], int]:
    """Align words exactly, then by typo similarity. Returns (unmatched_q, unmatched_c, typos)."""
    rest_c = list(c_words)
    rest_q: list[str] = []
    for w in q_words:
        if w in rest_c:
            rest_c.remove(w)
        else:
            rest_q.append(w)
    unmatched_q: list[str] = []
    typos = 0
    for w in rest_q:
        best_i, best = -1, 0.0
        if len(w) >= TYPO_MIN_LEN and not w.isdigit():
            for i, c in enumerate(rest_c):
                if len(c) >= TYPO_MIN_LEN and not c.isdigit():
                    r = fuzz.ratio(w, c)
                    if r > best:
                        best_i, best = i, r
        if best_i >= 0 and best >= TYPO_MIN_RATIO:
            rest_c.pop(best_i)
            typos += 1
        else:
            unmatched_q.append(w)
    return unmatched_q, rest_c, typos


def _unmatched_cost(words: Iterable[str]) -> float:
    return sum(UNMATCHED_STOPWORD if w in STOPWORDS else UNMATCHED_WORD for w in words)


def _content(words: Iterable[str]) -> int:
    return sum(1 for w in words if w not in STOPWORDS)


def compare_titles(query: str, candidate: str) -> TitleComparison:
    """Compare two raw titles (see the module docstring for the rules)."""
    query, candidate = _strip_markup(query), _strip_markup(candidate)
    nq, nc = normalize_title(query), normalize_title(candidate)
    qw, cw = nq.split(), nc.split()
    similarity = fuzz.ratio(nq, nc) / 100.0
    un_q, un_c, typos = _align(qw, cw)
    content = min(_content(qw), _content(cw))
    logit = TITLE_EXACT + typos * TYPO_WORD + _unmatched_cost(un_q) + _unmatched_cost(un_c)
    subtitle_dropped = False
    # one side carries a subtitle the other lacks: judge the main titles instead
    for longer, shorter_words, sign in ((candidate, qw, 1), (query, cw, -1)):
        split = _split_subtitle(longer)
        if split is None or len(_split_subtitle_words(split[0])) == 0:
            continue
        main_words = _split_subtitle_words(split[0])
        mq, mc = (shorter_words, main_words) if sign == 1 else (main_words, shorter_words)
        m_un_q, m_un_c, m_typos = _align(mq, mc)
        if m_un_q or m_un_c:
            continue
        main_content = _content(main_words)
        alt = TITLE_EXACT + m_typos * TYPO_WORD + (SUBTITLE_DROPPED if sign == 1 else SUBTITLE_UNMATCHED)
        alt += SHORT_MAIN_TITLE if main_content < MIN_MAIN_TITLE_WORDS else 0.0
        if alt > logit:
            logit, subtitle_dropped, typos = alt, True, m_typos
            un_q, un_c = [], _split_subtitle_words(split[1])
            content = max(main_content, MIN_MAIN_TITLE_WORDS + 1)  # the short-title cost is in alt
    if not subtitle_dropped:
        logit += SHORT_TITLE.get(content, 0.0) if content > 0 else SHORT_TITLE[1]
    return TitleComparison(
        similarity=round(similarity, 4),
        logit=logit,
        content_words=content,
        unmatched=tuple(un_q) + tuple(un_c),
        typos=typos,
        subtitle_dropped=subtitle_dropped,
    )


# --- link verification ------------------------------------------------------------------------

UNRELATED_OVERLAP = 0.5  # below this share of the shorter title's content words aligned ...
MIN_CHECKED_WORDS = 4  # a text with fewer content words is a label ("Med-PaLM in Nature"), not a title
UNRELATED_SIMILARITY = 0.75  # ... and below this character similarity (long unrelated titles reach ~0.55)


def title_overlap(a: str, b: str) -> float:
    """Share (0..1) of the shorter title's content words aligned (exactly or as a typo) to the other."""
    aw = normalize_title(_strip_markup(a)).split()
    bw = normalize_title(_strip_markup(b)).split()
    content_a = [w for w in aw if w not in STOPWORDS]
    content_b = [w for w in bw if w not in STOPWORDS]
    if not content_a or not content_b:
        return 0.0
    short, other = (content_a, content_b) if len(content_a) <= len(content_b) else (content_b, content_a)
    unmatched, _, _ = _align(short, other)
    return 1.0 - len(unmatched) / len(short)


def titles_agree(texts: Sequence[str], candidate: str) -> bool | None:
    """Do an entry's texts (its title, its name) name the work titled ``candidate``?

    True when one of them is related: a preprint and its journal version, a title with its subtitle
    left off, or a short name that is the title's main part all are. False when none is related at
    all - fewer than ``UNRELATED_OVERLAP`` of the shorter side's content words align *and* a
    character similarity under ``UNRELATED_SIMILARITY`` (:func:`compare_titles`): the list links one
    paper under another paper's title. None when none is related but none is long enough to say so:
    only a text with at least ``MIN_CHECKED_WORDS`` content words is a title; link texts such as
    "MedQA", "Cureus" or "2304.01097" are labels, and a label proves nothing about its link.
    """
    if not normalize_title(candidate):
        return None
    titled = False
    for text in texts:
        words = normalize_title(text).split()
        if not words:
            continue
        if compare_titles(text, candidate).similarity >= UNRELATED_SIMILARITY:
            return True
        if title_overlap(text, candidate) >= UNRELATED_OVERLAP:
            return True
        titled = titled or _content(words) >= MIN_CHECKED_WORDS
    return False if titled else None


def _split_subtitle_words(text: str) -> list[str]:
    return normalize_title(text).split()
