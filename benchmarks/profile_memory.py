"""Where a night's memory goes: tracemalloc at the end of every stage, the nightly stages without Prefect.

    uv run --frozen python benchmarks/profile_memory.py --papers 20000
    uv run --frozen python benchmarks/profile_memory.py --papers 20000 --top 12 --nights cold
    uv run --frozen python benchmarks/profile_memory.py --papers 20000 --peaks

Generates the inputs of ``benchmarks/bench_nightly.py`` (same generator), starts the API double and
runs the stages of ``bench_nightly.py --engine none`` and the flow's finish (the run summary, then
the HTML report read back from the written snapshot) (cold, then warm: the next day, same caches,
the cold night's snapshot as the previous one), each night in its own process with ``tracemalloc``
on. After each stage it prints the Python heap traced now and the traced peak since the previous
stage, the process's RSS now and its peak, and the source lines holding the most memory at that
moment (``--top``). tracemalloc slows the run 2-3x: use it to find the peak, not to time it.

``--peaks`` runs without tracemalloc (full speed): a thread samples the process's RSS every 10 ms and,
each time the peak grows by 5 MB or more, notes the stage and the main thread's innermost
``enrich``/``flows`` frames at that moment; each night prints its stage marks, then where its peak grew.

Peaks are the process's own ``VmHWM`` (``/proc/self/status``), not ``ru_maxrss``: Linux carries a
parent's ``ru_maxrss`` across fork and exec into the child.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import tracemalloc
from datetime import date, timedelta
from pathlib import Path
from types import FrameType

from bench_nightly import peak_rss_mb

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


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
            f"RSS {_rss_mb():6.0f} MB (peak {peak_rss_mb():6.0f} MB)",
            flush=True,
        )
        for stat in snap.statistics("lineno")[: self.top]:
            frame = stat.traceback[0]
            name = frame.filename.split("/site-packages/")[-1].replace(str(ROOT) + "/", "")
            print(f"     {stat.size / 2**20:7.1f} MB {stat.count:9d} blocks  {name}:{frame.lineno}")
        tracemalloc.reset_peak()


PEAK_STEP_MB = 5
"""``--peaks`` notes where the peak grew each time it grew by this much."""
SAMPLE_S = 0.01
FRAMES = 3
"""Innermost ``enrich``/``flows`` frames of the main thread printed per growth."""


class PeakSampler:
    """``--peaks``: a daemon thread reads the RSS every :data:`SAMPLE_S` s; when it passes the peak
    seen by :data:`PEAK_STEP_MB`, it notes the RSS, the stage and the main thread's project frames."""

    def __init__(self) -> None:
        self.main = threading.get_ident()
        self.stage = "startup"
        self.peak = 0.0
        self.growth: list[tuple[float, str, tuple[str, ...]]] = []
        threading.Thread(target=self._run, daemon=True, name="peak-sampler").start()

    def _frames(self, frame: FrameType | None) -> tuple[str, ...]:
        found = []
        for f in traceback.extract_stack(frame):
            rel = os.path.relpath(f.filename, ROOT)
            if rel.startswith(("enrich/", "flows/")):
                found.append(f"{rel}:{f.lineno} {f.name}")
        return tuple(reversed(found[-FRAMES:]))

    def _run(self) -> None:
        while True:
            rss = _rss_mb()
            if rss >= self.peak + PEAK_STEP_MB:
                self.peak = rss
                self.growth.append((rss, self.stage, self._frames(sys._current_frames().get(self.main))))
            time.sleep(SAMPLE_S)

    def mark(self, stage: str) -> None:
        print(f"-- {stage:<8} RSS {_rss_mb():6.0f} MB (peak {peak_rss_mb():6.0f} MB)", flush=True)
        self.stage = f"after {stage}"

    def report(self) -> None:
        """Where the peak grew: one line per (stage, place), the RSS it had reached there."""
        last: tuple[str, tuple[str, ...]] | None = None
        for rss, stage, frames in self.growth:
            if (stage, frames[:2]) != last:
                print(f"   {rss:6.0f} MB [{stage}] {' <- '.join(frames)}")
                last = (stage, frames[:2])


def night(argv: list[str], top: int | None) -> int:
    """One night of ``bench_nightly.run_stages`` (the flow's finish included), a probe after each
    stage (tracemalloc, ``top`` lines; with ``top`` None, the peak sampler of ``--peaks`` instead)."""
    import bench_nightly

    if top is None:
        sampler = PeakSampler()
        try:
            return bench_nightly.run_stages(argv, sampler.mark, finish=True)
        finally:
            sampler.report()
    probe = Probe(top)
    return bench_nightly.run_stages(argv, probe.mark, finish=True)


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        return night(sys.argv[4:], None if sys.argv[2] == "peaks" else int(sys.argv[2]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=20000)
    parser.add_argument("--titles", type=int, default=None, help="default: 0.01 x papers")
    parser.add_argument("--nights", default="cold,warm")
    parser.add_argument("--top", type=int, default=8, help="source lines shown per stage")
    parser.add_argument("--keep", type=Path, default=None, help="keep inputs and outputs in this directory")
    parser.add_argument(
        "--peaks",
        action="store_true",
        help="no tracemalloc: sample RSS every 10 ms, print where the peak grew",
    )
    args = parser.parse_args()
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
                    [
                        sys.executable,
                        __file__,
                        "--child",
                        "peaks" if args.peaks else str(args.top),
                        "--",
                        *argv,
                    ],
                    env=env,
                    cwd=ROOT,
                    check=True,
                )
        finally:
            double.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
