"""A small two-night world for the report tests: one list, a catalog for the API double per night.

Night one (2026-11-21) and night two (2026-11-22): counts grow, a repo is renamed on night two,
another answers 404, one is archived, one has not been pushed for years; a preprint has a journal
version; one entry's title names a different paper than its link; one paper cannot be resolved.
Invented records (no provenance needed): names and ids are made up except public arXiv/DOI ids.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

N1, N2 = date(2026, 11, 21), date(2026, 11, 22)

LIST_TEXT = """# Clinical NLP list

## Papers

- [Large Language Models Encode Clinical Knowledge](https://arxiv.org/abs/2212.13138) (2022)
- [SciBERT: A Pretrained Language Model for Scientific Text](https://arxiv.org/abs/1903.10676)
- [A survey of protein folding with quantum annealers](https://doi.org/10.1145/3458754)
- [A Paper No Index Knows](https://arxiv.org/abs/2101.00001) (2021)

## Code

- [Visual Med-Alpaca](https://github.com/cambridgeltl/visual-med-alpaca)
- [Old Name Tool](https://github.com/acme/old-name)
- [Gone Repo](https://github.com/ghost/vanished)
- [Archived Thing](https://github.com/acme/archived-thing)

## Models

- [Meditron](https://huggingface.co/epfl-llm/meditron-7b)
"""

SECOND_LIST = """# Second list

- [SciBERT](https://arxiv.org/abs/1903.10676)
- [Visual Med-Alpaca](https://github.com/cambridgeltl/visual-med-alpaca)
"""


def catalog(night: int) -> list[dict[str, Any]]:
    bump = 0 if night == 1 else 1
    records: list[dict[str, Any]] = [
        {
            "type": "work",
            "arxiv_id": "2212.13138",
            "doi": "10.1038/s41586-023-06291-2",
            "title": "Large language models encode clinical knowledge",
            "authors": [{"name": "Karan Singhal"}],
            "year": 2023,
            "venue": "Nature",
            "citation_count": 1200 + 150 * bump,
        },
        {
            "type": "work",
            "arxiv_id": "1903.10676",
            "title": "SciBERT: A Pretrained Language Model for Scientific Text",
            "authors": [{"name": "Iz Beltagy"}],
            "year": 2019,
            "venue": "EMNLP",
            "citation_count": 3000 + 40 * bump,
        },
        {
            "type": "work",
            "doi": "10.1145/3458754",
            "title": "Domain-Specific Language Model Pretraining for Biomedical Natural Language Processing",
            "authors": [{"name": "Yu Gu"}],
            "year": 2021,
            "venue": "ACM Transactions on Computing for Healthcare",
            "citation_count": 1500 + 25 * bump,
        },
        {
            "type": "repo",
            "full_name": "cambridgeltl/visual-med-alpaca",
            "stars": 400 + 35 * bump,
            "pushed_at": "2026-10-01T00:00:00Z",
            "created_at": "2023-04-01T00:00:00Z",
        },
        {
            "type": "repo",
            "full_name": "acme/archived-thing",
            "stars": 90,
            "archived": True,
            "pushed_at": "2021-01-05T00:00:00Z",
            "created_at": "2019-04-01T00:00:00Z",
        },
        {"type": "repo", "full_name": "ghost/vanished", "status": 404},
        {
            "type": "hf",
            "id": "epfl-llm/meditron-7b",
            "kind": "model",
            "likes": 200 + 9 * bump,
            "downloads": 5000,
        },
    ]
    if night == 1:
        records.append(
            {"type": "repo", "full_name": "acme/old-name", "stars": 50, "pushed_at": "2026-09-01T00:00:00Z"}
        )
    else:
        records += [
            {"type": "repo", "full_name": "acme/old-name", "renamed_to": "acme/new-name"},
            {"type": "repo", "full_name": "acme/new-name", "stars": 61, "pushed_at": "2026-11-01T00:00:00Z"},
        ]
    return records


def write_lists(lists: Path) -> Path:
    lists.mkdir(parents=True, exist_ok=True)
    (lists / "clinical-nlp.md").write_text(LIST_TEXT, encoding="utf-8")
    (lists / "second.md").write_text(SECOND_LIST, encoding="utf-8")
    return lists


def write_night(
    lists: Path, out: Path, night: int, *, github_down: bool = False, all_down: bool = False
) -> Path:
    """One night without the engine: the real parse, clients (against the double), resolution, tables."""
    from enrich import pipeline
    from enrich.clients import Clients
    from enrich.config import Credentials
    from enrich.snapshot import read_previous, write_snapshot
    from fakeapis import FakeApis

    day = N1 if night == 1 else N2
    with FakeApis(catalog(night)) as apis:
        endpoints = apis.endpoints
        if github_down:
            endpoints = dataclasses.replace(endpoints, github="http://127.0.0.1:9")
        if all_down:
            closed = dict.fromkeys(endpoints.roots, "http://127.0.0.1:9")
            endpoints = dataclasses.replace(endpoints, **closed)
        clients = Clients.from_config(endpoints, Credentials(), cache_dir=None, rate_limits=False)
        parsed = pipeline.parse_lists(lists)
        previous = read_previous(out, before=day)
        known = pipeline.repo_states(previous)
        items = pipeline.source_items(parsed.entries, {}, known)
        results = [
            pipeline.fetch_batch(clients, b, known=known)
            for bs in pipeline.plan_batches(items).values()
            for b in bs
        ]
        results = pipeline.settle_missing(results, previous)  # as flows.nightly does
        works, repos, hf = pipeline.collect(results)
        works = works + pipeline.remembered_links(previous, works)
        resolved = pipeline.resolve(parsed.entries, works, {})
        built = pipeline.build(parsed.entries, resolved, repos, hf, snapshot_date=day, previous=previous)
        stats = pipeline.source_stats(clients, list(pipeline.SOURCES), results, carried=previous is not None)
        facts = pipeline.RunFacts(
            snapshot_date=day,
            run_id=f"night-{night}",
            started_at=datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC),
            sources=stats,
        )
        return write_snapshot(out, built.tables, pipeline.manifest(facts))
