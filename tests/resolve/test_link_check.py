"""Link check: an id read off an entry is a claim, checked against the title of the work it names.

Titles and ids are real papers (BioGPT, Med-PaLM, Med-PaLM 2, an ACL BioNLP paper) typed in by hand;
the "wrong" rows copy a neighbour's id, as seen in the medical-LLM lists.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

import pytest

from enrich.ids import Ids
from enrich.records import FetchStatus, WorkRecord
from enrich.resolve.cluster import LinkVerdict, check_links, resolve_works
from enrich.resolve.idmap import title_key
from enrich.resolve.titles import titles_agree
from enrich.resolve.types import LinkCheck, MatchMethod

from .helpers import FakeEntry, rec

BIOGPT = "BioGPT: generative pre-trained transformer for biomedical text generation and mining"
MEDPALM = "Large Language Models Encode Clinical Knowledge"
MEDPALM2_PRE = "Towards Expert-Level Medical Question Answering with Large Language Models"
MEDPALM2_PUB = "Toward expert-level medical question answering with large language models"
ACL_TITLE = "Entity-Enriched Neural Models for Clinical Question Answering"
ACL_ID = "2020.bionlp-1.12"


def _rows(works: list) -> list[tuple[str, tuple[str, ...], Ids, tuple[tuple[str, LinkCheck], ...]]]:
    return [(w.work_id, w.entry_ids, w.ids, w.link_checks) for w in works]


@pytest.mark.parametrize(
    ("texts", "candidate", "agree"),
    [
        ([BIOGPT], MEDPALM, False),
        ([MEDPALM2_PRE], MEDPALM2_PUB, True),  # preprint vs journal wording
        ([BIOGPT.split(":")[0]], BIOGPT, True),  # a short name that is the main title
        (["Med-PaLM", MEDPALM], MEDPALM, True),  # the title matches though the name does not
        ([MEDPALM + " (Med-PaLM)"], MEDPALM, True),
        (["Clinical question answering with large language models"], MEDPALM, True),  # half shared
        (["BioGPT", BIOGPT], ACL_TITLE, False),
        (["BioGPT"], ACL_TITLE, None),  # a label alone proves nothing
    ],
)
def test_titles_agree_is_not_a_subtle_test(texts: list[str], candidate: str, agree: bool | None) -> None:
    assert titles_agree(texts, candidate) is agree


def test_copied_wrong_arxiv_id_is_flagged_not_merged_and_re_resolved_by_title() -> None:
    entries = [
        FakeEntry("biogpt", "arxiv:2210.10341", title=BIOGPT, year=2022, arxiv_id="2210.10341"),
        # Med-PaLM listed with BioGPT's arXiv id (copied from the row above)
        FakeEntry("wrong", "arxiv:2210.10341", title=MEDPALM, year=2022, arxiv_id="2210.10341"),
        FakeEntry("medpalm", "arxiv:2212.13138", title=MEDPALM, year=2022, arxiv_id="2212.13138"),
    ]
    records = [
        rec("arxiv", "2210.10341", BIOGPT, 2022, ("Renqian Luo",), arxiv_id="2210.10341"),
        rec("arxiv", "2212.13138", MEDPALM, 2022, ("Karan Singhal",), arxiv_id="2212.13138"),
    ]
    assert check_links(entries, records) == {
        "biogpt": LinkVerdict(LinkCheck.OK),
        "wrong": LinkVerdict(LinkCheck.TITLE_MISMATCH, frozenset({"arxiv:2210.10341"})),
        "medpalm": LinkVerdict(LinkCheck.OK),
    }
    works = resolve_works(entries, records, {})
    assert _rows(works) == [
        ("arxiv:2210.10341", ("biogpt",), Ids(arxiv_id="2210.10341"), (("biogpt", LinkCheck.OK),)),
        (
            "arxiv:2212.13138",
            ("medpalm", "wrong"),
            Ids(arxiv_id="2212.13138"),
            (("medpalm", LinkCheck.OK), ("wrong", LinkCheck.TITLE_MISMATCH)),
        ),
    ]
    evidence = dict(works[1].entry_evidence)["wrong"]
    assert (evidence.method, evidence.source, evidence.candidate_title) == (
        MatchMethod.TITLE,
        "arxiv",
        MEDPALM,
    )


def test_copied_wrong_arxiv_id_without_a_title_match_keeps_its_own_title_work() -> None:
    entries = [
        FakeEntry("biogpt", "arxiv:2210.10341", title=BIOGPT, arxiv_id="2210.10341"),
        FakeEntry("wrong", "arxiv:2210.10341", title=MEDPALM, arxiv_id="2210.10341"),
    ]
    records = [rec("arxiv", "2210.10341", BIOGPT, 2022, arxiv_id="2210.10341")]
    works = resolve_works(entries, records, {})
    assert _rows(works) == [
        ("arxiv:2210.10341", ("biogpt",), Ids(arxiv_id="2210.10341"), (("biogpt", LinkCheck.OK),)),
        (str(title_key(MEDPALM)), ("wrong",), Ids(), (("wrong", LinkCheck.TITLE_MISMATCH),)),
    ]
    assert works[1].records == ()  # none of BioGPT's data is attached to Med-PaLM
    assert works[1].local_title == MEDPALM


def test_copied_wrong_acl_id_shared_by_two_rows_does_not_merge_them() -> None:
    # both rows carry the ACL id, so the parser gave them one work_key
    entries = [
        FakeEntry("acl-paper", f"acl:{ACL_ID}", title=ACL_TITLE, acl_id=ACL_ID),
        FakeEntry("biogpt", f"acl:{ACL_ID}", name="BioGPT", title=BIOGPT, acl_id=ACL_ID),
    ]
    records = [
        rec("s2", f"ACL:{ACL_ID}", ACL_TITLE, 2020, acl_id=ACL_ID, corpus_id=218502441),
    ]
    works = resolve_works(entries, records, {})
    assert _rows(works) == [
        (
            f"acl:{ACL_ID}",
            ("acl-paper",),
            Ids(acl_id=ACL_ID, corpus_id=218502441),
            (("acl-paper", LinkCheck.OK),),
        ),
        (str(title_key(BIOGPT)), ("biogpt",), Ids(), (("biogpt", LinkCheck.TITLE_MISMATCH),)),
    ]


def test_two_wrong_rows_sharing_one_id_stay_apart() -> None:
    entries = [
        FakeEntry("biogpt", f"acl:{ACL_ID}", title=BIOGPT, acl_id=ACL_ID),
        FakeEntry("medpalm", f"acl:{ACL_ID}", title=MEDPALM, acl_id=ACL_ID),
    ]
    records = [rec("s2", f"ACL:{ACL_ID}", ACL_TITLE, 2020, acl_id=ACL_ID)]
    works = resolve_works(entries, records, {})
    assert sorted((w.entry_ids, w.ids, w.link_checks) for w in works) == [
        (("biogpt",), Ids(), (("biogpt", LinkCheck.TITLE_MISMATCH),)),
        (("medpalm",), Ids(), (("medpalm", LinkCheck.TITLE_MISMATCH),)),
    ]


def test_correct_preprint_and_journal_pair_is_ok_and_merged() -> None:
    doi = "10.1038/s41591-024-03423-7"
    entries = [
        FakeEntry("pre", "arxiv:2305.09617", title=MEDPALM2_PRE, year=2023, arxiv_id="2305.09617"),
        FakeEntry("pub", f"doi:{doi}", name="Med-PaLM 2", title=MEDPALM2_PUB, year=2025, doi=doi),
    ]
    records = [
        rec("arxiv", "2305.09617", MEDPALM2_PRE, 2023, arxiv_id="2305.09617"),
        rec(
            "s2", "ARXIV:2305.09617", MEDPALM2_PRE, 2023, arxiv_id="2305.09617", doi=doi, corpus_id=258715226
        ),
        rec("crossref", doi, MEDPALM2_PUB, 2025, doi=doi),
    ]
    works = resolve_works(entries, records, {})
    assert _rows(works) == [
        (
            "arxiv:2305.09617",
            ("pre", "pub"),
            Ids(arxiv_id="2305.09617", doi=doi, corpus_id=258715226),
            (("pre", LinkCheck.OK), ("pub", LinkCheck.OK)),
        )
    ]


def test_non_paper_rows_are_never_detached_and_dead_ids_are_reported() -> None:
    entries = [
        # a dataset row links the paper that introduced it; its name is not the paper's title
        FakeEntry("medqa", "arxiv:2009.13081", kind="dataset", name="MedQA", arxiv_id="2009.13081"),
        FakeEntry("dead", "doi:10.1000/gone", title=BIOGPT, doi="10.1000/gone"),
        FakeEntry("failed", "doi:10.1000/flaky", title=MEDPALM, doi="10.1000/flaky"),
        FakeEntry("untitled", "arxiv:2212.13138", kind="paper", arxiv_id="2212.13138"),
    ]
    records = [
        rec("arxiv", "2009.13081", "What Disease does this Patient Have?", 2020, arxiv_id="2009.13081"),
        rec("crossref", "10.1000/gone", status=FetchStatus.NOT_FOUND),
        rec("s2", "DOI:10.1000/gone", status=FetchStatus.NOT_FOUND),
        rec("crossref", "10.1000/flaky", status=FetchStatus.NOT_FOUND),
        rec("s2", "DOI:10.1000/flaky", status=FetchStatus.ERROR, reason="HTTP 500"),
        rec("arxiv", "2212.13138", MEDPALM, 2022, arxiv_id="2212.13138"),
    ]
    assert {k: v.check for k, v in check_links(entries, records).items()} == {
        "medqa": LinkCheck.UNCHECKED,
        "dead": LinkCheck.ID_NOT_FOUND,
        "failed": LinkCheck.UNCHECKED,
        "untitled": LinkCheck.UNCHECKED,
    }
    works = resolve_works(entries, records, {})
    assert {w.work_id: w.entry_ids for w in works}["arxiv:2009.13081"] == ("medqa",)


@pytest.mark.parametrize("label", ["Med-PaLM in Nature", "Cureus", "2304.01097", "BioBERT"])
def test_a_link_label_is_not_a_title_and_is_never_called_a_mismatch(label: str) -> None:
    assert titles_agree([label], MEDPALM) is None


def test_a_night_without_answers_keeps_the_detachment_from_the_remembered_title() -> None:
    entries = [
        FakeEntry("biogpt", "arxiv:2210.10341", title=BIOGPT, arxiv_id="2210.10341"),
        FakeEntry("wrong", "arxiv:2210.10341", title=MEDPALM, arxiv_id="2210.10341"),
    ]
    records = [rec("arxiv", "2210.10341", status=FetchStatus.ERROR, reason="HTTP 503")]
    works = resolve_works(entries, records, {}, known_titles={"arxiv:2210.10341": BIOGPT})
    assert _rows(works) == [
        ("arxiv:2210.10341", ("biogpt",), Ids(arxiv_id="2210.10341"), (("biogpt", LinkCheck.OK),)),
        (str(title_key(MEDPALM)), ("wrong",), Ids(), (("wrong", LinkCheck.TITLE_MISMATCH),)),
    ]
    # without the memory nothing can be checked, and nothing is split
    assert _rows(resolve_works(entries, records, {})) == [
        (
            "arxiv:2210.10341",
            ("biogpt", "wrong"),
            Ids(arxiv_id="2210.10341"),
            (("biogpt", LinkCheck.UNCHECKED), ("wrong", LinkCheck.UNCHECKED)),
        ),
    ]


def test_remembered_titles_are_asked_only_for_the_keys_no_source_titled_tonight() -> None:
    entries = [
        FakeEntry("biogpt", "arxiv:2210.10341", title=BIOGPT, arxiv_id="2210.10341"),
        FakeEntry("wrong", "arxiv:2210.10341", title=MEDPALM, arxiv_id="2210.10341"),
        FakeEntry("medpalm", "arxiv:2212.13138", title=MEDPALM, arxiv_id="2212.13138"),
    ]
    records = [
        rec("arxiv", "2210.10341", status=FetchStatus.ERROR, reason="HTTP 503"),
        rec("arxiv", "2212.13138", title=MEDPALM, arxiv_id="2212.13138"),
    ]
    asked: list[list[str]] = []

    def known(keys: Collection[str]) -> dict[str, str]:
        asked.append(sorted(keys))
        return {"arxiv:2210.10341": BIOGPT, "arxiv:2212.13138": "Another title"}

    works = resolve_works(entries, records, {}, known_titles=known)
    assert asked == [["arxiv:2210.10341"]]  # once, and never for an id titled tonight
    as_mapping = resolve_works(entries, records, {}, known_titles={"arxiv:2210.10341": BIOGPT})
    assert _rows(works) == _rows(as_mapping)
    assert ("wrong", LinkCheck.TITLE_MISMATCH) in [c for w in works for c in w.link_checks]


def test_a_copied_acl_id_on_a_row_grouped_with_its_own_paper_is_asked_and_cut() -> None:
    """Seed list medical-healthcare-dataset-for-llm, lines 116/119: BioGPT's row links the ACL id of
    the paper on line 119. The parser groups line 116 with BioGPT's arXiv rows (same title), so the ACL
    id is a minority claim in that group: S2 is asked about it too, and the link check cuts it."""
    from enrich.resolve.plan import plan_lookups
    from tests.snapshot.helpers import paper as spaper

    biogpt = "BioGPT: Generative Pre-trained Transformer for Biomedical Text Generation and Mining"
    lewis = "Pretrained Language Models for Biomedical and Clinical Tasks: Understanding and Extending the State-of-the-Art"
    acl = "2020.clinicalnlp-1.17"
    entries = [
        spaper("a:1", "a", 3, biogpt, arxiv_id="2210.10341", work_key="arxiv:2210.10341"),
        spaper("m:116", "m", 116, biogpt, acl_id=acl, work_key="arxiv:2210.10341"),
        spaper("m:119", "m", 119, lewis, acl_id=acl, work_key=f"acl:{acl}"),
    ]
    plan = plan_lookups(entries)
    assert [lookup.wire("s2") for lookup in plan.s2] == ["ACL:2020.clinicalnlp-1.17", "ARXIV:2210.10341"]
    t = datetime(2026, 11, 20, tzinfo=UTC)
    records = [
        WorkRecord("s2", "ARXIV:2210.10341", FetchStatus.OK, t, title=biogpt, arxiv_id="2210.10341"),
        WorkRecord("s2", f"ACL:{acl}", FetchStatus.OK, t, title=lewis, acl_id=acl),
    ]
    works = resolve_works(entries, records, {})
    assert [(w.work_id, w.entry_ids, dict(w.link_checks)) for w in works] == [
        (f"acl:{acl}", ("m:119",), {"m:119": LinkCheck.OK}),
        ("arxiv:2210.10341", ("a:1", "m:116"), {"a:1": LinkCheck.OK, "m:116": LinkCheck.TITLE_MISMATCH}),
    ]
