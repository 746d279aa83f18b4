"""Resolve title-only works: search the sources in a fixed order, verify every candidate, stop early.

Order (cheapest and most precise first): S2 ``paper/search/match`` (one closest title), S2
``paper/search``, OpenAlex ``search``, arXiv ``ti:``, Crossref ``query.bibliographic``. After each
step all candidates seen so far are judged with :func:`enrich.resolve.match.decide`:

* after ``search/match`` alone a candidate is accepted only if it is near-certain
  (score >= ``EARLY_ACCEPT``) *and* its year equals the query's: a single closest match cannot show a
  same-title decoy from another year, so without an exact year the resolver goes on to a list search,
  and neither can it show a sibling that shares the main title when the query left the subtitle out;
* after any list search, an ACCEPTED decision ends the search (the competition was visible);
* otherwise the next source is asked; the last decision stands.

So a typical resolvable title costs 1-2 requests, an unresolvable one 5. A *narrow* query (a dataset or
model row citing its paper by title, :func:`enrich.resolve.plan.cites_by_title`) is searched by
:data:`NARROW_STEPS` only - most such titles name a dataset, not a paper; such rows carry no year, so
``search/match`` alone can never accept; arXiv's and Crossref's searches rarely find a paper the
first two miss - plus Crossref ``query.bibliographic`` when the row is a whole citation string: a
resolvable one costs 1 request, an unresolvable one 2 (3 with a citation string). Decisions go to the
:class:`~enrich.resolve.cache.ResolutionCache`; cached titles cost nothing on later nights.
A source that fails (raises an :class:`~enrich.errors.EnrichError`, or answers with non-OK records)
makes the decision incomplete: a "none" from an incomplete search is not cached. A source found
unreachable (:class:`~enrich.errors.SourceUnavailableError`) is not asked again by this resolver.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from enrich.errors import EnrichError, SourceUnavailableError
from enrich.records import FetchStatus, WorkRecord
from enrich.resolve.cache import ResolutionCache, cache_key
from enrich.resolve.match import TitleMatch, TitleQuery, decide, score_candidate
from enrich.sources import search_sources

log = logging.getLogger(__name__)

EARLY_ACCEPT = 0.98
SEARCH_LIMIT = 10  # candidates per list search: enough to see decoys, one page everywhere
ARXIV_LIMIT = 5
CROSSREF_ROWS = 5
NARROW_STEPS = frozenset({"s2_search", "openalex"})


class _S2(Protocol):
    def search(self, query: str, limit: int = 10) -> list[WorkRecord]: ...
    def match_title(self, title: str) -> WorkRecord | None: ...


class _OpenAlex(Protocol):
    def search(self, title: str, limit: int = 10) -> list[WorkRecord]: ...


class _Arxiv(Protocol):
    def search_title(self, title: str, limit: int = 5) -> list[WorkRecord]: ...


class _Crossref(Protocol):
    def query_bibliographic(self, text: str, rows: int = 5) -> list[WorkRecord]: ...


class SearchClients(Protocol):
    """The part of :class:`enrich.clients.Clients` the resolver uses."""

    @property
    def s2(self) -> _S2: ...
    @property
    def openalex(self) -> _OpenAlex: ...
    @property
    def arxiv(self) -> _Arxiv: ...
    @property
    def crossref(self) -> _Crossref: ...


Step = tuple[str, Callable[[TitleQuery], list[WorkRecord]]]


class TitleResolver:
    """Resolve :class:`TitleQuery` objects to :class:`TitleMatch` decisions (keyed by ``work_key``).

    ``requests`` counts the search requests made per step (``s2_match``, ``s2_search``, ``openalex``,
    ``arxiv``, ``crossref``) and ``cache_hits`` the queries answered from the cache.
    """

    def __init__(
        self,
        clients: SearchClients,
        cache: ResolutionCache | None = None,
        *,
        sources: Sequence[str] | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.clients = clients
        self.cache = cache
        self.sources = frozenset(search_sources() if sources is None else sources)
        self._now = now
        self.requests: Counter[str] = Counter()
        self.cache_hits = 0
        self._down: set[str] = set()  # steps whose source was unreachable: skipped for the rest of the run

    def _steps(self) -> list[Step]:
        c = self.clients
        steps: list[Step] = []
        if "s2" in self.sources:

            def s2_match(q: TitleQuery) -> list[WorkRecord]:
                found = c.s2.match_title(q.title)
                return [found] if found is not None else []

            steps.append(("s2_match", s2_match))
            steps.append(("s2_search", lambda q: c.s2.search(q.title, limit=SEARCH_LIMIT)))
        if "openalex" in self.sources:
            steps.append(("openalex", lambda q: c.openalex.search(q.title, limit=SEARCH_LIMIT)))
        if "arxiv" in self.sources:
            steps.append(("arxiv", lambda q: c.arxiv.search_title(q.title, limit=ARXIV_LIMIT)))
        if "crossref" in self.sources:
            # a whole citation string is what query.bibliographic is for (authors, venue, year help it rank)
            steps.append(
                (
                    "crossref",
                    lambda q: c.crossref.query_bibliographic(q.citation or q.title, rows=CROSSREF_ROWS),
                )
            )
        return steps

    def resolve(self, queries: Sequence[TitleQuery]) -> dict[str, TitleMatch]:
        """One decision per query's ``work_key``; identical titles (same year) are searched once."""
        out: dict[str, TitleMatch] = {}
        done: dict[str, TitleMatch] = {}
        now = self._now() if self._now else None
        for query in sorted(queries, key=lambda q: q.work_key):
            key = cache_key(query)
            if key in done:
                out[query.work_key] = _rekey(done[key], query.work_key)
                continue
            cached = self.cache.get(query, now=now) if self.cache is not None else None
            if cached is not None:
                self.cache_hits += 1
                match = cached
            else:
                match = self.resolve_one(query)
                if self.cache is not None:
                    self.cache.put(query, match, now=now)
            done[key] = match
            out[query.work_key] = match
        return out

    def resolve_one(self, query: TitleQuery) -> TitleMatch:
        """Search and verify one query (no cache)."""
        candidates: list[WorkRecord] = []
        complete = True
        decision: TitleMatch | None = None
        for name, call in self._steps():
            if query.narrow and name not in NARROW_STEPS and not (name == "crossref" and query.citation):
                continue
            if name in self._down:
                complete = False
                continue
            self.requests[name] += 1
            try:
                found = call(query)
            except SourceUnavailableError as exc:
                log.info("title search %s: source unreachable, not asked again this run: %s", name, exc)
                self._down.add(name)
                complete = False
                continue
            except EnrichError as exc:
                log.info("title search %s failed: %s", name, exc)
                complete = False
                continue
            if any(r.status is not FetchStatus.OK for r in found):
                complete = False
            candidates.extend(r for r in found if r.status is FetchStatus.OK)
            decision = decide(query, candidates, complete=complete)
            if not decision.accepted:
                continue
            if name != "s2_match":
                return decision
            best = score_candidate(query, found[0])
            if (
                best.score >= EARLY_ACCEPT
                and query.year is not None
                and found[0].year == query.year
                and not best.title.subtitle_dropped  # a sibling may share the main title: look wider
            ):
                return decision
        return (
            decide(query, candidates, complete=complete) if decision is None else _final(decision, complete)
        )


def _final(decision: TitleMatch, complete: bool) -> TitleMatch:
    if decision.complete == complete:
        return decision
    return TitleMatch(decision.work_key, decision.evidence, decision.record, decision.ids, complete)


def _rekey(match: TitleMatch, work_key: str) -> TitleMatch:
    return TitleMatch(work_key, match.evidence, match.record, match.ids, match.complete)
