"""The ``nightly`` Prefect flow: thin wiring around the stages in :mod:`enrich.pipeline`.

refresh -> parse -> resolve titles -> fetch per source (sources in parallel, batches of one source in
order, each batch one task run) -> resolve works -> build tables -> write snapshot -> publish the run
summary as a markdown artifact.

Settings are built here, when the flow runs (the edge), never at import time. Tasks retry only for
coarse failures (the clients already retry requests) and have timeouts. Each source's batches hold
a slot of the Prefect global concurrency limit ``enrich-<source>`` (created at flow start with
``ENRICH_SOURCE_CONCURRENCY`` slots when missing; an existing limit is left as its owner set it), so
several workers sharing one token never run more than that many batches of a source at once; each
client spaces its own requests within a batch. When the limits cannot be created (no API that
supports them), the run goes on without them after one log line.
"""

# No `from __future__ import annotations` here: a served deployment pickles this flow by value into
# a child process, and string annotations would lose `Path`/`date` (tests/flows/test_flows_served.py).

import contextlib
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import httpx
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectNotFound, PrefectException
from prefect.futures import PrefectFuture
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from enrich import pipeline
from enrich.config import SOURCES
from enrich.pipeline import Batch, BatchResult, Built, ParsedLists, RunFacts
from enrich.refresh import RefreshReport
from enrich.settings import Settings
from enrich.summary import render_markdown

LIMIT_PREFIX = "enrich-"
ARTIFACT_KEY = "enrich-run-summary"
FETCH_TIMEOUT_S = 1800.0
SLOT_TIMEOUT_S = 3600.0


@dataclass(frozen=True, slots=True)
class NightlyResult:
    """What a run produced; ``enrich run`` turns it into an exit code and terminal lines."""

    snapshot_date: date
    manifest_path: Path
    partial: bool
    messages: tuple[str, ...]  # one line per unreachable source
    problems: tuple[str, ...]  # skipped files, failed batches
    summary_markdown: str
    notes: tuple[str, ...] = ()  # e.g. the refresh stage's "offline" line


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


@contextlib.contextmanager
def source_slot(source: str, enabled: bool) -> Iterator[None]:
    """Hold one slot of ``enrich-<source>`` while a batch runs (nothing when limits are off).

    A server that cannot grant slots at all (``ConcurrencySlotAcquisitionError``) costs one warning
    and the batch runs without; a slot that stays taken longer than ``SLOT_TIMEOUT_S`` fails the task.
    """
    with contextlib.ExitStack() as stack:
        if enabled:
            try:
                stack.enter_context(
                    concurrency(
                        f"{LIMIT_PREFIX}{source}", occupy=1, timeout_seconds=SLOT_TIMEOUT_S, strict=True
                    )
                )
            except ConcurrencySlotAcquisitionError as exc:
                get_run_logger().warning("%s: running without its concurrency limit (%s)", source, exc)
        yield


# --------------------------------------------------------------------------- tasks


@task(name="refresh-lists", retries=1, retry_delay_seconds=10, timeout_seconds=600, cache_policy=NO_CACHE)
def refresh_task(lists_dir: Path, clients: Any, today: date) -> RefreshReport:
    return pipeline.refresh_lists(lists_dir, clients, today=today)


@task(name="parse-lists", timeout_seconds=600, cache_policy=NO_CACHE)
def parse_task(lists_dir: Path) -> ParsedLists:
    return pipeline.parse_lists(lists_dir)


@task(
    name="resolve-titles",
    retries=1,
    retry_delay_seconds=10,
    timeout_seconds=FETCH_TIMEOUT_S,
    cache_policy=NO_CACHE,
)
def titles_task(
    clients: Any, cache_path: Path, queries: Sequence[Any], sources: Sequence[str]
) -> dict[str, Any]:
    return pipeline.resolve_titles(clients, cache_path, queries, sources)


# No Prefect timeout here: this task runs in a worker thread, where Prefect cannot interrupt it (it
# warns on every run). A batch is bounded by the client instead: every request has a timeout and a
# deadline (``enrich.clients.base.DEFAULT_REQUEST_DEADLINE``), and a dead source is skipped.
@task(name="fetch-batch", retries=1, retry_delay_seconds=10, cache_policy=NO_CACHE)
def fetch_task(clients: Any, batch: Batch, limits: bool, known_repos: dict[str, Any]) -> BatchResult:
    with source_slot(batch.source, limits):
        return pipeline.fetch_batch(clients, batch, known=known_repos)


@task(name="resolve-works", timeout_seconds=1800, cache_policy=NO_CACHE)
def resolve_task(
    entries: Sequence[Any], works: Sequence[Any], matches: dict[str, Any], id_map_path: Path
) -> list[Any]:
    return pipeline.resolve(entries, works, matches, id_map_path=id_map_path)


