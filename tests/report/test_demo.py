"""``enrich demo``: the catalog covers every entry of the seed lists, and the command runs end to end."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from enrich.pipeline import parse_lists
from fakeapis import catalog_from
from flows.demo import demo_catalog, night_lists

REPO = Path(__file__).resolve().parents[2]
RAW = REPO / "tests" / "data" / "lists"  # the tests' copy of the seed lists: PROVENANCE.md


def test_catalog_covers_every_entry_and_is_deterministic() -> None:
    entries = parse_lists(RAW).entries
    one, two = demo_catalog(entries, 1), demo_catalog(entries, 2)
    assert demo_catalog(entries, 1) == one
    catalog_from(one), catalog_from(two)  # valid records (InputError otherwise)
    works = [r for r in one if r["type"] == "work"]
    fields = ("arxiv_id", "doi", "pmcid", "acl_id", "corpus_id", "title")
    ids = {r.get(f) for r in works for f in fields} - {None}
    for e in entries:
        if e.kind == "paper":
            key = e.work_key.split(":", 1)[1] if ":" in e.work_key else None
            named = {key, e.arxiv_id, e.doi, e.pmcid, e.acl_id, e.s2_corpus_id, e.title, e.name}
            assert named & ids, e
    repos = {r["full_name"]: r for r in one if r["type"] == "repo"}
    assert {e.github_repo for e in entries if e.github_repo} == set(repos)
    assert {e.hf_id for e in entries if e.hf_id} == {r["id"] for r in one if r["type"] == "hf"}
    assert sum(1 for r in repos.values() if r.get("status") == 404) == 2
    assert sum(1 for r in repos.values() if r.get("archived")) == 2
    renamed = [r for r in two if r.get("renamed_to")]
    assert len(renamed) == 2 and all(r["renamed_to"] == r["full_name"] + "-next" for r in renamed)
    assert any(r.get("doi", "").startswith("10.5555/demo.") for r in works)  # journal versions
    assert any(r.get("arxiv_id") and r.get("doi", "").startswith("10.1145/") for r in works)  # real pair


def test_night_one_lists_differ_by_a_few_items(tmp_path: Path) -> None:
    night_lists(RAW, tmp_path, 1)
    (changed,) = list(tmp_path.iterdir())
    before = (RAW / changed.name).read_text(encoding="utf-8").splitlines()
    after = changed.read_text(encoding="utf-8").splitlines()
    assert len(set(before) - set(after)) == 3
    assert [line for line in after if line not in before] == [
        "- [Attention Is All You Need](https://arxiv.org/abs/1706.03762) (removed on night two)"
    ]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_enrich_demo_end_to_end(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENRICH_", "PREFECT_"))}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), COLUMNS="120")
    to = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "enrich.cli", "demo", "--to", str(to), "--lists", str(RAW)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=800, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    match = re.search(r"^report: (.+index\.html)$", done.stdout, re.M)
    assert match is not None, done.stdout
    index = Path(match.group(1))
    assert index.is_file() and index.parent.parent == to / "out" / "reports"
    pages = "".join(p.read_text(encoding="utf-8") for p in (index.parent / "lists").glob("*.html"))
    assert pages.count("repo gone (404)") >= 2
    assert pages.count("repo renamed") >= 2
    assert "preprint published" in pages
    assert "Attention Is All You Need" in pages  # removed on night two
    tries = [
        line.strip() for line in done.stdout.splitlines() if line.startswith("  uv run --frozen python -c")
    ]
    assert len(tries) == 3
    for line in tries:
        argv = shlex.split(line)
        assert argv[:4] == ["uv", "run", "--frozen", "python"]
        ran = subprocess.run(
            [sys.executable, *argv[4:]], capture_output=True, text=True, timeout=120, check=False
        )
        assert ran.returncode == 0, (line, ran.stderr)
    assert "lost" in ran.stdout and "gained" in ran.stdout

    from .browser import browser_page

    with browser_page() as (page, visit):  # the search table pages through a few hundred rows
        page.goto((index.parent / "search.html").as_uri())
        table = page.locator("#search-table")
        assert int(table.get_attribute("data-rows") or 0) > 250
        assert page.locator("#search-table tbody tr").count() == 50
        pages = page.locator("#page").inner_text()
        assert re.fullmatch(r"page 1 of \d+", pages) and not pages.endswith(" 1"), pages
        first = page.locator("#search-table tbody tr").first.inner_text()
        page.click("#next")
        assert page.locator("#page").inner_text().startswith("page 2 of ")
        assert page.locator("#search-table tbody tr").first.inner_text() != first
    assert visit.errors == [] and visit.off_file == []
