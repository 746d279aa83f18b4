from __future__ import annotations

from datetime import date

import pyarrow as pa

from enrich.records import SourceStats
from enrich.summary import (
    Coverage,
    ListLinkChecks,
    Mover,
    RunSummary,
    Share,
    coverage,
    link_checks,
    render_markdown,
    top_movers,
)

ENTRIES = pa.table(
    {
        "entry_id": ["e1", "e2", "e3", "e4"],
        "work_id": ["w1", "w1", None, "w2"],
        "repo_id": [None, "a/b", "c/d", None],
    }
)
WORKS = pa.table(
    {
        "work_id": ["w1", "w2"],
        "title": ["One", "Two | x"],
        "abstract": ["text", " "],
        "citation_count": [10, None],
    }
)
REPOS = pa.table(
    {"repo_id": ["a/b", "c/d", "e/f"], "full_name": ["A/b", "C/d", "E/f"], "stars": [120, 7, 50]}
)
PREV_REPOS = pa.table(
    {
        "repo_id": ["a/b", "c/d", "e/f", "g/h"],
        "full_name": ["A/b", "C/d", "E/f", "G/h"],
        "stars": [100, 9, 30, 1],
    }
)


def test_coverage_counts() -> None:
    assert coverage(ENTRIES, WORKS, REPOS) == Coverage(
        entries_with_work=Share(3, 4),
        entries_with_repo=Share(2, 4),
        works_with_abstract=Share(1, 2),
        works_with_citations=Share(1, 2),
        repos_with_stars=Share(3, 3),
    )
    assert str(Share(1, 3)) == "1 / 3 (33.3%)"
    assert str(Share(0, 0)) == "0 / 0 (0.0%)"


def test_top_movers_rank_increases_only() -> None:
    assert top_movers(REPOS, PREV_REPOS, key="repo_id", value="stars", label="full_name") == (
        Mover("a/b", "A/b", 100, 120),
        Mover("e/f", "E/f", 30, 50),
    )
    assert top_movers(REPOS, PREV_REPOS, key="repo_id", value="stars", label="full_name", limit=1) == (
        Mover("a/b", "A/b", 100, 120),
    )
    assert top_movers(REPOS, None, key="repo_id", value="stars", label="full_name") == ()


def test_render_markdown_exact() -> None:
    summary = RunSummary(
        snapshot_date=date(2026, 11, 22),
        partial=True,
        sources={
            "s2": SourceStats("s2", requests=3, ok=10, not_found=1, errors=0, deferred=0, cache_hits=2),
            "github": SourceStats(
                "github",
                requests=1,
                errors=3,
                unreachable=True,
                message="github: unreachable (connection refused)",
                served=False,
                reason="github: 0 of 3 items served (unreachable: connection refused); carried forward earlier values",
            ),
        },
        coverage=coverage(ENTRIES, WORKS, REPOS),
        star_movers=(Mover("a/b", "A/b", 100, 120),),
        citation_movers=(),
        previous_date=date(2026, 11, 21),
        tables={"entries": 4, "works": 2},
        notes=("skipped bad.md: empty file",),
    )
    assert render_markdown(summary) == (
        "# Enrichment run 2026-11-22: partial\n"
        "\n"
        "- skipped bad.md: empty file\n"
        "\n"
        "## Sources\n"
        "\n"
        "| source | requests | ok | not found | errors | deferred | cache hits | state |\n"
        "|---|---:|---:|---:|---:|---:|---:|---|\n"
        "| s2 | 3 | 10 | 1 | 0 | 0 | 2 | ok |\n"
        "| github | 1 | 0 | 0 | 3 | 0 | 0 | github: 0 of 3 items served (unreachable: connection refused); carried forward earlier values |\n"
        "\n"
        "## Coverage\n"
        "\n"
        "| measure | share |\n"
        "|---|---|\n"
        "| entries with a work | 3 / 4 (75.0%) |\n"
        "| entries with a repo | 2 / 4 (50.0%) |\n"
        "| works with an abstract | 1 / 2 (50.0%) |\n"
        "| works with a citation count | 1 / 2 (50.0%) |\n"
        "| repos with a star count | 3 / 3 (100.0%) |\n"
        "\n"
        "## Tables\n"
        "\n"
        "| table | rows |\n"
        "|---|---:|\n"
        "| entries | 4 |\n"
        "| works | 2 |\n"
        "\n"
        "## Top movers since 2026-11-21\n"
        "\n"
        "**Stars**\n"
        "\n"
        "| repo | before | after | change |\n"
        "|---|---:|---:|---:|\n"
        "| A/b | 100 | 120 | +20 |\n"
        "\n"
        "**Citations**: no increases.\n"
    )


