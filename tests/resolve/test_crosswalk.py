from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from enrich.ids import Ids, Lookup
from enrich.records import FetchStatus
from enrich.resolve.cluster import key_node, resolve_works
from enrich.resolve.idmap import work_id_for
from enrich.resolve.match import TitleMatch, TitleQuery
from enrich.resolve.plan import LookupPlan, plan_lookups
from enrich.resolve.types import LinkCheck, MatchEvidence, MatchMethod, ResolvedWork

from .helpers import FakeEntry, rec

ATTN = "Attention Is All You Need"


def attention_fixture() -> tuple[list[FakeEntry], list, dict[str, TitleMatch]]:
    entries = [
        FakeEntry("e1", "wk-arxiv", title=ATTN, year=2017, arxiv_id="1706.03762"),
        FakeEntry("e2", "wk-doi", title=ATTN + ".", doi="10.5555/3295222.3295349"),
        FakeEntry(
            "e3", "wk-title", title="attention is all you need", authors_raw="Vaswani, A., Shazeer, N."
        ),
        FakeEntry("e4", "wk-repo", kind="repo", name="tensor2tensor"),
    ]
    records = [
        rec(
            "arxiv",
            "1706.03762",
            ATTN,
            2017,
            ("Ashish Vaswani",),
            arxiv_id="1706.03762",
            arxiv_version=7,
            doi="10.5555/3295222.3295349",
        ),
        rec(
            "s2",
            "ARXIV:1706.03762",
            ATTN,
            2017,
            ("Ashish Vaswani",),
            arxiv_id="1706.03762",
            doi="10.5555/3295222.3295349",
            corpus_id=13756489,
            s2_paper_id="204e3073870fae3d05bcbc2f6a8e263d9b72e776",
        ),
        rec(
            "openalex",
            "doi:10.5555/3295222.3295349",
            ATTN,
            2017,
            openalex_id="W2963403868",
            doi="10.5555/3295222.3295349",
        ),
        rec("crossref", "10.5555/3295222.3295349", status=FetchStatus.NOT_FOUND),
    ]
    title_ev = MatchEvidence(MatchMethod.TITLE, 0.9933, "s2", ATTN, 1.0, None, True)
    matches = {
        "wk-title": TitleMatch(
            "wk-title", title_ev, records[1], Ids(arxiv_id="1706.03762", corpus_id=13756489)
        ),
    }
    return entries, records, matches


def test_preprint_published_and_title_only_entries_become_one_work() -> None:
    entries, records, matches = attention_fixture()
    works = resolve_works(entries, records, matches)
    assert works == [
        ResolvedWork(
            work_id="arxiv:1706.03762",
            ids=Ids(
                arxiv_id="1706.03762",
                doi="10.5555/3295222.3295349",
                s2_paper_id="204e3073870fae3d05bcbc2f6a8e263d9b72e776",
                corpus_id=13756489,
                openalex_id="W2963403868",
            ),
            entry_ids=("e1", "e2", "e3"),
            work_keys=("wk-arxiv", "wk-doi", "wk-title"),
            evidence=MatchEvidence(MatchMethod.CROSSWALK, 1.0, "s2"),
            records=(records[1], records[2], records[0], records[3]),
            local_title=ATTN + ".",
            local_year=2017,
            local_authors=("Vaswani", "A", "Shazeer", "N"),
            entry_evidence=(
                ("e1", MatchEvidence(MatchMethod.IDENTIFIER, 1.0, "s2")),
                ("e2", MatchEvidence(MatchMethod.IDENTIFIER, 1.0, "s2")),
                ("e3", matches["wk-title"].evidence),
            ),
            link_checks=(("e1", LinkCheck.OK), ("e2", LinkCheck.OK)),
        )
    ]


def test_arxiv_versions_collapse_and_datacite_doi_is_the_arxiv_id() -> None:
    entries = [
        FakeEntry("a", "k1", title="LoRA", arxiv_id="2106.09685"),
        FakeEntry("b", "k2", title="LoRA v2", arxiv_id="2106.09685"),
        FakeEntry("c", "k3", title="LoRA", doi="10.48550/arXiv.2106.09685"),
    ]
    works = resolve_works(entries, [], {})
    assert [(w.work_id, w.entry_ids, w.ids, w.evidence.method) for w in works] == [
        ("arxiv:2106.09685", ("a", "b", "c"), Ids(arxiv_id="2106.09685"), MatchMethod.LOCAL)
    ]


