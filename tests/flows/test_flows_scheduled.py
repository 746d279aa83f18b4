"""The nightly schedule fires: a real ``prefect server start``, ``enrich serve`` on a one-minute cron,
and a run created by the server's scheduler (not triggered by hand) completes and writes a snapshot.

Prefect's scheduler has two loops: the main one (every ``..._SCHEDULER_LOOP_SECONDS``, 60 s by default)
and a "recent deployments" one (every 5 s) that schedules a deployment created or updated in the last
few seconds. Each inserts the deployment's next runs, at least ``MIN_RUNS`` and an hour ahead by
default (``MIN_SCHEDULED_TIME``), at most ``MAX_RUNS``. Here the main loop runs every 10 s and at most
three runs are inserted, so both loops insert during the test and any error they hit reaches the
server log. The first run is due at the next minute boundary after ``enrich serve`` registers the
deployment; ``serve`` polls for due runs every ``PREFECT_RUNNER_POLL_FREQUENCY`` seconds (2 here).
Slow (a server, a runner and a flow-run process; ~1.5-3 min) but part of CI.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from flows_testdata import CATALOG, LIST_TEXT, closed_port

from enrich.config import SOURCES
from enrich.snapshot import read_table
from fakeapis import FakeApis

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

SERVER_START_TIMEOUT = 150  # the server migrates a fresh SQLite database first
REGISTER_TIMEOUT = 150  # `enrich serve` imports Prefect and the flow, then creates the deployment
SCHEDULED_TIMEOUT = 30  # the recent-deployments loop runs every 5 s
RUN_TIMEOUT = 180  # due at the next minute boundary, then a fresh process runs the flow

# The only exception the server may log: SQLite refusing a concurrent write ("database is locked"),
# answered with 503 and retried by the client (the six sources take their concurrency slots at once).
# Anything else (sqlalchemy's InvalidRequestError, which Prefect also answers with 503, a 500, a
# failing background service) fails the test.
SQLITE_BUSY = {
    ("sqlite3.OperationalError", "database is locked"),
    ("sqlalchemy.exc.OperationalError", "(sqlite3.OperationalError) database is locked"),
}
EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)): (.*)$", re.MULTILINE)
SERVE = [sys.executable, "-m", "enrich.cli", "serve"]


def _base_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENRICH_", "PREFECT_"))}
    for name in ("GITHUB_TOKEN", "S2_API_KEY", "OPENALEX_API_KEY", "HF_TOKEN"):
        env.pop(name, None)
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    env["PREFECT_UI_ENABLED"] = "false"
    env["COLUMNS"] = "120"
    return env


class Started:
    """Processes started by the test, each in its own process group, stopped (group and all) at the end."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[str]] = []

    def start(self, cmd: list[str], env: dict[str, str], cwd: Path, log: IO[str]) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            cmd, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.procs):  # the runner before the server it talks to
            _stop_group(proc)


def _group_alive(proc: subprocess.Popen[str]) -> bool:
    proc.poll()  # reap the leader, else it stays in its group as a zombie
    try:
        os.killpg(proc.pid, 0)
    except ProcessLookupError:
        return False
    return True


def _stop_group(proc: subprocess.Popen[str], grace: float = 20) -> None:
    """Ctrl-C to the whole group (server, runner, flow-run process), then SIGKILL what is left."""
    try:
        os.killpg(proc.pid, signal.SIGINT)
    except ProcessLookupError:  # the whole group has already exited
        proc.wait(timeout=grace)
        return
    deadline = time.monotonic() + grace
    while _group_alive(proc) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _group_alive(proc):
        with contextlib.suppress(ProcessLookupError):  # exited between the check and the kill
            os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=grace)


@pytest.fixture
def started() -> Iterator[Started]:
    s = Started()
    try:
        yield s
    finally:
        s.stop_all()


def _tails(logs: tuple[Path, ...]) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in logs)


