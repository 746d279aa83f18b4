"""Stages 5-7: resolve records into works, build the snapshot tables, write them with their
manifest, and summarise the run."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from enrich.pipeline.batches import BatchResult
from enrich.pipeline.carry import remembered_titles
from enrich.pipeline.progress import ProgressEvent, emit
from enrich.records import HfRecord, RepoRecord, SourceStats, WorkRecord
from enrich.records_arrow import WorkRecords

if TYPE_CHECKING:
    from enrich.handoff import Handoff
    from enrich.parsing import Entry
    from enrich.resolve.match import TitleMatch
    from enrich.resolve.types import ResolvedWork
    from enrich.snapshot import Manifest
    from enrich.summary import RunSummary
    from enrich.tables import PreviousSnapshot, Tables


def collect(results: Iterable[BatchResult]) -> tuple[WorkRecords, list[RepoRecord], list[HfRecord]]:
    """Every batch's records: the work records as one :class:`~enrich.records_arrow.WorkRecords`
    (Arrow columns; add records with ``+``, e.g. :func:`~enrich.pipeline.carry.remembered_links`),
    the repo and Hugging Face records as lists."""
    parts: list[Sequence[WorkRecord]] = []
    repos: list[RepoRecord] = []
    hf: list[HfRecord] = []
    for r in results:
        parts.append(r.works)
        repos.extend(r.repos)
        hf.extend(r.hf)
    return WorkRecords.concat(parts), repos, hf


def resolve(
    entries: Sequence[Entry],
    works: Sequence[WorkRecord],
    matches: Mapping[str, TitleMatch],
    *,
    id_map_path: Path | None = None,
    previous: PreviousSnapshot | None = None,
) -> list[ResolvedWork]:
    """Stage 5: cluster entries and records into works (``enrich.resolve.resolve_works``).

    With ``id_map_path`` the work ids are remembered across nights (``enrich.resolve.idmap``); with
    ``previous`` the link check knows the titles earlier nights saw (:func:`remembered_titles`, asked
    only for the keys no source titled tonight).
    """
    from enrich.ids import normalize_title
    from enrich.resolve.cluster import resolve_works
    from enrich.resolve.idmap import WorkIdMap

    emit(ProgressEvent("resolve", "start"))
    known = None if previous is None else functools.partial(remembered_titles, previous)
    if id_map_path is None:
        resolved = resolve_works(entries, works, matches, known_titles=known)
    else:
        with WorkIdMap(id_map_path) as id_map:
            resolved = resolve_works(entries, works, matches, id_map=id_map, known_titles=known)
    # parsing and resolution asked for every title key they need; nothing after asks again, and the
    # cache would hold 65,536 of them (~20 MB at 100k papers) through the build
    normalize_title.cache_clear()
    emit(ProgressEvent("resolve", "done", detail=f"resolved {len(resolved)} works"))
    return list(resolved)


@dataclass(frozen=True, slots=True)
class RunFacts:
    """What the manifest and the summary need to know about the run besides the tables."""

    snapshot_date: date
    run_id: str
    started_at: datetime
    sources: Mapping[str, SourceStats]
    problems: tuple[str, ...] = ()  # skipped files, failed batches: make the snapshot partial
    notes: tuple[str, ...] = field(default=())

    @property
    def partial(self) -> bool:
        """Partial when a list was skipped, a batch failed, or a source did not serve the night."""
        return bool(self.problems) or any(not s.served for s in self.sources.values())


@dataclass(frozen=True, slots=True)
class Built:
    tables: Tables
    previous: PreviousSnapshot | None


def build(
    entries: Sequence[Entry] | Handoff[Sequence[Entry]],
    resolved: Sequence[ResolvedWork] | Handoff[Sequence[ResolvedWork]],
    repos: Sequence[RepoRecord] | Handoff[Sequence[RepoRecord]],
    hf: Sequence[HfRecord] | Handoff[Sequence[HfRecord]],
    *,
    snapshot_date: date,
    previous: PreviousSnapshot | None,
    unreadable_lists: Sequence[str] = (),
) -> Built:
    """Stage 6a: the snapshot tables, carrying forward ``previous`` (see :func:`previous_snapshot`).

    The night hands ``entries``, ``resolved``, ``repos`` and ``hf`` over (each in a
    :class:`~enrich.handoff.Handoff`, no other reference kept): ``build_tables`` drops each once it
    is done with it, before the tables are made."""
    from enrich.tables import build_tables

    emit(ProgressEvent("build", "start"))
    tables = build_tables(
        entries,
        resolved,
        repos,
        hf,
        snapshot_date=snapshot_date,
        previous=previous,
        unreadable_lists=unreadable_lists,
    )
    detail = f"tables built: {tables.entries.num_rows} entries, {tables.works.num_rows} works, {tables.repos.num_rows} repos"
    emit(ProgressEvent("build", "done", detail=detail))
    # only the columns the summary's movers compare stay: the rest of the previous snapshot goes once
    # the caller drops it (before the write, at 100k papers ~100 MB of Arrow)
    return Built(tables, previous.narrowed(SUMMARY_COLUMNS) if previous is not None else None)


SUMMARY_COLUMNS: Final = {"works": ("work_id", "citation_count"), "repos": ("repo_id", "stars")}
"""The previous snapshot's columns :func:`summarise` reads (``Built.previous`` keeps only these)."""


def manifest(facts: RunFacts, *, ended_at: datetime | None = None) -> Manifest:
    """The manifest for tonight (``tables``/``files`` are filled in by ``write_snapshot``)."""
    from enrich.snapshot import Manifest

    return Manifest.create(
        snapshot_date=facts.snapshot_date,
        sources=facts.sources.values(),
        started_at=facts.started_at,
        ended_at=ended_at or datetime.now(UTC),
        partial=facts.partial,
        run_id=facts.run_id,
        notes=(*facts.problems, *facts.notes),
    )


def write(out: Path | str, tables: Tables, facts: RunFacts) -> Path | str:
    """Stage 6b: write the snapshot and its manifest atomically; returns the manifest's path."""
    from enrich.snapshot import write_snapshot

    emit(ProgressEvent("write", "start"))
    path = write_snapshot(out, tables, manifest(facts))
    emit(ProgressEvent("write", "done", detail=f"snapshot written: {path}"))
    return path


def summarise(built: Built, facts: RunFacts) -> RunSummary:
    """Stage 7: the run summary (coverage from the new tables, movers against the previous ones)."""
    from enrich.summary import RunSummary, coverage, link_checks, top_movers

    t, prev = built.tables, built.previous
    return RunSummary(
        snapshot_date=facts.snapshot_date,
        partial=facts.partial,
        sources=dict(facts.sources),
        coverage=coverage(t.entries, t.works, t.repos),
        star_movers=top_movers(
            t.repos,
            prev.table("repos", SUMMARY_COLUMNS["repos"]) if prev else None,
            key="repo_id",
            value="stars",
            label="full_name",
        ),
        citation_movers=top_movers(
            t.works,
            prev.table("works", SUMMARY_COLUMNS["works"]) if prev else None,
            key="work_id",
            value="citation_count",
            label="title",
        ),
        previous_date=prev.snapshot_date if prev else None,
        tables=t.row_counts(),
        notes=(*facts.problems, *facts.notes),
        link_checks=link_checks(t.entries, t.works),
    )
