"""The entities table and entries.entity_id end to end: entries -> resolve_works -> build_tables (exact rows).

Titles and ids are the real ones of papers the seed lists link (DoctorGLM, ChatDoctor, MedQA).
"""

from __future__ import annotations

from typing import Any

from enrich.entities import TOOLKIT_MIN_PAPERS
from enrich.resolve.cluster import resolve_works
from enrich.resolve.match import decide
from enrich.resolve.plan import cites_by_title, plan_lookups
from enrich.tables import build_tables

from .helpers import D1, T1, blank_row, entry, hf, hf_entry, paper, repo, repo_entry, wrec

DOCTORGLM = "DoctorGLM: Fine-tuning your Chinese Doctor is not a Herculean Task"
DOCTORGLM_ARXIV = "2304.01097"
MEDQA = (
    "What Disease does this Patient Have? A Large-scale Open Domain Question Answering Dataset "
    "from Medical Exams"
)
MEDQA_ARXIV = "2009.13081"


def _entity_rows(tables: Any, *columns: str) -> list[dict[str, Any]]:
    return list(tables.entities.select(list(columns)).to_pylist())


def test_a_dataset_row_citing_its_paper_by_title_is_resolved_and_joins_the_paper() -> None:
    entries = [
        paper("a:1", "a", 1, MEDQA, arxiv_id=MEDQA_ARXIV, work_key=f"arxiv:{MEDQA_ARXIV}"),
        # the dataset list names the dataset, links its Hub copy and cites the paper by title only
        entry(
            "d:1",
            "d",
            1,
            "Datasets",
            "dataset",
            "MedQA",
            MEDQA.lower(),
            hf_id="bigbio/med_qa",
            hf_kind="dataset",
            work_key="hf:dataset:bigbio/med_qa",
        ),
        entry("d:2", "d", 2, "Datasets", "dataset", "PubMed", "PubMed Data", work_key="name:pubmed"),
    ]
    assert [cites_by_title(e) for e in entries] == [False, True, False]
    (query,) = plan_lookups(entries).title_queries
    assert (query.work_key, query.title) == ("hf:dataset:bigbio/med_qa", MEDQA.lower())
    record = wrec("s2", "ARXIV:" + MEDQA_ARXIV, title=MEDQA, arxiv_id=MEDQA_ARXIV, year=2020)
    match = decide(query, [record])
    assert match.accepted
    resolved = resolve_works(entries, [record], {query.work_key: match})
    tables = build_tables(
        entries,
        resolved,
        [],
        [hf("dataset", "bigbio/med_qa", likes=40, downloads=900)],
        snapshot_date=D1,
        previous=None,
    )
    assert tables.entries.select(["entry_id", "work_id", "entity_id"]).to_pylist() == [
        {"entry_id": "a:1", "work_id": f"arxiv:{MEDQA_ARXIV}", "entity_id": f"arxiv:{MEDQA_ARXIV}"},
        {"entry_id": "d:1", "work_id": f"arxiv:{MEDQA_ARXIV}", "entity_id": f"arxiv:{MEDQA_ARXIV}"},
        {"entry_id": "d:2", "work_id": None, "entity_id": None},
    ]
    assert tables.entities.to_pylist() == [
        blank_row(
            "entities",
            entity_id=f"arxiv:{MEDQA_ARXIV}",
            entity_type="work",
            display_name=MEDQA,
            work_id=f"arxiv:{MEDQA_ARXIV}",
            repo_ids=[],
            hf_item_ids=["dataset:bigbio/med_qa"],
            links=[{"id": "dataset:bigbio/med_qa", "link_source": "same_entry", "confidence": 0.9}],
            list_ids=["a", "d"],
            entry_ids=["a:1", "d:1"],
            entry_count=2,
            likes=40,
            likes_as_of=D1,
            downloads=900,
            downloads_as_of=D1,
        )
    ]


