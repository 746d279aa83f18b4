"""``enrich run`` as a user runs it on a bad night: exit code 3, one line per source that did not
serve, the manifest partial with each source's reason, and night one's values carried forward.

Night one runs against a clean API double; night two against one where S2 says ``Retry-After: 3600``,
arXiv answers empty feeds and OpenAlex refuses the key. Slow (two embedded Prefect servers), in CI.
The full fault matrix runs through the library stages in ``test_fault_matrix.py``.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from flows_testdata import CATALOG, LIST_TEXT
from test_flows_e2e import _enrich_run, _env

from enrich.config import ENV_VARS, SOURCES
from enrich.snapshot import read_table

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

FAULTS = """
[[s2]]
fault = "status"
status = 429
retry_after = 3600

[[arxiv]]
fault = "empty_page"
"""


@contextmanager
def double(tmp_path: Path, faults: str | None) -> Iterator[dict[str, str]]:
    catalog = tmp_path / "catalog.jsonl"
    catalog.write_text("".join(json.dumps(r) + "\n" for r in CATALOG), encoding="utf-8")
    cmd = [sys.executable, "-m", "enrich.cli", "fake-apis", "--catalog", str(catalog), "--print-env"]
    if faults is not None:
        (tmp_path / "faults.toml").write_text(faults, encoding="utf-8")
        cmd += ["--faults", str(tmp_path / "faults.toml")]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        env = dict(proc.stdout.readline().strip().split("=", 1) for _ in SOURCES)
        assert sorted(env) == sorted(ENV_VARS.values())
        yield env
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


def test_a_bad_night_says_so_and_keeps_last_nights_values(tmp_path: Path) -> None:
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "test-list.md").write_text(LIST_TEXT, encoding="utf-8")
    with double(tmp_path, None) as urls:
        env = _env(tmp_path, urls) | {"OPENALEX_API_KEY": "good-key"}
        one = _enrich_run(tmp_path, env, "--date", "2026-11-21", "--no-refresh")
    assert one.returncode == 0, one.stderr
    assert " items served " not in one.stdout + one.stderr

    with double(tmp_path, FAULTS) as urls:
        env = _env(tmp_path, urls) | {"OPENALEX_API_KEY": "invalid-key"}
        two = _enrich_run(tmp_path, env, "--date", "2026-11-22", "--no-refresh")
    output = two.stdout + two.stderr
    assert two.returncode == 3, output
    assert "Traceback" not in output and "invalid-key" not in output
    lines = [line for line in output.splitlines() if " items served (" in line]
    assert lines == [
        "enrich run: arxiv: 0 of 1 items served (empty feed for these ids (suspect, not proof of absence)); "
        "carried forward earlier values",
        "enrich run: s2: 0 of 2 items served (told to retry after 3600 s, past its deadline of 2700 s; the rest "
        "deferred to the next night); carried forward earlier values",
        "enrich run: openalex: 0 of 2 items served (OpenAlex rejected the API key: HTTP 401); carried forward "
        "earlier values",
    ], output
    assert "snapshot 2026-11-22 (partial) written to" in output

    manifest = json.loads((tmp_path / "out" / "manifests" / "2026-11-22.json").read_text(encoding="utf-8"))
    assert manifest["partial"] is True
    verdicts = {s: (v["served"], v["stopped"], v["auth_rejected"]) for s, v in manifest["sources"].items()}
    assert verdicts == {
        "arxiv": (False, None, False),
        "s2": (False, "deferred", False),
        "openalex": (False, "auth_rejected", True),
        "crossref": (True, None, False),
        "github": (True, None, False),
        "hf": (True, None, False),
    }
    assert manifest["sources"]["s2"]["deferred"] == 2
    assert [manifest["sources"][s]["reason"] for s in ("arxiv", "s2", "openalex")] == [
        line.removeprefix("enrich run: ") for line in lines
    ]

    # night one's values are carried forward
    works = {
        w["arxiv_id"] or w["doi"]: w
        for w in read_table(tmp_path / "out", "works", date(2026, 11, 22)).to_pylist()
    }
    scibert = works["1903.10676"]
    assert (scibert["citation_count"], scibert["citation_count_as_of"]) == (3000, date(2026, 11, 21))
    assert scibert["abstract"].startswith("Obtaining large-scale annotated data")
    assert scibert["status_arxiv"] == "missing"
