"""Per-source concurrency slots against a real Prefect API (``prefect_test_harness``): a run that waits
says so, and a slot whose holder died is given back instead of waited for."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness"), pytest.mark.timeout(900)]


def _limit(name: str) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate

    with get_client(sync_client=True) as client:
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))


@pytest.fixture
def slot_lines() -> Iterator[list[str]]:
    """What the ``enrich.slots`` logger says (Prefect's logging set-up keeps it from the root logger)."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Collect(logging.WARNING)
    logger = logging.getLogger("enrich.slots")
    logger.addHandler(handler)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)


def _active(name: str) -> int:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return int(client.read_global_concurrency_limit_by_name(name).active_slots)


def test_a_run_waiting_for_a_slot_says_so_then_proceeds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, slot_lines: list[str]
) -> None:
    import flows.concurrency as concurrency
    from enrich.slots import SlotLedger

    monkeypatch.setattr(concurrency, "slot_ledger", lambda: SlotLedger(tmp_path / "ledger"))
    monkeypatch.setattr(concurrency, "WAIT_LINE_S", 0.5)
    _limit("enrich-waittest")
    held = threading.Event()
    order: list[str] = []

    def first() -> None:
        with concurrency.source_slot("waittest", True):
            held.set()
            time.sleep(4)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    assert held.wait(120)
    with concurrency.source_slot("waittest", True):
        order.append("second in")
        assert _active("enrich-waittest") == 1
    thread.join()
    assert order == ["first done", "second in"]
    waits = slot_lines
    assert waits and all(
        w.startswith(
            "waittest: waiting for a concurrency slot of enrich-waittest (taken by another run) for "
        )
        for w in waits
    ), waits
    assert _active("enrich-waittest") == 0
    assert SlotLedger(tmp_path / "ledger").holders() == []


def test_the_slot_of_a_dead_holder_is_given_back(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, slot_lines: list[str]
) -> None:
    from prefect.client.orchestration import get_client

    import flows.concurrency as concurrency
    from enrich.slots import SlotLedger

    monkeypatch.setattr(concurrency, "slot_ledger", lambda: SlotLedger(tmp_path / "ledger"))
    _limit("enrich-deadtest")
    with get_client(sync_client=True) as client:  # a holder that then dies without giving it back
        grant = client.increment_concurrency_slots_with_lease(
            names=["enrich-deadtest"], slots=1, mode="concurrency", lease_duration=300
        ).json()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    dead = SlotLedger(tmp_path / "ledger", pid=gone.pid)
    dead.holding(dead.waiting(["enrich-deadtest"]), str(grant["lease_id"]))
    assert _active("enrich-deadtest") == 1

    started = time.monotonic()
    with concurrency.source_slot("deadtest", True):
        assert _active("enrich-deadtest") == 1
    assert time.monotonic() - started < 60  # not the lease's 300 s, not SLOT_TIMEOUT_S
    assert slot_lines == [f"enrich-deadtest: slot of process {gone.pid} released (the process is gone)"]
    assert _active("enrich-deadtest") == 0
    assert SlotLedger(tmp_path / "ledger").holders() == []
