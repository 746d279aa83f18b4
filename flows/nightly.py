"""The ``nightly`` Prefect flow: thin wiring around the stages in :mod:`enrich.pipeline`.

refresh -> parse -> resolve titles -> fetch per source (sources in parallel, each source one task
run that fetches its batches in order) -> resolve works -> build tables -> write snapshot -> publish
the run summary as a markdown artifact -> write summary.md/summary.json next to the manifest and the HTML
report, linked from a link artifact beside a per-source coverage table artifact
(``flows/report_step.py``).

Settings are built here, when the flow runs (the edge), never at import time. Tasks retry only for
coarse failures (the clients already retry requests) and have timeouts. Each source's fetch task,
and the title searches (for every search source they ask), hold one slot of the Prefect global
concurrency limit ``enrich-<source>`` for their whole run: one acquisition per source and stage,
not one per batch (created at flow start with ``ENRICH_SOURCE_CONCURRENCY`` slots when missing; an
existing limit is left as its owner set it), so several workers sharing one token never run more
than that many fetches of a source at once; each client spaces its own requests. When the limits
cannot be created (no API that supports them), the run goes on without them after one log line.

Slots never outlive their holder: each is a lease the holder renews (a standalone Prefect server
takes back a lease that is not renewed), and every holder is recorded in ``enrich.slots``'s ledger
so that a run that waits for a slot gives back the slots of holders on this machine that died
(the embedded server takes nothing back by itself). A run that waits for a slot says so, naming
the source and how long it has waited.
"""

# No `from __future__ import annotations` here: a served deployment pickles this flow by value into
# a child process, and string annotations would lose `Path`/`date` (tests/flows/test_flows_served.py).

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import httpx
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound, PrefectException
from prefect.futures import PrefectFuture
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from enrich import pipeline
from enrich.clients import Clients, RepoState
from enrich.config import SOURCES
from enrich.outroot import parse_root
from enrich.parsing import Entry
from enrich.pipeline import Batch, BatchResult, Built, ParsedLists, RunFacts, SourceFetch
from enrich.records import HfRecord, RepoRecord, WorkRecord
from enrich.refresh import RefreshReport
from enrich.resolve.match import TitleMatch, TitleQuery
from enrich.resolve.types import ResolvedWork
from enrich.settings import Settings
from enrich.slots import LEDGER_DIR, Holder, SlotLedger
from enrich.summary import render_markdown
from enrich.tables import PreviousSnapshot

if TYPE_CHECKING:
    from flows.report_step import ReportOutcome

LIMIT_PREFIX = "enrich-"
ARTIFACT_KEY = "enrich-run-summary"
FETCH_TIMEOUT_S = 1800.0
SLOT_TIMEOUT_S = 3600.0  # a slot still not granted after this long fails the task
LEASE_S = 60.0  # the shortest lease Prefect grants; renewed every 45 s while held
WAIT_LINE_S = 15.0  # a run waiting for a slot says so this often
slot_log = logging.getLogger("enrich.slots")  # reaches the terminal of `enrich run`


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


def ensure_source_limits(sources: Sequence[str], slots: int) -> bool:
    """Create the ``enrich-<source>`` global concurrency limits that do not exist yet.

    Returns whether they can be used. Never raises for an API that lacks them: logs one line and
    the run continues without cross-worker limits.
    """
    logger = get_run_logger()
    try:
        with get_client(sync_client=True) as client:
            for source in sources:
                name = f"{LIMIT_PREFIX}{source}"
                try:
                    client.read_global_concurrency_limit_by_name(name)
                except ObjectNotFound:
                    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate

                    client.create_global_concurrency_limit(
                        GlobalConcurrencyLimitCreate(name=name, limit=slots)
                    )
    except (httpx.HTTPError, PrefectException, OSError, RuntimeError) as exc:
        logger.warning(
            "per-source concurrency limits unavailable (%s); continuing without them", type(exc).__name__
        )
        return False
    return True


def _say(line: str) -> None:
    """One line on the ``enrich.slots`` logger: the terminal of ``enrich run``, and the run's logs in
    Prefect when ``PREFECT_LOGGING_EXTRA_LOGGERS`` includes ``enrich``."""
    slot_log.warning(line)


def slot_ledger() -> SlotLedger:
    """The holder ledger next to Prefect's own files (shared by every run using this ``PREFECT_HOME``)."""
    from prefect.settings import get_current_settings

    return SlotLedger(Path(get_current_settings().home) / LEDGER_DIR)


def _embedded_api() -> bool:
    """Whether the API is an embedded server of a process on this machine (no ``PREFECT_API_URL``):
    then every slot holder is a process of this machine and is in the ledger."""
    from prefect.settings import get_current_settings

    return get_current_settings().api.url is None


