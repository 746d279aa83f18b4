"""The nightly run's stages as plain library functions (no Prefect here).

``flows.nightly`` wraps each stage as a task; tests call them directly. Every stage takes and
returns plain typed values:

1. :func:`refresh_lists` - newer upstream copies of the raw lists (offline: the checked-in copies)
2. :func:`parse_lists` - entries (and per-file problems) from a directory of lists
3. :func:`title_queries` / :func:`resolve_titles` - title-only entries matched through the search APIs
4. :func:`plan_batches` - per-source id batches; :func:`fetch_batch` fetches one batch
5. :func:`resolve` - one :class:`~enrich.resolve.types.ResolvedWork` per work
6. :func:`build` / :func:`write` - the snapshot tables and their manifest
7. :func:`summarise` - the run summary (``enrich.summary``)

A source that cannot be reached costs one failed batch, not one per batch: :func:`fetch_batch`
looks at the client's ``stats.unreachable`` first and answers the rest of that source's batches with
``error`` records at once (the resolution step then carries earlier values forward).

Progress goes to the ``enrich.progress`` logger as :class:`ProgressEvent` objects in
``record.event`` so a terminal (``enrich run``) can draw it without the stages knowing about it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from enrich.config import SOURCES
from enrich.errors import InputError
from enrich.records import FetchStatus, HfRecord, RepoRecord, SourceStats, WorkRecord
from enrich.refresh import FetchUpstream, RefreshReport, RefreshSpec, UpstreamFile
from enrich.refresh import refresh_lists as _refresh_lists

if TYPE_CHECKING:
    from enrich.clients import Clients, RepoState
    from enrich.lists import ListSpec
    from enrich.parsing import Entry
    from enrich.resolve.match import TitleMatch, TitleQuery
    from enrich.resolve.types import ResolvedWork
    from enrich.snapshot import Manifest
    from enrich.summary import RunSummary
    from enrich.tables import PreviousSnapshot, Tables

progress_log: Final = logging.getLogger("enrich.progress")

BATCH_SIZES: Final[Mapping[str, int]] = {
    "arxiv": 2000,  # ids per id_list request (POSTed: no 414): the most one call returns
    "s2": 500,  # POST /graph/v1/paper/batch takes at most 500 ids
    "openalex": 100,  # an OR-filter takes at most 100 values
    "crossref": 100,  # DOIs per filter=doi:... list request (repeated filters OR; cap undocumented)
    "github": 100,  # GraphQL takes tens of aliased repos per query with a token; REST 1 per request
    "hf": 50,  # one request per item
}
"""Items per batch task. Each is the API's own batch size where it has one, so one task ~ one
request; sources without a batch endpoint get sizes that keep task runs few but progress visible."""

TITLE_BATCH_SIZE: Final = 25
SEARCH_SOURCES: Final = ("s2", "openalex", "arxiv", "crossref")

ItemKind = Literal["works", "repos", "hf"]


# --------------------------------------------------------------------------- progress


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """One step of progress: a stage started/finished, or a batch of a source finished."""

    stage: str  # refresh | parse | titles | fetch | resolve | build | write | summary
    kind: Literal["start", "done", "batch", "note"]
    source: str | None = None
    done: int = 0
    total: int = 0
    detail: str = ""


def emit(event: ProgressEvent) -> None:
    text = event.detail or f"{event.stage} {event.kind}"
    progress_log.info(text, extra={"event": event})


# --------------------------------------------------------------------------- 1. refresh


def refresh_specs(lists_dir: Path, specs: Iterable[ListSpec]) -> list[RefreshSpec]:
    """Refresh facts from the lists manifest (``enrich.lists.ListSpec``)."""
    return [
        RefreshSpec(
            list_id=s.id,
            file=lists_dir / s.file,
            upstream=s.upstream,
            path=s.path,
            refresh=s.refresh,
        )
        for s in specs
    ]


def github_fetcher(clients: Clients) -> FetchUpstream:
    """Adapt the GitHub client's contents endpoint to :data:`enrich.refresh.FetchUpstream`."""
    github = clients.github

    def fetch(owner: str, repo: str, path: str, etag: str | None) -> UpstreamFile:
        result = github.get_contents(owner, repo, path, etag=etag)
        stats = github.stats
        if stats.unreachable:
            return UpstreamFile("unreachable", message=stats.message)
        if result.not_modified:
            return UpstreamFile("not_modified", etag=result.etag)
        if result.status is FetchStatus.OK and result.text is not None:
            return UpstreamFile("ok", text=result.text, etag=result.etag)
        if result.status is FetchStatus.NOT_FOUND:
            return UpstreamFile("not_found", message=f"{owner}/{repo}/{path} not found upstream")
        return UpstreamFile("error", message=f"{owner}/{repo}/{path}: {result.reason or result.status.value}")

    return fetch


