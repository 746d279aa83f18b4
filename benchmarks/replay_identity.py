"""Entry ids across a list's real history: replay every version as a night and judge the ids.

    uv run --frozen python benchmarks/replay_identity.py
    uv run --frozen python benchmarks/replay_identity.py --history ../shared/corpus/history/medllms-practical-guide
    uv run --frozen python benchmarks/replay_identity.py --show 20      # edited entries that lost their id

Replays the 181 versions of the MedLLMsPracticalGuide README (``tests/data/history``, provenance
there) twice: without carry-over (each night's ids from the entry text alone, as a first run gives
them: the behaviour before ids were carried over) and with it (what the nightly run does with a
previous snapshot). For each it prints how many unchanged and slightly edited entries kept their id,
the phantom removed+added pairs in ``list_changes``, false carries, ``list_changes`` rows against
the line diff, and CPU seconds. The definitions are in :mod:`enrich.replay` (and in the replay test).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from enrich.replay import load_history, replay

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "tests" / "data" / "history" / "medllms-practical-guide.tar.xz"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--history", type=Path, default=DEFAULT, help="a .tar.xz or a directory of NNN_<sha>.md")
    parser.add_argument("--list-id", default="medllms-practical-guide")
    parser.add_argument("--show", type=int, default=0, help="print up to N edited entries that lost their id")
    args = parser.parse_args(argv)
    if not args.history.exists():
        print(f"{args.history}: no such file or directory", file=sys.stderr)
        return 2
    versions = load_history(args.history)
    if len(versions) < 2:
        print(f"{args.history}: fewer than two versions found", file=sys.stderr)
        return 2
    print(f"history: {args.history} ({len(versions)} versions)")
    for carry, title in (
        (False, "without carry-over (ids from the text alone; list_changes had no 'edited' before)"),
        (True, "with carry-over from the previous night"),
    ):
        start = time.process_time()
        figures = replay(versions, args.list_id, carry=carry)
        seconds = time.process_time() - start
        print(f"\n== {title}")
        for line in figures.lines():
            print(f"  {line}")
        print(f"  CPU {seconds:.2f} s (parse, carry-over, list_changes and the line diff of every version)")
        for label, old, new in figures.edited_not_kept[: args.show]:
            print(f"    {label}\n      - {old[:160]}\n      + {new[:160]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