@task(name="build-tables", timeout_seconds=1800, cache_policy=NO_CACHE)
def build_task(
    entries: Sequence[Any],
    resolved: Sequence[Any],
    repos: Sequence[Any],
    hf: Sequence[Any],
    day: date,
    previous: Any,
    unreadable_lists: Sequence[str],
) -> Built:
    return pipeline.build(
        entries, resolved, repos, hf, snapshot_date=day, previous=previous, unreadable_lists=unreadable_lists
    )


@task(name="write-snapshot", retries=1, retry_delay_seconds=5, timeout_seconds=900, cache_policy=NO_CACHE)
def write_task(out_dir: Path, built: Built, facts: RunFacts) -> Path:
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
    futures: Sequence[tuple[Batch, PrefectFuture[BatchResult]]],
) -> tuple[list[BatchResult], list[str]]:
    results: list[BatchResult] = []
    failed: list[str] = []
    for batch, future in futures:
        future.wait()
        state = future.state
        if state.is_completed():
            results.append(future.result())
        else:
            failed.append(f"{batch.source}: batch {batch.index + 1}/{batch.total} {state.type.value.lower()}")
    return results, failed


_RUNNER: TaskRunner[Any] = ThreadPoolTaskRunner(max_workers=8)


@flow(name="nightly", task_runner=_RUNNER, log_prints=False)
def nightly(
    lists_dir: Path | None = None,
    out_dir: Path | None = None,
    snapshot_date: date | None = None,
    cache_dir: Path | None = None,
    sources: list[str] | None = None,
    refresh: bool = True,
) -> NightlyResult:
    """Refresh, parse, resolve and fetch every list entry, then write the dated snapshot.

    Parameters left ``None`` come from the settings (``ENRICH_*``, ``.env``); ``snapshot_date``
    defaults to today in UTC.
    """
    logger = get_run_logger()
    settings = Settings() if sources is None else Settings(sources=tuple(sources))
    lists = lists_dir or settings.lists_dir
    out = out_dir or settings.out_dir
    cache = cache_dir or settings.cache_dir
    day = snapshot_date or datetime.now(UTC).date()
    chosen = settings.sources
    started = datetime.now(UTC)

    from enrich.clients import Clients

    clients = Clients.from_config(
        settings.endpoints(),
        settings.credentials(load_secret_block),
        cache_dir=cache,
        timeout=settings.timeout,
        interval_scale=settings.interval_scale,
    )
    limits = ensure_source_limits(chosen, settings.source_concurrency)

    notes: list[str] = []
    if refresh:
        report = refresh_task(lists, q(clients), day)
        if report.offline_message:
            notes.append(report.offline_message)
    parsed = parse_task(lists)
    problems = [f"skipped {p}" for p in parsed.problems]
    notes.extend(summary.line() for summary in parsed.summaries)
    problems.extend(f"list {s.list_id}: format not understood" for s in parsed.summaries if not s.understood)

    matches: dict[str, Any] = {}
    for group in pipeline.title_batches(pipeline.title_queries(parsed.entries)):
        matches.update(titles_task(q(clients), cache / "resolution.sqlite", q(group), chosen))

    previous_snapshot = pipeline.previous_snapshot(out, day)
    known_repos = pipeline.repo_states(previous_snapshot)
    batches = pipeline.plan_batches(pipeline.source_items(parsed.entries, matches, known_repos), chosen)
    futures: list[tuple[Batch, PrefectFuture[BatchResult]]] = []
    for source_batches in batches.values():
        previous: PrefectFuture[BatchResult] | None = None
        for batch in source_batches:
            future = fetch_task.with_options(task_run_name=f"fetch-{batch.name}").submit(
                q(clients),
                batch,
                limits,
                q(known_repos),
                return_state=False,
                wait_for=[previous] if previous is not None else None,
            )
            futures.append((batch, future))
            previous = future
    results, failed = _gather(futures)
    problems.extend(failed)
    works, repos, hf = pipeline.collect(results)

    stats = pipeline.source_stats(clients, chosen, results)
    messages = pipeline.unreachable_messages(stats)
    for line in messages:
        logger.warning(line)

    resolved = resolve_task(q(parsed.entries), q(works), q(matches), cache / "work-ids.sqlite")
    built = build_task(
        q(parsed.entries), q(resolved), q(repos), q(hf), day, q(previous_snapshot), parsed.unreadable
    )
    facts = RunFacts(
        snapshot_date=day,
        run_id=_run_id(),
        started_at=started,
        sources=stats,
        problems=tuple(problems),
        notes=tuple(notes),
    )
    manifest_path = write_task(out, q(built), facts)
    markdown = summary_task(q(built), facts)
    return NightlyResult(
        snapshot_date=day,
        manifest_path=manifest_path,
        partial=facts.partial,
        messages=tuple(messages),
        problems=tuple(problems),
        summary_markdown=markdown,
        notes=tuple(notes),
    )


def _run_id() -> str:
    from prefect.runtime import flow_run

    run_id = flow_run.id
    return str(run_id) if run_id else uuid.uuid4().hex


__all__ = ["SOURCES", "NightlyResult", "nightly"]