def refresh_lists(lists_dir: Path, clients: Clients, *, today: date) -> RefreshReport:
    """Stage 1: refresh every list the manifest allows; see :mod:`enrich.refresh`."""
    from enrich.lists import load_manifest
    from enrich.parsing import parse_file

    def check(path: Path, list_id: str) -> int:
        return len(parse_file(path, list_id))

    specs = refresh_specs(lists_dir, load_manifest(lists_dir))
    emit(ProgressEvent("refresh", "start", total=len(specs)))
    report = _refresh_lists(lists_dir, specs, github_fetcher(clients), check, today=today)
    detail = ", ".join(
        f"{n} {status}"
        for status in ("updated", "unchanged", "rejected", "failed", "unreachable", "skipped")
        if (n := report.count(status))
    )
    emit(ProgressEvent("refresh", "done", detail=f"lists refreshed: {detail or 'none'}"))
    return report


# --------------------------------------------------------------------------- 2. parse


@dataclass(frozen=True, slots=True)
class ParsedLists:
    entries: tuple[Entry, ...]
    problems: tuple[InputError, ...]  # one per list file that could not be read
    list_ids: tuple[str, ...]  # every list found, read or not
    unreadable: tuple[str, ...] = ()  # ids of the lists that could not be read


def parse_lists(lists_dir: Path) -> ParsedLists:
    """Stage 2: every list file in ``lists_dir`` (manifest optional); unusable files become problems.

    Raises :class:`InputError` when the directory is missing or holds no list file at all.
    """
    from enrich.lists import list_files
    from enrich.parsing import parse_file

    if not lists_dir.is_dir():
        raise InputError(str(lists_dir), "no such directory")
    files = list_files(lists_dir)
    emit(ProgressEvent("parse", "start", total=len(files)))
    entries: list[Entry] = []
    problems: list[InputError] = []
    unreadable: list[str] = []
    for spec, path in files:
        try:
            entries.extend(parse_file(path, spec.id))
        except InputError as exc:
            problems.append(exc)
            unreadable.append(spec.id)
    from enrich.parsing import assign_work_keys

    entries = assign_work_keys(entries)  # work_key across all lists, not per list
    ids = tuple(spec.id for spec, _ in files)
    emit(ProgressEvent("parse", "done", detail=f"parsed {len(entries)} entries from {len(files)} lists"))
    return ParsedLists(tuple(entries), tuple(problems), ids, tuple(unreadable))


# --------------------------------------------------------------------------- 3/4. batches


@dataclass(frozen=True, slots=True)
class Batch:
    """One task's worth of lookups for one source. ``items`` are the client's own id forms."""

    source: str
    index: int  # 0-based within its source
    total: int
    items: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.source}-{self.index + 1}-of-{self.total}"


@dataclass(frozen=True, slots=True)
class BatchResult:
    batch: Batch
    works: tuple[WorkRecord, ...] = ()
    repos: tuple[RepoRecord, ...] = ()
    hf: tuple[HfRecord, ...] = ()
    skipped: bool = False  # the source was already known to be unreachable: nothing was sent
    unreachable: bool = False
    message: str | None = None


