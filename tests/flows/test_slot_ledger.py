"""The slot holder ledger (``enrich.slots``) without Prefect: records, liveness, what counts as held."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from enrich.slots import SlotLedger, process_alive, process_start


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_holder_moves_through_its_states_and_is_forgotten(tmp_path: Path) -> None:
    ledger = SlotLedger(tmp_path / "ledger")
    holder = ledger.waiting(["enrich-hf"])
    assert [h.state for h in ledger.holders()] == ["waiting"]
    assert ledger.live_count("enrich-hf") == 0  # waiting holds nothing
    holder = ledger.mark(holder, "acquiring")
    assert ledger.live_count("enrich-hf") == 1  # may have been granted: counted
    holder = ledger.holding(holder, "0b7e1d52-2c1f-4a55-9d0e-6d8f0f3a1c11")
    (record,) = ledger.holders()
    assert (record.state, record.lease_id, record.pid) == ("holding", holder.lease_id, os.getpid())
    assert ledger.live_count("enrich-hf") == 1
    assert ledger.live_count("enrich-s2") == 0
    assert ledger.dead() == []
    ledger.remove(holder)
    assert ledger.holders() == []


def test_records_of_processes_that_are_gone_are_dead(tmp_path: Path) -> None:
    directory = tmp_path / "ledger"
    gone = SlotLedger(directory, pid=dead_pid())
    held = gone.holding(gone.waiting(["enrich-hf", "enrich-s2"]), None)
    mine = SlotLedger(directory)
    alive = mine.holding(mine.waiting(["enrich-hf"]), None)
    assert [h.key for h in mine.dead()] == [held.key]
    assert mine.live_count("enrich-hf") == 1
    assert mine.live_count("enrich-s2") == 0
    assert alive.alive(mine.host)


def test_a_reused_pid_is_not_the_holder(tmp_path: Path) -> None:
    ledger = SlotLedger(tmp_path)
    holder = ledger.holding(ledger.waiting(["enrich-hf"]), None)
    path = tmp_path / f"{holder.key}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["started"] = "1"  # this pid, but a process started at another time
    path.write_text(json.dumps(data), encoding="utf-8")
    assert [h.key for h in ledger.dead()] == [holder.key]


def test_holders_on_another_host_count_as_alive(tmp_path: Path) -> None:
    theirs = SlotLedger(tmp_path, host="elsewhere", pid=dead_pid())
    theirs.holding(theirs.waiting(["enrich-hf"]), None)
    ours = SlotLedger(tmp_path, host="here")
    assert ours.dead() == []
    assert ours.live_count("enrich-hf") == 1


def test_unreadable_and_unknown_records(tmp_path: Path) -> None:
    ledger = SlotLedger(tmp_path)
    (tmp_path / "half-written.json").write_text("{", encoding="utf-8")
    holder = ledger.waiting(["enrich-hf"])
    path = tmp_path / f"{holder.key}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["state"] = "something-newer"
    path.write_text(json.dumps(data), encoding="utf-8")
    (record,) = ledger.holders()
    assert record.state == "acquiring"  # unknown: may hold a slot, never given away
    assert ledger.live_count("enrich-hf") == 1


def test_process_liveness() -> None:
    me = os.getpid()
    assert process_alive(me, process_start(me))
    assert process_alive(me, None)
    assert not process_alive(dead_pid(), None)
