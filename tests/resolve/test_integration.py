"""Resolution end to end: the real clients against the API double (real HTTP on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from enrich.clients import Clients
from enrich.config import Credentials
from enrich.ids import Ids
from enrich.resolve.cache import ResolutionCache
from enrich.resolve.cluster import resolve_works
from enrich.resolve.idmap import title_key
from enrich.resolve.match import TitleQuery
from enrich.resolve.plan import plan_lookups
from enrich.resolve.resolver import TitleResolver
from enrich.resolve.types import MatchMethod
from fakeapis import FakeApis

from .helpers import FakeEntry


def work(title: str, year: int, author: str, **ids: object) -> dict[str, object]:
    return {"type": "work", "title": title, "year": year, "authors": [{"name": author}], **ids}


CATALOG = [
    work(
        "Attention Is All You Need",
        2017,
        "Ashish Vaswani",
        arxiv_id="1706.03762",
        doi="10.5555/3295222.3295349",
    ),
    work("Attention Is Not All You Need", 2021, "Yihe Dong", arxiv_id="2103.03404"),
    work(
        "Large Language Models for Medicine",
        2023,
        "Ann Lee",
        doi="10.1000/llm.med",
        sources=["s2", "openalex", "crossref"],
    ),
    work(
        "Large Language Models for Law",
        2023,
        "Bo Chen",
        doi="10.1000/llm.law",
        sources=["s2", "openalex", "crossref"],
    ),
    work(
        "Deep Learning", 2015, "Yann LeCun", doi="10.1038/nature14539", sources=["s2", "openalex", "crossref"]
    ),
    work(
        "Deep Learning", 2016, "Ian Goodfellow", doi="10.7551/dl.book", sources=["s2", "openalex", "crossref"]
    ),
    work(
        "LoRA: Low-Rank Adaptation of Large Language Models",
        2021,
        "Edward Hu",
        arxiv_id="2106.09685",
        doi="10.1000/iclr.lora",
    ),
]

ENTRIES = [
    FakeEntry("e-attn", "wk-attn", title="Attention is all you need", year=2017),
    FakeEntry("e-med", "wk-med", title="Large language models for medicine"),
    FakeEntry("e-fin", "wk-fin", title="Large Language Models for Finance", year=2023),
    FakeEntry("e-dl", "wk-dl", title="Deep Learning"),
    FakeEntry("e-lora-pre", "wk-lora", title="LoRA", arxiv_id="2106.09685"),
    FakeEntry("e-lora-pub", "wk-lora-pub", title="LoRA (ICLR)", doi="10.1000/iclr.lora"),
]


@pytest.fixture
def apis(make_fake_apis: Callable[..., FakeApis]) -> FakeApis:
    return make_fake_apis(catalog=CATALOG, rate_limits="off")


def make_clients(apis: FakeApis) -> Clients:
    return Clients.from_config(apis.endpoints, Credentials(), cache_dir=None, timeout=10.0, rate_limits=False)


def test_titles_then_ids_then_clusters(apis: FakeApis, tmp_path: Path) -> None:
    clients = make_clients(apis)
    plan = plan_lookups(ENTRIES)
    assert [q.work_key for q in plan.title_queries] == ["wk-attn", "wk-dl", "wk-fin", "wk-med"]

    with ResolutionCache(tmp_path / "resolutions.sqlite") as cache:
        resolver = TitleResolver(clients, cache)
        matches = resolver.resolve(plan.title_queries)
    assert {k: m.evidence.method for k, m in matches.items()} == {
        "wk-attn": MatchMethod.TITLE,
        "wk-dl": MatchMethod.ABSTAINED,
        "wk-fin": MatchMethod.LOCAL,
        "wk-med": MatchMethod.TITLE,
    }
    assert matches["wk-attn"].ids.arxiv_id == "1706.03762"
    assert matches["wk-med"].ids.doi == "10.1000/llm.med"
    searches = len(apis.access_log())
    assert searches == sum(resolver.requests.values())

    second = plan_lookups(ENTRIES, matches)
    wire = {
        source: [lookup.wire(source) for lookup in lookups] for source, lookups in second.by_source().items()
    }
    assert wire["arxiv"] == ["1706.03762", "2106.09685"]
    assert wire["crossref"] == ["10.1000/iclr.lora", "10.1000/llm.med", "10.5555/3295222.3295349"]
    records = [
        *clients.s2.get_papers(wire["s2"]),
        *clients.openalex.get_works(wire["openalex"]),
        *clients.arxiv.fetch(wire["arxiv"]),
        *clients.crossref.get_works(wire["crossref"]),
    ]
    works = resolve_works(ENTRIES, records, matches)
    rows = [(w.work_id, w.entry_ids, w.evidence.method, w.ids.arxiv_id, w.ids.doi) for w in works]
    assert rows == [
        ("arxiv:1706.03762", ("e-attn",), MatchMethod.TITLE, "1706.03762", "10.5555/3295222.3295349"),
        (
            "arxiv:2106.09685",
            ("e-lora-pre", "e-lora-pub"),
            MatchMethod.CROSSWALK,
            "2106.09685",
            "10.1000/iclr.lora",
        ),
        ("doi:10.1000/llm.med", ("e-med",), MatchMethod.TITLE, None, "10.1000/llm.med"),
        (title_key("Deep Learning"), ("e-dl",), MatchMethod.ABSTAINED, None, None),
        (title_key("Large Language Models for Finance"), ("e-fin",), MatchMethod.LOCAL, None, None),
    ]
    lora = works[1]
    assert sorted({r.source for r in lora.records}) == ["arxiv", "crossref", "openalex", "s2"]
    assert lora.ids == Ids(
        arxiv_id="2106.09685",
        doi="10.1000/iclr.lora",
        s2_paper_id=lora.ids.s2_paper_id,
        corpus_id=lora.ids.corpus_id,
        openalex_id=lora.ids.openalex_id,
    )
    assert lora.ids.s2_paper_id and lora.ids.corpus_id and lora.ids.openalex_id

    # a later night: every title answered from the cache, no search request at all
    before = len(apis.access_log())
    with ResolutionCache(tmp_path / "resolutions.sqlite") as cache:
        again = TitleResolver(make_clients(apis), cache)
        later = again.resolve(plan.title_queries)
    assert again.cache_hits == 3  # accepted x2 + confidently none; the abstention is searched again
    assert {k: m.ids for k, m in later.items() if m.accepted} == {
        k: m.ids for k, m in matches.items() if m.accepted
    }
    assert len(apis.access_log()) - before == sum(again.requests.values()) == 5


def test_real_list_titles_against_the_shared_catalog(fake_apis: FakeApis) -> None:
    """tests/data/catalog.jsonl: real titles from data/raw, preprint + published records, decoys."""
    queries = [
        TitleQuery("gpt4-med", "Capabilities of GPT-4 on medical challenge problems", 2023),
        TitleQuery("clinical", "Large Language Models Encode Clinical Knowledge"),
        TitleQuery("clinical-2", "Large language models encode clinical knowledge", 2023, "Singhal, K."),
        TitleQuery("doctorglm", "DoctorGLM: Fine-tuning your Chinese Doctor is not a Herculean Task"),
        # one word short of the decoy "... on Radiology Board Challenge Problems": too close to call
        TitleQuery("radiology", "Capabilities of GPT-4 on Radiology Challenge Problems", 2024),
    ]
    resolver = TitleResolver(make_clients(fake_apis))
    out = resolver.resolve(queries)
    got = {k: (m.evidence.method, m.evidence.score, m.ids.arxiv_id, m.ids.doi) for k, m in out.items()}
    assert got == {
        "clinical": (MatchMethod.TITLE, 0.9933, "2212.13138", "10.1038/s41586-023-06291-2"),
        "clinical-2": (MatchMethod.TITLE, 0.9997, "2212.13138", "10.1038/s41586-023-06291-2"),
        "doctorglm": (MatchMethod.TITLE, 0.9933, "2304.01097", None),
        "gpt4-med": (MatchMethod.TITLE, 0.9985, "2303.13375", None),
        "radiology": (MatchMethod.ABSTAINED, 0.8808, None, None),
    }
    assert dict(resolver.requests) == {
        "s2_match": 5,
        "s2_search": 3,
        "openalex": 1,
        "arxiv": 1,
        "crossref": 1,
    }
