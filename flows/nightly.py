"""The ``nightly`` Prefect flow: thin wiring around the stages in :mod:`enrich.pipeline`.

refresh -> parse -> lookup plan (once) -> [title searches | fetch of every id the lists name, one task
per source, sources in parallel] -> fetch of the ids only the titles found (one small round, the
same batching and clients) -> resolve works -> build tables -> write snapshot -> publish the run
summary as a markdown artifact -> write summary.md/summary.json next to the manifest and the HTML
report, linked from a link artifact beside a per-source coverage table artifact
(``flows/report_step.py``).

The title searches run while the sources fetch the ids the lists already name: a night takes about
as long as its slowest source (its title searches included) instead of titles + slowest fetch.
Both rounds and the title searches run inside one slot of each source's Prefect global concurrency
limit ``enrich-<source>``, taken by the flow in one acquisition for the whole fetch phase
(:mod:`flows.concurrency`): the title searches and the fetches of a source share its client, hence
its spacing, and a run never waits for a slot while holding another (no two runs can deadlock).

Settings are built here, when the flow runs (the edge), never at import time. Tasks retry only for
coarse failures (the clients already retry requests). The title-search and fetch tasks run in
worker threads, where Prefect cannot enforce a timeout: the clients' request deadlines bound them;
the other tasks have timeouts.
"""

# No `from __future__ import annotations` here: a served deployment pickles this flow by value into
# a child process, and string annotations would lose `Path`/`date` (tests/flows/test_flows_served.py).

import gc
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from enrich import pipeline
from enrich.arrow_pool import prepare_night, trim_heap
from enrich.clients import Clients, RepoState
from enrich.config import SOURCES
from enrich.handoff import Handoff
from enrich.outroot import parse_root
from enrich.parsing import Entry
from enrich.pipeline import Batch, BatchResult, Built, ParsedLists, RunFacts, SourceFetch
from enrich.records import HfRecord, RepoRecord, WorkRecord
from enrich.refresh import RefreshReport
from enrich.resolve.match import TitleMatch, TitleQuery
from enrich.resolve.plan import LookupPlan
from enrich.resolve.types import ResolvedWork
from enrich.settings import Settings
from enrich.summary import render_markdown
from enrich.tables import PreviousSnapshot
from flows.concurrency import ensure_source_limits, say, source_slot

if TYPE_CHECKING:
    from flows.report_step import ReportOutcome

ARTIFACT_KEY = "enrich-run-summary"


@dataclass(frozen=True, slots=True)
class NightlyResult:
    """What a run produced; ``enrich run`` turns it into an exit code and terminal lines."""

    snapshot_date: date
    manifest_path: Path | str  # a URL when the snapshot root is an object store
    partial: bool
    messages: tuple[str, ...]  # one line per source that did not serve the night
    problems: tuple[str, ...]  # skipped files, failed batches
    summary_markdown: str
    notes: tuple[str, ...] = ()  # e.g. the refresh stage's "offline" line
    report: "ReportOutcome | None" = None  # report path or why not, summary files


# --------------------------------------------------------------------------- edge helpers


def load_secret_block(name: str) -> str | None:
    """Read a Prefect ``Secret`` block; ``None`` when it does not exist."""
    from prefect.blocks.system import Secret

    try:
        block: Any = Secret.load(name)
    except ValueError:  # Prefect raises ValueError for an unknown block name
        return None
    value: Any = block.get()
    return value if isinstance(value, str) else None


# --------------------------------------------------------------------------- tasks


@task(name="refresh-lists", retries=1, retry_delay_seconds=10, timeout_seconds=600, cache_policy=NO_CACHE)
def refresh_task(lists_dir: Path, clients: Clients, today: date) -> RefreshReport:
    return pipeline.refresh_lists(lists_dir, clients, today=today)


@task(name="parse-lists", timeout_seconds=600, cache_policy=NO_CACHE)
def parse_task(lists_dir: Path, previous: PreviousSnapshot | None = None) -> ParsedLists:
    return pipeline.parse_lists(lists_dir, previous)


