"""After the snapshot: summary files next to the manifest, the report, the Prefect artifacts."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from enrich.records import SourceStats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from report.world import N1, write_lists, write_night

STATS = {
    "s2": SourceStats("s2", requests=2, ok=2),
    "github": SourceStats("github", requests=4, ok=3, not_found=1, errors=1),
    "openalex": SourceStats(
        "openalex", unreachable=True, message="openalex: unreachable (connection refused)"
    ),
}


def in_a_flow(
    out: Path, manifest: Path, day: date, partial: bool, md: str, stats: dict[str, SourceStats], write: bool
) -> Any:
    """The task as the nightly flow runs it (artifacts belong to a run)."""
    from prefect import flow

    from flows.report_step import report_task

    @flow(name="report-step-test")
    def one() -> Any:
        return report_task(out, manifest, day, partial, md, stats, (), write)

    return one()


def test_coverage_rows_mark_each_source() -> None:
    from flows.report_step import coverage_rows

    rows = coverage_rows(STATS)
    assert [(r["source"], r["outcome"]) for r in rows] == [
        ("s2", "ok"),
        ("github", "partial"),
        ("openalex", "failed"),
    ]


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.timeout(900)
def test_report_step_writes_summary_report_and_artifacts(tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.report_step import COVERAGE_ARTIFACT_KEY, REPORT_ARTIFACT_KEY

    out = tmp_path / "out"
    manifest = write_night(write_lists(tmp_path / "lists"), out, 1)
    outcome = in_a_flow(out, manifest, N1, True, "# Enrichment run 2026-11-21: partial\n", STATS, True)
    index = out / "reports" / "2026-11-21" / "index.html"
    assert outcome.index == index and index.is_file()
    assert outcome.problem is None
    assert outcome.summary_md == out / "manifests" / "2026-11-21" / "summary.md"
    assert outcome.summary_md.read_text(encoding="utf-8") == (
        f"# Enrichment run 2026-11-21: partial\n\nReport: {index}\n"
    )
    data = json.loads(outcome.summary_json.read_text(encoding="utf-8"))
    assert data["outcome"] == "partial"
    assert data["report"] == str(index)
    assert data["sources"]["openalex"]["outcome"] == "failed"
    assert data["sources"]["github"] == {
        "outcome": "partial",
        "requests": 4,
        "ok": 3,
        "not_found": 1,
        "errors": 1,
        "deferred": 0,
        "cache_hits": 0,
        "message": "",
    }
    with get_client(sync_client=True) as client:
        links = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[REPORT_ARTIFACT_KEY]))
        )
        tables = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[COVERAGE_ARTIFACT_KEY]))
        )
    assert any(index.resolve().as_uri() in str(a.data) for a in links)
    assert any("openalex" in str(a.data) and "failed" in str(a.data) for a in tables)


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.timeout(900)
def test_report_that_cannot_be_written_is_one_line_not_a_failure(tmp_path: Path) -> None:
    out = tmp_path / "out"
    manifest = write_night(write_lists(tmp_path / "lists"), out, 1)
    (out / "reports").write_text("a file where the reports directory should be", encoding="utf-8")
    outcome = in_a_flow(out, manifest, date(2026, 11, 21), False, "# x\n", STATS, True)
    assert outcome.index is None
    assert outcome.problem is not None and outcome.problem.startswith(
        ("FileExistsError", "NotADirectoryError")
    )
    assert json.loads(outcome.summary_json.read_text(encoding="utf-8"))["report_problem"] == outcome.problem