def test_failed_lookup_hangs_on_its_key_and_joins_nothing_else() -> None:
    entries = [FakeEntry("a", "k1", title="X", doi="10.1000/missing")]
    records = [
        rec("crossref", "10.1000/missing", status=FetchStatus.NOT_FOUND),
        rec("s2", "DOI:10.1000/missing", status=FetchStatus.ERROR, reason="HTTP 500"),
        rec(
            "s2", "DOI:10.1000/other", "X", doi="10.1000/other"
        ),  # same title, other DOI: its own cluster, dropped
    ]
    works = resolve_works(entries, records, {})
    assert works == [
        ResolvedWork(
            work_id="doi:10.1000/missing",
            ids=Ids(doi="10.1000/missing"),
            entry_ids=("a",),
            work_keys=("k1",),
            evidence=MatchEvidence(MatchMethod.LOCAL),
            records=(records[1], records[0]),
            local_title="X",
            entry_evidence=(("a", MatchEvidence(MatchMethod.LOCAL)),),
            link_checks=(("a", LinkCheck.UNCHECKED),),  # s2 failed: not proof of absence
        )
    ]


def test_abstained_and_unmatched_titles_stay_local() -> None:
    entries = [
        FakeEntry("a", "k-abs", title="Deep Learning", year=2015),
        FakeEntry("b", "k-none", title="A Paper Nobody Indexed"),
    ]
    abstained = MatchEvidence(MatchMethod.ABSTAINED, 0.8176, "openalex", "Deep learning", 1.0, None, None)
    matches = {
        "k-abs": TitleMatch("k-abs", abstained),
        "k-none": TitleMatch(
            "k-none", MatchEvidence(MatchMethod.LOCAL, 0.02, "s2", "Other", 0.3, None, None)
        ),
    }
    works = resolve_works(entries, [], matches)
    assert [(w.work_id, w.entry_ids, w.evidence, w.records) for w in works] == [
        (work_id_for(Ids(), "A Paper Nobody Indexed"), ("b",), MatchEvidence(MatchMethod.LOCAL), ()),
        (work_id_for(Ids(), "Deep Learning"), ("a",), abstained, ()),
    ]
    assert (
        work_id_for(Ids(), "Deep Learning")
        == "title:" + __import__("hashlib").sha1(b"deep learning").hexdigest()[:16]
    )


def test_same_work_key_with_conflicting_dois_is_not_merged() -> None:
    entries = [
        FakeEntry("a", "same-title", title="Deep Learning", doi="10.1038/nature14539"),
        FakeEntry("b", "same-title", title="Deep Learning", doi="10.7551/mitpress/deep"),
        FakeEntry("c", "same-title", title="Deep Learning"),  # title-only: joins the first cluster it meets
    ]
    works = resolve_works(entries, [], {})
    assert [(w.work_id, w.entry_ids) for w in works] == [
        ("doi:10.1038/nature14539", ("a", "c")),
        ("doi:10.7551/mitpress/deep", ("b",)),
    ]


def test_title_match_is_ignored_for_entries_with_their_own_ids() -> None:
    entries = [FakeEntry("a", "k", title="T", arxiv_id="2001.00001")]
    m = TitleMatch("k", MatchEvidence(MatchMethod.TITLE, 0.99, "s2"), None, Ids(doi="10.1/zzz"))
    works = resolve_works(entries, [], {"k": m})
    assert [(w.work_id, w.ids) for w in works] == [("arxiv:2001.00001", Ids(arxiv_id="2001.00001"))]


def test_key_node() -> None:
    assert key_node(rec("s2", "ARXIV:2106.09685v2")) == "arxiv:2106.09685"
    assert key_node(rec("s2", "DOI:10.1000/X")) == "doi:10.1000/x"
    assert key_node(rec("s2", "CorpusId:42")) == "corpus:42"
    assert key_node(rec("s2", "PMCID:123")) == "pmcid:PMC123"
    assert key_node(rec("openalex", "doi:10.48550/arXiv.2106.09685")) == "arxiv:2106.09685"
    assert key_node(rec("openalex", "W123")) == "openalex:W123"
    assert key_node(rec("openalex", "pmid:99")) == "pmid:99"
    assert key_node(rec("crossref", "10.1000/Y")) == "doi:10.1000/y"
    assert key_node(rec("arxiv", "hep-th/9901001v1")) == "arxiv:hep-th/9901001"
    assert key_node(rec("s2", "garbage")) is None


