"""Verify title-search candidates: a log-odds score, an accept threshold and an abstain band.

Pure functions only (no I/O). :func:`score_candidate` turns one candidate :class:`WorkRecord` into a
:class:`CandidateScore`; :func:`decide` picks among all candidates of one query.

The score is a logistic model over three pieces of evidence, each worth a number of log-odds:

* **title** - both titles lose markup (``<i>``, JATS tags), are normalised
  (:func:`enrich.ids.normalize_title`) and aligned word by word. Words that only differ by a typo
  (edit similarity >= 75 %, both at least 4 letters, not numbers) count as aligned at a small cost.
  Every *content* word left unaligned on either side costs ``UNMATCHED_WORD`` (so "... for
  Medicine" vs "... for Law", or "GPT-3" vs "GPT-4", fails however close the strings are); an
  unaligned stop word costs less. A query that is the candidate's main title with the subtitle left
  off costs ``SUBTITLE_DROPPED`` instead of one penalty per word (lists abbreviate); a candidate
  lacking the query's subtitle costs ``SUBTITLE_UNMATCHED`` (more likely another work); either way a
  shared main title under ``MIN_MAIN_TITLE_WORDS`` content words costs ``SHORT_MAIN_TITLE`` more:
  "BERT" alone is weak evidence for "BERT: Pre-training of ...". Short titles pay ``SHORT_TITLE``:
  generic titles such as "Deep Learning" need year or author support.
* **year** - equal: ``YEAR_EXACT``; one year apart (preprint vs publication): ``YEAR_NEAR``;
  further apart: ``YEAR_FAR`` (a strong penalty: errata, new editions, re-used titles). Unknown: 0.
* **first author** - surnames compared after normalisation (name order not trusted): agree
  ``AUTHOR_AGREES``; the query's first author elsewhere in the candidate's list ``AUTHOR_LISTED``;
  absent ``AUTHOR_DISAGREES``. Unknown: 0.

``score = 1 / (1 + exp(-(BIAS + title + year + author)))``. The weights were set by reasoning about
the cases above and checked on the development seed of ``benchmarks/eval_matching.py``;
``docs/resolution.md`` reports precision/recall on held-out seeds and how reliable the score is per bin.

Decision (:func:`decide`): candidates that are the same work (a shared identifier, or a preprint and
its published version: same title, first author and year +-1, no conflicting DOI/arXiv id) are
grouped. The best group is ACCEPTED when its score is >= ``ACCEPT`` and no other group that scores
>= ``ABSTAIN_LOW`` is within ``MARGIN`` log-odds of it; it is ABSTAINED when the best score falls in
the band ``[ABSTAIN_LOW, ACCEPT)`` or a second, different work is that close (an exact year against
a one-year-off twin is only ``YEAR_EXACT - YEAR_NEAR`` apart: the year alone never decides between
two same-titled works); below ``ABSTAIN_LOW`` the query is confidently unmatched. A wrong match is
worse than none, so ties abstain.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from enrich.ids import Ids, normalize_title
from enrich.markup import strip_tags
from enrich.records import FetchStatus, WorkRecord
from enrich.resolve.types import MatchEvidence, MatchMethod

# --- weights (log-odds) -----------------------------------------------------------------------
BIAS = -2.0
TITLE_EXACT = 7.0  # every word aligned, no typos
TYPO_WORD = -0.7  # per aligned word that needed a typo match
UNMATCHED_WORD = -4.5  # per content word present on one side only
UNMATCHED_STOPWORD = -1.2
SUBTITLE_DROPPED = -1.5  # the query lacks the candidate's subtitle (lists abbreviate), main titles equal
SUBTITLE_UNMATCHED = -4.0  # the candidate lacks the query's subtitle: more likely another work
MIN_MAIN_TITLE_WORDS = 3
SHORT_MAIN_TITLE = -4.0  # the shared main title has fewer content words: needs year and author
SHORT_TITLE = {1: -4.5, 2: -3.5, 3: -1.5}  # by number of content words in the (shorter) title
YEAR_EXACT = 1.5
YEAR_NEAR = 0.3
YEAR_FAR = -5.0
AUTHOR_AGREES = 1.5
AUTHOR_LISTED = 0.3
AUTHOR_DISAGREES = -3.0

# --- decision ---------------------------------------------------------------------------------
ACCEPT = 0.90
ABSTAIN_LOW = 0.50
MARGIN = 1.5  # a second, different work within this many log-odds of the best -> abstain

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
class TitleQuery:
    """One title-only work to resolve. ``work_key`` is the parse-time local key (result key)."""

    work_key: str
    title: str
    year: int | None = None
    first_author: str | None = None  # raw: "Jane Smith", "Smith, J." or a whole author string
    venue: str | None = None
    citation: str | None = None  # the whole reference string of a citation entry (bibliographic search)
    narrow: bool = False  # a dataset/model row citing its paper: the cheaper search (resolver.NARROW_STEPS)


@dataclass(frozen=True, slots=True)
class TitleMatch:
    """The decision for one :class:`TitleQuery`.

    ``evidence.method`` is TITLE (accepted: ``record``/``ids`` filled), ABSTAINED (too close to
    call; no remote data attached, ``evidence`` describes the best candidate) or LOCAL (no candidate
    came close: confidently unmatched).
    """

    work_key: str
    evidence: MatchEvidence
    record: WorkRecord | None = None
    ids: Ids = field(default_factory=Ids)
    complete: bool = True  # every source answered; an incomplete "none" is not cached

    @property
    def accepted(self) -> bool:
        return self.evidence.method is MatchMethod.TITLE


@dataclass(frozen=True, slots=True)
class TitleComparison:
    similarity: float  # rapidfuzz ratio of the normalised titles, 0..1
    logit: float
    content_words: int
    unmatched: tuple[str, ...]  # words (either side) left unaligned
    typos: int
    subtitle_dropped: bool


@dataclass(frozen=True, slots=True)
class CandidateScore:
    record: WorkRecord
    score: float
    title: TitleComparison
    year_agrees: bool | None
    first_author_agrees: bool | None


# --- helpers ----------------------------------------------------------------------------------


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _first_author_words(name: str) -> tuple[list[str], bool]:
    """Name words of the first author in a raw author string, and whether a comma followed them."""
    text = re.split(r"\bet\.? al\b|;|\band\b|&|\n", _fold(name))[0]
    parts = [p.strip() for p in text.split(",")]
    return re.findall(r"[^\W\d_][^\W\d_'\-]*", parts[0]), len(parts) > 1


def surname(name: str | None) -> str | None:
    """Best-effort surname from one author name or a whole raw author string.

    "Jane Q. Smith" -> "smith"; "Smith, J." -> "smith"; "J. Smith, A. Doe" -> "smith";
    "Smith J, Doe A" -> "smith"; "Smith et al." -> "smith". None when nothing name-like is left.
    """
    if not name:
        return None
    words, comma = _first_author_words(name)
    if not words:
        return None
    long_words = [w for w in words if len(w) > 1]
    if comma and len(words) == 1 and len(words[0]) > 1:
        return words[0]  # "Smith, J." (a lone initial, "A,", is no surname)
    if len(words) >= 2 and len(words[0]) > 1 and all(len(w) == 1 for w in words[1:]):
        return words[0]  # "Smith J"
    return long_words[-1] if long_words else None


def _name_words(name: str) -> set[str]:
    return {w for w in _first_author_words(name)[0] if len(w) > 1}


def _author_agreement(query_author: str | None, record: WorkRecord) -> bool | None:
    """Do the first authors agree? Name order is not trusted (\"Zhang San\" vs \"San Zhang\")."""
    wanted = surname(query_author)
    if query_author is None or wanted is None or not record.authors:
        return None
    first = record.authors[0].name
    theirs = surname(first)
    if theirs is None:
        return None
    if wanted in _name_words(first) or theirs in _name_words(query_author):
        return True
    return len(wanted) >= 5 and fuzz.ratio(theirs, wanted) >= 85.0


def _author_listed(query_author: str | None, record: WorkRecord) -> bool:
    wanted = surname(query_author)
    return wanted is not None and any(wanted in _name_words(a.name) for a in record.authors[1:])


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


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def score_candidate(query: TitleQuery, record: WorkRecord) -> CandidateScore:
    """Score one candidate against a query; see the module docstring for the model."""
    title = compare_titles(query.title, record.title or "")
    logit = BIAS + title.logit
    year_agrees: bool | None = None
    if query.year is not None and record.year is not None:
        gap = abs(query.year - record.year)
        year_agrees = gap <= 1
        logit += YEAR_EXACT if gap == 0 else YEAR_NEAR if gap == 1 else YEAR_FAR
    author_agrees = _author_agreement(query.first_author, record)
    if author_agrees is True:
        logit += AUTHOR_AGREES
    elif author_agrees is False:
        if _author_listed(query.first_author, record):
            logit += AUTHOR_LISTED
        else:
            logit += AUTHOR_DISAGREES
    return CandidateScore(
        record=record,
        score=round(_sigmoid(logit), 4),
        title=title,
        year_agrees=year_agrees,
        first_author_agrees=author_agrees,
    )


# --- candidate identity -----------------------------------------------------------------------


_ID_FIELDS = ("arxiv_id", "doi", "pmid", "pmcid", "acl_id", "s2_paper_id", "corpus_id", "openalex_id")


def _id_pairs(ids: Ids) -> set[tuple[str, str]]:
    return {(f, str(getattr(ids, f))) for f in _ID_FIELDS if getattr(ids, f) is not None}


def merge_ids(many: Iterable[Ids]) -> Ids:
    """First non-empty value of each field, in order."""
    values: dict[str, object] = {}
    for ids in many:
        for f in _ID_FIELDS:
            v = getattr(ids, f)
            if v is not None and f not in values:
                values[f] = v
    return Ids(**values)  # type: ignore[arg-type]


_VERSION_FIELDS = frozenset({"arxiv_id", "doi", "pmid", "pmcid", "acl_id"})


def _conflict(a: set[tuple[str, str]], b: set[tuple[str, str]]) -> bool:
    """Two different values of a publication-level id (source-internal ids differ across versions)."""
    da, db = dict(a), dict(b)
    return any(k in _VERSION_FIELDS and k in db and db[k] != v for k, v in da.items())


def _same_work(a: CandidateScore, b: CandidateScore) -> bool:
    ia, ib = _id_pairs(a.record.ids), _id_pairs(b.record.ids)
    if ia & ib:
        return True
    if _conflict(ia, ib):
        return False
    # a preprint and its published version seen by different sources
    ta, tb = normalize_title(a.record.title or ""), normalize_title(b.record.title or "")
    if not ta or ta != tb:
        return False
    if a.record.year is None or b.record.year is None or abs(a.record.year - b.record.year) > 1:
        return False
    sa = surname(a.record.authors[0].name) if a.record.authors else None
    sb = surname(b.record.authors[0].name) if b.record.authors else None
    return sa is not None and sa == sb


@dataclass(frozen=True, slots=True)
class CandidateGroup:
    """Candidates judged to be one work; ``best`` is the highest-scoring member."""

    best: CandidateScore
    members: tuple[CandidateScore, ...]

    @property
    def ids(self) -> Ids:
        ordered = sorted(self.members, key=lambda m: (-m.score, m.record.source, m.record.key))
        return merge_ids(m.record.ids for m in ordered)


def group_candidates(scored: Sequence[CandidateScore]) -> list[CandidateGroup]:
    """Group candidates that are the same work; groups sorted best first (deterministic)."""
    ordered = sorted(scored, key=lambda s: (-s.score, s.record.source, s.record.key))
    groups: list[list[CandidateScore]] = []
    for cand in ordered:
        home = next((g for g in groups if any(_same_work(cand, m) for m in g)), None)
        if home is None:
            groups.append([cand])
        else:
            home.append(cand)
    return [CandidateGroup(best=g[0], members=tuple(g)) for g in groups]


def _evidence(method: MatchMethod, cand: CandidateScore | None) -> MatchEvidence:
    if cand is None:
        return MatchEvidence(method=method)
    return MatchEvidence(
        method=method,
        score=cand.score,
        source=cand.record.source,
        candidate_title=cand.record.title,
        title_similarity=cand.title.similarity,
        year_agrees=cand.year_agrees,
        first_author_agrees=cand.first_author_agrees,
    )


def decide(query: TitleQuery, candidates: Sequence[WorkRecord], *, complete: bool = True) -> TitleMatch:
    """Score every usable candidate and return the decision for ``query``."""
    usable = [c for c in candidates if c.status is FetchStatus.OK and c.title]
    groups = group_candidates([score_candidate(query, c) for c in usable])
    if not groups:
        return TitleMatch(query.work_key, _evidence(MatchMethod.LOCAL, None), complete=complete)
    best = groups[0]
    runner_up = groups[1].best.score if len(groups) > 1 else 0.0
    if best.best.score < ABSTAIN_LOW:
        return TitleMatch(query.work_key, _evidence(MatchMethod.LOCAL, best.best), complete=complete)
    if best.best.score < ACCEPT or (
        runner_up >= ABSTAIN_LOW and _logit(best.best.score) - _logit(runner_up) < MARGIN
    ):
        return TitleMatch(query.work_key, _evidence(MatchMethod.ABSTAINED, best.best), complete=complete)
    return TitleMatch(
        query.work_key,
        _evidence(MatchMethod.TITLE, best.best),
        record=best.best.record,
        ids=best.ids,
        complete=complete,
    )
