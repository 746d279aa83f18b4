"""Verify title-search candidates: a log-odds score, an accept threshold and an abstain band.

Pure functions only (no I/O). :func:`score_candidate` turns one candidate :class:`WorkRecord` into a
:class:`CandidateScore`; :func:`decide` picks among all candidates of one query.

The score is a logistic model over three pieces of evidence, each worth a number of log-odds:

* **title** - :func:`enrich.resolve.titles.compare_titles` (markup dropped, words aligned with typos
  allowed, subtitles and short titles weighed; the rules are in :mod:`enrich.resolve.titles`).
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
from enrich.records import FetchStatus, WorkRecord
from enrich.resolve.titles import TitleComparison, compare_titles
from enrich.resolve.types import MatchEvidence, MatchMethod

# --- weights (log-odds) -----------------------------------------------------------------------
BIAS = -2.0
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
class CandidateScore:
    record: WorkRecord
    score: float
    title: TitleComparison
    year_agrees: bool | None
    first_author_agrees: bool | None


# --- helpers ----------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Compatibility caseless form (Unicode D146: NFKD(casefold(NFKD(casefold(NFD(x)))))) without
    combining marks. Case-folding once before NFKD is not enough: "㏇" decomposes to "Co." only
    after it was folded, so a surname read from its own output would differ."""
    once = unicodedata.normalize("NFKD", unicodedata.normalize("NFD", text).casefold())
    decomposed = unicodedata.normalize("NFKD", once.casefold())
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
