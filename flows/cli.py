"""The ``enrich`` console command (the application's entry point: ``[project.scripts]``).

Sub-commands live with the code they drive; each module exposes ``add_arguments(parser)`` and
``run(args) -> int``, and is imported only when its sub-command is chosen (``enrich parse`` never
imports Prefect). The library's commands (``parse``, ``report``, ``fake-apis``) live in ``enrich``; the
ones that run the flows (``run``, ``serve``, ``demo``) in ``flows``: the library never imports the app.

Exit codes: :mod:`enrich.exitcodes` (a contract for schedulers and scripts).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Final

from enrich.errors import EnrichError, InputError
from enrich.exitcodes import EXIT_FAILURE as EXIT_FAILURE
from enrich.exitcodes import EXIT_INTERRUPTED
from enrich.exitcodes import EXIT_OK as EXIT_OK
from enrich.exitcodes import EXIT_PARTIAL as EXIT_PARTIAL
from enrich.exitcodes import EXIT_USAGE as EXIT_USAGE
from enrich.redact import REDACTING_FILTER, redact_text

# name -> (module, help)
COMMANDS: Final[dict[str, tuple[str, str]]] = {
    "parse": ("enrich.parsing.cli", "parse raw lists into the entries table (no network)"),
    "fake-apis": ("fakeapis.cli", "serve a local double of every API on 127.0.0.1"),
    "run": ("flows.cli_run", "run the nightly pipeline once (embedded Prefect, no set-up)"),
    "serve": ("flows.cli_serve", "serve the nightly deployment on a cron schedule"),
    "report": ("enrich.report.cli", "write the static HTML report of a snapshot (offline)"),
    "demo": ("flows.demo", "the whole product offline: API double, two nights, the report"),
}


def configure_logging(verbosity: int) -> None:
    level = logging.WARNING - 10 * verbosity
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(REDACTING_FILTER)
    root = logging.getLogger("enrich")
    root.handlers[:] = [handler]
    root.setLevel(max(level, logging.DEBUG))


def global_flags(default: object) -> argparse.ArgumentParser:
    """The flags every command accepts, before or after its name (``enrich -v run``, ``enrich run -v``)."""
    flags = argparse.ArgumentParser(add_help=False)
    flags.add_argument(
        "-v", "--verbose", action="count", default=default, help="more log output (-vv: debug)"
    )
    return flags


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Callable[[argparse.Namespace], int]]]:
    parser = argparse.ArgumentParser(
        prog="enrich", description=__doc__.split("\n\n")[0], parents=[global_flags(0)]
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    runners: dict[str, Callable[[argparse.Namespace], int]] = {}
    chosen = _chosen_command(sys.argv[1:])
    # after the command name the flags add to what came before it (SUPPRESS: absent leaves it alone)
    after = global_flags(argparse.SUPPRESS)
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text, parents=[after])
        if chosen == name:  # import only what runs
            module = importlib.import_module(module_name)
            module.add_arguments(p)
            runners[name] = module.run
    return parser, runners


def _chosen_command(argv: Sequence[str]) -> str | None:
    for arg in argv:
        if arg in COMMANDS:
            return arg
    return None


def main(argv: Sequence[str] | None = None) -> int:
    if argv is not None:
        sys.argv[1:] = list(argv)
    parser, runners = build_parser()
    args = parser.parse_args()
    configure_logging(args.verbose)
    try:
        return runners[args.command](args)
    except InputError as exc:
        print(f"enrich {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except EnrichError as exc:
        print(f"enrich {args.command}: error: {redact_text(str(exc))}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print(f"enrich {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    raise SystemExit(main())
