"""``enrich demo [--to DIR]``: the whole product offline, in one command.

Builds a catalog for the API double that answers for every entry of the lists (``data/raw/`` by
default): the lists' own titles and identifiers, with plausible counts derived deterministically from
each identifier. It adds what a maintainer should see: two arXiv preprints per 20 get a journal version
(an invented DOI under Crossref's test prefix ``10.5555``, besides the real pairs the lists already link),
and among the repos two answer 404, two are archived, two are renamed on the second night and some
have not been pushed for years. Then it runs the nightly flow for two nights (yesterday and today, on
the same embedded Prefect server) into ``DIR`` (default: a new temporary directory), writes the report,
and prints its path and three lines to try.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from enrich.errors import InputError
from enrich.parsing import Entry

TEST_DOI_PREFIX: Final = "10.5555"
SPECIAL_REPOS: Final = ("gone", "gone", "archived", "archived", "renamed", "renamed")


def _h(text: str) -> int:
    return int(hashlib.sha1(text.encode()).hexdigest()[:12], 16)


def _count(key: str, low: int, high: int) -> int:
    """A long-tailed count in [low, high): most are small, a few are large."""
    u = (_h(key) % 10_000) / 10_000
    return int(low + (high - low) * u**3)


def _paper_records(entries: Sequence[Entry]) -> list[dict[str, Any]]:
    groups: dict[str, list[Entry]] = {}
    for e in entries:
        if e.kind == "paper":
            groups.setdefault(e.work_key, []).append(e)
    records = []
    for key in sorted(groups):
        group = groups[key]
        arxiv = (
            key.split(":", 1)[1]
            if key.startswith("arxiv:")
            else next((e.arxiv_id for e in group if e.arxiv_id), None)
        )
        doi = next((e.doi for e in group if e.doi), None)
        title = next((e.title for e in group if e.title), None) or next(
            (e.name for e in group if e.name), None
        )
        if not title:
            continue
        record: dict[str, Any] = {"type": "work", "title": title}
        if arxiv:
            record["arxiv_id"] = arxiv
        if doi:
            record["doi"] = doi
        elif arxiv and _h("journal:" + arxiv) % 10 == 0:
            record["doi"] = f"{TEST_DOI_PREFIX}/demo.{arxiv}"  # a journal version of the preprint
            record["venue"] = "Journal of Demonstrative Medicine"
        for field, attr in (("acl_id", "acl_id"), ("pmcid", "pmcid"), ("pmid", "pmid")):
            value = next((getattr(e, attr) for e in group if getattr(e, attr)), None)
            if value:
                record[field] = value
        corpus = next((e.s2_corpus_id for e in group if e.s2_corpus_id), None)
        if corpus:
            record["corpus_id"] = corpus
        year = next((e.year for e in group if e.year), None)
        if year:
            record["year"] = year
        ident = arxiv or doi or title
        record["citation_count"] = _count("cites:" + ident, 3, 6000)
        record["influential_citation_count"] = record["citation_count"] // 12
        record["abstract"] = f"{title}. (Demo catalog: the real abstract is fetched from the APIs.)"
        records.append(record)
    return records


def _repo_records(entries: Sequence[Entry]) -> list[dict[str, Any]]:
    names = sorted({e.github_repo for e in entries if e.github_repo}, key=lambda n: (_h("repo:" + n), n))
    records = []
    for i, name in enumerate(names):
        role = SPECIAL_REPOS[i] if i < len(SPECIAL_REPOS) else None
        if role == "gone":
            records.append({"type": "repo", "full_name": name, "status": 404})
            continue
        stale = _h("stale:" + name) % 6 == 0
        pushed = date(2026, 10, 1) - timedelta(days=(900 if stale else 0) + _h("push:" + name) % 200)
        record = {
            "type": "repo",
            "full_name": name,
            "stars": _count("stars:" + name, 5, 40_000),
            "forks": _count("forks:" + name, 0, 4_000),
            "open_issues": _count("issues:" + name, 0, 300),
            "watchers": _count("watch:" + name, 1, 500),
            "pushed_at": f"{pushed.isoformat()}T00:00:00Z",
            "created_at": f"{pushed.year - 2}-03-01T00:00:00Z",
            "archived": role == "archived",
            "description": f"{name} (demo catalog)",
            "language": "Python",
        }
        if role == "renamed":
            record["demo_renamed"] = True
        records.append(record)
    return records


def _hf_records(entries: Sequence[Entry]) -> list[dict[str, Any]]:
    items = sorted({(e.hf_kind or "model", e.hf_id) for e in entries if e.hf_id})
    return [
        {
            "type": "hf",
            "id": hf_id,
            "kind": kind,
            "likes": _count("likes:" + hf_id, 0, 3_000),
            "downloads": _count("dl:" + hf_id, 10, 2_000_000),
        }
        for kind, hf_id in items
    ]


def demo_catalog(entries: Sequence[Entry], night: int) -> list[dict[str, Any]]:
    """The double's catalog for night 1 or 2 (counts grow on night 2; marked repos are renamed)."""
    records = [*_paper_records(entries), *_repo_records(entries), *_hf_records(entries)]
    out: list[dict[str, Any]] = []
    for r in records:
        r = dict(r)
        renamed = r.pop("demo_renamed", False)
        if night == 2:
            key = str(
                r.get("arxiv_id") or r.get("doi") or r.get("full_name") or r.get("id") or r.get("title")
            )
            for field, step in (("citation_count", 40), ("stars", 300), ("likes", 25), ("downloads", 5000)):
                if field in r:
                    r[field] += _h(f"grow:{field}:{key}") % step
            if renamed:
                new = f"{r['full_name']}-next"
                out.append({"type": "repo", "full_name": r["full_name"], "renamed_to": new})
                r["full_name"] = new
        out.append(r)
    return out


