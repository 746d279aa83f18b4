"""Fan-out of the fetch stage across Prefect workers: the ``fetch-unit`` flow and the night's side of it.

When ``ENRICH_FETCH_DEPLOYMENT`` names a deployment of :func:`fetch_unit` (``fetch-unit/fetch-unit``
in ``prefect.yaml``) and the snapshot root is an object store, the nightly run writes one unit per
source to the store (:mod:`enrich.fleet`) and starts one run of that deployment per unit with
``run_deployment``; any worker of the pool picks it up, fetches inside the source's global concurrency
slot (shared by the fleet) and writes its output back to the store. The night waits for the outputs.

A unit whose run failed, crashed or was cancelled, that has no output ``ENRICH_UNIT_TIMEOUT`` seconds
after it started running (its worker died: a killed process leaves its run "Running" forever, and its
concurrency lease lapses a minute later), or that no worker took within twice that (every worker busy:
workers need room for a night and its units, ``--limit`` of 2 or more), is started once more, for
another worker; a unit that
fails twice is one problem line, its source's earlier values are carried forward and the night is
partial. Settings (endpoints, tokens or their Secret block names, caches) come from each worker's
environment; the runs' parameters hold only the root, the run key and the source.
"""

# No `from __future__ import annotations`: Prefect reads the flow's parameter annotations.

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from prefect import flow, get_run_logger

from enrich import fleet, pipeline
from enrich.clients import Clients, RepoState
from enrich.pipeline import Batch, BatchResult
from enrich.settings import Settings

POLL_S = 2.0
FINAL_FAILURES = {"FAILED", "CRASHED", "CANCELLED", "CANCELLING"}


@flow(name="fetch-unit", log_prints=False)
def fetch_unit(root: str, run_key: str, source: str) -> str:
    """Fetch one source's unit of a night (written by the night to the store); returns who did it."""
    from flows.concurrency import ensure_source_limits, source_slot
    from flows.nightly import build_clients

    settings = Settings()
    unit = fleet.get_unit(root, run_key, source)
    clients = build_clients(settings, settings.cache_dir)
    limits = ensure_source_limits([source], settings.source_concurrency)
    with source_slot(source, limits):
        fetched = pipeline.fetch_source(clients, unit.batches, known=unit.known)
    label = fleet.worker_label()
    stats = getattr(clients, source).stats
    fleet.put_output(root, run_key, fleet.UnitOutput(source, fetched, stats, label))
    get_run_logger().info("%s: %d batch(es) fetched by %s", source, len(unit.batches), label)
    return label


@dataclass
class _Pending:
    flow_run_id: UUID
    created: float
    attempt: int
    running_since: float | None = None

    def late(self, state: str, unit_timeout: float, now: float) -> str | None:
        """Why the unit is given up on (no output ``unit_timeout`` s after it started running, or
        ``2 x unit_timeout`` s after it was created without any worker taking it), else ``None``."""
        if state == "RUNNING" and self.running_since is None:
            self.running_since = now
        if self.running_since is not None and now - self.running_since > unit_timeout:
            return f"no output {unit_timeout:.0f} s after it started"
        if self.running_since is None and now - self.created > 2 * unit_timeout:
            return f"no worker took it within {2 * unit_timeout:.0f} s"
        return None


def _start(deployment: str, root: str, run_key: str, source: str, attempt: int) -> _Pending:
    from prefect.deployments import run_deployment

    run: Any = run_deployment(
        deployment,
        parameters={"root": root, "run_key": run_key, "source": source},
        timeout=0,
        flow_run_name=f"fetch-{source}-{run_key[:8]}-{attempt}",
        tags=["enrich", "fleet"],
        idempotency_key=f"{run_key}-{source}-{attempt}",
    )
    return _Pending(run.id, time.monotonic(), attempt)


def _state(flow_run_id: UUID) -> str:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(flow_run_id)
    return run.state.type.value if run.state is not None else "PENDING"


def _abandon(flow_run_id: UUID) -> None:
    """Mark a run whose worker is gone as cancelled (its process is dead: nothing to stop)."""
    from prefect.client.orchestration import get_client
    from prefect.states import Cancelled

    with get_client(sync_client=True) as client:
        client.set_flow_run_state(flow_run_id, Cancelled(message="abandoned: no output in time"), force=True)


def fetch_on_fleet(
    root: str,
    run_key: str,
    batches: Mapping[str, Sequence[Batch]],
    known: Mapping[str, RepoState],
    clients: Clients,
    *,
    deployment: str,
    unit_timeout: float,
) -> tuple[list[BatchResult], list[str], list[str]]:
    """Fetch every source's batches on the fleet; returns (results, problems, notes).

    Each unit's client counters are added to ``clients`` (so the night's per-source verdicts count
    the fleet's requests); ``notes`` says which worker fetched what.
    """
    logger = get_run_logger()
    pending: dict[str, _Pending] = {}
    for source, source_batches in batches.items():
        if source_batches:
            fleet.put_unit(root, run_key, fleet.FetchUnit(source, tuple(source_batches), dict(known)))
            pending[source] = _start(deployment, root, run_key, source, 1)
    results: list[BatchResult] = []
    problems: list[str] = []
    done_by: dict[str, str] = {}
    while pending:
        time.sleep(POLL_S)
        for source, unit in list(pending.items()):
            output = fleet.get_output(root, run_key, source)
            if output is not None:
                getattr(clients, source).absorb(output.stats)
                results.extend(output.fetched.results)
                problems.extend(output.fetched.failed)
                done_by[source] = output.worker
                del pending[source]
                continue
            state = _state(unit.flow_run_id)
            late = unit.late(state, unit_timeout, time.monotonic())
            if state not in FINAL_FAILURES and late is None and state != "COMPLETED":
                continue
            if state == "COMPLETED" and fleet.get_output(root, run_key, source) is not None:
                continue  # written between the two reads: taken on the next pass
            why = late or f"run {state.lower()}"
            if state not in FINAL_FAILURES and state != "COMPLETED":
                _abandon(unit.flow_run_id)
            if unit.attempt == 1:
                logger.warning("%s: fleet unit %s; started again for another worker", source, why)
                pending[source] = _start(deployment, root, run_key, source, 2)
            else:
                problems.append(
                    f"{source}: fetch on the fleet failed twice ({why}); its batches were not fetched"
                )
                del pending[source]
    workers = sorted(set(done_by.values()))
    notes = [
        f"fleet: {len(done_by)} unit(s) on {len(workers)} worker(s): "
        + "; ".join(f"{s} by {w}" for s, w in sorted(done_by.items()))
    ]
    return results, problems, notes