def test_a_repo_whose_readme_cites_the_paper_and_a_hub_model_tagged_with_it_are_linked() -> None:
    entries = [
        paper("a:1", "a", 1, DOCTORGLM, arxiv_id=DOCTORGLM_ARXIV, work_key=f"arxiv:{DOCTORGLM_ARXIV}"),
        repo_entry("b:1", "b", 1, "xionghonglin/DoctorGLM"),
        hf_entry("c:1", "c", 1, "model", "zhaozh/DoctorGLM"),
    ]
    record = wrec("s2", f"ARXIV:{DOCTORGLM_ARXIV}", title=DOCTORGLM, arxiv_id=DOCTORGLM_ARXIV)
    tables = build_tables(
        entries,
        resolve_works(entries, [record], {}),
        [repo("xionghonglin/doctorglm", stars=700, paper_refs=((f"arxiv:{DOCTORGLM_ARXIV}", "readme"),))],
        [hf("model", "zhaozh/DoctorGLM", likes=12, downloads=30, arxiv_ids=(DOCTORGLM_ARXIV,))],
        snapshot_date=D1,
        previous=None,
    )
    assert _entity_rows(tables, "entity_id", "repo_ids", "hf_item_ids", "links", "list_ids", "stars") == [
        {
            "entity_id": f"arxiv:{DOCTORGLM_ARXIV}",
            "repo_ids": ["xionghonglin/doctorglm"],
            "hf_item_ids": ["model:zhaozh/doctorglm"],
            "links": [
                {"id": "xionghonglin/doctorglm", "link_source": "repo_readme", "confidence": 0.7},
                {"id": "model:zhaozh/doctorglm", "link_source": "hf_arxiv_tag", "confidence": 0.95},
            ],
            "list_ids": ["a", "b", "c"],
            "stars": 700,
        }
    ]
    assert tables.repos.select(["repo_id", "paper_refs"]).to_pylist() == [
        {
            "repo_id": "xionghonglin/doctorglm",
            "paper_refs": [{"ref": f"arxiv:{DOCTORGLM_ARXIV}", "found_in": "readme"}],
        }
    ]
    assert tables.entries.column("entity_id").to_pylist() == [f"arxiv:{DOCTORGLM_ARXIV}"] * 3


def test_a_toolkit_repo_citing_twenty_papers_is_the_code_of_none() -> None:
    ids = [f"2301.{10000 + i}" for i in range(20)]
    entries = [
        paper(f"a:{i}", "a", i + 1, f"Paper number {i} about clinical reasoning", arxiv_id=a)
        for i, a in enumerate(ids)
    ]
    entries.append(repo_entry("b:1", "b", 1, "someone/awesome-medical-llm"))
    records = [
        wrec("s2", f"ARXIV:{a}", title=f"Paper number {i} about clinical reasoning", arxiv_id=a)
        for i, a in enumerate(ids)
    ]
    toolkit = repo(
        "someone/awesome-medical-llm", stars=9000, paper_refs=tuple((f"arxiv:{a}", "readme") for a in ids)
    )
    tables = build_tables(
        entries, resolve_works(entries, records, {}), [toolkit], [], snapshot_date=D1, previous=None
    )
    rows = _entity_rows(tables, "entity_id", "entity_type", "repo_ids", "links", "stars")
    assert len(rows) == 21
    assert [r for r in rows if r["repo_ids"]] == [
        {
            "entity_id": "repo:someone/awesome-medical-llm",
            "entity_type": "repo",
            "repo_ids": ["someone/awesome-medical-llm"],
            "links": [],
            "stars": 9000,
        }
    ]
    assert all(r["links"] == [] and r["stars"] is None for r in rows if r["entity_type"] == "work")
    assert TOOLKIT_MIN_PAPERS <= 20


def test_an_entity_spans_four_lists() -> None:
    entries = [
        paper("a:7", "a", 7, DOCTORGLM, arxiv_id=DOCTORGLM_ARXIV, work_key=f"arxiv:{DOCTORGLM_ARXIV}"),
        paper(
            "b:3",
            "b",
            3,
            DOCTORGLM,
            arxiv_id=DOCTORGLM_ARXIV,
            github_repo="xionghonglin/doctorglm",
            work_key=f"arxiv:{DOCTORGLM_ARXIV}",
        ),
        repo_entry("c:2", "c", 2, "xionghonglin/DoctorGLM"),
        hf_entry("d:9", "d", 9, "model", "zhaozh/DoctorGLM"),
        paper("d:1", "d", 1, MEDQA, arxiv_id=MEDQA_ARXIV, work_key=f"arxiv:{MEDQA_ARXIV}"),
    ]
    records = [
        wrec("s2", f"ARXIV:{DOCTORGLM_ARXIV}", title=DOCTORGLM, arxiv_id=DOCTORGLM_ARXIV, citation_count=80),
        wrec("s2", f"ARXIV:{MEDQA_ARXIV}", title=MEDQA, arxiv_id=MEDQA_ARXIV, citation_count=300),
    ]
    tables = build_tables(
        entries,
        resolve_works(entries, records, {}),
        [repo("xionghonglin/doctorglm", stars=700)],
        [hf("model", "zhaozh/DoctorGLM", likes=12, downloads=30, arxiv_ids=(DOCTORGLM_ARXIV,))],
        snapshot_date=D1,
        previous=None,
    )
    doctorglm = blank_row(
        "entities",
        entity_id=f"arxiv:{DOCTORGLM_ARXIV}",
        entity_type="work",
        display_name=DOCTORGLM,
        work_id=f"arxiv:{DOCTORGLM_ARXIV}",
        repo_ids=["xionghonglin/doctorglm"],
        hf_item_ids=["model:zhaozh/doctorglm"],
        links=[
            {"id": "xionghonglin/doctorglm", "link_source": "same_entry", "confidence": 0.9},
            {"id": "model:zhaozh/doctorglm", "link_source": "hf_arxiv_tag", "confidence": 0.95},
        ],
        list_ids=["a", "b", "c", "d"],
        entry_ids=["a:7", "b:3", "c:2", "d:9"],
        entry_count=4,
        citation_count_s2=80,
        citation_count_s2_as_of=D1,
        stars=700,
        stars_repo_id="xionghonglin/doctorglm",
        stars_as_of=D1,
        likes=12,
        likes_as_of=D1,
        downloads=30,
        downloads_as_of=D1,
    )
    medqa = blank_row(
        "entities",
        entity_id=f"arxiv:{MEDQA_ARXIV}",
        entity_type="work",
        display_name=MEDQA,
        work_id=f"arxiv:{MEDQA_ARXIV}",
        repo_ids=[],
        hf_item_ids=[],
        links=[],
        list_ids=["d"],
        entry_ids=["d:1"],
        entry_count=1,
        citation_count_s2=300,
        citation_count_s2_as_of=D1,
    )
    assert tables.entities.to_pylist() == [medqa, doctorglm]


