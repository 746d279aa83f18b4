"""The nightly on a fleet, for real on loopback: ``prefect server start`` (SQLite), a process work pool,
``prefect deploy --all`` of the repository's ``prefect.yaml``, two ``prefect worker start`` processes with
their own HOME, PREFECT_HOME and cache, moto's S3 server as a separate process, and the API double with
its rate limits on a clock 20x faster (the clients space their requests at the same factor).

Night 1: the snapshot lands in the bucket (read back by ``enrich.load`` and DuckDB), the fetch was shared
by both workers, no source's requests came closer together than its limit, and the GitHub token, given
only as a Prefect Secret block, appears in no deployment, parameter, log or manifest.
w1 serves the ``planner`` queue (the nights) and ``default`` (units), w2 only ``default``.
Night 2: the workers' HTTP caches are emptied (a day later) and every source answers its first two
requests slowly; w2 is killed (SIGKILL, its whole process group) while it fetches. Its units get no
output; the night starts them again for the surviving worker and ends complete, or partial with one line
per unit it lost.

Slow (a server, two workers, a dozen flow-run processes; several minutes) but part of CI.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.exceptions import BotoCoreError
from flows_testdata import CATALOG, LIST_TEXT, closed_port
from test_flows_scheduled import Started, _api_up, _base_env, _wait_for, started  # noqa: F401

import enrich
from enrich import storage
from enrich.clients import arxiv, crossref, github, hf, openalex, s2
from enrich.snapshot import read_manifest, read_table
from fakeapis import FakeApis
from fakeapis.faults import FaultProfile

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

REPO = Path(__file__).resolve().parents[2]
BUCKET = "fleet-snapshots"
ROOT = f"s3://{BUCKET}/nightly"
SCALE = 0.05  # the double's windows and the clients' spacing, both 20x shorter than documented
TOKEN = "ghp_fleetTEST0123456789abcdefSECRET"
SERVER_START_TIMEOUT = 150
NIGHT_TIMEOUT = 600
UNIT_TIMEOUT = 90  # a unit without output this long after it started running is started again
# the clients' own spacing per source (with a GitHub token; HF anonymous), times SCALE below
SPACING = {
    "arxiv": arxiv.DEFAULT_MIN_INTERVAL,
    "s2": s2.DEFAULT_MIN_INTERVAL,
    "openalex": openalex.DEFAULT_MIN_INTERVAL,
    "crossref": crossref.PUBLIC_SINGLE_INTERVAL,  # the shorter of its two routes
    "github": github.DEFAULT_MIN_INTERVAL,
    "hf": hf.ANONYMOUS_MIN_INTERVAL,
}


def _cli(args: list[str], env: dict[str, str], cwd: Path = REPO) -> str:
    done = subprocess.run(
        [sys.executable, "-m", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{args}: {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def _ask(method: str, url: str, body: Any = None) -> Any:
    """The API's JSON answer; a busy server (SQLite under the whole suite on 2 cores: a read timeout,
    or 503 "database is locked") is asked again."""
    for attempt in range(5):
        try:
            response = httpx.request(method, url, json=body, timeout=60)
        except httpx.TimeoutException:
            continue
        if response.status_code == 503:
            time.sleep(2 + 2 * attempt)
            continue
        response.raise_for_status()
        return response.json()
    pytest.fail(f"{method} {url}: no answer within 5 x 60 s")


def _flow_run(api: str, run_id: str) -> dict[str, Any]:
    run: dict[str, Any] = _ask("GET", f"{api}/flow_runs/{run_id}")
    return run


def _unit_runs(api: str) -> list[dict[str, Any]]:
    body = {"flow_runs": {"tags": {"all_": ["fleet"]}}, "limit": 200}
    runs: list[dict[str, Any]] = _ask("POST", f"{api}/flow_runs/filter", body)
    return runs


def _all_deployments(api: str) -> list[dict[str, Any]]:
    deployments: list[dict[str, Any]] = _ask("POST", f"{api}/deployments/filter", {})
    return deployments


def _trigger(api: str, deployment_id: str) -> str:
    return str(_ask("POST", f"{api}/deployments/{deployment_id}/create_flow_run", {})["id"])


def _ancestors(pid: int) -> set[int]:
    """``pid`` and every parent process above it (from /proc)."""
    seen: set[int] = set()
    while pid > 1 and pid not in seen:
        seen.add(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return seen


def _pid_of(run: dict[str, Any]) -> int | None:
    infra = run.get("infrastructure_pid")  # "hostname:pid" for a process worker
    return int(str(infra).rsplit(":", 1)[-1]) if infra else None


def _spacing_problems(apis: FakeApis) -> list[str]:
    problems: list[str] = []
    for source, spacing in SPACING.items():
        times = sorted(float(e["ts"]) for e in apis.access_log(source))
        limit = spacing * SCALE
        close = [round(b - a, 4) for a, b in itertools.pairwise(times) if b - a < 0.8 * limit]
        if close:
            problems.append(f"{source}: {len(close)} gap(s) below {limit:.3f} s: {close[:5]}")
        refused = [e for e in apis.access_log(source) if e["status"] == 429]
        if refused:
            problems.append(f"{source}: {len(refused)} request(s) answered 429")
    return problems


def _wait_night(
    api: str, run_id: str, procs: tuple[subprocess.Popen[str], ...], *logs: Path
) -> dict[str, Any]:
    def finished() -> dict[str, Any] | None:
        run = _flow_run(api, run_id)
        return run if run["state_type"] in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"} else None

    night: dict[str, Any] = _wait_for("the night to finish", finished, NIGHT_TIMEOUT, procs, *logs)
    return night


def test_a_night_on_two_workers_with_the_snapshot_in_a_bucket(
    tmp_path: Path,
    started: Started,  # noqa: F811 - the fixture imported from test_flows_scheduled
    make_fake_apis: Callable[..., FakeApis],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "test-list.md").write_text(LIST_TEXT, encoding="utf-8")
    catalog = tmp_path / "catalog.jsonl"
    catalog.write_text("".join(json.dumps(r) + "\n" for r in CATALOG), encoding="utf-8")
    apis = make_fake_apis(catalog=catalog, rate_limits=SCALE)

    s3_port, port = closed_port(), closed_port()
    endpoint = f"http://127.0.0.1:{s3_port}"
    api = f"http://127.0.0.1:{port}/api"
    aws = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
    }
    logs = {name: tmp_path / f"{name}.log" for name in ("s3", "server", "w1", "w2")}
    handles = {name: path.open("w") for name, path in logs.items()}
    try:
        s3_proc = started.start(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3_port)],
            _base_env(tmp_path),
            tmp_path,
            handles["s3"],
        )
        server_env = _base_env(tmp_path)
        server_env["PREFECT_SERVER_LOGGING_LEVEL"] = "INFO"
        server = started.start(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            server_env,
            tmp_path,
            handles["server"],
        )
        _wait_for("the Prefect server", lambda: _api_up(api), SERVER_START_TIMEOUT, (server,), logs["server"])
        s3 = boto3.client(
            "s3", endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing",
            region_name="us-east-1",
        )  # fmt: skip
        _wait_for("the S3 server", lambda: _bucket(s3), 60, (s3_proc,), logs["s3"])

        # the pool, the deployments of prefect.yaml, the token as a Secret block (none of it in them)
        cli_env = {**_base_env(tmp_path), "PREFECT_API_URL": api}
        _cli(["prefect", "work-pool", "create", "enrich-pool", "--type", "process"], cli_env)
        _cli(["prefect", "work-queue", "create", "planner", "--pool", "enrich-pool"], cli_env)
        _cli(["prefect", "--no-prompt", "deploy", "--all"], cli_env)
        code = f"from prefect.blocks.system import Secret; Secret(value={TOKEN!r}).save('fleet-github-token')"
        subprocess.run([sys.executable, "-c", code], env=cli_env, cwd=tmp_path, check=True, timeout=120)
        deployments = {d["name"]: d for d in _all_deployments(api)}
        assert sorted(deployments) == ["fetch-unit", "nightly"]
        nightly = deployments["nightly"]
        assert nightly["work_pool_name"] == "enrich-pool"
        assert (nightly["work_queue_name"], deployments["fetch-unit"]["work_queue_name"]) == (
            "planner",
            "default",
        )
        assert [s["schedule"]["cron"] for s in nightly["schedules"]] == ["0 3 * * *"]
        assert nightly["parameters"] == {} and deployments["fetch-unit"]["parameters"] == {}
        assert nightly["job_variables"] == {"env": {"ENRICH_FETCH_DEPLOYMENT": "fetch-unit/fetch-unit"}}

        workers: dict[str, subprocess.Popen[str]] = {}
        queues = {"w1": ["planner", "default"], "w2": ["default"]}  # w1 plans the nights
        for name in ("w1", "w2"):
            home = tmp_path / f"home-{name}"
            home.mkdir()
            env = {**_base_env(tmp_path), **apis.env(), **aws}
            env.update(
                {
                    "HOME": str(home),
                    "PREFECT_HOME": str(home / ".prefect"),
                    "PREFECT_API_URL": api,
                    # SQLite answers 503 ("database is locked") when the whole suite loads 2 cores:
                    # the runs ask again for longer than Prefect's default 5 retries
                    "PREFECT_CLIENT_MAX_RETRIES": "20",
                    "PREFECT_WORKER_QUERY_SECONDS": "1",
                    "PREFECT_WORKER_PREFETCH_SECONDS": "1",
                    "ENRICH_CACHE_DIR": str(home / "cache"),
                    "ENRICH_LISTS_DIR": str(lists),
                    "ENRICH_OUT_DIR": ROOT,
                    "ENRICH_INTERVAL_SCALE": str(SCALE),
                    "ENRICH_UNIT_TIMEOUT": str(UNIT_TIMEOUT),
                    "ENRICH_GITHUB_TOKEN_BLOCK": "fleet-github-token",
                }
            )
            workers[name] = started.start(
                [sys.executable, "-m", "prefect", "worker", "start", "--pool", "enrich-pool",
                 "--name", name, "--limit", "3", "--type", "process",
                 *[arg for q in queues[name] for arg in ("--work-queue", q)]],
                env,
                tmp_path,
                handles[name],
            )  # fmt: skip
        procs = (server, s3_proc, *workers.values())

        # ---- night 1: shared by both workers, in the bucket, within every limit
        night = _wait_night(api, _trigger(api, nightly["id"]), procs, *logs.values())
        assert night["state_type"] == "COMPLETED", _tail(logs)
        for name, value in aws.items():
            monkeypatch.setenv(name, value)
        day = date.fromisoformat(night["start_time"][:10])
        manifest = read_manifest(ROOT, day)
        assert manifest.partial is False, manifest.notes
        assert manifest.tables["entries"] == 4
        (fleet_note,) = [n for n in manifest.notes if n.startswith("fleet: ")]
        assert fleet_note.startswith("fleet: 6 unit(s) on 2 worker(s): "), fleet_note
        assert str(tmp_path / "home-w1") in fleet_note and str(tmp_path / "home-w2") in fleet_note, fleet_note
        works = enrich.load("works", root=ROOT)
        with_arxiv = works[works["arxiv_id"].notna()]
        assert dict(zip(with_arxiv["arxiv_id"], with_arxiv["citation_count"], strict=True)) == {
            "1903.10676": 3000
        }
        urls = storage.table_urls(ROOT, "repos")
        repos = (
            storage.duckdb_connect(ROOT).sql(f"select repo_id, stars from read_parquet({urls!r})").fetchall()
        )
        assert repos == [("cambridgeltl/visual-med-alpaca", 400)]
        # the units are cleared with the night; only a unit started twice (a busy machine took longer
        # than UNIT_TIMEOUT) may write its second output after that (recover() deletes it later)
        units = _unit_runs(api)
        twice = {u["name"].split("-")[1] for u in units if u["name"].endswith("-2")}
        left = [k for k in _keys(s3) if k.startswith("nightly/_fleet/")]
        assert all(k.endswith(".out.pickle") and k.split("/")[-1].split(".")[0] in twice for k in left), left
        assert _spacing_problems(apis) == []
        assert {e["source"] for e in apis.access_log()} >= {"github", "hf", "s2"}
        assert any(e["path"] == "/graphql" for e in apis.access_log("github"))  # the token was used
        done = {u["name"].split("-")[1] for u in units if u["state_type"] == "COMPLETED"}
        assert done == {"arxiv", "s2", "openalex", "crossref", "github", "hf"}, units

        # ---- night 2: every source slow twice; w2 (not the planner) is killed while it fetches.
        # For the caches it is the next day: each worker's HTTP cache is emptied, so every unit sends
        # its requests (with night 1's answers cached, a unit sends none, finishes within a second of
        # starting, and the kill could come after its output: then nothing is started again).
        for name in workers:
            shutil.rmtree(tmp_path / f"home-{name}" / "cache" / "http", ignore_errors=True)
        apis.set_faults(
            FaultProfile.from_dict({s: [{"fault": "slow", "delay": 8, "first": 2}] for s in SPACING})
        )
        apis.clear_log()
        before = {u["id"] for u in _unit_runs(api)}
        night_id = _trigger(api, nightly["id"])

        def fetching_on_w2() -> bool:
            for unit in _unit_runs(api):
                pid = _pid_of(unit)
                fresh = unit["id"] not in before and unit["state_type"] == "RUNNING"
                if fresh and pid is not None and workers["w2"].pid in _ancestors(pid):
                    return True
            return False

        _wait_for("a unit running on w2", fetching_on_w2, 240, procs, *logs.values())
        parent = _pid_of(_flow_run(api, night_id))
        assert parent is not None and workers["w1"].pid in _ancestors(parent)  # the planner runs the night
        doomed = "w2"
        os.killpg(workers[doomed].pid, signal.SIGKILL)
        workers[doomed].wait(timeout=30)
        survivors = tuple(p for p in procs if p is not workers[doomed])
        second = _wait_night(api, night_id, survivors, *logs.values())
        assert second["state_type"] == "COMPLETED", _tail(logs)
        manifest2 = read_manifest(ROOT, day)
        assert manifest2.run_id == night_id
        lost = [p for p in manifest2.notes if "fetch on the fleet failed twice" in p]
        assert manifest2.partial is bool(lost), manifest2.notes  # complete, or partial saying why
        for table in manifest2.files:  # every committed file is whole (size and sha256 checked)
            read_table(ROOT, table, day)
        restarted = [u for u in _unit_runs(api) if u["id"] not in before and u["name"].endswith("-2")]
        assert restarted, "no unit was started again after the kill"
        assert _spacing_problems(apis) == []

        everything = "\n".join(p.read_text(errors="replace") for p in logs.values())
        everything += json.dumps(_all_deployments(api)) + json.dumps(manifest2.to_dict())
        everything += json.dumps(_unit_runs(api))
        assert TOKEN not in everything
        survivor_log = logs[next(n for n in workers if n != doomed)].read_text(errors="replace")
        assert _our_tracebacks(survivor_log) == []
        print(
            f"\nnight 1: {night['total_run_time']:.0f} s; {fleet_note}\n"
            f"night 2 (worker {doomed} killed): {second['total_run_time']:.0f} s, partial={manifest2.partial}, "
            f"{len(restarted)} unit(s) started again"
        )
    finally:
        started.stop_all()
        for handle in handles.values():
            handle.close()


# Prefect's worker keeps a websocket to the server for heartbeats; on a loaded machine (the whole suite
# on 2 cores, a worker just killed) a keepalive ping can time out and the worker logs that traceback and
# reconnects. It is Prefect's connection, not a failure of the night or of this project's code.
PREFECT_CONNECTION_NOISE = ("websockets.exceptions.ConnectionClosed",)


def _our_tracebacks(log: str) -> list[str]:
    """Every traceback in ``log`` that passes through this repository's code or ends in anything but
    Prefect's own worker-server connection noise (:data:`PREFECT_CONNECTION_NOISE`)."""
    found: list[str] = []
    for block in log.split("Traceback (most recent call last):")[1:]:
        lines = block.splitlines()
        frames = [line for line in lines if line.startswith("  File ")]
        rest = [line for line in lines[1:] if line and not line.startswith(" ")]
        error = rest[0] if rest else ""
        ours = any(str(REPO / part) in frame for frame in frames for part in ("enrich", "flows"))
        if ours or not error.startswith(PREFECT_CONNECTION_NOISE):
            found.append("\n".join(lines[: len(frames) * 2 + 2]))
    return found


def _bucket(s3: Any) -> bool:
    try:
        s3.create_bucket(Bucket=BUCKET)
    except BotoCoreError:  # not up yet (connection refused): _wait_for asks again
        return False
    return True


def _keys(s3: Any) -> list[str]:
    listed = s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return sorted(str(o["Key"]) for o in listed if not str(o["Key"]).endswith("/"))  # not pyarrow's markers


def _tail(logs: dict[str, Path]) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-4000:]}" for p in logs.values())