def _wait_for(
    what: str,
    check: Callable[[], Any],
    timeout: float,
    procs: tuple[subprocess.Popen[str], ...],
    *logs: Path,
) -> Any:
    """Poll ``check`` every second until it returns something true; fail at once if a process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                pytest.fail(f"{proc.args!r} exited ({proc.returncode}) waiting for {what}\n{_tails(logs)}")
        value = check()
        if value:
            return value
        time.sleep(1)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{_tails(logs)}")


def _api_up(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _runs(api: str) -> list[dict[str, Any]]:
    response = httpx.post(
        f"{api}/flow_runs/filter", json={"sort": "EXPECTED_START_TIME_ASC", "limit": 50}, timeout=30
    )
    response.raise_for_status()
    runs: list[dict[str, Any]] = response.json()
    return runs


def _deployments(api: str) -> list[dict[str, Any]]:
    response = httpx.post(f"{api}/deployments/filter", json={}, timeout=30)
    response.raise_for_status()
    deployments: list[dict[str, Any]] = response.json()
    return deployments


def test_the_cron_schedule_fires_a_run_that_writes_a_snapshot(
    tmp_path: Path, started: Started, make_fake_apis: Callable[..., FakeApis]
) -> None:
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "test-list.md").write_text(LIST_TEXT, encoding="utf-8")
    out = tmp_path / "out"
    catalog = tmp_path / "catalog.jsonl"
    catalog.write_text("".join(json.dumps(r) + "\n" for r in CATALOG), encoding="utf-8")
    apis = make_fake_apis(catalog=catalog)

    port = closed_port()
    api = f"http://127.0.0.1:{port}/api"
    server_log = tmp_path / "server.log"
    serve_log = tmp_path / "serve.log"

    server_env = _base_env(tmp_path)
    server_env.update(
        {
            "PREFECT_SERVER_LOGGING_LEVEL": "INFO",
            # errors the server answers with 503 (database busy, and sqlalchemy InvalidRequestError) are
            # only logged with this on
            "PREFECT_API_LOG_RETRYABLE_ERRORS": "true",
            "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "10",
            "PREFECT_SERVER_SERVICES_SCHEDULER_MIN_RUNS": "2",
            "PREFECT_SERVER_SERVICES_SCHEDULER_MAX_RUNS": "3",
        }
    )
    t0 = time.monotonic()
    with server_log.open("w") as slog, serve_log.open("w") as rlog:
        server = started.start(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            server_env,
            tmp_path,
            slog,
        )
        _wait_for("the Prefect server", lambda: _api_up(api), SERVER_START_TIMEOUT, (server,), server_log)
        t_server = time.monotonic()

        serve_env = _base_env(tmp_path)
        serve_env.update(apis.env())
        serve_env.update(
            {
                "PREFECT_API_URL": api,
                "PREFECT_RUNNER_POLL_FREQUENCY": "2",
                "ENRICH_LISTS_DIR": str(lists),
                "ENRICH_OUT_DIR": str(out),
                "ENRICH_CACHE_DIR": str(tmp_path / "cache"),
                "ENRICH_INTERVAL_SCALE": "0",
            }
        )
        serve = started.start(
            [*SERVE, "--cron", "* * * * *", "--name", "every-minute"],
            serve_env,
            tmp_path,
            rlog,
        )
        deployments = _wait_for(
            "`enrich serve` to register the deployment",
            lambda: _deployments(api),
            REGISTER_TIMEOUT,
            (server, serve),
            serve_log,
            server_log,
        )
        t_registered = time.monotonic()
        assert [d["name"] for d in deployments] == ["every-minute"]
        deployment = deployments[0]
        assert [s["schedule"]["cron"] for s in deployment["schedules"]] == ["* * * * *"]

        scheduled = _wait_for(
            "the scheduler to create runs",
            lambda: _runs(api),
            SCHEDULED_TIMEOUT,
            (server, serve),
            server_log,
        )
        t_scheduled = time.monotonic()
        # created by the scheduler: auto-scheduled, on minute boundaries, for this deployment
        assert all(r["auto_scheduled"] is True for r in scheduled), scheduled
        assert all(r["deployment_id"] == deployment["id"] for r in scheduled)
        starts = [datetime.fromisoformat(r["expected_start_time"]) for r in scheduled]
        assert all(s.second == 0 and s.microsecond == 0 for s in starts), scheduled

        def finished() -> dict[str, Any] | None:
            done = [r for r in _runs(api) if r["state_type"] in {"COMPLETED", "FAILED", "CRASHED"}]
            return done[0] if done else None

        run = _wait_for(
            "a scheduled run to finish", finished, RUN_TIMEOUT, (server, serve), serve_log, server_log
        )
        t_done = time.monotonic()

        # a second `enrich serve` of the same deployment is refused in one line and changes nothing
        second = subprocess.run(
            [*SERVE, "--cron", "0 3 * * *", "--name", "every-minute"],
            env=serve_env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=REGISTER_TIMEOUT,
            check=False,
        )
        assert (second.returncode, second.stderr) == (
            2,
            "enrich serve: error: --name every-minute: deployment nightly/every-minute is already being "
            "served by another `enrich serve`; stop it first (a killed one counts for about a minute) "
            "or choose another --name\n",
        ), second.stdout
        (after,) = _deployments(api)
        assert after["paused"] is False
        assert [s["schedule"]["cron"] for s in after["schedules"]] == ["* * * * *"]

    assert run["state_type"] == "COMPLETED", serve_log.read_text()[-5000:]
    assert run["auto_scheduled"] is True
    assert run["id"] in {r["id"] for r in scheduled}  # one of the runs the scheduler created
    start = datetime.fromisoformat(run["start_time"])
    expected = datetime.fromisoformat(run["expected_start_time"])
    assert (start - expected).total_seconds() < 60, run  # picked up when due, not a minute late

    day = start.astimezone(UTC).date()
    manifest = json.loads((out / "manifests" / f"{day.isoformat()}.json").read_text(encoding="utf-8"))
    assert manifest["partial"] is False
    assert manifest["tables"]["entries"] == 4
    assert sorted(manifest["sources"]) == sorted(SOURCES)
    works = read_table(out, "works", date.fromisoformat(manifest["snapshot_date"])).to_pylist()
    assert {w["arxiv_id"]: w["citation_count"] for w in works if w["arxiv_id"]} == {"1903.10676": 3000}
    assert apis.access_log("github"), "the run did not reach the API double"

    server_text = server_log.read_text(errors="replace")
    assert "InvalidRequestError" not in server_text, server_text[-5000:]
    assert " 500 Internal Server Error" not in server_text, server_text[-5000:]
    assert set(EXCEPTION_LINE.findall(server_text)) <= SQLITE_BUSY, server_text[-5000:]
    assert "Scheduled" in server_text  # the scheduler's own "Scheduled N runs." line
    serve_text = serve_log.read_text(errors="replace")
    assert "Traceback" not in serve_text, serve_text[-5000:]
    print(
        f"\nserver up {t_server - t0:.0f} s; deployment registered {t_registered - t_server:.0f} s later; "
        f"runs scheduled {t_scheduled - t_registered:.0f} s later; run due {run['expected_start_time']}, "
        f"started {run['start_time']}, finished {t_done - t_registered:.0f} s after registration "
        f"(run took {run['total_run_time']:.0f} s)"
    )


def test_serve_without_a_reachable_server_is_one_line_exit_2(tmp_path: Path) -> None:
    port = closed_port()
    env = _base_env(tmp_path)
    env["PREFECT_API_URL"] = f"http://127.0.0.1:{port}/api"
    done = subprocess.run(
        [*SERVE, "--cron", "* * * * *"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=REGISTER_TIMEOUT,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        2,
        "",
        f"enrich serve: error: PREFECT_API_URL: no Prefect server answers at http://127.0.0.1:{port}/api "
        "(Connection refused); start one with `prefect server start`\n",
    )