# No Prefect timeout here either (see fetch_source_task): submitted alongside the fetches, this task
# runs in a worker thread; the title searches go through the same clients, bounded by their deadlines.
@task(name="resolve-titles", retries=1, retry_delay_seconds=10, cache_policy=NO_CACHE)
def titles_task(
    clients: Clients,
    cache_path: Path,
    groups: Sequence[Sequence[TitleQuery]],
    sources: Sequence[str],
    limits: bool,
) -> dict[str, TitleMatch]:
    """Every group of title queries; inside one slot of each search source's concurrency limit when
    ``limits`` (the fleet path: in a local night the flow already holds every slot the run needs)."""
    matches: dict[str, TitleMatch] = {}
    searched = [s for s in pipeline.SEARCH_SOURCES if s in sources]
    with source_slot(searched, limits and bool(groups)):
        for group in groups:
            matches.update(pipeline.resolve_titles(clients, cache_path, group, sources))
    return matches


# No Prefect timeout here: this task runs in a worker thread, where Prefect cannot interrupt it (it
# warns on every run). A batch is bounded by the client instead: every request has a timeout and a
# deadline (``enrich.clients.base.DEFAULT_REQUEST_DEADLINE``), and a dead source is skipped.
@task(name="fetch-source", cache_policy=NO_CACHE)
def fetch_source_task(
    clients: Clients, batches: Sequence[Batch], known_repos: dict[str, RepoState]
) -> SourceFetch:
    """Every batch of one source, in order (the flow holds the source's concurrency slot)."""
    return pipeline.fetch_source(clients, batches, known=known_repos)


@task(name="resolve-works", timeout_seconds=1800, cache_policy=NO_CACHE)
def resolve_task(
    entries: Sequence[Entry],
    works: Sequence[WorkRecord],
    matches: dict[str, TitleMatch],
    id_map_path: Path,
    previous: PreviousSnapshot | None = None,
) -> list[ResolvedWork]:
    return pipeline.resolve(entries, works, matches, id_map_path=id_map_path, previous=previous)


@task(name="build-tables", timeout_seconds=1800, cache_policy=NO_CACHE)
def build_task(
    entries: Handoff[Sequence[Entry]],
    resolved: Handoff[Sequence[ResolvedWork]],
    repos: Handoff[Sequence[RepoRecord]],
    hf: Handoff[Sequence[HfRecord]],
    day: date,
    previous: PreviousSnapshot | None,
    unreadable_lists: Sequence[str],
) -> Built:
    return pipeline.build(
        entries, resolved, repos, hf, snapshot_date=day, previous=previous, unreadable_lists=unreadable_lists
    )


@task(name="write-snapshot", retries=1, retry_delay_seconds=5, timeout_seconds=900, cache_policy=NO_CACHE)
def write_task(out_dir: Path | str, built: Built, facts: RunFacts) -> Path | str:
    return pipeline.write(out_dir, built.tables, facts)


@task(name="publish-summary", timeout_seconds=300, cache_policy=NO_CACHE)
def summary_task(built: Built, facts: RunFacts) -> str:
    markdown = render_markdown(pipeline.summarise(built, facts))
    create_markdown_artifact(
        markdown=markdown, key=ARTIFACT_KEY, description=f"Enrichment run {facts.snapshot_date.isoformat()}"
    )
    return markdown


T = TypeVar("T")


def q(value: T) -> T:
    """Hand ``value`` to a task as is: Prefect neither walks it for futures nor copies it."""
    return cast(T, quote(value))


# --------------------------------------------------------------------------- the flow


def _gather(
    futures: Sequence[tuple[Sequence[Batch], PrefectFuture[SourceFetch]]],
) -> tuple[list[BatchResult], list[str]]:
    results: list[BatchResult] = []
    failed: list[str] = []
    for batches, future in futures:
        future.wait()
        state = future.state
        if state.is_completed():
            done = future.result()
            results.extend(done.results)
            failed.extend(done.failed)
        else:
            source = batches[0].source
            failed.append(f"{source}: {len(batches)} batch(es) {state.type.value.lower()}")
    return results, failed


