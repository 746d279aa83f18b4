"""Per-list parse report over the real-list corpus and the seed lists (no network).

    uv run --frozen python benchmarks/measure_corpus.py [DIR_OR_FILE ...] [--samples N]

Without arguments: the real-list corpus (the first ``shared/corpus/lists`` above this checkout) and
``data/raw``. For each list: entries found, counts by kind and by parse shape, the number of
distinct http(s) links in the file, low-confidence rows (``parse_confidence`` < 0.5) and a sample
of titles; then the CPU time of parsing everything in one process.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter
from pathlib import Path

from enrich.parsing import LOW_CONFIDENCE, parse_file

ROOT = Path(__file__).resolve().parents[1]


def _corpus() -> list[Path]:
    """The first ``shared/corpus/lists`` above the checkout (the real-list corpus), if any."""
    for parent in ROOT.parents:
        if (parent / "shared" / "corpus" / "lists").is_dir():
            return [parent / "shared" / "corpus" / "lists"]
    return []


DEFAULT = [*_corpus(), ROOT / "data" / "raw"]
_LINK = re.compile(r"https?://[^\s)\]>\"'|]+")


def _files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(q for q in p.iterdir() if q.suffix in {".md", ".txt"} and q.stem != "SOURCES"))
        else:
            out.append(p)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="*", type=Path, default=DEFAULT)
    ap.add_argument("--samples", type=int, default=4)
    args = ap.parse_args()
    files = _files(args.paths)
    texts = {f: f.read_text(encoding="utf-8", errors="replace") for f in files}
    t0 = time.process_time()
    parsed = {f: parse_file(f, f.stem) for f in files}
    cpu = time.process_time() - t0
    for f, entries in parsed.items():
        links = len(set(_LINK.findall(texts[f])))
        kinds = Counter(e.kind for e in entries)
        shapes = Counter(e.parse_shape for e in entries)
        low = sum(1 for e in entries if (e.parse_confidence or 0.0) < LOW_CONFIDENCE)
        print(f"== {f.stem}: {len(entries)} entries, {links} links, low-confidence {low}")
        print(f"   kinds: {dict(kinds.most_common())}")
        print(f"   shapes: {dict(shapes.most_common())}")
        step = max(1, len(entries) // max(1, args.samples))
        for e in entries[::step][: args.samples]:
            print(f"   L{e.line}: name={e.name!r} title={e.title!r} year={e.year} venue={e.venue_raw!r}")
    print(f"CPU seconds to parse {len(files)} lists: {cpu:.2f}")


if __name__ == "__main__":
    main()
