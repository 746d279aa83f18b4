"""Stage 4b: fetch one batch (:func:`fetch_batch`) or every batch of one source in order
(:func:`fetch_source`).

A source that cannot be reached costs one failed batch, not one per batch: :func:`fetch_batch`
looks at the client's ``stats.stopped`` first and answers the rest of that source's batches at once,
with ``deferred`` records when the source was rate limited, out of quota or past its deadline, with
``error`` records when it was unreachable, refused the key or kept failing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from enrich.errors import EnrichError
from enrich.pipeline.batches import Batch, BatchResult
from enrich.pipeline.progress import ProgressEvent, emit, progress_log
from enrich.records import FetchStatus, HfRecord, RepoRecord, SourceStats, WorkRecord
from enrich.sources import ItemKind, SourceClient
from enrich.sources import spec as source_spec

if TYPE_CHECKING:
    from enrich.clients import Clients, RepoState


def _client(clients: Clients, source: str) -> SourceClient:
    source_spec(source)  # ValueError for an unknown source
    return clients.get(source)


def _skipped_records(
    batch: Batch, status: FetchStatus, reason: str, now: datetime, *, unreachable: bool
) -> BatchResult:
    """Every item of a batch that was not sent, with ``status`` (``error`` or ``deferred``)."""
    result = BatchResult(batch, skipped=True, unreachable=unreachable, message=reason)
    kind = source_spec(batch.source).kind
    if kind == "repos":
        repos = tuple(RepoRecord(key=k, status=status, fetched_at=now, reason=reason) for k in batch.items)
        return replace(result, repos=repos)
    if kind == "hf":
        hf = tuple(
            HfRecord(
                key=k,
                kind=k.split(":", 1)[0],
                hf_id=k.split(":", 1)[1],
                status=status,
                fetched_at=now,
                reason=reason,
            )
            for k in batch.items
        )
        return replace(result, hf=hf)
    works = tuple(
        WorkRecord(source=batch.source, key=k, status=status, fetched_at=now, reason=reason)
        for k in batch.items
    )
    return replace(result, works=works)


def fetch_batch(
    clients: Clients,
    batch: Batch,
    *,
    known: Mapping[str, RepoState] | None = None,
    now: datetime | None = None,
) -> BatchResult:
    """Stage 4b: fetch one batch from its source. Never raises for remote failures.

    When the client has already stopped asking the source (unreachable, key refused, kept failing:
    ``error``; rate limited, out of quota, past its deadline: ``deferred``), nothing is sent and every
    item comes back at once with that status.
    """
    client = _client(clients, batch.source)
    stats: SourceStats = client.stats
    stopped = stats.stopped or ("unreachable" if stats.unreachable else None)
    if stopped is not None:
        status = FetchStatus.DEFERRED if stopped == "deferred" else FetchStatus.ERROR
        reason = stats.message or f"{batch.source}: {stopped}"
        result = _skipped_records(
            batch, status, reason, now or datetime.now(UTC), unreachable=stats.unreachable
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
            + (f" skipped ({stopped})" if result.skipped else ""),
        )
    )
    return result


def _call(client: SourceClient, batch: Batch, known: Mapping[str, RepoState] | None) -> BatchResult:
    records = client.fetch_keys(list(batch.items), known=known)
    return batch_result(batch, source_spec(batch.source).kind, records)


def batch_result(
    batch: Batch, kind: ItemKind, records: Sequence[WorkRecord | RepoRecord | HfRecord]
) -> BatchResult:
    """``records`` of one batch filed under its source's item kind (a record of another kind is a bug)."""
    works = tuple(r for r in records if isinstance(r, WorkRecord))
    repos = tuple(r for r in records if isinstance(r, RepoRecord))
    hf = tuple(r for r in records if isinstance(r, HfRecord))
    expected = {"works": works, "repos": repos, "hf": hf}[kind]
    if len(expected) != len(records):
        raise TypeError(f"{batch.source}: a {kind} source returned records of another kind")
    return BatchResult(batch, works=works, repos=repos, hf=hf)


@dataclass(frozen=True, slots=True)
class SourceFetch:
    """Every batch of one source: their results, and one line per batch that failed twice."""

    results: tuple[BatchResult, ...]
    failed: tuple[str, ...] = ()


BATCH_RETRY_DELAY_S: Final = 10.0
BATCH_FAILURES: Final = (
    EnrichError,
    ArithmeticError,
    AttributeError,
    LookupError,
    OSError,
    TypeError,
    ValueError,
)
"""What a batch that should not raise may raise anyway; anything else fails the source's task."""


def fetch_source(
    clients: Clients,
    batches: Sequence[Batch],
    *,
    known: Mapping[str, RepoState] | None = None,
    retry_delay: float = BATCH_RETRY_DELAY_S,
) -> SourceFetch:
    """Stage 4b for one source: its batches in order (one task, one concurrency slot, no per-batch
    orchestration). :func:`fetch_batch` does not raise for remote failures; a batch that raises
    anyway (a bug, a payload nothing expected) is tried once more after ``retry_delay`` seconds,
    then reported as failed and the next batch goes on."""
    import time

    results: list[BatchResult] = []
    failed: list[str] = []
    for batch in batches:
        for attempt in (1, 2):
            try:
                results.append(fetch_batch(clients, batch, known=known))
                break
            except BATCH_FAILURES as exc:  # reported below: one line naming the batch and the error
                progress_log.warning(
                    "%s: batch %d/%d raised %s (attempt %d of 2)",
                    batch.source,
                    batch.index + 1,
                    batch.total,
                    type(exc).__name__,
                    attempt,
                )
                if attempt == 2:
                    failed.append(
                        f"{batch.source}: batch {batch.index + 1}/{batch.total} failed ({type(exc).__name__})"
                    )
                else:
                    time.sleep(retry_delay)
    return SourceFetch(tuple(results), tuple(failed))
