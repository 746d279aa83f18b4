"""SHA-256 of every Parquet file a fixed pair of nights writes: the byte-identity check for refactors.

    uv run --frozen python benchmarks/snapshot_digest.py                         # 300 papers, stages
    uv run --frozen python benchmarks/snapshot_digest.py --papers 2000 --engine prefect
    uv run --frozen python benchmarks/snapshot_digest.py --out /tmp/digest-a --date 2026-11-01

Generates the inputs of ``benchmarks/bench_nightly.py`` (same generator, same seed: fixed lists and
a fixed catalog), starts the local API double on it, and runs two nights, ``--date`` and the day
after (the second with the first's snapshot as the previous one and the same caches; before it,
one list loses every seventh entry and has titles edited, another becomes unreadable, so list
changes and the carrying of an unreadable list are exercised), with ``enrich run`` (``--engine prefect``) or the
same stages without Prefect (``--engine none``, the default: faster, same library code). The
clock the clients stamp ``fetched_at`` with is fixed (the records' only time of day), so the same
code gives the same bytes; the night's manifests (run ids, wall times) are not compared.

Prints one line per Parquet file (its path under ``--out`` and its SHA-256), then one combined
digest over all of them (path and hash, in path order). Run it before and after a change and
compare the last line. Nothing here touches the network.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXED_NOW = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)


def _fix_clock(day: date) -> None:
    """Every ``utcnow`` the library imported from ``enrich.ratelimit`` returns 03:00 UTC of ``day``."""
    import importlib
    import pkgutil

    import enrich
    from enrich import ratelimit

    moment = datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)
    original = ratelimit.utcnow

    def fixed() -> datetime:
        return moment

    for info in pkgutil.walk_packages(enrich.__path__, "enrich."):
        if ".fakeapi" in info.name or info.name.endswith("__main__"):
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:
            continue
        if getattr(module, "utcnow", None) is original:
            module.utcnow = fixed  # type: ignore[attr-defined]


def child(argv: list[str]) -> int:
    """One night in this process, with the clock fixed: ``enrich run`` or the stages without Prefect."""
    engine, rest = argv[0], argv[1:]
    opts = dict(zip(rest[::2], rest[1::2], strict=False))
    _fix_clock(date.fromisoformat(opts["--date"]))
    sys.path.insert(0, str(HERE))
    if engine == "none":
        import bench_nightly

        return bench_nightly.stages_main(rest)
    from enrich.cli import main

    return main(["run", *rest, "--no-refresh"])


def edit_lists(lists: Path) -> None:
    """Night two's changes: bench-0 loses every seventh entry and gets two titles edited; bench-6
    becomes unreadable (not UTF-8), so its entries are carried from the previous snapshot."""
    first = lists / "bench-0.md"
    lines = first.read_text(encoding="utf-8").splitlines()
    entries = [n for n, line in enumerate(lines) if line.startswith("* ")]
    drop = set(entries[::7])
    for n in entries[1:3]:
        lines[n] = lines[n].replace("**: ", "**: Revised ", 1)
    first.write_text(
        "\n".join(line for n, line in enumerate(lines) if n not in drop) + "\n", encoding="utf-8"
    )
    (lists / "bench-6.md").write_bytes(b"# Bench list 6\n\n* \xff\xfe not text\n")


def digest(out: Path) -> tuple[list[tuple[str, str]], str]:
    files = sorted(p for p in out.rglob("*.parquet") if not any(part.startswith(".") for part in p.parts))
    lines = [(str(p.relative_to(out)), hashlib.sha256(p.read_bytes()).hexdigest()) for p in files]
    combined = hashlib.sha256("".join(f"{name}\t{h}\n" for name, h in lines).encode()).hexdigest()
    return lines, combined


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        return child(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=300)
    parser.add_argument("--repos", type=int, default=None, help="default: 0.3 x papers")
    parser.add_argument("--hf", type=int, default=None, help="default: 0.03 x papers")
    parser.add_argument("--titles", type=int, default=None, help="default: 0.01 x papers")
    parser.add_argument("--date", type=date.fromisoformat, default=FIXED_NOW.date(), help="first night")
    parser.add_argument("--nights", type=int, default=2)
    parser.add_argument("--engine", choices=("none", "prefect"), default="none")
    parser.add_argument("--out", type=Path, default=None, help="keep inputs and snapshots in this directory")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    import bench_nightly

    repos = args.repos if args.repos is not None else args.papers * 3 // 10
    hf = args.hf if args.hf is not None else args.papers * 3 // 100
    titles = args.titles if args.titles is not None else args.papers // 100
    with tempfile.TemporaryDirectory(prefix="snapshot-digest-") as tmp:
        work = args.out or Path(tmp)
        if work.exists() and any(work.iterdir()):
            shutil.rmtree(work)
        work.mkdir(parents=True, exist_ok=True)
        bench_nightly.generate(work, args.papers, repos, hf, titles)
        double = bench_nightly.Double(work / "catalog.jsonl", work / "access.jsonl", "off")
        env = {
            **os.environ,
            **double.env,
            "ENRICH_INTERVAL_SCALE": "0",
            "GITHUB_TOKEN": "digest-token",
            "S2_API_KEY": "digest-key",
            "HF_TOKEN": "digest-token",
        }
        env.setdefault("PREFECT_HOME", str(work / "prefect-home"))
        try:
            for n in range(args.nights):
                day = args.date + timedelta(days=n)
                if n == 1:
                    edit_lists(work / "lists")
                argv = ["--lists", str(work / "lists"), "--out", str(work / "out"),
                        "--cache", str(work / "cache"), "--date", day.isoformat()]  # fmt: skip
                code = subprocess.run(
                    [sys.executable, __file__, "--child", args.engine, *argv],
                    env=env,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=(work / f"stderr-{n}.txt").open("w"),
                    check=False,
                ).returncode
                if not (work / "out" / "manifests" / f"{day.isoformat()}.json").exists():
                    print(f"night {day}: exit {code}, no snapshot (stderr in {work / f'stderr-{n}.txt'})")
                    return 1
                print(f"night {day}: exit {code}")
        finally:
            double.stop()
        lines, combined = digest(work / "out")
        for name, h in lines:
            print(f"{h}  {name}")
        print(f"combined {combined}  ({len(lines)} files, {args.papers} papers, {args.nights} nights)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