def test_plan_lookups() -> None:
    entries = [
        FakeEntry("a", "k1", title="A", arxiv_id="1706.03762"),
        FakeEntry("b", "k1", title="A", doi="10.5555/x"),  # same local work as "a": one S2/OpenAlex id
        FakeEntry("c", "k2", title="B", pmid="123", pmcid="PMC9"),
        FakeEntry("d", "k3", title="C", acl_id="P18-1001"),
        FakeEntry("e", "k4", title="Only A Title", year=2020, authors_raw="Jane Doe, John Roe"),
        FakeEntry("f", "k4", title="Only a title", venue_raw="NeurIPS"),
        FakeEntry("g", "k5", kind="repo", name="owner/repo"),
        FakeEntry("h", "k6", title="D", s2_corpus_id=77, doi="10.48550/arxiv.2001.00002"),
    ]
    plan = plan_lookups(entries)
    assert plan == LookupPlan(
        arxiv=(Lookup("arxiv", "1706.03762"), Lookup("arxiv", "2001.00002")),
        s2=(
            Lookup("acl", "P18-1001"),
            Lookup("arxiv", "1706.03762"),
            Lookup("arxiv", "2001.00002"),
            Lookup("pmid", "123"),
        ),
        openalex=(
            Lookup("doi", "10.48550/arxiv.1706.03762"),
            Lookup("doi", "10.48550/arxiv.2001.00002"),
            Lookup("pmid", "123"),
        ),
        crossref=(Lookup("doi", "10.5555/x"),),
        title_queries=(TitleQuery("k4", "Only A Title", 2020, "Jane Doe, John Roe", "NeurIPS"),),
    )
    assert [lookup.wire("s2") for lookup in plan.s2] == [
        "ACL:P18-1001",
        "ARXIV:1706.03762",
        "ARXIV:2001.00002",
        "PMID:123",
    ]
    assert [lookup.wire("openalex") for lookup in plan.openalex][-1] == "pmid:123"
    accepted = TitleMatch("k4", MatchEvidence(MatchMethod.TITLE, 0.99, "s2"), None, Ids(doi="10.9/only"))
    second = plan_lookups(entries, {"k4": accepted})
    assert second.title_queries == ()
    assert Lookup("doi", "10.9/only") in second.s2 and Lookup("doi", "10.9/only") in second.openalex
    assert Lookup("doi", "10.9/only") in second.crossref
    assert plan.with_matches({"k4": accepted}) == second  # the grouping is reused, not recomputed


# --- no over-merge (property) -----------------------------------------------------------------

ID_POOL = [("arxiv_id", f"2001.{i:05d}") for i in range(6)] + [("doi", f"10.1000/{i}") for i in range(6)]


def _reference_partition(entries: list[FakeEntry], records: list) -> set[frozenset[str]]:
    """Entries connected by a shared id, directly or through one OK record's id set (BFS)."""

    def ids_of(obj: object) -> set[str]:
        return {f"{k}:{getattr(obj, k)}" for k, _ in ID_POOL[:1] + ID_POOL[6:7] if getattr(obj, k)}

    groups = [ids_of(r) for r in records if r.status is FetchStatus.OK]
    nodes = {e.entry_id: ids_of(e) for e in entries}
    adj: dict[str, set[str]] = {e: set() for e in nodes}
    for a in nodes:
        for b in nodes:
            if a != b:
                linked = nodes[a] & nodes[b] or any(g & nodes[a] and g & nodes[b] for g in groups)
                if linked:
                    adj[a].add(b)
    # records also chain: close over record groups sharing ids with each other
    changed = True
    while changed:
        changed = False
        for i, g in enumerate(groups):
            for h in groups[i + 1 :]:
                if g & h and not h <= g:
                    g |= h
                    changed = True
    for a in nodes:
        for b in nodes:
            if a != b and any(g & nodes[a] and g & nodes[b] for g in groups):
                adj[a].add(b)
    seen: set[str] = set()
    parts: set[frozenset[str]] = set()
    for start in sorted(nodes):
        if start in seen:
            continue
        comp, todo = set(), [start]
        while todo:
            n = todo.pop()
            if n not in comp:
                comp.add(n)
                todo.extend(adj[n] - comp)
        seen |= comp
        parts.add(frozenset(comp))
    return parts


