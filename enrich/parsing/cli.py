"""``enrich parse PATH... --out FILE.parquet``: raw lists to the entries table, without the network.

Prints one summary line per list (entries by shape, low-confidence rows, links in the file); a list
whose format the parser does not understand is named on stderr as "format not understood".

Exit codes: 0 every input parsed; 3 (partial) the table was written but some inputs were skipped or
a list's format was not understood;
2 no usable input (nothing written); 1 the output could not be written. Each skipped input gets
one line on stderr naming it and the problem.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from enrich.errors import EnrichError
from enrich.exitcodes import EXIT_FAILURE, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE
from enrich.parsing.api import parse_paths
from enrich.parsing.table import write_entries

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="list files (.md, .markdown, .txt) and/or directories of lists (lists.toml applied)",
    )
    parser.add_argument(
        "--out", type=Path, required=True, metavar="FILE.parquet", help="entries table to write"
    )


def run(args: argparse.Namespace) -> int:
    result = parse_paths(args.paths)
    for problem in result.problems:
        print(f"enrich parse: skipped {problem}", file=sys.stderr)
    if result.files == 0:
        print("enrich parse: error: no usable input; nothing written", file=sys.stderr)
        return EXIT_USAGE
    entries = sorted(result.entries, key=lambda e: (e.list_id, e.line, e.entry_id))
    try:
        write_entries(entries, args.out)
    except EnrichError as exc:
        print(f"enrich parse: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    lists = len({e.list_id for e in entries})
    for summary in result.summaries:
        print(summary.line())
    print(
        f"wrote {len(entries)} entries from {result.files} list file(s) ({lists} with entries) to {args.out}"
    )
    unread = [s.list_id for s in result.summaries if not s.understood]
    for list_id in unread:
        print(f"enrich parse: list {list_id}: format not understood (see its summary line)", file=sys.stderr)
    return EXIT_PARTIAL if result.problems or unread else EXIT_OK
