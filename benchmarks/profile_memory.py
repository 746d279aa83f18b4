"""Where a night's memory goes: tracemalloc at the end of every stage, the nightly stages without Prefect.

    uv run --frozen python benchmarks/profile_memory.py --papers 20000
    uv run --frozen python benchmarks/profile_memory.py --papers 20000 --top 12 --nights cold

Generates the inputs of ``benchmarks/bench_nightly.py`` (same generator), starts the API double and
runs the stages of ``bench_nightly.py --engine none`` and the flow's finish (the run summary, then
the HTML report read back from the written snapshot) (cold, then warm: the next day, same caches,
the cold night's snapshot as the previous one), each night in its own process with ``tracemalloc``
on. After each stage it prints the Python heap traced now and the traced peak since the previous
stage, the process's RSS now and its peak, and the source lines holding the most memory at that
moment (``--top``). tracemalloc slows the run 2-3x: use it to find the peak, not to time it.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Probe:
    def __init__(self, top: int) -> None:
        self.top = top
        tracemalloc.start(1)

    def mark(self, stage: str) -> None:
        now, peak = tracemalloc.get_traced_memory()
        snap = tracemalloc.take_snapshot().filter_traces(
            (tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen *>"))
        )
        print(
            f"-- {stage:<8} traced {now / 2**20:7.0f} MB (stage peak {peak / 2**20:7.0f} MB)   "
            f"RSS {_rss_mb():6.0f} MB (peak {_peak_mb():6.0f} MB)",
            flush=True,
        )
        for stat in snap.statistics("lineno")[: self.top]:
            frame = stat.traceback[0]
            name = frame.filename.split("/site-packages/")[-1].replace(str(ROOT) + "/", "")
            print(f"     {stat.size / 2**20:7.1f} MB {stat.count:9d} blocks  {name}:{frame.lineno}")
        tracemalloc.reset_peak()


def night(argv: list[str], top: int) -> int:
    """One night of ``bench_nightly.run_stages`` (the flow's finish included), a probe after each stage."""
    sys.path.insert(0, str(HERE))
    import bench_nightly

    probe = Probe(top)
    return bench_nightly.run_stages(argv, probe.mark, finish=True)


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        return night(sys.argv[4:], int(sys.argv[2]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=20000)
    parser.add_argument("--titles", type=int, default=None, help="default: 0.01 x papers")
    parser.add_argument("--nights", default="cold,warm")
    parser.add_argument("--top", type=int, default=8, help="source lines shown per stage")
    parser.add_argument("--keep", type=Path, default=None, help="keep inputs and outputs in this directory")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    import bench_nightly

    repos, hf = args.papers * 3 // 10, args.papers * 3 // 100
    titles = args.titles if args.titles is not None else args.papers // 100
    with tempfile.TemporaryDirectory(prefix="profile-memory-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        bench_nightly.generate(work, args.papers, repos, hf, titles)
        double = bench_nightly.Double(work / "catalog.jsonl", work / "access.jsonl", "off")
        env = {**os.environ, **double.env, "ENRICH_INTERVAL_SCALE": "0", "GITHUB_TOKEN": "profile-token",
               "S2_API_KEY": "profile-key", "HF_TOKEN": "profile-token"}  # fmt: skip
        try:
            for n, label in enumerate(x.strip() for x in args.nights.split(",")):
                day = date(2026, 11, 1) + timedelta(days=n)
                print(f"== {label} ({args.papers} papers, {repos} repos, {hf} Hub items, {titles} titles)")
                argv = ["--lists", str(work / "lists"), "--out", str(work / "out"),
                        "--cache", str(work / "cache"), "--date", day.isoformat()]  # fmt: skip
                subprocess.run(
                    [sys.executable, __file__, "--child", str(args.top), "--", *argv],
                    env=env,
                    cwd=ROOT,
                    check=True,
                )
        finally:
            double.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
