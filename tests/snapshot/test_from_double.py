"""Exact rows from the API double: a small list through the real parse, clients, resolution and tables.

Night one: every source answers. Night two: GitHub and Semantic Scholar are unreachable, so their
values are carried forward from night one's snapshot with their ``_as_of`` dates.
"""

from __future__ import annotations

import dataclasses
import socket
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from enrich import pipeline
from enrich.clients import Clients
from enrich.config import Credentials, Endpoints
from enrich.snapshot import load, read_previous, write_snapshot
from enrich.tables import PreviousSnapshot, Tables, build_tables
from fakeapis import FakeApis

from .helpers import blank_row, manifest

N1, N2 = date(2026, 11, 21), date(2026, 11, 22)

LIST = """# Test list

## Papers

- [Large Language Models Encode Clinical Knowledge](https://arxiv.org/abs/2212.13138) (2022)
- [Large language models encode clinical knowledge](https://doi.org/10.1038/s41586-023-06291-2), Nature 2023

## Code

- [COVID-Dialogue](https://github.com/UCSD-AI4H/COVID-Dialogue)
- [Medical-Dialogue-System](https://github.com/ucsd-ai4h/medical-dialogue-system)
- [stanford](https://github.com/tatsu-lab/stanford)

## Models

- [PubMedGPT](https://huggingface.co/stanford-crfm/pubmedgpt)
- [BioMedLM](https://huggingface.co/stanford-crfm/BioMedLM)
"""

MED_PALM_AUTHORS = [
    {"name": "Karan Singhal", "s2_author_id": "632267342", "orcid": None},
    {"name": "Shekoofeh Azizi", "s2_author_id": "152137306", "orcid": None},
    {"name": "Tao Tu", "s2_author_id": "409489815", "orcid": None},
    {"name": "S. Sara Mahdavi", "s2_author_id": "368063833", "orcid": None},
    {"name": "Jason Wei", "s2_author_id": "952873464", "orcid": None},
]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def night(lists: Path, endpoints: Endpoints, day: date, previous: PreviousSnapshot | None) -> Tables:
    clients = Clients.from_config(endpoints, Credentials(), cache_dir=None, rate_limits=False)
    parsed = pipeline.parse_lists(lists)
    items = pipeline.source_items(parsed.entries)
    results = [pipeline.fetch_batch(clients, b) for bs in pipeline.plan_batches(items).values() for b in bs]
    works, repos, hf = pipeline.collect(results)
    resolved = pipeline.resolve(parsed.entries, works, {})
    return build_tables(parsed.entries, resolved, repos, hf, snapshot_date=day, previous=previous)


