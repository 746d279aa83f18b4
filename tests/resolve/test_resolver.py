from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from enrich.errors import SourceUnavailableError
from enrich.ids import Ids, normalize_title
from enrich.records import FetchStatus, WorkRecord
from enrich.resolve.cache import ResolutionCache, cache_key
from enrich.resolve.match import TitleQuery
from enrich.resolve.resolver import TitleResolver
from enrich.resolve.types import MatchMethod

from .helpers import T0, rec

ATTN = rec(
    "s2", "s2:1", "Attention Is All You Need", 2017, ("Ashish Vaswani",), arxiv_id="1706.03762", corpus_id=1
)
ATTN_NOT = rec(
    "s2", "s2:2", "Attention Is Not All You Need", 2021, ("Yihe Dong",), arxiv_id="2103.03404", corpus_id=2
)
ATTN_OA = rec(
    "openalex",
    "W1",
    "Attention is all you need",
    2017,
    ("Ashish Vaswani",),
    openalex_id="W1",
    doi="10.5555/attn",
)
DL_2015 = rec(
    "openalex", "W3", "Deep learning", 2015, ("Yann LeCun",), openalex_id="W3", doi="10.1038/nature14539"
)
DL_2016 = rec("crossref", "10.7551/dl", "Deep Learning", 2016, ("Ian Goodfellow",), doi="10.7551/dl")


@dataclass
class FakeSearch:
    """One source's search endpoint: a fixed answer per title, and a call log."""

    name: str
    answers: dict[str, list[WorkRecord]] = field(default_factory=dict)
    fail: bool = False
    calls: list[str] = field(default_factory=list)

    def _answer(self, title: str) -> list[WorkRecord]:
        self.calls.append(title)
        if self.fail:
            raise SourceUnavailableError(self.name, "unreachable (connection refused at 127.0.0.1:9)")
        return list(self.answers.get(normalize_title(title), []))

    # S2
    def match_title(self, title: str) -> WorkRecord | None:
        found = self._answer(title)
        return found[0] if found else None

    def search(self, query: str, limit: int = 10) -> list[WorkRecord]:
        return self._answer(query)[:limit]

    # arXiv / Crossref
    def search_title(self, title: str, limit: int = 5) -> list[WorkRecord]:
        return self._answer(title)[:limit]

    def query_bibliographic(self, text: str, rows: int = 5) -> list[WorkRecord]:
        return self._answer(text)[:rows]


@dataclass
class FakeClients:
    s2: FakeSearch
    openalex: FakeSearch
    arxiv: FakeSearch
    crossref: FakeSearch


class S2(FakeSearch):
    """S2 with separate answers for search/match and search."""

    def __init__(self, match: dict[str, list[WorkRecord]], search: dict[str, list[WorkRecord]]) -> None:
        super().__init__("s2", search)
        self.match_answers = match
        self.match_calls: list[str] = []

    def match_title(self, title: str) -> WorkRecord | None:
        self.match_calls.append(title)
        found = self.match_answers.get(normalize_title(title), [])
        return found[0] if found else None


def clients(s2_match=None, s2=None, openalex=None, arxiv=None, crossref=None, fail=()) -> FakeClients:  # type: ignore[no-untyped-def]
    def norm(answers: dict[str, list[WorkRecord]] | None) -> dict[str, list[WorkRecord]]:
        return {normalize_title(k): v for k, v in (answers or {}).items()}

    c = FakeClients(
        s2=S2(norm(s2_match), norm(s2)),
        openalex=FakeSearch("openalex", norm(openalex)),
        arxiv=FakeSearch("arxiv", norm(arxiv)),
        crossref=FakeSearch("crossref", norm(crossref)),
    )
    for name in fail:
        getattr(c, name).fail = True
    return c


Q_ATTN = TitleQuery("wk-attn", "Attention is all you need", 2017)


def test_early_accept_after_search_match_with_exact_year() -> None:
    c = clients(s2_match={Q_ATTN.title: [ATTN]}, s2={Q_ATTN.title: [ATTN, ATTN_NOT]})
    resolver = TitleResolver(c)
    out = resolver.resolve([Q_ATTN])
    assert out["wk-attn"].accepted
    assert out["wk-attn"].ids == Ids(arxiv_id="1706.03762", corpus_id=1)
    assert out["wk-attn"].evidence.source == "s2"
    assert dict(resolver.requests) == {"s2_match": 1}
    assert c.s2.calls == [] and c.openalex.calls == []