id_choice = st.sampled_from(ID_POOL)


@settings(max_examples=150, deadline=None)
@given(
    entry_ids_=st.lists(st.lists(id_choice, min_size=1, max_size=2), min_size=1, max_size=8),
    record_ids_=st.lists(st.lists(id_choice, min_size=1, max_size=3), max_size=6),
    seed=st.integers(0, 1000),
)
def test_clusters_are_exactly_the_id_connected_components(
    entry_ids_: list[list[tuple[str, str]]], record_ids_: list[list[tuple[str, str]]], seed: int
) -> None:
    entries = []
    for i, ids in enumerate(entry_ids_):
        fields = {}
        for k, v in ids:
            fields.setdefault(k, v)
        entries.append(FakeEntry(f"e{i}", f"k{i}", title="Same Title For Everyone", **fields))
    records = []
    for j, ids in enumerate(record_ids_):
        fields = {}
        for k, v in ids:
            fields.setdefault(k, v)
        records.append(rec("s2", f"CorpusId:{j}", "Same Title For Everyone", corpus_id=j, **fields))
    works = resolve_works(entries, records, {})
    got = {frozenset(w.entry_ids) for w in works}
    assert got == _reference_partition(entries, records)
    assert len({w.work_id for w in works}) == len(works)
    # input order never matters
    rng = random.Random(seed)
    shuffled_e, shuffled_r = entries[:], records[:]
    rng.shuffle(shuffled_e)
    rng.shuffle(shuffled_r)
    assert resolve_works(shuffled_e, shuffled_r, {}) == works


# --- the second pass reuses the first (property) ------------------------------------------------

PLAN_IDS = st.sampled_from(
    [
        ("arxiv_id", "2001.00001"),
        ("arxiv_id", "2001.00002"),
        ("doi", "10.1000/1"),
        ("doi", "10.48550/arxiv.2001.00003"),
        ("pmid", "12"),
        ("acl_id", "P18-1001"),
        ("pmcid", "PMC7"),
    ]
)
MATCH_IDS = st.builds(
    Ids,
    arxiv_id=st.none() | st.sampled_from(["2001.00001", "2002.00009"]),
    doi=st.none() | st.sampled_from(["10.1000/1", "10.9/found"]),
    pmid=st.none() | st.just("99"),
)


@settings(max_examples=200, deadline=None)
@given(
    shapes=st.lists(
        st.tuples(
            st.sampled_from(["k0", "k1", "k2", "k3", "k4"]),
            st.sampled_from(["paper", "dataset", "repo"]),
            st.none() | st.sampled_from(["A Study of Many Content Words Here", "Short"]),
            st.lists(PLAN_IDS, max_size=2),
        ),
        max_size=10,
    ),
    matched=st.dictionaries(
        st.sampled_from(["k0", "k1", "k2", "k3", "k4"]), st.tuples(MATCH_IDS, st.booleans()), max_size=5
    ),
)
def test_with_matches_equals_planning_again(
    shapes: list[tuple[str, str, str | None, list[tuple[str, str]]]], matched: dict[str, tuple[Ids, bool]]
) -> None:
    """``with_matches`` plans the id-less groups alone and keeps the rest: the same plan, field by
    field and in order, as planning every entry again with the matches."""
    entries = [
        FakeEntry(f"e{i}", key, kind=kind, title=title, **dict(ids))  # type: ignore[arg-type]
        for i, (key, kind, title, ids) in enumerate(shapes)
    ]
    matches = {
        key: TitleMatch(
            key, MatchEvidence(MatchMethod.TITLE if ok else MatchMethod.LOCAL, 0.99, "s2"), None, ids
        )
        for key, (ids, ok) in matched.items()
    }
    first = plan_lookups(entries)
    again = plan_lookups(entries, matches)
    reused = first.with_matches(matches)
    for name in ("arxiv", "s2", "openalex", "crossref", "title_queries", "groups", "open_groups"):
        assert getattr(reused, name) == getattr(again, name), name
