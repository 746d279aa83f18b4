"""``enrich run`` as a user runs it: a subprocess on Prefect's ephemeral server.

One run against ``enrich fake-apis --print-env`` (another subprocess), one with every source
unreachable. Slow (each starts its own embedded Prefect server) but part of CI.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flows_testdata import CATALOG, closed_port

from enrich.config import ENV_VARS, SOURCES
from enrich.snapshot import read_table

# each run starts Prefect's embedded server: ~20 s on an idle 2-core machine, minutes when it is busy
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

RUN_TIMEOUT = 600


def _env(tmp_path: Path, urls: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENRICH_", "PREFECT_"))}
    for name in ("GITHUB_TOKEN", "S2_API_KEY", "OPENALEX_API_KEY", "HF_TOKEN"):
        env.pop(name, None)
    env.update(urls)
    env["ENRICH_INTERVAL_SCALE"] = "0"
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    env["COLUMNS"] = "120"
    return env


def _enrich_run(tmp_path: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        sys.executable,
        "-m",
        "enrich.cli",
        "run",
        "--lists",
        str(tmp_path / "lists"),
        "--out",
        str(tmp_path / "out"),
        "--cache",
        str(tmp_path / "cache"),
        "--date",
        "2026-11-22",
        *extra,
    ]
    return subprocess.run(
        cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False
    )


@pytest.fixture
def fake_apis_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    catalog = tmp_path / "catalog.jsonl"
    catalog.write_text("".join(json.dumps(r) + "\n" for r in CATALOG), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "enrich.cli", "fake-apis", "--catalog", str(catalog), "--print-env"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip() for _ in SOURCES]
        env = dict(line.split("=", 1) for line in lines)
        assert sorted(env) == sorted(ENV_VARS.values())
        yield env
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


def test_enrich_run_against_fake_apis(tmp_path: Path, fake_apis_env: dict[str, str]) -> None:
    from flows_testdata import LIST_TEXT

    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "test-list.md").write_text(LIST_TEXT, encoding="utf-8")
    done = _enrich_run(tmp_path, _env(tmp_path, fake_apis_env))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "snapshot 2026-11-22 (complete) written to" in done.stdout + done.stderr

    manifest = json.loads((tmp_path / "out" / "manifests" / "2026-11-22.json").read_text(encoding="utf-8"))
    assert manifest["snapshot_date"] == "2026-11-22"
    assert manifest["partial"] is False
    assert manifest["tables"]["entries"] == 4
    assert manifest["tables"]["repos"] == 1
    assert manifest["tables"]["hf_items"] == 1
    assert sorted(manifest["sources"]) == sorted(SOURCES)
    assert manifest["sources"]["github"]["ok"] == 1

    day = date(2026, 11, 22)
    works = {w["arxiv_id"] or w["doi"]: w for w in read_table(tmp_path / "out", "works", day).to_pylist()}
    assert works["1903.10676"]["citation_count"] == 3000
    assert works["10.1145/3458754"]["title"] == (
        "Domain-Specific Language Model Pretraining for Biomedical Natural Language Processing"
    )
    repos = read_table(tmp_path / "out", "repos", day).to_pylist()
    assert [(r["repo_id"], r["stars"]) for r in repos] == [("cambridgeltl/visual-med-alpaca", 400)]
    hf = read_table(tmp_path / "out", "hf_items", day).to_pylist()
    assert [(h["likes"], h["downloads"]) for h in hf] == [(200, 5000)]


def test_enrich_run_with_every_source_unreachable(tmp_path: Path) -> None:
    from flows_testdata import LIST_TEXT

    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "test-list.md").write_text(LIST_TEXT, encoding="utf-8")
    (lists / "lists.toml").write_text(
        '[[list]]\nid = "test-list"\nfile = "test-list.md"\nupstream = "acme/awesome"\npath = "README.md"\nrefresh = true\n',
        encoding="utf-8",
    )
    port = closed_port()
    urls = {var: f"http://127.0.0.1:{port}" for var in ENV_VARS.values()}
    done = _enrich_run(tmp_path, _env(tmp_path, urls))
    output = done.stdout + done.stderr
    assert done.returncode == 3, output
    assert "Traceback" not in output
    for source in SOURCES:
        line = re.compile(
            rf"^enrich run: {source}: 0 of \d+ items served \(unreachable: connection refused at "
            rf"127\.0\.0\.1:{port}\); no earlier values to carry forward$",
            re.M,
        )
        assert len(line.findall(output)) == 1, (source, output)
        assert output.count(f"{source}: ") == 1, (source, output)  # one line per source, nothing else
    assert output.count(f"refresh: GitHub unreachable; using the checked-in lists in {lists}") == 1
    assert (lists / "test-list.md").read_text(encoding="utf-8") == LIST_TEXT

    manifest = json.loads((tmp_path / "out" / "manifests" / "2026-11-22.json").read_text(encoding="utf-8"))
    assert manifest["partial"] is True
    assert manifest["tables"]["entries"] == 4
    assert all(manifest["sources"][s]["unreachable"] is True for s in SOURCES)
    entries = read_table(tmp_path / "out", "entries", date(2026, 11, 22)).to_pylist()
    assert sorted(e["name"] for e in entries) == ["Meditron", "PubMedBERT", "SciBERT", "Visual Med-Alpaca"]
    by_name = {e["name"]: e for e in entries}
    assert by_name["SciBERT"]["arxiv_id"] == "1903.10676"
    assert by_name["SciBERT"]["work_id"] is not None  # local ids still assigned
    assert by_name["Visual Med-Alpaca"]["repo_id"] == "cambridgeltl/visual-med-alpaca"