def test_without_a_year_the_list_search_must_confirm() -> None:
    q = TitleQuery("wk", "Attention is all you need")
    c = clients(s2_match={q.title: [ATTN]}, s2={q.title: [ATTN, ATTN_NOT]})
    resolver = TitleResolver(c)
    assert resolver.resolve([q])["wk"].accepted
    assert dict(resolver.requests) == {"s2_match": 1, "s2_search": 1}


def test_a_dropped_subtitle_never_early_accepts_and_a_sibling_makes_it_abstain() -> None:
    bench = rec(
        "s2", "s2:7", "Compositional Transformers for Image Captioning: A Benchmark", 2017, (), corpus_id=7
    )
    kit = rec(
        "s2",
        "s2:8",
        "Compositional Transformers for Image Captioning: An Open Toolkit",
        2017,
        (),
        corpus_id=8,
    )
    q = TitleQuery("wk", "Compositional Transformers for Image Captioning", 2017)
    c = clients(s2_match={q.title: [bench]}, s2={q.title: [bench, kit]})
    resolver = TitleResolver(c)
    m = resolver.resolve([q])["wk"]
    assert c.s2.calls == [q.title]  # the single closest match was not trusted alone
    assert not m.accepted
    assert m.evidence.method is MatchMethod.ABSTAINED


def test_sources_are_asked_in_order_until_accepted_and_ids_merge_across_sources() -> None:
    q = TitleQuery("wk", "Attention is all you need", 2017)
    c = clients(openalex={q.title: [ATTN_OA]}, arxiv={q.title: [ATTN]})
    resolver = TitleResolver(c)
    m = resolver.resolve([q])["wk"]
    assert m.accepted and m.record == ATTN_OA
    assert m.ids == Ids(doi="10.5555/attn", openalex_id="W1")
    assert dict(resolver.requests) == {"s2_match": 1, "s2_search": 1, "openalex": 1}
    assert c.arxiv.calls == [] and c.crossref.calls == []


def test_ambiguous_title_abstains_after_asking_everyone() -> None:
    q = TitleQuery("wk-dl", "Deep Learning")
    c = clients(openalex={q.title: [DL_2015]}, crossref={q.title: [DL_2016]})
    resolver = TitleResolver(c)
    m = resolver.resolve([q])["wk-dl"]
    assert m.evidence.method is MatchMethod.ABSTAINED
    assert (m.record, m.ids, m.complete) == (None, Ids(), True)
    assert sum(resolver.requests.values()) == 5


