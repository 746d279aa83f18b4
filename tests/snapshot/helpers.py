"""Plain-value builders for the snapshot tests (no mocks)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from enrich.ids import Ids
from enrich.parsing import Entry
from enrich.records import Author, FetchStatus, HfRecord, RepoRecord, WorkRecord
from enrich.resolve.types import MatchEvidence, MatchMethod, ResolvedWork
from enrich.snapshot import Manifest
from enrich.tables import PreviousSnapshot, Tables, build_tables

D1 = date(2026, 11, 20)
D2 = date(2026, 11, 21)
D3 = date(2026, 11, 22)
T1 = datetime(2026, 11, 20, 2, 15, tzinfo=UTC)
T2 = datetime(2026, 11, 21, 2, 15, tzinfo=UTC)
T3 = datetime(2026, 11, 22, 2, 15, tzinfo=UTC)


def entry(entry_id: str, list_id: str, line: int, section: str | None, kind: str, name: str | None,
          title: str | None, **kw: Any) -> Entry:  # fmt: skip
    """An enrich.parsing.Entry with every optional field defaulted to None/()."""
    fields: dict[str, Any] = {
        "authors_raw": None,
        "year": None,
        "venue_raw": None,
        "arxiv_id": None,
        "arxiv_version": None,
        "doi": None,
        "pmcid": None,
        "pmid": None,
        "acl_id": None,
        "s2_corpus_id": None,
        "github_repo": None,
        "hf_id": None,
        "hf_kind": None,
        "urls": (),
        "work_key": f"entry:{entry_id}",
        "description": None,
    }
    unknown = set(kw) - set(fields)
    assert not unknown, unknown
    fields.update(kw)
    return Entry(entry_id, list_id, line, section, kind, name, title, **fields)


def paper(entry_id: str, list_id: str, line: int, title: str, **kw: Any) -> Entry:
    return entry(entry_id, list_id, line, "Papers", "paper", None, title, **kw)


def repo_entry(entry_id: str, list_id: str, line: int, github_repo: str) -> Entry:
    name = github_repo.split("/")[-1]
    return entry(
        entry_id,
        list_id,
        line,
        "Code",
        "repo",
        name,
        None,
        github_repo=github_repo.lower(),
        urls=(f"https://github.com/{github_repo}",),
        work_key=f"github:{github_repo.lower()}",
    )


def hf_entry(entry_id: str, list_id: str, line: int, kind: str, hf_id: str) -> Entry:
    return entry(entry_id, list_id, line, "Models", kind, hf_id, None, hf_id=hf_id, hf_kind=kind)


def wrec(
    source: str, key: str, at: datetime = T1, status: FetchStatus = FetchStatus.OK, **kw: Any
) -> WorkRecord:
    return WorkRecord(source=source, key=key, status=status, fetched_at=at, **kw)


def resolved(
    work_id: str,
    entry_ids: Sequence[str],
    records: Sequence[WorkRecord] = (),
    *,
    ids: Ids | None = None,
    method: MatchMethod = MatchMethod.IDENTIFIER,
    score: float | None = None,
    source: str | None = None,
    local_title: str | None = None,
    local_year: int | None = None,
    local_authors: tuple[str, ...] = (),
) -> ResolvedWork:
    return ResolvedWork(
        work_id=work_id,
        ids=ids or Ids(),
        entry_ids=tuple(entry_ids),
        work_keys=(work_id,),
        evidence=MatchEvidence(method=method, score=score, source=source),
        records=tuple(records),
        local_title=local_title,
        local_year=local_year,
        local_authors=local_authors,
    )


def repo(key: str, at: datetime = T1, status: FetchStatus = FetchStatus.OK, **kw: Any) -> RepoRecord:
    if status == FetchStatus.OK:
        kw.setdefault("full_name", key)
    return RepoRecord(key=key, status=status, fetched_at=at, **kw)


def hf(kind: str, hf_id: str, at: datetime = T1, status: FetchStatus = FetchStatus.OK, **kw: Any) -> HfRecord:
    return HfRecord(key=f"{kind}:{hf_id}", kind=kind, hf_id=hf_id, status=status, fetched_at=at, **kw)


def author(name: str, s2: str | None = None, orcid: str | None = None) -> Author:
    return Author(name=name, s2_author_id=s2, orcid=orcid)


# ------------------------------------------------------------------ a small two-list world

LORA_ENTRIES = (
    paper(
        "papers:0001",
        "papers",
        10,
        "LoRA: Low-Rank Adaptation of Large Language Models",
        arxiv_id="2106.09685",
        urls=("https://arxiv.org/abs/2106.09685",),
        work_key="arxiv:2106.09685",
    ),
    repo_entry("code:0001", "code", 4, "microsoft/LoRA"),
    hf_entry("models:0001", "models", 7, "model", "Org/Tiny-Model"),
)


def lora_night(
    at: datetime, *, s2_ok: bool = True, github_ok: bool = True, hf_ok: bool = True
) -> dict[str, Any]:
    """Inputs of one night for LORA_ENTRIES; counts grow by one per day after T1."""
    bump = (at.date() - D1).days
    s2_status = FetchStatus.OK if s2_ok else FetchStatus.ERROR
    s2_kw: dict[str, Any] = (
        {"title": "LoRA: Low-Rank Adaptation of Large Language Models", "citation_count": 100 + bump}
        if s2_ok
        else {"reason": "HTTP 500"}
    )
    work = resolved(
        "arxiv:2106.09685",
        ["papers:0001"],
        [
            wrec("arxiv", "2106.09685", at, abstract="We propose LoRA.", title="LoRA"),
            wrec("s2", "ARXIV:2106.09685", at, s2_status, **s2_kw),
            wrec("openalex", "doi:10.48550/arxiv.2106.09685", at, citation_count=90 + bump),
        ],
        ids=Ids(arxiv_id="2106.09685"),
    )
    gh = (
        repo("microsoft/lora", at, full_name="microsoft/LoRA", stars=1000 + bump, forks=50)
        if github_ok
        else repo("microsoft/lora", at, FetchStatus.RATE_LIMITED, reason="budget spent")
    )
    item = (
        hf("model", "Org/Tiny-Model", at, likes=5 + bump, downloads=70)
        if hf_ok
        else hf("model", "Org/Tiny-Model", at, FetchStatus.ERROR, reason="HTTP 503")
    )
    return {"entries": list(LORA_ENTRIES), "resolved": [work], "repos": [gh], "hf": [item]}


def build(night: dict[str, Any], day: date, previous: PreviousSnapshot | None = None) -> Tables:
    return build_tables(
        night["entries"], night["resolved"], night["repos"], night["hf"], snapshot_date=day, previous=previous
    )


def manifest(day: date, run_id: str = "run-1", partial: bool = False) -> Manifest:
    start = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)
    end = datetime(day.year, day.month, day.day, 2, 30, tzinfo=UTC)
    return Manifest(
        snapshot_date=day,
        partial=partial,
        tables={},
        sources={"github": {"requests": 1, "ok": 1, "not_found": 0, "errors": 0, "deferred": 0}},
        run_id=run_id,
        code_version="0.1.0",
        started_at=start,
        ended_at=end,
    )


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative posix path -> bytes), lock file excluded."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def blank_row(table: str, **values: Any) -> dict[str, Any]:
    """A full row of ``table``: every column null (lists empty), then ``values``; unknown names fail."""
    from enrich.schemas import SCHEMAS

    schema = SCHEMAS[table]
    row: dict[str, Any] = {}
    for field in schema:
        row[field.name] = [] if str(field.type).startswith("list") and not field.nullable else None
    unknown = set(values) - set(row)
    assert not unknown, unknown
    row.update(values)
    return row
