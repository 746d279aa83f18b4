from __future__ import annotations

from pathlib import Path

import pytest

from enrich.ids import Ids, id_keys
from enrich.resolve.cluster import resolve_works
from enrich.resolve.idmap import WorkIdMap, title_key, work_id_for
from enrich.resolve.match import TitleMatch
from enrich.resolve.types import MatchEvidence, MatchMethod

from .helpers import FakeEntry, rec

TITLE = "Low-Rank Adaptation of Large Language Models"


def test_work_id_for_order() -> None:
    full = Ids(
        arxiv_id="2106.09685",
        doi="10.1/x",
        pmid="1",
        pmcid="PMC2",
        acl_id="P1",
        corpus_id=5,
        openalex_id="W9",
    )
    assert work_id_for(full, TITLE) == "arxiv:2106.09685"
    assert work_id_for(Ids(doi="10.1/x", pmid="1"), TITLE) == "doi:10.1/x"
    assert work_id_for(Ids(pmcid="PMC2", acl_id="P1"), None) == "pmcid:PMC2"
    assert work_id_for(Ids(corpus_id=5, openalex_id="W9"), None) == "corpus:5"
    assert work_id_for(Ids(s2_paper_id="abc"), "T") == title_key("T")
    assert id_keys(full) == [
        "arxiv:2106.09685",
        "doi:10.1/x",
        "pmid:1",
        "pmcid:PMC2",
        "acl:P1",
        "corpus:5",
        "openalex:W9",
    ]
    with pytest.raises(ValueError, match="needs an identifier or a non-empty title"):
        work_id_for(Ids(), "  ")


def test_preprint_gaining_a_doi_keeps_its_id_even_without_memory() -> None:
    entries = [FakeEntry("e1", "k1", title=TITLE, arxiv_id="2106.09685")]
    night1 = resolve_works(entries, [rec("s2", "ARXIV:2106.09685", TITLE, arxiv_id="2106.09685")], {})
    night2 = resolve_works(
        entries, [rec("s2", "ARXIV:2106.09685", TITLE, arxiv_id="2106.09685", doi="10.1000/iclr.lora")], {}
    )
    assert [w.work_id for w in night1] == [w.work_id for w in night2] == ["arxiv:2106.09685"]
    assert night2[0].ids.doi == "10.1000/iclr.lora"


def test_published_work_gaining_an_arxiv_id_keeps_its_id_with_the_map(tmp_path: Path) -> None:
    entries = [FakeEntry("e1", "k1", title=TITLE, doi="10.1000/pub")]
    path = tmp_path / "state" / "work_ids.sqlite"
    with WorkIdMap(path) as ids:
        night1 = resolve_works(
            entries, [rec("s2", "DOI:10.1000/pub", TITLE, doi="10.1000/pub")], {}, id_map=ids
        )
    discovered = [rec("s2", "DOI:10.1000/pub", TITLE, doi="10.1000/pub", arxiv_id="2106.09685")]
    with WorkIdMap(path) as ids:  # a later night, a new process
        night2 = resolve_works(entries, discovered, {}, id_map=ids)
        again = resolve_works(entries, discovered, {}, id_map=ids)
    assert (
        [w.work_id for w in night1]
        == [w.work_id for w in night2]
        == [w.work_id for w in again]
        == ["doi:10.1000/pub"]
    )
    # without the memory the derived id would have moved to the arXiv id
    assert [w.work_id for w in resolve_works(entries, discovered, {})] == ["arxiv:2106.09685"]


def test_title_only_work_keeps_its_id_once_resolved() -> None:
    entries = [FakeEntry("e1", "k1", title=TITLE)]
    with WorkIdMap(":memory:") as ids:
        night1 = resolve_works(entries, [], {}, id_map=ids)
        match = TitleMatch(
            "k1", MatchEvidence(MatchMethod.TITLE, 0.99, "s2"), None, Ids(arxiv_id="2106.09685")
        )
        night2 = resolve_works(
            entries, [rec("arxiv", "2106.09685", TITLE, arxiv_id="2106.09685")], {"k1": match}, id_map=ids
        )
    assert night1[0].work_id == night2[0].work_id == title_key(TITLE)
    assert night2[0].evidence.method is MatchMethod.TITLE and night2[0].ids.arxiv_id == "2106.09685"


def test_merged_works_keep_the_earliest_id_and_record_an_alias() -> None:
    entries = [
        FakeEntry("a", "k1", title=TITLE, doi="10.1000/pub"),
        FakeEntry("b", "k2", title=TITLE, arxiv_id="2106.09685"),
    ]
    with WorkIdMap(":memory:") as ids:
        night1 = resolve_works(entries, [], {}, id_map=ids)
        link = rec("s2", "ARXIV:2106.09685", TITLE, arxiv_id="2106.09685", doi="10.1000/pub")
        night2 = resolve_works(entries, [link], {}, id_map=ids)
        aliases = dict(ids.aliases())
    assert [w.work_id for w in night1] == ["arxiv:2106.09685", "doi:10.1000/pub"]
    assert [(w.work_id, w.entry_ids) for w in night2] == [("arxiv:2106.09685", ("a", "b"))]
    assert aliases == {"doi:10.1000/pub": "arxiv:2106.09685"}


def test_a_night_is_one_transaction_kept_on_success_dropped_on_failure(tmp_path: Path) -> None:
    path = tmp_path / "work_ids.sqlite"
    with WorkIdMap(path) as ids:
        assert ids.assign(["doi:10.1000/a"], "doi:10.1000/a") == "doi:10.1000/a"
    with pytest.raises(RuntimeError), WorkIdMap(path) as ids:  # a night that fails half-way
        assert ids.assign(["doi:10.1000/b", "arxiv:2106.09685"], "arxiv:2106.09685") == "arxiv:2106.09685"
        raise RuntimeError("crash after an assignment")
    with WorkIdMap(path) as ids:
        # the failed night's assignment was rolled back: the DOI is unknown, so the id is derived
        assert ids.assign(["doi:10.1000/b"], "doi:10.1000/b") == "doi:10.1000/b"
    with WorkIdMap(path) as ids:
        # both earlier nights that succeeded were kept, in order: the first-assigned id wins a merge
        assert ids.assign(["doi:10.1000/a", "doi:10.1000/b"], "doi:10.1000/a") == "doi:10.1000/a"
        assert ids.aliases() == {"doi:10.1000/b": "doi:10.1000/a"}