def test_labels_are_escaped() -> None:
    movers = top_movers(
        WORKS,
        pa.table({"work_id": ["w1"], "citation_count": [4]}),
        key="work_id",
        value="citation_count",
        label="title",
    )
    assert movers == (Mover("w1", "One", 4, 10),)
    summary = RunSummary(
        date(2026, 1, 1),
        False,
        {},
        coverage(ENTRIES, WORKS, REPOS),
        citation_movers=(Mover("w2", "Two | x", 1, 2),),
    )
    assert "| Two \\| x | 1 | 2 | +1 |" in render_markdown(summary)
    assert "(no previous snapshot)" in render_markdown(summary)


def test_link_checks_per_list_counts_and_first_problems_by_line() -> None:
    entries = pa.table(
        {
            "entry_id": ["a:1", "a:2", "a:3", "a:4", "a:5", "b:1", "c:1"],
            "list_id": ["a", "a", "a", "a", "a", "b", "c"],
            "line": [40, 10, 30, 20, 50, 3, 1],
            "title": ["Med-PaLM | x", "BioGPT", None, "Ok paper", "Gone", None, None],
            "name": [None, None, "DoctorGLM", None, None, "MedQA", "repo"],
            "link_check": [
                "title_mismatch",
                "title_mismatch",
                "id_not_found",
                "ok",
                "title_mismatch",
                "unchecked",
                None,
            ],
            "arxiv_id": [None, None, None, "2303.13375", None, "2009.13081", None],
            "doi": [None, None, None, None, None, None, None],
            "work_id": [None, None, None, "arxiv:2303.13375", None, "arxiv:2009.13081", None],
        }
    )
    # a:4 links the arXiv preprint of a paper that now has a publisher DOI; b:1's has none
    works = pa.table(
        {"work_id": ["arxiv:2009.13081", "arxiv:2303.13375"], "doi": [None, "10.3390/as11146421"]}
    )
    got = link_checks(entries, works, limit=3)
    assert got == (
        ListLinkChecks(
            "a",
            {"id_not_found": 1, "ok": 1, "title_mismatch": 3},
            (("BioGPT", "title_mismatch"), ("DoctorGLM", "id_not_found"), ("Med-PaLM | x", "title_mismatch")),
            published=1,
        ),
        ListLinkChecks("b", {"unchecked": 1}),
    )
    summary = RunSummary(
        snapshot_date=date(2026, 11, 21),
        partial=False,
        sources={},
        coverage=coverage(ENTRIES, WORKS, REPOS),
        link_checks=got,
    )
    text = render_markdown(summary)
    section = text[text.index("## Link checks") : text.index("## Top movers")]
    assert section.splitlines() == [
        "## Link checks",
        "",
        "Does the paper an entry's id names carry the entry's title (`entries.link_check`: title_mismatch "
        "is a wrong id, id_not_found a dead one)? Preprints now published: entries linking an arXiv id "
        "whose paper now has a publisher DOI.",
        "",
        "| list | ok | title_mismatch | id_not_found | unchecked | preprints now published | first problems |",
        "|---|---:|---:|---:|---:|---:|---|",
        "| a | 1 | 3 | 1 | 0 | 1 | BioGPT (title_mismatch); DoctorGLM (id_not_found); Med-PaLM \\| x (title_mismatch) |",
        "| b | 0 | 0 | 0 | 1 | 0 | - |",
        "",
    ]
    assert "## Link checks" not in render_markdown(
        RunSummary(date(2026, 11, 21), False, {}, coverage(ENTRIES, WORKS, REPOS))
    )
    assert link_checks(ENTRIES) == ()  # no link_check column (an older snapshot)
