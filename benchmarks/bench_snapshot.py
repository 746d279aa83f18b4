"""Time and size of table building and snapshot I/O on generated inputs.

    uv run --frozen python benchmarks/bench_snapshot.py                  # 20,000 works, repos, HF items
    uv run --frozen python benchmarks/bench_snapshot.py --works 100000 --repos 50000 --hf 20000

Night one: every source answers. Night two: a third of the S2 records and of the GitHub records
fail (carry-forward from night one). Prints seconds per stage, rows, bytes on disk and peak RSS
(the process's own ``VmHWM``).
Nothing here touches the network.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from bench_nightly import peak_rss_mb
from snapshot_digest import digest

from enrich.ids import Ids
from enrich.parsing import Entry
from enrich.records import Author, FetchStatus, HfRecord, RepoRecord, WorkRecord
from enrich.resolve.types import MatchEvidence, MatchMethod, ResolvedWork
from enrich.snapshot import Manifest, load, read_previous, write_snapshot
from enrich.tables import Tables, build_tables

T = TypeVar("T")


def entry(entry_id: str, list_id: str, line: int, section: str, kind: str, name: str | None, title: str | None,
          **ids: Any) -> Entry:  # fmt: skip
    fields: dict[str, Any] = dict.fromkeys(
        ("authors_raw", "year", "venue_raw", "arxiv_id", "arxiv_version", "doi", "pmcid", "pmid", "acl_id",
         "s2_corpus_id", "github_repo", "hf_id", "hf_kind", "description"),
    )  # fmt: skip
    fields.update(ids)
    return Entry(
        entry_id, list_id, line, section, kind, name, title, urls=(), work_key=f"entry:{entry_id}", **fields
    )


def inputs(n_works: int, n_repos: int, n_hf: int, at: datetime, failing: bool) -> dict[str, Any]:
    entries: list[Entry] = []
    resolved: list[ResolvedWork] = []
    for i in range(n_works):
        arxiv = f"2101.{i:05d}"
        eid = f"list{i % 7}:{i:06d}"
        entries.append(
            entry(eid, f"list{i % 7}", i, "Papers", "paper", None, f"Paper number {i}", arxiv_id=arxiv)
        )
        s2_status = FetchStatus.ERROR if failing and i % 3 == 0 else FetchStatus.OK
        records = (
            WorkRecord(
                "arxiv",
                arxiv,
                FetchStatus.OK,
                at,
                title=f"Paper  number {i}",
                abstract=f"We study thing {i}.\n" * 5,
                authors=tuple(Author(f"Author {j} Person{i}") for j in range(6)),
            ),
            WorkRecord(
                "s2",
                f"ARXIV:{arxiv}",
                s2_status,
                at,
                title=f"Paper number {i}",
                authors=tuple(Author(f"Author {j} Person{i}", s2_author_id=str(j * i)) for j in range(6)),
                citation_count=i % 500,
                year=2021,
                publication_date="2021-01-05",
                venue="NeurIPS",
            ),
            WorkRecord("openalex", f"doi:10.48550/arxiv.{arxiv}", FetchStatus.OK, at, citation_count=i % 400),
        )
        resolved.append(
            ResolvedWork(
                f"arxiv:{arxiv}",
                Ids(arxiv_id=arxiv),
                (eid,),
                (f"arxiv:{arxiv}",),
                MatchEvidence(MatchMethod.IDENTIFIER),
                records=records,
            )
        )
    repos: list[RepoRecord] = []
    for i in range(n_repos):
        name = f"owner{i % 997}/repo{i}"
        entries.append(entry(f"code:{i:06d}", "code", i, "Code", "repo", name, None, github_repo=name))
        if failing and i % 3 == 0:
            repos.append(RepoRecord(name, FetchStatus.RATE_LIMITED, at))
        else:
            repos.append(
                RepoRecord(
                    name,
                    FetchStatus.OK,
                    at,
                    full_name=name,
                    stars=i,
                    forks=i // 10,
                    pushed_at="2026-01-01T00:00:00Z",
                    topics=("a", "b"),
                )
            )
    hf: list[HfRecord] = []
    for i in range(n_hf):
        hid = f"org{i % 101}/model-{i}"
        entries.append(
            entry(f"hf:{i:06d}", "hf", i, "Models", "model", hid, None, hf_id=hid, hf_kind="model")
        )
        hf.append(HfRecord(f"model:{hid}", "model", hid, FetchStatus.OK, at, likes=i, downloads=i * 3))
    return {"entries": entries, "resolved": resolved, "repos": repos, "hf": hf}


def timed(label: str, fn: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = fn()
    print(f"{label:<38} {time.perf_counter() - start:8.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--works", type=int, default=20_000)
    parser.add_argument("--repos", type=int, default=20_000)
    parser.add_argument("--hf", type=int, default=20_000)
    args = parser.parse_args()
    d1, d2 = date(2026, 11, 20), date(2026, 11, 21)
    t1, t2 = datetime(2026, 11, 20, 2, tzinfo=UTC), datetime(2026, 11, 21, 2, tzinfo=UTC)
    print(f"works={args.works} repos={args.repos} hf_items={args.hf}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        n1 = inputs(args.works, args.repos, args.hf, t1, failing=False)
        n2 = inputs(args.works, args.repos, args.hf, t2, failing=True)

        def build(night: dict[str, Any], day: date, previous: Any) -> Tables:
            return build_tables(
                night["entries"],
                night["resolved"],
                night["repos"],
                night["hf"],
                snapshot_date=day,
                previous=previous,
            )

        def manifest(day: date, run: str) -> Manifest:
            return Manifest(day, False, {}, {}, run, "bench", t1, t1)

        tables1 = timed("build_tables night 1 (no previous)", lambda: build(n1, d1, None))
        timed("write_snapshot night 1", lambda: write_snapshot(out, tables1, manifest(d1, "n1")))
        previous = timed("read_previous", lambda: read_previous(out, d2))
        tables2 = timed("build_tables night 2 (carry-forward)", lambda: build(n2, d2, previous))
        timed("write_snapshot night 2", lambda: write_snapshot(out, tables2, manifest(d2, "n2")))
        timed(
            "write_snapshot night 2 again (replace)",
            lambda: write_snapshot(out, tables2, manifest(d2, "n2b")),
        )
        works = timed("load('works', 'latest')", lambda: load("works", root=out))
        history = timed("load('metrics_history', 'all')", lambda: load("metrics_history", "all", out))
        stale = int((works["status"] == "stale").sum())
        print(f"rows: {tables2.row_counts()}")
        print(f"works stale on night 2: {stale}; metrics_history rows over both nights: {len(history)}")
        size = sum(p.stat().st_size for p in out.rglob("*.parquet"))
        print(f"parquet bytes on disk (2 nights): {size:,}")
        print(f"SHA-256 over the Parquet files (2 nights; benchmarks/snapshot_digest.py): {digest(out)[1]}")
        print(f"peak RSS: {peak_rss_mb():.0f} MiB")  # VmHWM: this process's own peak (not ru_maxrss)


if __name__ == "__main__":
    main()