def chunk(items: Sequence[str], size: int, source: str) -> list[Batch]:
    """Split ``items`` into batches of at most ``size`` (order kept, duplicates dropped)."""
    unique = list(dict.fromkeys(items))
    if not unique:
        return []
    groups = [tuple(unique[i : i + size]) for i in range(0, len(unique), size)]
    return [Batch(source, i, len(groups), g) for i, g in enumerate(groups)]


def source_items(
    entries: Sequence[Entry],
    matches: Mapping[str, TitleMatch] | None = None,
    known_repos: Mapping[str, RepoState] | None = None,
) -> dict[str, list[str]]:
    """Per source, every id to fetch, in the form each client takes.

    Work ids come from ``enrich.resolve.plan_lookups`` (the ids read off the lists plus, given
    ``matches``, the ids title resolution found); repos and Hugging Face items from the entries,
    first-seen order, duplicates dropped; repos stalest first (``known_repos``), so that when
    GitHub's budget runs out the repos refreshed longest ago were the ones refreshed.
    """
    from enrich.resolve.crosswalk import plan_lookups

    plan = plan_lookups(entries, matches)
    repos = [e.github_repo for e in entries if e.github_repo]
    hf = [f"{e.hf_kind}:{e.hf_id}" for e in entries if e.hf_id and e.hf_kind]
    return {
        "arxiv": list(plan.arxiv_ids),
        "s2": list(plan.s2_ids),
        "openalex": list(plan.openalex_ids),
        "crossref": list(plan.crossref_dois),
        "github": stalest_first(list(dict.fromkeys(repos)), known_repos or {}),
        "hf": list(dict.fromkeys(hf)),
    }


def plan_batches(
    items: Mapping[str, Sequence[str]],
    sources: Sequence[str] = SOURCES,
    sizes: Mapping[str, int] = BATCH_SIZES,
) -> dict[str, list[Batch]]:
    """Stage 4a: the batches of every selected source, in :data:`SOURCES` order."""
    return {s: chunk(items.get(s, ()), sizes[s], s) for s in SOURCES if s in sources}


def _client(clients: Clients, source: str) -> Any:
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    return getattr(clients, source)


def _error_records(batch: Batch, reason: str, now: datetime) -> BatchResult:
    if batch.source == "github":
        repos = tuple(
            RepoRecord(key=k, status=FetchStatus.ERROR, fetched_at=now, reason=reason) for k in batch.items
        )
        return BatchResult(batch, repos=repos, skipped=True, unreachable=True, message=reason)
    if batch.source == "hf":
        hf = tuple(
            HfRecord(
                key=k,
                kind=k.split(":", 1)[0],
                hf_id=k.split(":", 1)[1],
                status=FetchStatus.ERROR,
                fetched_at=now,
                reason=reason,
            )
            for k in batch.items
        )
        return BatchResult(batch, hf=hf, skipped=True, unreachable=True, message=reason)
    works = tuple(
        WorkRecord(source=batch.source, key=k, status=FetchStatus.ERROR, fetched_at=now, reason=reason)
        for k in batch.items
    )
    return BatchResult(batch, works=works, skipped=True, unreachable=True, message=reason)


def fetch_batch(
    clients: Clients,
    batch: Batch,
    *,
    known: Mapping[str, RepoState] | None = None,
    now: datetime | None = None,
) -> BatchResult:
    """Stage 4b: fetch one batch from its source. Never raises for remote failures.

    When the source is already known to be unreachable (an earlier batch found it down), nothing is
    sent and every item comes back as an ``error`` record at once.
    """
    client = _client(clients, batch.source)
    stats: SourceStats = client.stats
    if stats.unreachable:
        result = _error_records(
            batch, stats.message or f"{batch.source}: unreachable", now or datetime.now(UTC)
        )
    else:
        result = _call(client, batch, known)
        stats = client.stats
        if stats.unreachable:
            result = replace(result, unreachable=True, message=stats.message)
    emit(
        ProgressEvent(
            "fetch",
            "batch",
            source=batch.source,
            done=batch.index + 1,
            total=batch.total,
            detail=f"{batch.source}: batch {batch.index + 1}/{batch.total}"
            + (" skipped (unreachable)" if result.skipped else ""),
        )
    )
    return result


