"""Entry ids across a list's real history: replay every version as a night and judge the ids.

    uv run --frozen python benchmarks/replay_identity.py
    uv run --frozen python benchmarks/replay_identity.py --history ../shared/corpus/history/medllms-practical-guide
    uv run --frozen python benchmarks/replay_identity.py --show 20      # edited entries that lost their id
    uv run --frozen python benchmarks/replay_identity.py --synthetic 100000   # carry-over speed alone

Replays the 181 versions of the MedLLMsPracticalGuide README (``tests/data/history``, provenance
there) twice: without carry-over (each night's ids from the entry text alone, as a first run gives
them: the behaviour before ids were carried over) and with it (what the nightly run does with a
previous snapshot). For each it prints how many unchanged and slightly edited entries kept their id,
the phantom removed+added pairs in ``list_changes``, false carries, ``list_changes`` rows against
the line diff, and CPU seconds. The definitions are in :mod:`enrich.replay` (and in the replay test).

``--synthetic N`` times :func:`enrich.parsing.carry_ids.carry_entry_ids` alone on a generated list of N
entries (500 to a section, half with arXiv ids) for two nights: an ordinary one (1 % of titles
edited, 1 % removed, 1 % added) and a wholesale rewrite (every title edited, every arXiv link gone:
everything goes to the fuzzy stage and its budget).
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import time
from pathlib import Path

from enrich.ids import Ids
from enrich.parsing.carry_ids import PreviousEntry, carry_entry_ids
from enrich.replay import load_history, replay

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "tests" / "data" / "history" / "medllms-practical-guide.tar.xz"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--history", type=Path, default=DEFAULT, help="a .tar.xz or a directory of NNN_<sha>.md"
    )
    parser.add_argument("--list-id", default="medllms-practical-guide")
    parser.add_argument("--show", type=int, default=0, help="print up to N edited entries that lost their id")
    parser.add_argument("--synthetic", type=int, default=0, metavar="N", help="time carry-over on N entries")
    args = parser.parse_args(argv)
    if args.synthetic:
        return synthetic(args.synthetic)
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


def _typo(text: str, rng: random.Random) -> str:
    k = rng.randrange(1, len(text) - 1)
    return text[:k] + text[k + 1] + text[k] + text[k + 2 :]


def synthetic(n: int) -> int:
    rng = random.Random(7)
    syllables = ["ka", "lo", "mi", "re", "tu", "san", "vel", "dor", "pha", "gen", "bio", "med", "net", "ix"]
    words = sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(3000)})

    def entry(k: int) -> PreviousEntry:
        title = " ".join(rng.choice(words) for _ in range(rng.randint(5, 10))).capitalize()
        arxiv = f"{23 + k // 100000}{k // 10000 % 12 + 1:02d}.{k % 10000:05d}" if k % 2 else None
        return PreviousEntry(f"l:{k:016x}", f"Section {k // 500}", "paper", None, title, Ids(arxiv_id=arxiv))

    before = [entry(k) for k in range(n)]
    tonight: list[PreviousEntry] = []
    for k, e in enumerate(before):
        roll = rng.random()
        if roll < 0.01:
            continue  # removed
        if roll < 0.02:
            e = dataclasses.replace(e, title=_typo(e.title or "", rng), entry_id=f"l:new{k:013x}")
        tonight.append(e)
        if roll > 0.99:
            tonight.append(dataclasses.replace(entry(n + k), section=e.section))  # added
    rewrite = [
        dataclasses.replace(e, title=_typo(e.title or "", rng), ids=Ids(), entry_id=f"l:new{k:013x}")
        for k, e in enumerate(before)
    ]
    for label, after in (
        ("ordinary night (1 % edited, removed, added)", tonight),
        ("wholesale rewrite", rewrite),
    ):
        start = time.process_time()
        ids = carry_entry_ids(before, after)
        seconds = time.process_time() - start
        old = {e.entry_id for e in before}
        carried = sum(1 for i in ids if i in old)
        print(f"{label}: {n} -> {len(after)} entries, {carried} ids carried, CPU {seconds:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
