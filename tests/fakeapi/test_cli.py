"""``enrich fake-apis`` as a user runs it: --print-env, serving, clean exit on SIGTERM, bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from enrich.config import ENV_VARS

ROOT = Path(__file__).resolve().parents[2]


def test_print_env_serve_and_stop(catalog_path: Path, tmp_path: Path) -> None:
    log = tmp_path / "access.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "enrich.cli",
            "fake-apis",
            "--catalog",
            str(catalog_path),
            "--print-env",
            "--log",
            str(log),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip() for _ in ENV_VARS]
        env = dict(line.split("=", 1) for line in lines)
        assert list(env) == list(ENV_VARS.values())
        assert env["ENRICH_GITHUB_URL"].startswith("http://127.0.0.1:")
        assert env["ENRICH_GITHUB_URL"].endswith("/github")
        r = requests.get(env["ENRICH_GITHUB_URL"] + "/repos/xionghonglin/DoctorGLM", timeout=5)
        assert r.json()["stargazers_count"] == 760
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert out == ""
    assert [json.loads(line)["path"] for line in log.read_text().splitlines()] == [
        "/repos/xionghonglin/DoctorGLM"
    ]


def test_bad_catalog_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type": "work"}\n')
    proc = subprocess.run(
        [sys.executable, "-m", "enrich.cli", "fake-apis", "--catalog", str(bad)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=30,
    )
    assert proc.returncode == 2
    assert proc.stderr == f"enrich fake-apis: error: {bad}:1: field 'title' is required\n"
