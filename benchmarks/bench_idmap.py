"""Time of the work-id map (``enrich.resolve.idmap.WorkIdMap``) over one or two nights of N works.

    uv run --frozen python benchmarks/bench_idmap.py --works 4000 8000

Each work carries an arXiv id, a DOI and an S2 id (three keys), as ``resolve_works`` hands them over.
Night one: every work is new. Night two: the same works (every key known). The map lives in a
SQLite file in a temporary directory (on disk, so commits cost what they cost at night).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from enrich.resolve.idmap import WorkIdMap


def night(path: Path, n: int) -> float:
    started = time.perf_counter()
    with WorkIdMap(path) as ids:
        ids.start_run()
        for i in range(n):
            arxiv = f"2101.{10000 + i:05d}"
            keys = [f"arxiv:{arxiv}", f"doi:10.9999/bench.{i}", f"s2:{i:040x}"]
            ids.assign(keys, f"arxiv:{arxiv}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--works", type=int, nargs="+", default=[4000, 8000])
    args = parser.parse_args()
    for n in args.works:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "work-ids.sqlite"
            first = night(path, n)
            second = night(path, n)
        print(f"{n:7d} works: night one {first:7.2f} s, night two {second:7.2f} s")


if __name__ == "__main__":
    main()