def _call(client: Any, batch: Batch, known: Mapping[str, RepoState] | None) -> BatchResult:
    items = list(batch.items)
    if batch.source == "arxiv":
        return BatchResult(batch, works=tuple(client.fetch(items)))
    if batch.source == "s2":
        return BatchResult(batch, works=tuple(client.get_papers(items)))
    if batch.source in {"openalex", "crossref"}:
        return BatchResult(batch, works=tuple(client.get_works(items)))
    if batch.source == "github":
        subset = {k: v for k in items if (v := (known or {}).get(k.lower())) is not None}
        return BatchResult(batch, repos=tuple(client.get_repos(items, known=subset or None)))
    pairs = [(k.split(":", 1)[0], k.split(":", 1)[1]) for k in items]
    return BatchResult(batch, hf=tuple(client.get_items(pairs)))


def source_stats(
    clients: Clients, sources: Sequence[str] = SOURCES, results: Sequence[BatchResult] = ()
) -> dict[str, SourceStats]:
    """Each selected client's counters, in :data:`SOURCES` order.

    Items of batches that were never sent because their source was already known to be down count
    as ``errors`` too, so the manifest says how much was not fetched, not only what was tried.
    """
    skipped: dict[str, int] = {}
    for result in results:
        if result.skipped:
            skipped[result.batch.source] = skipped.get(result.batch.source, 0) + len(result.batch.items)
    out: dict[str, SourceStats] = {}
    for s in SOURCES:
        if s in sources:
            stats: SourceStats = _client(clients, s).stats
            out[s] = replace(stats, errors=stats.errors + skipped.get(s, 0))
    return out


def unreachable_messages(stats: Mapping[str, SourceStats]) -> list[str]:
    """One line per unreachable source."""
    return [s.message or f"{name}: unreachable" for name, s in stats.items() if s.unreachable]


# --------------------------------------------------------------------------- 3. titles


def title_queries(entries: Sequence[Entry]) -> list[TitleQuery]:
    """One query per work key whose entries carry a title but no identifier at all."""
    from enrich.resolve.crosswalk import plan_lookups

    return list(plan_lookups(entries).title_queries)


def title_batches(
    queries: Sequence[TitleQuery], size: int = TITLE_BATCH_SIZE
) -> list[tuple[TitleQuery, ...]]:
    return [tuple(queries[i : i + size]) for i in range(0, len(queries), size)]


def live_search_sources(clients: Clients, sources: Sequence[str] = SOURCES) -> list[str]:
    """The selected search sources not (yet) known to be unreachable."""
    return [s for s in SEARCH_SOURCES if s in sources and not _client(clients, s).stats.unreachable]


def resolve_titles(
    clients: Clients,
    cache_path: Path,
    queries: Sequence[TitleQuery],
    sources: Sequence[str] = SOURCES,
) -> dict[str, TitleMatch]:
    """Stage 3: match title-only works through the search endpoints (cached across nights).

    Only the selected search sources that are not already known to be unreachable are asked; when
    none is left, nothing is asked and the works stay local.
    """
    from enrich.resolve.cache import ResolutionCache
    from enrich.resolve.resolver import TitleResolver

    live = live_search_sources(clients, sources)
    if not queries or not live:
        return {}
    with ResolutionCache(cache_path) as cache:
        matches = TitleResolver(clients, cache, sources=live).resolve(list(queries))
    accepted = sum(1 for m in matches.values() if m.accepted)
    emit(ProgressEvent("titles", "note", detail=f"titles: {accepted} of {len(matches)} matched"))
    return dict(matches)


# --------------------------------------------------------------------------- 5-7. resolve, build, write


def collect(results: Iterable[BatchResult]) -> tuple[list[WorkRecord], list[RepoRecord], list[HfRecord]]:
    works: list[WorkRecord] = []
    repos: list[RepoRecord] = []
    hf: list[HfRecord] = []
    for r in results:
        works.extend(r.works)
        repos.extend(r.repos)
        hf.extend(r.hf)
    return works, repos, hf


