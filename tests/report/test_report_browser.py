"""The report as a person sees it: two nights of ``enrich run`` (subprocesses, Prefect's embedded
server) against the API double, then every page opened in headless Chromium.

Asserts: no console errors or warnings, no request leaves ``file://``, every chart drew marks, the
search table filters, the list page names the renamed and the 404 repo. Full-page screenshots are
kept in the test's temporary directory (printed; look at them when changing the pages).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from enrich.config import ENV_VARS, SOURCES

from .browser import browser_page, wait_for_charts
from .world import N1, N2, catalog, write_lists

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


@contextmanager
def fake_apis(tmp_path: Path, night: int) -> Iterator[dict[str, str]]:
    path = tmp_path / f"catalog-{night}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in catalog(night)), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "enrich.cli", "fake-apis", "--catalog", str(path), "--print-env"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield dict(proc.stdout.readline().strip().split("=", 1) for _ in SOURCES)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


def enrich_run(tmp_path: Path, night: int) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENRICH_", "PREFECT_"))}
    env.update(ENRICH_INTERVAL_SCALE="0", PREFECT_HOME=str(tmp_path / "prefect-home"), COLUMNS="120")
    day = N1 if night == 1 else N2
    with fake_apis(tmp_path, night) as urls:
        assert sorted(urls) == sorted(ENV_VARS.values())
        env.update(urls)
        return subprocess.run(
            [sys.executable, "-m", "enrich.cli", "run", "--lists", str(tmp_path / "lists"), "--out",
             str(tmp_path / "out"), "--cache", str(tmp_path / "cache"), "--date", day.isoformat(), "--no-refresh"],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip


def test_two_nights_report_in_chromium(tmp_path: Path) -> None:
    write_lists(tmp_path / "lists")
    for night in (1, 2):
        done = enrich_run(tmp_path, night)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stdout + done.stderr
    day = N2.isoformat()
    index = tmp_path / "out" / "reports" / day / "index.html"
    assert f"✓ report: {index}" in done.stdout, done.stdout
    summary = json.loads((tmp_path / "out" / "manifests" / day / "summary.json").read_text(encoding="utf-8"))
    assert summary["report"] == str(index)
    assert (
        (tmp_path / "out" / "manifests" / day / "summary.md")
        .read_text(encoding="utf-8")
        .startswith(f"# Enrichment run {day}: complete")
    )

    # ENRICH_TEST_ARTIFACTS keeps them past pytest's clean-up of old temporary directories
    shots = Path(os.environ.get("ENRICH_TEST_ARTIFACTS") or tmp_path) / "report-screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with browser_page() as (page, visit):
        page.goto(index.as_uri())
        marks = wait_for_charts(page)
        assert [name for name, _ in marks] == [
            "chart-stars:true",
            "chart-citations:true",
            "chart-entries:true",
            "chart-movers-stars:true",
            "chart-movers-citations:true",
        ]
        assert all(n > 0 for _, n in marks), marks
        assert page.locator("#sources tbody tr").count() == len(SOURCES)
        page.screenshot(path=str(shots / "index.png"), full_page=True)

        page.goto((index.parent / "lists" / "clinical-nlp.html").as_uri())
        assert all(n > 0 for _, n in wait_for_charts(page))
        todo = page.locator("table.todo tbody tr").all_inner_texts()
        assert any("repo renamed" in t and "github.com/acme/new-name" in t for t in todo), todo
        assert any("repo gone (404)" in t and "github.com/ghost/vanished" in t for t in todo), todo
        assert any("preprint published" in t and "10.1038/s41586-023-06291-2" in t for t in todo), todo
        assert any("title/link mismatch" in t for t in todo), todo
        assert any("dead id" in t and "2101.00001" in t for t in todo), todo
        page.screenshot(path=str(shots / "list.png"), full_page=True)

        page.goto((index.parent / "search.html").as_uri())
        table = page.locator("#search-table")
        total = int(table.get_attribute("data-rows") or 0)
        assert total >= 9
        page.fill("#q", "vanished")
        assert table.get_attribute("data-rows") == "1"
        assert page.locator("#search-table tbody tr").all_inner_texts()[0].startswith("ghost/vanished")
        page.fill("#q", "")
        page.select_option("#kind", "repo")
        assert table.get_attribute("data-rows") == "4"
        page.click("th[data-col='4']")  # stars, largest first
        first = page.locator("#search-table tbody tr").first.inner_text()
        assert first.startswith("cambridgeltl/visual-med-alpaca"), first
        page.screenshot(path=str(shots / "search.png"), full_page=True)

    assert visit.errors == [], visit.errors
    assert visit.off_file == [], visit.off_file
    print(f"screenshots: {shots}")