def reclaim_slots(client: Any, names: Sequence[str], ledger: SlotLedger, *, embedded: bool) -> list[str]:
    """Give back the slots of dead holders; return one line per slot given back.

    A dead holder's lease is released by its id (a no-op when the server no longer knows it). On an
    embedded API, slots taken beyond what live holders account for are orphans (their lease died
    with an earlier embedded server) and are given back too. The limit is read before the ledger,
    so a holder that registers meanwhile is counted, never robbed.
    """
    from uuid import UUID

    lines: list[str] = []
    with ledger.reclaiming():
        for holder in ledger.dead():
            if holder.lease_id is not None:
                client.release_concurrency_slots_with_lease(UUID(holder.lease_id))
            ledger.remove(holder)
            lines.append(
                f"{', '.join(holder.names)}: slot of process {holder.pid} released (the process is gone)"
            )
        if embedded:
            for name in names:
                taken = client.read_global_concurrency_limit_by_name(name).active_slots
                orphans = taken - ledger.live_count(name)
                if orphans > 0:
                    client.release_concurrency_slots([name], orphans, occupancy_seconds=1.0)
                    lines.append(f"{name}: {orphans} slot(s) of runs that are gone released")
    return lines


def _acquire(client: Any, names: list[str], ledger: SlotLedger, holder: Holder, label: str) -> Any:
    """Wait for one slot of each of ``names``; returns the server's grant (lease id, limits)."""
    from prefect.client.schemas.responses import ConcurrencyLimitWithLeaseResponse

    embedded = _embedded_api()
    started = time.monotonic()
    next_line = started + WAIT_LINE_S
    for line in reclaim_slots(client, names, ledger, embedded=embedded):
        _say(line)
    while True:
        holder = ledger.mark(holder, "acquiring")  # from here a grant may exist: never robbed
        try:
            response = client.increment_concurrency_slots_with_lease(
                names=names, slots=1, mode="concurrency", lease_duration=LEASE_S
            )
            return ConcurrencyLimitWithLeaseResponse.model_validate(response.json())
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code != 423:  # 423 Locked: every slot is taken
                raise
            retry_after = float(exc.response.headers.get("Retry-After", "1") or 1)
        holder = ledger.mark(holder, "waiting")
        waited = time.monotonic() - started
        if waited >= SLOT_TIMEOUT_S:
            raise TimeoutError(
                f"{label}: no concurrency slot of {', '.join(names)} within {SLOT_TIMEOUT_S:.0f} s"
            )
        for line in reclaim_slots(client, names, ledger, embedded=embedded):
            _say(line)
        if time.monotonic() >= next_line:
            _say(
                f"{label}: waiting for a concurrency slot of {', '.join(names)} (taken by another run) "
                f"for {waited:.0f} s; giving up after {SLOT_TIMEOUT_S:.0f} s"
            )
            next_line = time.monotonic() + WAIT_LINE_S
        time.sleep(min(max(retry_after, 0.2), 2.0))