@dataclass(frozen=True, slots=True)
class _Night:
    """The fetch phase of a night on this machine: what its two rounds share."""

    clients: Clients
    cache: Path
    chosen: Sequence[str]
    entries: Sequence[Entry]
    plan: LookupPlan
    known: dict[str, RepoState]

    def fetch(
        self, first: Mapping[str, Sequence[Batch]], groups: Sequence[Sequence[TitleQuery]], limits: bool
    ) -> tuple[dict[str, TitleMatch], list[BatchResult], list[str]]:
        """The title searches and the first round (every id the lists name, one task per source)
        at once; then the second round: the ids only the titles found, numbered after the first
        round's batches. All of it inside one slot of each source asked (one acquisition)."""
        asked = [
            s
            for s in self.chosen
            if first.get(s) or (groups and (s in pipeline.SEARCH_SOURCES or s in self.plan.by_source()))
        ]
        with source_slot(asked, limits):
            titles = None
            if groups:
                titles = titles_task.submit(
                    q(self.clients), self.cache / "resolution.sqlite", q(groups), self.chosen, False
                )
            futures = self._submit(first, "")
            matches: dict[str, TitleMatch] = {}
            if titles is not None:
                titles.wait()
                if not titles.state.is_completed():
                    _gather(futures)  # the slots outlive every fetch of the night
                matches = titles.result()  # raises as the titles stage always did
            items = pipeline.source_items(self.entries, matches, self.known, plan=self.plan)
            later = pipeline.later_batches(first, items, self.chosen)
            del items  # every id's wire form: not kept while the later batches run
            futures += self._submit(later, "-titles")
            results, failed = _gather(futures)
        return matches, results, failed

    def _submit(
        self, batches: Mapping[str, Sequence[Batch]], suffix: str
    ) -> list[tuple[Sequence[Batch], PrefectFuture[SourceFetch]]]:
        futures: list[tuple[Sequence[Batch], PrefectFuture[SourceFetch]]] = []
        for source, source_batches in batches.items():
            if source_batches:
                future = fetch_source_task.with_options(task_run_name=f"fetch-{source}{suffix}").submit(
                    q(self.clients), q(source_batches), q(self.known), return_state=False
                )
                futures.append((source_batches, future))
        return futures


_RUNNER: TaskRunner[Any] = ThreadPoolTaskRunner(max_workers=8)