def without_fetched_at(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        fetched = row.pop("fetched_at")
        assert fetched is None or (
            isinstance(fetched, datetime) and fetched.utcoffset() == UTC.utcoffset(None)
        )
        out.append(row)
    return out


def test_two_nights_from_the_api_double(tmp_path: Path, catalog_path: Path) -> None:
    lists, out = tmp_path / "lists", tmp_path / "out"
    lists.mkdir()
    (lists / "test-list.md").write_text(LIST, encoding="utf-8")
    with FakeApis(catalog_path) as apis:
        one = night(lists, apis.endpoints, N1, None)
        write_snapshot(out, one, manifest(N1, "night-1"))
        dead = f"http://127.0.0.1:{closed_port()}"
        down = dataclasses.replace(apis.endpoints, github=dead, s2=dead)
        two = night(lists, down, N2, read_previous(out, N2))

    # preprint and Nature version are one work; identifiers cross-walked; counts side by side
    med_palm = blank_row(
        "works",
        work_id="arxiv:2212.13138",
        title="Large language models encode clinical knowledge",
        abstract="Large language models (LLMs) have demonstrated impressive capabilities in natural language "
        "understanding and generation, but the quality bar for medical and clinical applications is high. "
        "We present MultiMedQA and Med-PaLM.",
        abstract_source="arxiv",
        authors=MED_PALM_AUTHORS,
        year=2023,
        publication_date=date(2023, 7, 12),
        venue="Nature",
        work_type="article",
        arxiv_id="2212.13138",
        doi="10.1038/s41586-023-06291-2",
        pmid="37438534",
        pmcid="PMC10396962",
        s2_paper_id="393f287e0451e5e92b09f17f705e5c461d3527ad",
        corpus_id=310553311,
        openalex_id="W4384071683",
        citation_count=2303,
        citation_count_source="s2",
        citation_count_as_of=N1,
        citation_count_s2=2303,
        citation_count_s2_as_of=N1,
        citation_count_openalex=2012,
        citation_count_openalex_as_of=N1,
        citation_count_crossref=2303,
        citation_count_crossref_as_of=N1,
        influential_citation_count=120,
        influential_citation_count_as_of=N1,
        reference_count=94,
        match_method="crosswalk",
        match_score=1.0,
        match_source="s2",
        list_ids=["test-list"],
        entry_ids=["test-list:a214b5ba43aa47b4", "test-list:c2594c387f02fc39"],
        entry_count=2,
        sources=["arxiv", "crossref", "openalex", "s2"],
        status_arxiv="ok",
        status_s2="ok",
        status_openalex="ok",
        status_crossref="ok",
        status="ok",
        metadata_as_of=N1,
    )
    assert one.works.to_pylist() == [med_palm]
    repo_one = blank_row(
        "repos",
        repo_id="ucsd-ai4h/medical-dialogue-system",
        full_name="UCSD-AI4H/Medical-Dialogue-System",
        previous_names=["ucsd-ai4h/covid-dialogue"],
        github_id=252009117,
        stars=580,
        stars_as_of=N1,
        forks=120,
        open_issues=7,
        watchers=19,
        pushed_at=datetime(2022, 2, 1, tzinfo=UTC),
        created_at=datetime(2020, 4, 1, tzinfo=UTC),
        archived=False,
        description="Medical dialogue datasets (MedDialog)",
        language="Python",
        status="ok",
        fetch_status="ok",
        list_ids=["test-list"],
        entry_count=2,
    )
    gone = blank_row(
        "repos",
        repo_id="tatsu-lab/stanford",
        full_name="tatsu-lab/stanford",
        status="not_found",
        fetch_status="not_found",
        list_ids=["test-list"],
        entry_count=1,
    )
    del repo_one["fetched_at"], gone["fetched_at"]
    assert without_fetched_at(one.repos.to_pylist()) == [gone, repo_one]
    biomedlm = blank_row(
        "hf_items",
        hf_item_id="model:stanford-crfm/biomedlm",
        kind="model",
        hf_id="stanford-crfm/BioMedLM",
        previous_ids=["model:stanford-crfm/pubmedgpt"],
        likes=420,
        likes_as_of=N1,
        downloads=3100,
        downloads_as_of=N1,
        last_modified=datetime(2024, 1, 1, tzinfo=UTC),
        gated=False,
        tags=["transformers", "pytorch", "gpt2", "text-generation"],
        status="ok",
        fetch_status="ok",
        list_ids=["test-list"],
        entry_count=2,
    )
    del biomedlm["fetched_at"]
    assert without_fetched_at(one.hf_items.to_pylist()) == [biomedlm]
    assert [
        (e["name"] or e["title"], e["work_id"], e["repo_id"], e["hf_item_id"])
        for e in one.entries.to_pylist()
    ] == [
        ("PubMedGPT", None, None, "model:stanford-crfm/biomedlm"),
        ("stanford", None, "tatsu-lab/stanford", None),
        ("COVID-Dialogue", None, "ucsd-ai4h/medical-dialogue-system", None),
        ("Large language models encode clinical knowledge", "arxiv:2212.13138", None, None),
        ("Large Language Models Encode Clinical Knowledge", "arxiv:2212.13138", None, None),
        ("Medical-Dialogue-System", None, "ucsd-ai4h/medical-dialogue-system", None),
        ("BioMedLM", None, None, "model:stanford-crfm/biomedlm"),
    ]

    # night two: S2 and GitHub down -> night one's values stay, dated night one
    (work2,) = two.works.to_pylist()
    assert {k: work2[k] for k in ("citation_count", "citation_count_source", "citation_count_as_of")} == {
        "citation_count": 2303,
        "citation_count_source": "s2",
        "citation_count_as_of": N1,
    }
    assert (work2["citation_count_s2_as_of"], work2["citation_count_openalex_as_of"]) == (N1, N2)
    assert (work2["influential_citation_count"], work2["s2_paper_id"], work2["authors"]) == (
        120,
        "393f287e0451e5e92b09f17f705e5c461d3527ad",
        MED_PALM_AUTHORS,
    )
    assert (work2["status"], work2["status_s2"], work2["sources"]) == (
        "stale",
        "error",
        ["arxiv", "crossref", "openalex"],
    )
    repos2 = {r["repo_id"]: r for r in two.repos.to_pylist()}
    alive = repos2["ucsd-ai4h/medical-dialogue-system"]
    assert (alive["stars"], alive["stars_as_of"], alive["status"], alive["fetch_status"]) == (
        580,
        N1,
        "stale",
        "error",
    )
    assert alive["previous_names"] == ["ucsd-ai4h/covid-dialogue"]
    assert repos2["tatsu-lab/stanford"]["status"] == "unavailable"
    assert [r["metric"] for r in two.metrics_history.to_pylist() if r["entity_type"] == "repo"] == []

    write_snapshot(out, two, manifest(N2, "night-2", partial=True))
    stars = load("metrics_history", "all", out)
    stars = stars[stars["metric"] == "stars"]
    assert list(zip(stars["snapshot_date"].dt.date, stars["entity_id"], stars["value"], strict=True)) == [
        (N1, "ucsd-ai4h/medical-dialogue-system", 580)
    ]
