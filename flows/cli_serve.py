"""``enrich serve``: serve the ``nightly`` deployment on a time-zone aware cron schedule.

Runs ``flow.serve`` in the foreground against the Prefect API in ``PREFECT_API_URL`` (start one with
``prefect server start``); without it Prefect falls back to its embedded server for as long as this
process runs. Stop with Ctrl-C. The same deployment can be created with ``prefect deploy`` from the
``prefect.yaml`` at the repository root.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from enrich.errors import InputError

if TYPE_CHECKING:
    from prefect.schedules import Schedule

    from enrich.settings import Settings

DEFAULT_NAME = "nightly"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cron", help='cron schedule (default: ENRICH_SCHEDULE_CRON or "0 3 * * *")')
    parser.add_argument(
        "--timezone",
        help="IANA time zone of the schedule, e.g. Europe/Berlin (default: ENRICH_SCHEDULE_TIMEZONE or UTC)",
    )
    parser.add_argument("--name", default=DEFAULT_NAME, help=f"deployment name (default: {DEFAULT_NAME})")


def schedule_settings(args: argparse.Namespace) -> Settings:
    """The settings with ``--cron`` / ``--timezone`` applied and validated (bad values: exit 2)."""
    from pydantic import ValidationError

    from enrich.settings import Settings

    overrides: dict[str, str] = {}
    if args.cron is not None:
        overrides["schedule_cron"] = args.cron
    if args.timezone is not None:
        overrides["schedule_timezone"] = args.timezone
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        flag = {"schedule_cron": "--cron", "schedule_timezone": "--timezone"}.get(
            field, f"ENRICH_{field.upper()}"
        )
        raise InputError(flag, first["msg"].removeprefix("Value error, ")) from None


def build_schedule(settings: Settings) -> Schedule:
    from prefect.schedules import Cron

    return Cron(settings.schedule_cron, timezone=settings.schedule_timezone)


NO_SERVER_HINT = (
    "enrich serve: PREFECT_API_URL is not set, so Prefect serves on a temporary server that does not "
    "schedule runs; start one with `prefect server start` and export "
    "PREFECT_API_URL=http://127.0.0.1:4200/api"
)


def run(args: argparse.Namespace) -> int:
    settings = schedule_settings(args)
    if not os.environ.get("PREFECT_API_URL"):
        print(NO_SERVER_HINT, file=sys.stderr)
    from flows.cli_run import prepare_prefect_env

    prepare_prefect_env(settings.cache_dir, verbose=max(args.verbose, 1))
    from flows.nightly import nightly

    nightly.serve(
        name=args.name,
        schedules=[build_schedule(settings)],
        description="Nightly enrichment of the curated research lists",
        tags=["enrich"],
    )
    return 0