def resolve(
    entries: Sequence[Entry],
    works: Sequence[WorkRecord],
    matches: Mapping[str, TitleMatch],
    *,
    id_map_path: Path | None = None,
) -> list[ResolvedWork]:
    """Stage 5: cluster entries and records into works (``enrich.resolve.resolve_works``).

    With ``id_map_path`` the work ids are remembered across nights (``enrich.resolve.idmap``).
    """
    from enrich.resolve.crosswalk import resolve_works
    from enrich.resolve.idmap import WorkIdMap

    emit(ProgressEvent("resolve", "start"))
    if id_map_path is None:
        resolved = resolve_works(entries, works, matches)
    else:
        with WorkIdMap(id_map_path) as id_map:
            resolved = resolve_works(entries, works, matches, id_map=id_map)
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
        """Partial when a list was skipped, a batch failed, or a source was unreachable or deferred items."""
        return bool(self.problems) or any(s.unreachable or s.deferred > 0 for s in self.sources.values())


@dataclass(frozen=True, slots=True)
class Built:
    tables: Tables
    previous: PreviousSnapshot | None


def previous_snapshot(out: Path, snapshot_date: date) -> PreviousSnapshot | None:
    """The latest snapshot before ``snapshot_date`` (carry-forward, staleness, movers), if any."""
    from enrich.snapshot import read_previous

    return read_previous(out, before=snapshot_date)


def repo_states(previous: PreviousSnapshot | None) -> dict[str, RepoState]:
    """What the last snapshot knew about each repo: when its GitHub values were fetched."""
    from enrich.clients import RepoState

    if previous is None:
        return {}
    states: dict[str, RepoState] = {}
    for repo_id, as_of in previous.rows("repos", "repo_id").column("stars_as_of"):
        fetched = datetime.combine(as_of, time.min, tzinfo=UTC) if isinstance(as_of, date) else None
        states[str(repo_id)] = RepoState(fetched_at=fetched)
    return states


def stalest_first(repos: Sequence[str], known: Mapping[str, RepoState]) -> list[str]:
    """Repos never fetched first, then by the date of their last fetch (stable otherwise)."""
    oldest = datetime.min.replace(tzinfo=UTC)

    def age(name: str) -> datetime:
        state = known.get(name.lower())
        return state.fetched_at if state is not None and state.fetched_at is not None else oldest

    return sorted(repos, key=age)


def build(
    entries: Sequence[Entry],
    resolved: Sequence[ResolvedWork],
    repos: Sequence[RepoRecord],
    hf: Sequence[HfRecord],
    *,
    snapshot_date: date,
    previous: PreviousSnapshot | None,
    unreadable_lists: Sequence[str] = (),
) -> Built:
    """Stage 6a: the snapshot tables, carrying forward ``previous`` (see :func:`previous_snapshot`)."""
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
    return Built(tables, previous)


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


def write(out: Path, tables: Tables, facts: RunFacts) -> Path:
    """Stage 6b: write the snapshot and its manifest atomically; returns the manifest's path."""
    from enrich.snapshot import write_snapshot

    emit(ProgressEvent("write", "start"))
    path = write_snapshot(out, tables, manifest(facts))
    emit(ProgressEvent("write", "done", detail=f"snapshot written: {path}"))
    return path


def summarise(built: Built, facts: RunFacts) -> RunSummary:
    """Stage 7: the run summary (coverage from the new tables, movers against the previous ones)."""
    from enrich.summary import RunSummary, coverage, top_movers

    t, prev = built.tables, built.previous
    return RunSummary(
        snapshot_date=facts.snapshot_date,
        partial=facts.partial,
        sources=dict(facts.sources),
        coverage=coverage(t.entries, t.works, t.repos),
        star_movers=top_movers(
            t.repos, prev.repos if prev else None, key="repo_id", value="stars", label="full_name"
        ),
        citation_movers=top_movers(
            t.works, prev.works if prev else None, key="work_id", value="citation_count", label="title"
        ),
        previous_date=prev.snapshot_date if prev else None,
        tables=t.row_counts(),
        notes=(*facts.problems, *facts.notes),
    )