# ------------------------------------------------------------------------------------ command


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--to",
        type=Path,
        metavar="DIR",
        help="where to write lists, snapshots and the report (default: a new temporary directory)",
    )
    parser.add_argument(
        "--lists",
        type=Path,
        metavar="DIR",
        default=Path("data/raw"),
        help="the lists to enrich (default: data/raw/)",
    )


def _try_lines(out: Path) -> list[str]:
    return [
        f"uv run --frozen python -c \"import enrich; print(enrich.load('works', root='{out}')"
        ".nlargest(5, 'citation_count')[['title', 'citation_count_s2', 'citation_count_openalex']])\"",
        f"uv run --frozen python -c \"import enrich; print(enrich.load('repos', root='{out}')"
        ".nlargest(5, 'stars')[['full_name', 'stars', 'status', 'stars_as_of']])\"",
        f'uv run --frozen python -c "import duckdb; duckdb.sql(\\"select snapshot_date, list_id, change, count(*) as entries '
        f"from read_parquet('{out}/list_changes/*/*.parquet', hive_partitioning=true) group by all order by all\\\").show()\"",
    ]


def run(args: argparse.Namespace) -> int:
    from enrich.lists import list_files
    from enrich.pipeline import parse_lists

    source: Path = args.lists
    if not source.is_dir():
        raise InputError(
            str(source), "no such directory (run `enrich demo` from the repository root, or give --lists)"
        )
    list_files(source)
    base = Path(args.to) if args.to else Path(tempfile.mkdtemp(prefix="enrich-demo-"))
    if base.exists() and any(base.iterdir()) and not (base / "out").is_dir():
        raise InputError(str(base), "not empty and not an earlier demo directory; choose an empty --to")
    lists = base / "lists"
    if lists.exists():
        shutil.rmtree(lists)
    shutil.copytree(source, lists)  # the demo never writes into the real lists
    out, cache = base / "out", base / "cache"
    entries = parse_lists(lists).entries
    today = datetime.now(UTC).date()
    code = _nights(source, lists, out, cache, entries, (today - timedelta(days=1), today), args.verbose)
    index = out / "reports" / today.isoformat() / "index.html"
    print()
    print(f"report: {index}")
    print(f"open it in a browser (offline): file://{index.resolve()}")
    print("try:")
    for line in _try_lines(out):
        print(f"  {line}")
    return code


CHANGED_ITEMS: Final = 3


def night_lists(source: Path, lists: Path, night: int) -> None:
    """The lists as they were on ``night``: on night 1 the list with the most entries lacks its last
    few entries (so night 2 shows them as added) and has one entry that night 2 no longer has."""
    from enrich.lists import list_files
    from enrich.parsing import parse_file

    best: tuple[int, str, Path, list[int]] | None = None
    for spec, path in list_files(source):
        if path.suffix != ".md":
            continue
        lines = sorted({e.line for e in parse_file(path, spec.id)})
        if best is None or (len(lines), path.name) > best[:2]:
            best = (len(lines), path.name, path, lines)
    if best is None or best[0] <= CHANGED_ITEMS + 1:
        return
    path, entry_lines = best[2], best[3]
    if night == 1:
        text = path.read_text(encoding="utf-8").splitlines(keepends=True)
        dropped = {n - 1 for n in entry_lines[-CHANGED_ITEMS:]}  # 0-based line numbers
        anchor = entry_lines[-CHANGED_ITEMS - 1] - 1  # the last entry kept: the extra one goes after it
        indent = text[anchor][: len(text[anchor]) - len(text[anchor].lstrip())]
        extra = f"{indent}- [Attention Is All You Need](https://arxiv.org/abs/1706.03762) (removed on night two)\n"
        kept = [line for i, line in enumerate(text) if i not in dropped]
        kept.insert(anchor + 1, extra)
        (lists / path.name).write_text("".join(kept), encoding="utf-8")
    else:
        shutil.copyfile(path, lists / path.name)


def _nights(
    source: Path,
    lists: Path,
    out: Path,
    cache: Path,
    entries: Sequence[Entry],
    days: Iterable[date],
    verbose: int,
) -> int:
    from enrich.pipeline import parse_lists
    from fakeapis import FakeApis
    from flows.cli_run import _console, prepare_prefect_env, progress_display, report

    night_lists(source, lists, 1)
    covered = [*entries, *parse_lists(lists).entries]  # the catalog answers for both nights' entries
    prepare_prefect_env(cache, verbose=verbose)
    os.environ["ENRICH_INTERVAL_SCALE"] = "0"  # the double has no rate limits
    console = _console()
    code = 0
    with progress_display(console):
        from flows.nightly import nightly

        for night, day in enumerate(days, start=1):
            night_lists(source, lists, night)
            with FakeApis(demo_catalog(covered, night)) as apis:
                os.environ.update(apis.env())
                state = nightly(
                    lists_dir=lists,
                    out_dir=out,
                    snapshot_date=day,
                    cache_dir=cache,
                    refresh=False,
                    return_state=True,
                )
            code = max(code, report(state, console, out))
    return code
