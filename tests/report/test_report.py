"""``enrich report`` on snapshots written engine-free from the API double (tests/report/world.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from enrich.cli import main
from enrich.report import build_report, collect
from enrich.report.data import partial_reason
from enrich.schemas import SCHEMA_VERSION
from enrich.snapshot import read_manifest

from .world import N1, N2, write_lists, write_night


@pytest.fixture(scope="module")
def two_nights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report")
    lists = write_lists(root / "lists")
    out = root / "out"
    write_night(lists, out, 1)
    write_night(lists, out, 2)
    return out


@pytest.fixture
def out(two_nights: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "out"
    shutil.copytree(two_nights, copy)
    return copy


def test_collect_two_nights(two_nights: Path) -> None:
    data = collect(two_nights)
    assert data.snapshot_date == N2
    assert data.previous_date == N1
    assert data.partial_reason is None
    assert data.history_dates == (N1, N2)
    pages = {p.list_id: p for p in data.lists}
    assert sorted(pages) == ["clinical-nlp", "second"]
    todo = [(t.category, t.entry, t.line) for t in pages["clinical-nlp"].todo]
    assert todo == [
        ("repo renamed", "Old Name Tool", 13),
        ("repo gone (404)", "Gone Repo", 14),
        ("repo archived", "Archived Thing", 15),
        ("repo inactive", "Archived Thing", 15),
        ("preprint published", "Large Language Models Encode Clinical Knowledge", 5),
        ("title/link mismatch", "A survey of protein folding with quantum annealers", 7),
        ("dead id", "A Paper No Index Knows", 8),  # every source says arXiv:2101.00001 does not exist
    ]
    details = {t.category: t.detail for t in pages["clinical-nlp"].todo}
    assert details["dead id"] == "arXiv:2101.00001: every source says it does not exist"
    assert details["title/link mismatch"] == "the link (doi:10.1145/3458754) names another paper"
    assert details["repo renamed"] == "link github.com/acme/old-name now lives at github.com/acme/new-name"
    assert details["preprint published"] == (
        "arXiv:2212.13138 is now published as doi:10.1038/s41586-023-06291-2 in Nature"
    )
    assert pages["second"].todo == ()
    assert dict(pages["clinical-nlp"].by_kind) == {"paper": 4, "repo": 4, "model": 1}
    movers = [(m.key, m.source, m.before, m.after) for m in data.movers_previous]
    assert movers == [
        ("cambridgeltl/visual-med-alpaca", "github", 400, 435),  # stars first, then citations
        ("arxiv:2212.13138", "openalex", 1200, 1350),
        ("arxiv:2212.13138", "s2", 1200, 1350),
        ("arxiv:1903.10676", "openalex", 3000, 3040),
        ("arxiv:1903.10676", "s2", 3000, 3040),
        # doi:10.1145/3458754 (PubMedBERT) is no mover: only line 7 carries it, a wrong link the link
        # check cuts (entries.link_check = title_mismatch), so that work is not in this list's snapshot
    ]
    stars = {(r["repo"], r["date"]): r["stars"] for r in data.stars_series}
    assert stars[("cambridgeltl/visual-med-alpaca", "2026-11-21")] == 400
    assert stars[("cambridgeltl/visual-med-alpaca", "2026-11-22")] == 435
    names = sorted(r[0] for r in data.search_rows if r[1] == "repo")
    assert names == [
        "acme/archived-thing",
        "acme/new-name",
        "cambridgeltl/visual-med-alpaca",
        "ghost/vanished",
    ]


def test_report_files_are_self_contained(out: Path) -> None:
    index = build_report(out)
    assert index == out / "reports" / N2.isoformat() / "index.html"
    root = index.parent
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        "assets/report.css",
        "assets/report.js",
        "assets/search-data.js",
        "assets/vega.js",
        "index.html",
        "lists/clinical-nlp.html",
        "lists/second.html",
        "search.html",
    ]
    for page in root.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "http://" not in text.replace("http://www.w3.org", "")
        for ref in ('src="http', 'href="http', 'src="//', "@import"):
            assert ref not in text, (page, ref)
    assert "window.vegaEmbed" in (root / "assets" / "vega.js").read_text(encoding="utf-8")


def test_list_text_cannot_break_out_of_scripts(out: Path, tmp_path: Path) -> None:
    lists = tmp_path / "evil"
    lists.mkdir()
    (lists / "evil.md").write_text(
        "# Evil\n\n- [</script><script>alert(1)</script>](https://github.com/evil/x)\n", encoding="utf-8"
    )
    evil_out = tmp_path / "evil-out"
    write_night(lists, evil_out, 1)
    root = build_report(evil_out).parent
    for path in root.rglob("*"):
        if path.is_file() and path.name != "vega.js":
            assert "<script>alert" not in path.read_text(encoding="utf-8"), path


def test_partial_snapshot_says_why(tmp_path: Path) -> None:
    lists = write_lists(tmp_path / "lists")
    out = tmp_path / "out"
    write_night(lists, out, 1)
    write_night(lists, out, 2, github_down=True)
    data = collect(out)
    assert data.manifest.partial
    assert data.partial_reason == (
        "Partial: github: 0 of 4 items served (unreachable: connection refused at 127.0.0.1:9); "
        "carried forward earlier values."
    )
    github = next(s for s in data.sources if s.source == "github")
    assert (github.outcome, github.carried, github.oldest_days) == ("failed", 3, 1)
    html = build_report(out).read_text(encoding="utf-8")
    assert '<p class="banner warn" id="partial">⚠ Partial: github: 0 of 4 items served' in html


def test_failed_sources_make_no_maintainer_items(tmp_path: Path) -> None:
    lists = write_lists(tmp_path / "lists")
    out = tmp_path / "out"
    write_night(lists, out, 1, all_down=True)
    data = collect(out)
    assert data.partial_reason is not None
    todo = {p.list_id: [(t.category, t.entry) for t in p.todo] for p in data.lists}
    # nothing answered: no "unresolved" or "gone" verdicts, only what the lists themselves show
    assert todo == {"clinical-nlp": [], "second": []}


def test_partial_reason_names_deferred_and_skipped(out: Path) -> None:
    manifest = read_manifest(out, N2)
    sources = {**manifest.sources, "s2": {**manifest.sources["s2"], "deferred": 7}}
    import dataclasses

    m = dataclasses.replace(
        manifest, partial=True, sources=sources, notes=("skipped lists/bad.md: binary file",)
    )
    assert partial_reason(m) == "Partial: s2 deferred 7 items; skipped lists/bad.md: binary file."


def test_no_snapshot_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"enrich report: error: {tmp_path}: no snapshot yet (no manifests/YYYY-MM-DD.json); run `enrich run` first\n"
    )
    assert main(["report", "--out", str(tmp_path / "nope")]) == 2
    assert "no such directory" in capsys.readouterr().err


def test_bad_snapshot_choice_is_one_line(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--out", str(out), "--snapshot", "yesterday"]) == 2
    assert (
        capsys.readouterr().err
        == "enrich report: error: --snapshot: 'yesterday' is not 'latest' or a date YYYY-MM-DD\n"
    )
    assert main(["report", "--out", str(out), "--snapshot", "2026-01-01"]) == 2
    assert capsys.readouterr().err == (
        f"enrich report: error: --snapshot: no snapshot for 2026-01-01 in {out}; available: 2026-11-21, 2026-11-22\n"
    )


def _set_schema(out: Path, day: str, version: str) -> Path:
    path = out / "manifests" / f"{day}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["schema_version"] = version
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_other_major_schema_is_one_line(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _set_schema(out, "2026-11-22", "0.9")
    assert main(["report", "--out", str(out)]) == 1
    assert capsys.readouterr().err == (
        f"enrich report: error: {path}: written with schema_version 0.9; this code reads {SCHEMA_VERSION}\n"
    )


def test_old_night_in_history_is_left_out_with_a_note(out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _set_schema(out, "2026-11-21", "0.9")
    assert main(["report", "--out", str(out), "--to", str(out / "r")]) == 0
    assert capsys.readouterr().out == f"{out / 'r' / 'index.html'}\n"
    html = (out / "r" / "index.html").read_text(encoding="utf-8")
    assert (
        f"2026-11-21 left out of the trends: {path}: written with schema_version 0.9; this code reads {SCHEMA_VERSION}"
        in html
    )
    assert collect(out).history_dates == (N2,)


def test_enrich_out_dir_and_its_alias(
    out: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ENRICH_OUT", str(out))
    assert main(["report", "-v"]) == 0
    assert capsys.readouterr().out == f"{out / 'reports' / '2026-11-22' / 'index.html'}\n"
    monkeypatch.setenv("ENRICH_OUT_DIR", str(out / "missing"))
    assert main(["report"]) == 2  # ENRICH_OUT_DIR wins over the alias
    assert f"{out / 'missing'}: no such directory" in capsys.readouterr().err


def test_a_dead_id_is_a_maintainer_item_not_an_unresolved_one(tmp_path: Path) -> None:
    from enrich.records import FetchStatus
    from enrich.resolve.cluster import resolve_works
    from enrich.snapshot import write_snapshot
    from enrich.tables import build_tables
    from tests.snapshot.helpers import D1, manifest, paper, wrec

    entries = [paper("l:3", "l", 3, "A Paper Nobody Published", arxiv_id="2312.99999")]
    records = [
        wrec(source, key, status=FetchStatus.NOT_FOUND)
        for source, key in (
            ("arxiv", "2312.99999"),
            ("s2", "ARXIV:2312.99999"),
            ("openalex", "doi:10.48550/arxiv.2312.99999"),
        )
    ]
    tables = build_tables(
        entries, resolve_works(entries, records, {}), [], [], snapshot_date=D1, previous=None
    )
    assert tables.entries.column("link_check").to_pylist() == ["id_not_found"]
    write_snapshot(tmp_path, tables, manifest(D1))
    (page,) = collect(tmp_path).lists
    assert [(t.category, t.entry, t.line, t.detail) for t in page.todo] == [
        ("dead id", "A Paper Nobody Published", 3, "arXiv:2312.99999: every source says it does not exist")
    ]
