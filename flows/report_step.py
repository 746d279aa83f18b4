"""After the snapshot: the run summary on disk, the HTML report, and their Prefect artifacts.

Kept out of ``flows/nightly.py`` so the flow gains only a few lines. A report that cannot be written
never fails the night (the snapshot is already committed): it becomes one ``⚠`` line instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from prefect import task
from prefect.artifacts import create_link_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from enrich.errors import EnrichError
from enrich.records import SourceStats

REPORT_ARTIFACT_KEY = "enrich-report"
COVERAGE_ARTIFACT_KEY = "enrich-source-coverage"
SUMMARY_MD = "summary.md"
SUMMARY_JSON = "summary.json"


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    index: Path | None  # the report's index.html, when written
    problem: str | None  # one line, when not
    summary_md: Path | str  # a URL when the snapshot root is an object store
    summary_json: Path | str


REMOTE_REPORT = (
    "the HTML report is built from a local snapshot directory; for an object-store root run "
    "`enrich report --out DIR` on a copy"
)


def summary_dir(manifest_path: Path) -> Path:
    """``<out>/manifests/<date>/``: next to the night's manifest, outside the ``*.json`` glob."""
    return manifest_path.with_suffix("")


def source_outcome(stats: SourceStats) -> str:
    """``ok``, ``partial`` (some items failed or were deferred) or ``failed`` (unreachable)."""
    if stats.unreachable:
        return "failed"
    if stats.errors or stats.deferred:
        return "partial"
    return "ok"


def coverage_rows(sources: dict[str, SourceStats]) -> list[dict[str, Any]]:
    return [
        {
            "source": name,
            "outcome": source_outcome(s),
            "requests": s.requests,
            "ok": s.ok,
            "not_found": s.not_found,
            "errors": s.errors,
            "deferred": s.deferred,
            "cache_hits": s.cache_hits,
            "message": s.message or "",
        }
        for name, s in sources.items()
    ]


def write_summary_files(
    manifest_path: Path | str,
    *,
    snapshot_date: date,
    partial: bool,
    markdown: str,
    sources: dict[str, SourceStats],
    notes: tuple[str, ...],
    report: Path | None,
    report_problem: str | None,
) -> tuple[Path | str, Path | str]:
    extra = (
        f"\nReport: {report}\n"
        if report
        else (f"\nReport not written: {report_problem}\n" if report_problem else "")
    )
    data = {
        "snapshot_date": snapshot_date.isoformat(),
        "outcome": "partial" if partial else "complete",
        "manifest": str(manifest_path),
        "sources": {row.pop("source"): row for row in coverage_rows(sources)},
        "notes": list(notes),
        "report": str(report) if report else None,
        "report_problem": report_problem,
    }
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    if isinstance(manifest_path, str):  # an object store: next to the manifest there too
        from enrich.storage import put_text

        root, _, name = manifest_path.rpartition("/manifests/")
        day = name.removesuffix(".json")
        return (
            put_text(root, f"manifests/{day}/{SUMMARY_MD}", markdown + extra),
            put_text(root, f"manifests/{day}/{SUMMARY_JSON}", text),
        )
    where = summary_dir(manifest_path)
    where.mkdir(parents=True, exist_ok=True)
    md = where / SUMMARY_MD
    md.write_text(markdown + extra, encoding="utf-8")
    js = where / SUMMARY_JSON
    js.write_text(text, encoding="utf-8")
    return md, js


@task(name="write-report", timeout_seconds=900, cache_policy=NO_CACHE)
def report_task(
    out_dir: Path | str,
    manifest_path: Path | str,
    snapshot_date: date,
    partial: bool,
    markdown: str,
    sources: dict[str, SourceStats],
    notes: tuple[str, ...],
    write: bool,
    cache_dir: Path | None = None,
) -> ReportOutcome:
    index: Path | None = None
    problem: str | None = None
    if write and isinstance(out_dir, str):
        problem = REMOTE_REPORT
    elif write:
        from enrich.pipeline import ProgressEvent, emit
        from enrich.report import build_report

        emit(ProgressEvent("report", "start"))
        try:
            index = build_report(out_dir, snapshot_date.isoformat(), cache_dir=cache_dir)
        except (EnrichError, OSError, duckdb.Error, RuntimeError, ValueError) as exc:  # never fails the night
            problem = f"{type(exc).__name__}: {exc}"
            emit(ProgressEvent("report", "done", detail=f"report not written: {problem}", outcome="warn"))
        else:
            emit(ProgressEvent("report", "done", detail=f"report written: {index}"))
    md, js = write_summary_files(
        manifest_path,
        snapshot_date=snapshot_date,
        partial=partial,
        markdown=markdown,
        sources=sources,
        notes=notes,
        report=index,
        report_problem=problem,
    )
    day = snapshot_date.isoformat()
    if index is not None:
        create_link_artifact(
            key=REPORT_ARTIFACT_KEY,
            link=index.resolve().as_uri(),
            link_text=f"Enrichment report {day}",
            description=f"Static HTML report of snapshot {day} (opens offline)",
        )
    create_table_artifact(
        key=COVERAGE_ARTIFACT_KEY,
        table=coverage_rows(sources),
        description=f"Per-source coverage of snapshot {day}",
    )
    return ReportOutcome(index, problem, md, js)