@flow(name="nightly", task_runner=_RUNNER, log_prints=False)
def nightly(
    lists_dir: Path | None = None,
    out_dir: Path | str | None = None,
    snapshot_date: date | None = None,
    cache_dir: Path | None = None,
    sources: list[str] | None = None,
    refresh: bool = True,
    write_report: bool = True,
) -> NightlyResult:
    """Refresh, parse, resolve and fetch every list entry, then write the dated snapshot.

    Parameters left ``None`` come from the settings (``ENRICH_*``, ``.env``); ``snapshot_date``
    defaults to today in UTC.
    """
    prepare_night()  # Arrow's allocator, and its slow first array made here (enrich.arrow_pool)
    logger = get_run_logger()
    settings = Settings() if sources is None else Settings(sources=tuple(sources))
    lists = lists_dir or settings.lists_dir
    out = parse_root(out_dir) if out_dir else settings.out_dir  # a directory or s3://bucket/prefix
    cache = cache_dir or settings.cache_dir
    day = snapshot_date or datetime.now(UTC).date()
    chosen = settings.sources
    started = datetime.now(UTC)

    policy = settings.source_policy()
    clients = build_clients(settings, cache)
    limits = ensure_source_limits(chosen, settings.source_concurrency)

    notes: list[str] = []
    if refresh:
        report = refresh_task(lists, q(clients), day)
        if report.offline_message:
            notes.append(report.offline_message)
    # the previous snapshot first: entries keep the ids it gave them (edited or not)
    previous_snapshot = pipeline.previous_snapshot(out, day)
    parsed = parse_task(lists, q(previous_snapshot))
    trim_heap()  # at each stage boundary: the C heap's free memory back to the system (enrich.arrow_pool)
    problems = [f"skipped {p}" for p in parsed.problems]
    notes.extend(summary.line() for summary in parsed.summaries)
    problems.extend(f"list {s.list_id}: format not understood" for s in parsed.summaries if not s.understood)

    plan = pipeline.lookup_plan(parsed.entries)  # once: the ids the lists name now, titles alongside
    groups = pipeline.title_batches(plan.title_queries)
    known_repos = pipeline.repo_states(previous_snapshot)
    fleet_root = _fleet_root(out, settings)
    if fleet_root is not None:  # fan out to the pool's workers through the object store (flows/fleet.py)
        from flows.fleet import fetch_on_fleet

        # titles first, in their own slots: each unit takes its source's slot on its worker
        matches = titles_task(q(clients), cache / "resolution.sqlite", q(groups), chosen, limits)
        batches = pipeline.plan_batches(
            pipeline.source_items(parsed.entries, matches, known_repos, plan=plan), chosen
        )
        results, failed, fleet_notes = fetch_on_fleet(
            fleet_root,
            _run_id(),
            batches,
            known_repos,
            clients,
            deployment=str(settings.fetch_deployment),
            unit_timeout=settings.unit_timeout,
        )
        notes.extend(fleet_notes)
        del batches
    else:
        first = pipeline.plan_batches(
            pipeline.source_items(parsed.entries, None, known_repos, plan=plan), chosen
        )
        night = _Night(clients, cache, chosen, parsed.entries, plan, known_repos)
        matches, results, failed = night.fetch(first, groups, limits)
        del first, night  # the fetch futures and their states went with the phase
    del known_repos, plan, groups  # nothing after the fetch phase reads the plan
    results = pipeline.settle_missing(results, previous_snapshot)
    problems.extend(failed)
    works, repos, hf = pipeline.collect(results)
    works = works + pipeline.remembered_links(previous_snapshot, works)

    stats = pipeline.source_stats(
        clients, chosen, results, policy=policy, carried=previous_snapshot is not None
    )
    del results  # the records live on in works/repos/hf
    # Prefect's thread futures sit in a reference cycle (each with its concurrent future's done
    # callback): without a collection the fetch futures' states keep every batch's records (the
    # store's Arrow buffers, the repo and Hub records) past the build that drops the night's inputs
    gc.collect()
    trim_heap()
    messages = pipeline.verdict_lines(stats)
    for line in messages:
        logger.warning(line)

    resolved = resolve_task(
        q(parsed.entries), q(works), q(matches), cache / "work-ids.sqlite", q(previous_snapshot)
    )
    del works, matches  # resolved holds what build needs
    trim_heap()
    # handed over: build_tables drops each once done with it (the engine holds only the empty holders)
    entries_in, resolved_in, repos_in, hf_in = (
        Handoff(parsed.entries),
        Handoff(resolved),
        Handoff(repos),
        Handoff(hf),
    )
    unreadable = parsed.unreadable
    del parsed, resolved, repos, hf
    built = build_task(
        q(entries_in), q(resolved_in), q(repos_in), q(hf_in), day, q(previous_snapshot), unreadable
    )
    del previous_snapshot  # the tables (and built.previous) are all that is kept
    trim_heap()
    facts = RunFacts(
        snapshot_date=day,
        run_id=_run_id(),
        started_at=started,
        sources=stats,
        problems=tuple(problems),
        notes=tuple(notes),
    )
    manifest_path = write_task(out, q(built), facts)
    trim_heap()
    if fleet_root is not None:
        from enrich.fleet import clear

        clear(fleet_root, facts.run_id)
    markdown = summary_task(q(built), facts)
    del built  # the report reads the written snapshot: tonight's tables need not stay in memory
    trim_heap()
    from flows.report_step import report_task

    written = report_task(
        out,
        manifest_path,
        day,
        facts.partial,
        markdown,
        q(dict(stats)),
        facts.problems + facts.notes,
        write_report,
        cache,  # the report's Vega bundle is kept there (enrich.report_bundle)
    )
    return NightlyResult(
        snapshot_date=day,
        manifest_path=manifest_path,
        partial=facts.partial,
        messages=tuple(messages),
        problems=tuple(problems),
        summary_markdown=markdown,
        notes=tuple(notes),
        report=written,
    )


def build_clients(settings: Settings, cache: Path) -> Clients:
    """The night's API clients from the settings of this process."""
    policy = settings.source_policy()
    return Clients.from_config(
        settings.endpoints(),
        settings.credentials(load_secret_block),
        cache_dir=cache,
        timeout=settings.timeout,
        interval_scale=settings.interval_scale,
        deadlines={s: p.deadline_s for s, p in policy.items()},
    )


def _fleet_root(out: Path | str, settings: Settings) -> str | None:
    """The object-store root to fan the fetch out through, when ``ENRICH_FETCH_DEPLOYMENT`` is set."""
    if settings.fetch_deployment is None:
        return None
    if isinstance(out, str):
        return out
    say("ENRICH_FETCH_DEPLOYMENT is set but the snapshot root is a directory: fetching in this run")
    return None


def _run_id() -> str:
    from prefect.runtime import flow_run

    run_id = flow_run.id
    return str(run_id) if run_id else uuid.uuid4().hex


__all__ = ["SOURCES", "NightlyResult", "nightly"]
