"""``enrich run`` stopped or killed mid-fetch, as an operator would: subprocesses against the API double.

The double answers the first Hugging Face request slowly, so the run is caught while it holds the
``enrich-hf`` concurrency slot (seen in the slot ledger under ``PREFECT_HOME``). Then:

* SIGTERM / SIGINT: the run is gone in < 30 s with exit 128 + signal, one line says so, nothing of the
  snapshot is visible, and no process it started (embedded Prefect server included) is left;
* SIGKILL of ``enrich run``: nothing it started is left either, and the next run with the same ``PREFECT_HOME`` gives
  the dead run's slot back, says so, and completes, in a bounded time;
* SIGKILL of the worker (the child ``enrich run`` starts): exit 1 with one line, nothing left running.

Slow (each run starts its own embedded Prefect server) but part of CI.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flows_testdata import CATALOG, LIST_TEXT

from enrich.config import ENV_VARS, SOURCES
from enrich.slots import LEDGER_DIR
from enrich.snapshot import list_snapshots

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

RUN_TIMEOUT = 600  # a whole run on a busy shared machine (the embedded server alone can take minutes)
HOLD_TIMEOUT = 600  # until the killed run holds the hf slot
STOP_BOUND = 30.0  # the bound for SIGTERM/SIGINT
SLOW_HF = '[[hf]]\nfault = "slow"\ndelay = 90\nfirst = 1\n'


# the first S2 title search is slow: the run is caught in the titles stage, holding enrich-s2.
# `times = 1`, not `first = 1`: `first` counts every S2 request, and the first-round S2 fetch runs
# alongside the title searches, so it may be S2's first request (then no search would be slowed).
SLOW_S2_SEARCH = '[[s2]]\nfault = "slow"\ndelay = 90\ntimes = 1\npath = "/graph/v1/paper/search"\n'
TITLE_ONLY = (
    "# Title-only\n\n## Papers\n\n* Publicly Available Clinical BERT Embeddings (2019)\n"
    "* BioBERT: a pre-trained biomedical language representation model for biomedical text mining (2020)\n"
    "* Deep contextualized word representations (2018)\n"
)


@pytest.fixture
def double(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    catalog = tmp_path / "catalog.jsonl"
    catalog.write_text("".join(json.dumps(r) + "\n" for r in CATALOG), encoding="utf-8")
    faults = tmp_path / "faults.toml"
    faults.write_text(getattr(request, "param", SLOW_HF), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "enrich.cli", "fake-apis", "--catalog", str(catalog), "--faults", str(faults),
         "--print-env"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        urls = dict(proc.stdout.readline().strip().split("=", 1) for _ in SOURCES)
        assert sorted(urls) == sorted(ENV_VARS.values())
        yield urls
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


def _env(tmp_path: Path, urls: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENRICH_", "PREFECT_"))}
    for name in ("GITHUB_TOKEN", "S2_API_KEY", "OPENALEX_API_KEY", "HF_TOKEN"):
        env.pop(name, None)
    env.update(urls)
    env["ENRICH_INTERVAL_SCALE"] = "0"
    env["ENRICH_TIMEOUT"] = "120"  # the slow answer is waited for, not timed out
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    env["COLUMNS"] = "120"
    return env


def _start(tmp_path: Path, env: dict[str, str], name: str) -> tuple[subprocess.Popen[str], Path]:
    lists = tmp_path / "lists"
    if not lists.exists():
        lists.mkdir()
        (lists / "test-list.md").write_text(LIST_TEXT, encoding="utf-8")
    log = tmp_path / f"{name}.log"
    cmd = [sys.executable, "-m", "enrich.cli", "run", "--no-refresh", "--lists", str(lists),
           "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache"), "--date", "2026-11-22"]  # fmt: skip
    with open(log, "w", encoding="utf-8") as fh:
        proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=fh, stderr=subprocess.STDOUT, text=True)
    return proc, log


def _holding(prefect_home: Path, limit: str) -> list[dict[str, object]]:
    ledger = prefect_home / LEDGER_DIR
    found = []
    for path in ledger.glob("*.json") if ledger.is_dir() else ():
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # being replaced
        if record.get("state") == "holding" and limit in record.get("names", ()):
            found.append(record)
    return found


def _wait_holding(
    proc: subprocess.Popen[str], log: Path, prefect_home: Path, limit: str = "enrich-hf"
) -> None:
    deadline = time.monotonic() + HOLD_TIMEOUT
    while not _holding(prefect_home, limit):
        assert proc.poll() is None, log.read_text(encoding="utf-8")
        assert time.monotonic() < deadline, f"the run never held {limit}"
        time.sleep(0.2)


def _children() -> dict[int, list[int]]:
    """ppid -> pids, from the process table (/proc)."""
    table: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="ascii")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        table.setdefault(ppid, []).append(int(entry.name))
    return table


def _descendants(pid: int) -> set[int]:
    table, found, todo = _children(), set(), [pid]
    while todo:
        for child in table.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _assert_all_gone(pids: set[int], within: float) -> None:
    deadline = time.monotonic() + within
    while any(_running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = {p: Path(f"/proc/{p}/cmdline").read_bytes()[:120] for p in pids if _running(p)}
    for pid in left:  # do not leave them running for the rest of the suite
        os.kill(pid, signal.SIGKILL)
    assert not left, f"left running: {left}"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_the_run_and_everything_it_started(
    tmp_path: Path, double: dict[str, str], signum: signal.Signals
) -> None:
    env = _env(tmp_path, double)
    proc, log = _start(tmp_path, env, "stopped")
    try:
        _wait_holding(proc, log, tmp_path / "prefect-home")
        started = _descendants(proc.pid)
        assert len(started) >= 2, started  # the run's child and its embedded Prefect server at least
        sent = time.monotonic()
        proc.send_signal(signum)
        code = proc.wait(timeout=60)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    output = log.read_text(encoding="utf-8")
    print(
        f"{signum.name}: run and {len(started)} descendants stopped {took:.1f} s after the signal, exit {code}"
    )
    assert took < STOP_BOUND, (took, output)
    assert code == 128 + signum, output
    line = f"enrich run: stopped by {signum.name}: in-flight fetches abandoned; no snapshot written for 2026-11-22"
    assert output.count(line) == 1, output
    assert "Traceback" not in output.split(line)[-1]
    _assert_all_gone(started, within=5)
    out = tmp_path / "out"
    assert list_snapshots(out) == []
    assert not list(out.glob("*/snapshot_date=*")) if out.exists() else True


def _kill_holder_then_rerun(tmp_path: Path, env: dict[str, str], limit: str) -> tuple[object, str]:
    """SIGKILL ``enrich run`` while it holds ``limit``; check nothing it started is left and nothing of
    its night is visible; run again. Returns the killed holder's pid and the next run's output."""
    home = tmp_path / "prefect-home"
    proc, log = _start(tmp_path, env, "killed")
    try:
        _wait_holding(proc, log, home, limit)
        started = _descendants(proc.pid)
        held = _holding(home, limit)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    _assert_all_gone(started, within=15)  # the child notices and ends its group, server included
    assert list_snapshots(tmp_path / "out") == []  # nothing of the killed night is visible

    began = time.monotonic()
    again, log2 = _start(tmp_path, env, "next")
    try:
        code = again.wait(timeout=RUN_TIMEOUT)
    finally:
        if again.poll() is None:
            again.kill()
    output = log2.read_text(encoding="utf-8")
    print(f"SIGKILL: the next run completed in {time.monotonic() - began:.1f} s with exit {code}")
    assert code == 0, output
    assert "snapshot 2026-11-22 (complete) written to" in output
    return held[0]["pid"], output


def test_sigkill_while_holding_a_slot_does_not_hang_the_next_run(
    tmp_path: Path, double: dict[str, str]
) -> None:
    pid, output = _kill_holder_then_rerun(tmp_path, _env(tmp_path, double), "enrich-hf")
    # the night held one slot of every source it asks for its whole fetch phase: all given back at once
    line = f"{', '.join(f'enrich-{s}' for s in SOURCES)}: slot of process {pid} released"
    assert f"{line} (the process is gone)" in output, output


@pytest.mark.parametrize("double", [SLOW_S2_SEARCH], indirect=True)
def test_sigkill_in_the_titles_stage_does_not_hang_the_next_run(
    tmp_path: Path, double: dict[str, str]
) -> None:
    """The same kill caught in a title search (they run inside the fetch phase's slots)."""
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "test-list.md").write_text(LIST_TEXT, encoding="utf-8")
    (lists / "title-only.md").write_text(TITLE_ONLY, encoding="utf-8")
    pid, output = _kill_holder_then_rerun(tmp_path, _env(tmp_path, double), "enrich-s2")
    # the title searches run inside the night's one acquisition of every source's slot: all given back
    line = f"{', '.join(f'enrich-{s}' for s in SOURCES)}: slot of process {pid} released"
    assert f"{line} (the process is gone)" in output, output