@contextlib.contextmanager
def _renewing(lease_id: Any, label: str) -> Iterator[None]:
    """Renew ``lease_id`` in a background thread while the block runs."""
    stop = threading.Event()

    def renew() -> None:
        with get_client(sync_client=True) as client:
            while not stop.wait(LEASE_S * 0.75):
                try:
                    client.renew_concurrency_lease(lease_id=lease_id, lease_duration=LEASE_S)
                except (httpx.HTTPError, PrefectException, OSError) as exc:
                    _say(f"{label}: could not renew its concurrency lease ({type(exc).__name__})")

    thread = threading.Thread(target=renew, name=f"lease-{label}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()


@contextlib.contextmanager
def source_slot(sources: str | Sequence[str], enabled: bool) -> Iterator[None]:
    """Hold one slot of ``enrich-<source>`` for each of ``sources`` while the block runs (nothing
    when limits are off). One acquisition, however many batches run inside.

    The holder is recorded in the ledger before it asks (see :mod:`enrich.slots`) and forgotten
    only after the slot is given back. A limit missing on the server costs one warning and the
    block runs without it; a slot not granted within ``SLOT_TIMEOUT_S`` raises ``TimeoutError``.
    """
    chosen = [sources] if isinstance(sources, str) else list(sources)
    if not enabled or not chosen:
        yield
        return
    label = ", ".join(chosen)
    names = [f"{LIMIT_PREFIX}{s}" for s in chosen]
    ledger = slot_ledger()
    holder: Holder = ledger.waiting(names)
    grant: Any = None
    try:
        try:
            with get_client(sync_client=True) as client:
                grant = _acquire(client, names, ledger, holder, label)
        except (httpx.HTTPError, PrefectException) as exc:  # the API cannot grant slots at all
            _say(f"{label}: running without its concurrency limit ({type(exc).__name__}: {exc})")
            yield
            return
        holder = ledger.holding(holder, str(grant.lease_id))
        granted = {limit.name for limit in grant.limits}
        for source, name in zip(chosen, names, strict=True):
            if name not in granted:
                _say(f"{source}: running without its concurrency limit ({name} does not exist)")
        with _renewing(grant.lease_id, label):
            yield
    finally:
        if grant is not None:
            with get_client(sync_client=True) as client:
                client.release_concurrency_slots_with_lease(grant.lease_id)
        ledger.remove(holder)


# --------------------------------------------------------------------------- tasks


@task(name="refresh-lists", retries=1, retry_delay_seconds=10, timeout_seconds=600, cache_policy=NO_CACHE)
def refresh_task(lists_dir: Path, clients: Clients, today: date) -> RefreshReport:
    return pipeline.refresh_lists(lists_dir, clients, today=today)


@task(name="parse-lists", timeout_seconds=600, cache_policy=NO_CACHE)
def parse_task(lists_dir: Path, previous: PreviousSnapshot | None = None) -> ParsedLists:
    return pipeline.parse_lists(lists_dir, previous)


@task(
    name="resolve-titles",
    retries=1,
    retry_delay_seconds=10,
    timeout_seconds=FETCH_TIMEOUT_S,
    cache_policy=NO_CACHE,
)
def titles_task(
    clients: Clients,
    cache_path: Path,
    groups: Sequence[Sequence[TitleQuery]],
    sources: Sequence[str],
    limits: bool,
) -> dict[str, TitleMatch]:
    """Every group of title queries, inside one slot of each search source's concurrency limit."""
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
    clients: Clients, batches: Sequence[Batch], limits: bool, known_repos: dict[str, RepoState]
) -> SourceFetch:
    """Every batch of one source, in order, inside one slot of its concurrency limit."""
    with source_slot(batches[0].source, limits):
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
    entries: Sequence[Entry],
    resolved: Sequence[ResolvedWork],
    repos: Sequence[RepoRecord],
    hf: Sequence[HfRecord],
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
    problems = [f"skipped {p}" for p in parsed.problems]
    notes.extend(summary.line() for summary in parsed.summaries)
    problems.extend(f"list {s.list_id}: format not understood" for s in parsed.summaries if not s.understood)

    plan = pipeline.lookup_plan(parsed.entries)  # once: title queries now, the ids after titles
    groups = pipeline.title_batches(plan.title_queries)
    matches = titles_task(q(clients), cache / "resolution.sqlite", q(groups), chosen, limits)

    known_repos = pipeline.repo_states(previous_snapshot)
    items = pipeline.source_items(parsed.entries, matches, known_repos, plan=plan)
    batches = pipeline.plan_batches(items, chosen)
    fleet_root = _fleet_root(out, settings)
    if fleet_root is not None:  # fan out to the pool's workers through the object store (flows/fleet.py)
        from flows.fleet import fetch_on_fleet

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
    else:
        futures: list[tuple[Sequence[Batch], PrefectFuture[SourceFetch]]] = []
        for source, source_batches in batches.items():
            if source_batches:
                fetch_one = fetch_source_task.with_options(task_run_name=f"fetch-{source}")
                futures.append(
                    (
                        source_batches,
                        fetch_one.submit(
                            q(clients), q(source_batches), limits, q(known_repos), return_state=False
                        ),
                    )
                )
        results, failed = _gather(futures)
        del futures  # their states hold every source's answers: the results below are all that is kept
    del items, batches, known_repos
    results = pipeline.settle_missing(results, previous_snapshot)
    problems.extend(failed)
    works, repos, hf = pipeline.collect(results)
    works.extend(pipeline.remembered_links(previous_snapshot, works))

    stats = pipeline.source_stats(
        clients, chosen, results, policy=policy, carried=previous_snapshot is not None
    )
    del results  # the records live on in works/repos/hf
    messages = pipeline.verdict_lines(stats)
    for line in messages:
        logger.warning(line)

    resolved = resolve_task(
        q(parsed.entries), q(works), q(matches), cache / "work-ids.sqlite", q(previous_snapshot)
    )
    del works, matches, plan, groups  # resolved holds what build needs
    built = build_task(
        q(parsed.entries), q(resolved), q(repos), q(hf), day, q(previous_snapshot), parsed.unreadable
    )
    del parsed, resolved, repos, hf, previous_snapshot  # the tables (and built.previous) are all that is kept
    facts = RunFacts(
        snapshot_date=day,
        run_id=_run_id(),
        started_at=started,
        sources=stats,
        problems=tuple(problems),
        notes=tuple(notes),
    )
    manifest_path = write_task(out, q(built), facts)
    if fleet_root is not None:
        from enrich.fleet import clear

        clear(fleet_root, facts.run_id)
    markdown = summary_task(q(built), facts)
    del built  # the report reads the written snapshot: tonight's tables need not stay in memory
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


def build_clients(settings: Settings, cache: Path) -> Any:
    """The night's API clients (``enrich.clients.Clients``) from the settings of this process."""
    from enrich.clients import Clients

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
    _say("ENRICH_FETCH_DEPLOYMENT is set but the snapshot root is a directory: fetching in this run")
    return None


def _run_id() -> str:
    from prefect.runtime import flow_run

    run_id = flow_run.id
    return str(run_id) if run_id else uuid.uuid4().hex


__all__ = ["SOURCES", "NightlyResult", "nightly"]
