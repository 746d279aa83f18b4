"""``python -m enrich.cli``: the ``enrich`` command, for scripts and subprocesses that call it by module.

The command itself is the application's (:mod:`flows.cli`, also the ``enrich`` console script): it is
imported when :func:`main` runs, never when this module is imported, so the library does not depend on
the app. Exit codes: :mod:`enrich.exitcodes`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence

from enrich.exitcodes import EXIT_FAILURE as EXIT_FAILURE
from enrich.exitcodes import EXIT_OK as EXIT_OK
from enrich.exitcodes import EXIT_PARTIAL as EXIT_PARTIAL
from enrich.exitcodes import EXIT_USAGE as EXIT_USAGE

APP_CLI = "flows.cli"
"""The module that holds the ``enrich`` command."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``enrich`` command (``argv`` without the program name; default: ``sys.argv[1:]``)."""
    run: Callable[[Sequence[str] | None], int] = importlib.import_module(APP_CLI).main
    return run(argv)


if __name__ == "__main__":
    raise SystemExit(main())
