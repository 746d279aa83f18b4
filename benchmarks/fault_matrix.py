"""The fault matrix as a table: fault kind x scope -> exit code, partial, values lost, wall time.

Two nights per row through the library stages against the API double (``flows.fault_matrix``):
night one clean, night two with the fault on one source (rotating) or on all sources.

    uv run --frozen python benchmarks/fault_matrix.py            # every case
    uv run --frozen python benchmarks/fault_matrix.py 429 down   # only these kinds
    uv run --frozen python benchmarks/fault_matrix.py --real-backoff --deadline 300 429 quota
        # the clients' real retry policy (backoff to 30 s, waits up to 120 s) under a 300 s deadline

"values lost" counts night one's value cells (works, repos, Hugging Face items) that night two lost or
changed. ``-v`` prints each case's lines.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path

from flows.fault_matrix import FAULT_CASES, matrix

CATALOG = Path(__file__).resolve().parent.parent / "tests" / "data" / "catalog.jsonl"


def main(argv: list[str]) -> int:
    logging.disable(logging.CRITICAL)  # the table is the output
    args = list(argv)
    deadline = 30.0
    if "--deadline" in args:
        i = args.index("--deadline")
        deadline = float(args[i + 1])
        del args[i : i + 2]
    real = "--real-backoff" in args
    kinds = [a for a in args if not a.startswith("-")]
    wanted = [c for c in FAULT_CASES if not kinds or c.kind in kinds]
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        rows = matrix(Path(tmp), CATALOG, wanted, deadline_s=deadline, fast_retries=not real)
    print("| fault | scope | exit | partial | values lost | wall (s) | sources named |")
    print("|---|---|---:|---|---:|---:|---|")
    for r in rows:
        named = ", ".join(s for s, st in r.night.sources.items() if st.reason) or "-"
        print(
            f"| {r.case.kind} | {r.scope} | {r.night.exit_code} | {str(r.night.partial).lower()} "
            f"| {len(r.lost)} | {r.night.wall_s:.1f} | {named} |"
        )
    print(
        f"\n{len(rows)} cases, {sum(len(r.lost) for r in rows)} values lost, {time.monotonic() - started:.0f} s"
    )
    if "-v" in argv or any(r.lost for r in rows):
        for r in rows:
            for line in (*r.night.lines, *r.lost[:5]):
                print(f"{r.case.kind} / {r.scope}: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