def test_a_night_over_rest_keeps_the_readme_refs_an_earlier_graphql_night_read() -> None:
    from enrich.tables import PreviousSnapshot

    from .helpers import D2, T2

    entries = [repo_entry("b:1", "b", 1, "xionghonglin/DoctorGLM")]
    ref = (f"arxiv:{DOCTORGLM_ARXIV}", "readme")
    night1 = build_tables(
        entries,
        [],
        [repo("xionghonglin/doctorglm", stars=700, paper_refs=(ref,), readme_read=True)],
        [],
        snapshot_date=D1,
        previous=None,
    )
    previous = PreviousSnapshot.of(
        D1, entries=night1.entries, works=night1.works, repos=night1.repos, hf_items=night1.hf_items
    )
    night2 = build_tables(
        entries,
        [],
        [repo("xionghonglin/doctorglm", T2, stars=710, paper_refs=(("doi:10.1234/x", "description"),))],
        [],
        snapshot_date=D2,
        previous=previous,
    )
    assert night2.repos.select(["stars", "paper_refs"]).to_pylist() == [
        {
            "stars": 710,
            "paper_refs": [
                {"ref": f"arxiv:{DOCTORGLM_ARXIV}", "found_in": "readme"},
                {"ref": "doi:10.1234/x", "found_in": "description"},
            ],
        }
    ]


def test_a_snapshot_written_before_entities_existed_reads_as_an_empty_entities_table(tmp_path: Any) -> None:
    import json
    import shutil

    import pytest

    from enrich.errors import SnapshotError
    from enrich.schemas import ENTITIES_SCHEMA
    from enrich.snapshot import read_table, write_snapshot

    from .helpers import build, lora_night, manifest

    path = write_snapshot(tmp_path, build(lora_night(T1), D1), manifest(D1))
    shutil.rmtree(tmp_path / "entities")
    with pytest.raises(SnapshotError, match="missing although its manifest exists"):
        read_table(tmp_path, "entities", D1)
    data = json.loads(path.read_text())
    del data["files"]["entities"], data["tables"]["entities"]
    data["schema_version"] = "1.1"
    path.write_text(json.dumps(data))
    got = read_table(tmp_path, "entities", D1)
    assert (got.num_rows, got.schema.equals(ENTITIES_SCHEMA)) == (0, True)


def test_a_model_row_with_code_and_weights_but_no_paper_is_one_entity() -> None:
    row = entry(
        "m:5",
        "m",
        5,
        "Models",
        "model",
        "Visual Med-Alpaca",
        None,
        github_repo="cambridgeltl/visual-med-alpaca",
        hf_id="cambridgeltl/visual-med-alpaca",
        hf_kind="model",
        work_key="github:cambridgeltl/visual-med-alpaca",
    )
    tables = build_tables(
        [row],
        [],
        [repo("cambridgeltl/visual-med-alpaca", stars=400)],
        [hf("model", "cambridgeltl/visual-med-alpaca", likes=9)],
        snapshot_date=D1,
        previous=None,
    )
    assert _entity_rows(
        tables, "entity_id", "entity_type", "repo_ids", "hf_item_ids", "links", "entry_ids"
    ) == [
        {
            "entity_id": "repo:cambridgeltl/visual-med-alpaca",
            "entity_type": "repo",
            "repo_ids": ["cambridgeltl/visual-med-alpaca"],
            "hf_item_ids": ["model:cambridgeltl/visual-med-alpaca"],
            "links": [
                {"id": "model:cambridgeltl/visual-med-alpaca", "link_source": "same_entry", "confidence": 0.9}
            ],
            "entry_ids": ["m:5"],
        }
    ]
