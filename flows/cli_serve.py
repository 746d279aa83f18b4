"""``enrich serve``: serve the ``nightly`` deployment on a time-zone aware cron schedule.

Runs ``flow.serve`` in the foreground against the Prefect API in ``PREFECT_API_URL`` (start one with
``prefect server start``); without it Prefect falls back to its embedded server for as long as this
process runs. Stop with Ctrl-C. The same deployment can be created with ``prefect deploy`` from the
``prefect.yaml`` at the repository root.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from enrich.errors import EnrichError, InputError
from enrich.exitcodes import EXIT_OK
from enrich.redact import sanitize_url

if TYPE_CHECKING:
    from prefect.client.schemas.responses import DeploymentResponse
    from prefect.schedules import Schedule

    from enrich.settings import Settings

DEFAULT_NAME = "nightly"
FLOW_NAME = "nightly"  # the @flow name in flows/nightly.py


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


def describe_schedule(cron: str, timezone: str | None) -> str:
    return f"{cron!r} ({timezone or 'UTC'})"


@dataclass(frozen=True)
class ExistingDeployment:
    """What the server says about a deployment of the same name, before ``serve`` replaces it."""

    name: str  # "flow/deployment"
    paused: bool  # a served deployment is paused when its ``enrich serve`` stops
    ready: bool  # a runner polled it within the server's last-polled timeout (60 s by default)
    work_pool: str | None  # set when ``prefect deploy`` made it (a worker runs it)
    schedules: tuple[str, ...]


def check_existing(existing: ExistingDeployment | None, schedule: str, flag: str) -> str | None:
    """Refuse to take over a deployment something else runs (:class:`InputError`); otherwise the
    note to print, if any (the schedule changes)."""
    if existing is None:
        return None
    if existing.work_pool:
        raise InputError(
            flag,
            f"deployment {existing.name} already exists and runs on work pool {existing.work_pool!r} "
            "(made by `prefect deploy`); choose another --name",
        )
    if existing.ready and not existing.paused:
        raise InputError(
            flag,
            f"deployment {existing.name} is already being served by another `enrich serve`; stop it "
            "first (a killed one counts for about a minute) or choose another --name",
        )
    if existing.schedules != (schedule,):
        was = ", ".join(existing.schedules) or "no schedule"
        return f"deployment {existing.name}: schedule {was} replaced by {schedule}"
    return None


def _existing(deployment: DeploymentResponse) -> ExistingDeployment:
    from prefect.client.schemas.objects import DeploymentStatus
    from prefect.client.schemas.schedules import CronSchedule

    schedules = tuple(
        describe_schedule(s.schedule.cron, s.schedule.timezone)
        if isinstance(s.schedule, CronSchedule)
        else str(s.schedule)
        for s in deployment.schedules
    )
    return ExistingDeployment(
        name=f"{FLOW_NAME}/{deployment.name}",
        paused=bool(deployment.paused),
        ready=deployment.status == DeploymentStatus.READY,
        work_pool=deployment.work_pool_name,
        schedules=schedules,
    )


def preflight(api_url: str, name: str, schedule: str) -> str | None:
    """Before registering: the Prefect API answers (else exit 2, one line) and no other runner or
    worker owns a deployment of this name. Returns a note to print, if any."""
    import httpx
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        problem = client.api_healthcheck()
        if problem is not None:
            if isinstance(problem, httpx.HTTPStatusError):
                why = f"HTTP {problem.response.status_code} from {problem.request.url.path}"
            else:
                why = re.sub(r"^\[Errno \d+\] ", "", str(problem)) or type(problem).__name__
            raise InputError(
                "PREFECT_API_URL",
                f"no Prefect server answers at {sanitize_url(api_url)} ({why}); "
                "start one with `prefect server start`",
            )
        try:
            deployment = client.read_deployment_by_name(f"{FLOW_NAME}/{name}")
        except ObjectNotFound:
            return check_existing(None, schedule, f"--name {name}")
    return check_existing(_existing(deployment), schedule, f"--name {name}")


NO_SERVER_HINT = (
    "enrich serve: PREFECT_API_URL is not set, so Prefect serves on a temporary server that does not "
    "schedule runs; start one with `prefect server start` and export "
    "PREFECT_API_URL=http://127.0.0.1:4200/api"
)


def run(args: argparse.Namespace) -> int:
    settings = schedule_settings(args)
    api_url = os.environ.get("PREFECT_API_URL")
    if not api_url:
        print(NO_SERVER_HINT, file=sys.stderr)
    from flows.cli_run import prepare_prefect_env

    prepare_prefect_env(settings.cache_dir, verbose=max(args.verbose, 1))
    if api_url:
        note = preflight(
            api_url, args.name, describe_schedule(settings.schedule_cron, settings.schedule_timezone)
        )
        if note:
            print(f"enrich serve: {note}", file=sys.stderr)
    import httpx
    from prefect.exceptions import PrefectException

    from flows.nightly import nightly

    try:
        nightly.serve(
            name=args.name,
            schedules=[build_schedule(settings)],
            description="Nightly enrichment of the curated research lists",
            tags=["enrich"],
        )
    except (httpx.HTTPError, PrefectException) as exc:  # the server went away or refused the deployment
        if args.verbose:
            raise
        raise EnrichError(
            f"Prefect could not serve the deployment ({type(exc).__name__}: {exc}); -v shows more"
        ) from None
    return EXIT_OK