def test_cache_answers_later_nights_and_failed_nights_are_not_cached(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "resolutions.sqlite"
    q_none = TitleQuery("wk-none", "A Paper Nobody Indexed", 2020)
    q_abs = TitleQuery("wk-dl", "Deep Learning")
    c = clients(
        s2_match={Q_ATTN.title: [ATTN]},
        openalex={q_abs.title: [DL_2015]},
        crossref={q_abs.title: [DL_2016]},
    )
    with ResolutionCache(path) as cache:
        first = TitleResolver(c, cache, now=lambda: T0)
        night1 = first.resolve([Q_ATTN, q_none, q_abs])
        assert len(cache) == 2  # accepted + confidently none; the abstention is searched again
    c2 = clients(fail=("s2", "openalex", "arxiv", "crossref"))
    with ResolutionCache(path) as cache:
        second = TitleResolver(c2, cache, now=lambda: T0 + timedelta(days=1))
        night2 = second.resolve(
            [Q_ATTN, q_none, TitleQuery("wk-other-key", "attention is ALL you need!", 2017)]
        )
        assert second.cache_hits == 2  # the third shares the first's key: answered in-run
        assert sum(second.requests.values()) == 0
    assert night2["wk-attn"] == night1["wk-attn"]
    assert night2["wk-other-key"].ids == night1["wk-attn"].ids
    assert night2["wk-none"].evidence.method is MatchMethod.LOCAL
    # a "none" is trusted for 30 days, then searched again
    with ResolutionCache(path) as cache:
        assert cache.get(q_none, now=T0 + timedelta(days=31)) is None
        assert cache.get(q_none, now=T0 + timedelta(days=29)) is not None


def test_a_failing_source_makes_none_incomplete_uncached_and_is_not_asked_again() -> None:
    q = TitleQuery("wk", "A Paper Nobody Indexed")
    q2 = TitleQuery("wk2", "Another Paper Nobody Indexed")
    c = clients(fail=("openalex",))
    with ResolutionCache(":memory:") as cache:
        resolver = TitleResolver(c, cache)
        out = resolver.resolve([q, q2])
        assert [(m.evidence.method, m.complete) for m in out.values()] == [(MatchMethod.LOCAL, False)] * 2
        assert len(cache) == 0
    assert c.openalex.calls == ["A Paper Nobody Indexed"]
    assert dict(resolver.requests) == {
        "s2_match": 2,
        "s2_search": 2,
        "openalex": 1,
        "arxiv": 2,
        "crossref": 2,
    }


def test_error_records_from_a_search_count_as_failure() -> None:
    q = TitleQuery("wk", "A Paper Nobody Indexed")
    broken = WorkRecord(source="s2", key="q", status=FetchStatus.ERROR, fetched_at=T0, reason="HTTP 500")
    c = clients(s2={q.title: [broken]})
    m = TitleResolver(c).resolve([q])["wk"]
    assert (m.evidence.method, m.complete) == (MatchMethod.LOCAL, False)


def test_identical_titles_are_searched_once() -> None:
    c = clients(s2_match={Q_ATTN.title: [ATTN]})
    resolver = TitleResolver(c)
    out = resolver.resolve([Q_ATTN, TitleQuery("wk-2", "Attention Is All You Need.", 2017)])
    assert out["wk-2"].ids == out["wk-attn"].ids and out["wk-2"].work_key == "wk-2"
    assert dict(resolver.requests) == {"s2_match": 1}


def test_cache_key() -> None:
    assert cache_key(TitleQuery("k", "Attention Is All You Need!", 2017)) == "attention is all you need|2017"
    assert cache_key(TitleQuery("k", "Deep  learning")) == "deep learning|"


def test_cached_record_round_trips() -> None:
    with ResolutionCache(":memory:") as cache:
        c = clients(s2_match={Q_ATTN.title: [ATTN]})
        m = TitleResolver(c, cache).resolve([Q_ATTN])["wk-attn"]
        assert cache.get(Q_ATTN, now=datetime(2030, 1, 1, tzinfo=UTC)) == m


def test_a_dataset_rows_cited_title_is_searched_narrowly() -> None:
    q = TitleQuery("wk-ds", "Attention is all you need", narrow=True)
    c = clients(s2_match={q.title: [ATTN]}, s2={q.title: [ATTN, ATTN_NOT]}, crossref={q.title: [ATTN]})
    resolver = TitleResolver(c)
    assert resolver.resolve([q])["wk-ds"].accepted
    assert dict(resolver.requests) == {"s2_search": 1}  # no year: search/match alone could never accept
    unknown = TitleQuery("wk-umls", "Unified Medical Language System (UMLS)", narrow=True)
    resolver = TitleResolver(c)
    assert resolver.resolve([unknown])["wk-umls"].evidence.method is MatchMethod.LOCAL
    assert dict(resolver.requests) == {"s2_search": 1, "openalex": 1}  # never arXiv, never Crossref


def test_a_citation_string_goes_whole_to_crossref_bibliographic() -> None:
    citation = "Vaswani A, Shazeer N, et al. Attention is all you need. NeurIPS 2017."
    q = TitleQuery("wk-cite", "Attention is all you need", 2017, citation=citation, narrow=True)
    cr = rec(
        "crossref", "10.5555/attn", "Attention is all you need", 2017, ("Ashish Vaswani",), doi="10.5555/attn"
    )
    c = clients(crossref={citation: [cr]})
    resolver = TitleResolver(c)
    m = resolver.resolve([q])["wk-cite"]
    assert m.accepted and m.ids == Ids(doi="10.5555/attn")
    assert c.crossref.calls == [citation]
    assert dict(resolver.requests) == {"s2_search": 1, "openalex": 1, "crossref": 1}
