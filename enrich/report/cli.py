"""``enrich report [--out DATA_DIR] [--snapshot latest|DATE] [--to DIR]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from enrich.errors import InputError
from enrich.exitcodes import EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DATA_DIR",
        help="snapshot root (default: $ENRICH_OUT, else data/enriched/)",
    )
    parser.add_argument(
        "--snapshot", default="latest", metavar="latest|YYYY-MM-DD", help="which night (default: latest)"
    )
    parser.add_argument(
        "--to", type=Path, metavar="DIR", help="write the report here (default: DATA_DIR/reports/DATE/)"
    )


def run(args: argparse.Namespace) -> int:
    from enrich.outroot import output_root
    from enrich.report import build_report

    out = Path(args.out) if args.out else output_root()
    if isinstance(out, str):
        raise InputError(out, "enrich report reads a local snapshot directory; give --out DIR (a copy)")
    if not out.is_dir():
        raise InputError(str(out), "no such directory (--out takes the snapshot root, e.g. data/enriched)")
    index = build_report(out, args.snapshot, args.to)
    print(index)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run it as `enrich report`")
