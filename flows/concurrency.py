"""Per-source concurrency slots: the Prefect global concurrency limits ``enrich-<source>``.

A run holds one slot of ``enrich-<source>`` for every source it asks, through one acquisition
(:func:`source_slot`; created at flow start with ``ENRICH_SOURCE_CONCURRENCY`` slots when missing by
:func:`ensure_source_limits`; an existing limit is left as its owner set it), so several workers
sharing one token never run more than that many runs' requests of a source at once; each client
spaces its own requests. When the limits cannot be created (no API that supports them), the run goes
on without them after one log line.

Slots never outlive their holder: each is a lease the holder renews (a standalone Prefect server
takes back a lease that is not renewed), and every holder is recorded in ``enrich.slots``'s ledger
so that a run that waits for a slot gives back the slots of holders on this machine that died
(the embedded server takes nothing back by itself). A run that waits for a slot says so, naming
the source and how long it has waited.

Kept out of ``flows/nightly.py`` (thin wiring); ``flows.fleet``'s ``fetch-unit`` flow uses it too.
"""

import contextlib
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

import httpx
from prefect import get_run_logger
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound, PrefectException

from enrich.slots import LEDGER_DIR, Holder, SlotLedger

if TYPE_CHECKING:
    from prefect.client.orchestration import SyncPrefectClient
    from prefect.client.schemas.responses import ConcurrencyLimitWithLeaseResponse

LIMIT_PREFIX = "enrich-"
SLOT_TIMEOUT_S = 3600.0  # a slot still not granted after this long fails the task
LEASE_S = 60.0  # the shortest lease Prefect grants; renewed every 45 s while held
WAIT_LINE_S = 15.0  # a run waiting for a slot says so this often
slot_log = logging.getLogger("enrich.slots")  # reaches the terminal of `enrich run`


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


def say(line: str) -> None:
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


def reclaim_slots(
    client: "SyncPrefectClient", names: Sequence[str], ledger: SlotLedger, *, embedded: bool
) -> list[str]:
    """Give back the slots of dead holders; return one line per slot given back.

    A dead holder's lease is released by its id (a no-op when the server no longer knows it). On an
    embedded API, slots taken beyond what live holders account for are orphans (their lease died
    with an earlier embedded server) and are given back too. The limit is read before the ledger,
    so a holder that registers meanwhile is counted, never robbed.
    """
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


def _acquire(
    client: "SyncPrefectClient", names: list[str], ledger: SlotLedger, holder: Holder, label: str
) -> "ConcurrencyLimitWithLeaseResponse":
    """Wait for one slot of each of ``names``; returns the server's grant (lease id, limits)."""
    from prefect.client.schemas.responses import ConcurrencyLimitWithLeaseResponse

    embedded = _embedded_api()
    started = time.monotonic()
    next_line = started + WAIT_LINE_S
    for line in reclaim_slots(client, names, ledger, embedded=embedded):
        say(line)
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
            say(line)
        if time.monotonic() >= next_line:
            say(
                f"{label}: waiting for a concurrency slot of {', '.join(names)} (taken by another run) "
                f"for {waited:.0f} s; giving up after {SLOT_TIMEOUT_S:.0f} s"
            )
            next_line = time.monotonic() + WAIT_LINE_S
        time.sleep(min(max(retry_after, 0.2), 2.0))


@contextlib.contextmanager
def _renewing(lease_id: UUID, label: str) -> Iterator[None]:
    """Renew ``lease_id`` in a background thread while the block runs."""
    stop = threading.Event()

    def renew() -> None:
        with get_client(sync_client=True) as client:
            while not stop.wait(LEASE_S * 0.75):
                try:
                    client.renew_concurrency_lease(lease_id=lease_id, lease_duration=LEASE_S)
                except (httpx.HTTPError, PrefectException, OSError) as exc:
                    say(f"{label}: could not renew its concurrency lease ({type(exc).__name__})")

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
    grant: ConcurrencyLimitWithLeaseResponse | None = None
    try:
        try:
            with get_client(sync_client=True) as client:
                grant = _acquire(client, names, ledger, holder, label)
        except (httpx.HTTPError, PrefectException) as exc:  # the API cannot grant slots at all
            say(f"{label}: running without its concurrency limit ({type(exc).__name__}: {exc})")
            yield
            return
        holder = ledger.holding(holder, str(grant.lease_id))
        granted = {limit.name for limit in grant.limits}
        for source, name in zip(chosen, names, strict=True):
            if name not in granted:
                say(f"{source}: running without its concurrency limit ({name} does not exist)")
        with _renewing(grant.lease_id, label):
            yield
    finally:
        if grant is not None:
            with get_client(sync_client=True) as client:
                client.release_concurrency_slots_with_lease(grant.lease_id)
        ledger.remove(holder)
