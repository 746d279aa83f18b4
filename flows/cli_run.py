"""``enrich run``: the nightly pipeline, once, on Prefect's embedded ephemeral server (no set-up).

Exit codes: 0 complete, 3 partial (written, but a list was skipped or a source was unreachable),
1 failure (nothing written), 2 bad input (bad ``--date``, missing ``--lists`` directory, no lists),
143/130 stopped by SIGTERM/SIGINT (128 + the signal number).

The run itself happens in a child process in its own process group, watched by ``enrich run``
(see :func:`supervise`): a SIGTERM/SIGINT stops it within ``STOP_GRACE_S`` plus a few seconds, in-flight
batches are abandoned (a snapshot is only ever visible whole, see ``enrich.snapshot``), and the
child, Prefect's embedded server and everything they started exit with it: no orphans, also when the
child is killed outright, and the child ends its group itself when ``enrich run`` is SIGKILLed.

Prefect is imported only after its environment is prepared (see :func:`prepare_prefect_env`), because
Prefect reads its settings and sets up logging when it is first imported.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from enrich.errors import InputError
from enrich.exitcodes import EXIT_FAILURE, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE
from enrich.redact import sanitize_url
from enrich.sources import names, parse_sources

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from enrich.settings import Settings

PREFECT_DEFAULTS = {
    # the embedded server needs ~15-20 s to start the first time on a small machine
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    # no telemetry (and no errors about it when offline)
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # the terminal shows enrich's own progress and one line per problem; Prefect's own INFO lines
    # and task tracebacks still reach the run's logs, and `-v` shows them in the terminal
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "CRITICAL",
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    "PREFECT_UI_ENABLED": "false",
}


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError("--date", f"{text!r} is not a date in the form YYYY-MM-DD") from None


def _parse_sources(text: str) -> list[str]:
    try:
        return list(parse_sources(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lists",
        type=Path,
        metavar="DIR",
        help="directory of list files; lists.toml optional (default: data/raw/)",
    )
    parser.add_argument(
        "--out",
        type=_parse_out,
        metavar="DIR|URL",
        help="snapshot root: a directory or s3://bucket/prefix (default: data/enriched/)",
    )
    parser.add_argument("--date", metavar="YYYY-MM-DD", help="snapshot date (default: today in UTC)")
    parser.add_argument(
        "--cache", type=Path, metavar="DIR", help="HTTP and resolution caches (default: .cache/enrich)"
    )
    parser.add_argument(
        "--sources",
        type=_parse_sources,
        nargs="+",
        metavar="SOURCE",
        help=f"only these sources (space or comma separated; default: all of {', '.join(names())})",
    )
    parser.add_argument(
        "--no-refresh", action="store_true", help="do not ask GitHub for newer copies of the lists"
    )
    parser.add_argument(
        "--no-report",
        action="store_true",
        help="do not write the HTML report (default: <out>/reports/<date>/index.html)",
    )


def _parse_out(value: str) -> Path | str:
    from enrich.outroot import parse_root

    try:
        return parse_root(value)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def writable_dir(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path):
            pass
    except OSError:
        return False
    return True


def prepare_prefect_env(
    cache_dir: Path, *, verbose: int, environ: MutableMapping[str, str] | None = None
) -> None:
    """Set Prefect's environment for a one-off local run, keeping whatever the user set.

    ``PREFECT_HOME`` (the embedded server's database and Prefect's own files) stays Prefect's default,
    ``~/.prefect``, when that is writable; otherwise it goes under the cache directory, or a temporary
    directory as the last resort.
    """
    env = os.environ if environ is None else environ
    for key, value in PREFECT_DEFAULTS.items():
        env.setdefault(key, value)
    if verbose:
        env["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "INFO" if verbose == 1 else "DEBUG"
    if "PREFECT_HOME" not in env:
        default = Path(env.get("HOME", "~")).expanduser() / ".prefect"
        if not writable_dir(default):
            home = cache_dir / "prefect-home"
            if not writable_dir(home):
                home = Path(tempfile.mkdtemp(prefix="enrich-prefect-"))
            env["PREFECT_HOME"] = str(home.resolve())


def _settings(args: argparse.Namespace) -> Settings:
    from pydantic import ValidationError

    from enrich.preflight import settings_error
    from enrich.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        raise settings_error(exc) from None


def preflight(args: argparse.Namespace, *, out: Path | str, cache: Path) -> None:
    """Check every path and setting before the first request (issue 9): exit 2 and one line if one is
    unusable, a warning line for a nearly full disk. The settings were validated when they were built
    (URLs, ``ENRICH_MAILTO``, credentials: :mod:`enrich.settings`); here the directories are checked.
    """
    from enrich.preflight import PathSetting, check_paths

    if isinstance(out, str):  # an object store: the bucket answers (the cache is still a directory)
        from enrich.storage import check_root

        check_root(out)
    warnings = check_paths(
        PathSetting("--out" if args.out else "ENRICH_OUT_DIR", out) if isinstance(out, Path) else None,
        PathSetting("--cache" if args.cache else "ENRICH_CACHE_DIR", cache),
    )
    for line in warnings:
        print(f"enrich run: {line}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    day = _parse_date(args.date) if args.date else datetime.now(UTC).date()
    settings = _settings(args)
    lists = Path(args.lists) if args.lists else settings.lists_dir
    out = args.out if args.out else settings.out_dir
    cache = Path(args.cache) if args.cache else settings.cache_dir
    sources = [s for group in args.sources for s in group] if args.sources else None
    preflight(args, out=out, cache=cache)
    if not lists.is_dir():
        raise InputError(str(lists), "no such directory (--lists takes a directory of list files)")
    from enrich.lists import list_files

    list_files(lists)  # InputError (one line, exit 2) when the directory holds no list file

    if SUPERVISED_ENV not in os.environ:
        return supervise(out, day)
    watch_parent()

    prepare_prefect_env(cache, verbose=args.verbose)
    console = _console()
    import httpx

    try:
        with progress_display(console):
            server_ready = start_embedded_server_early()
            from flows.nightly import nightly

            server_ready()

            state = nightly(
                lists_dir=lists,
                out_dir=out,
                snapshot_date=day,
                cache_dir=cache,
                sources=sources,
                refresh=not args.no_refresh,
                write_report=not args.no_report,
                return_state=True,
            )
    except (RuntimeError, OSError, httpx.HTTPError) as exc:  # the engine itself: server start, API
        if args.verbose:
            raise
        print(
            f"enrich run: failed: Prefect could not run the flow ({type(exc).__name__}: {exc}); -v shows more",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    return report(state, console, out)


def start_embedded_server_early() -> Callable[[], None]:
    """Start Prefect's embedded server now, in a background thread, when the run will use one (no
    ``PREFECT_API_URL``; a configured server is simply reused); returns the function that waits for it.

    The server is a subprocess that takes seconds to boot; started here it boots while this process
    imports the flow (pyarrow, the pipeline, the rest of Prefect) instead of after. Prefect keeps one
    embedded server per process, so the flow's first API call finds it running. Everything is
    imported here, in this thread: the background thread only starts the subprocess and polls its
    health (two threads importing the same modules could see them half-initialised). A failed start
    is not an error here: the flow starts the server again and reports what goes wrong.
    """
    import httpx
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return lambda: None
    failed: list[BaseException] = []

    def start() -> None:
        try:
            SubprocessASGIServer().start()
        except (RuntimeError, OSError, httpx.HTTPError) as exc:
            failed.append(exc)

    thread = threading.Thread(target=start, name="prefect-server-start", daemon=True)
    thread.start()

    def wait() -> None:
        thread.join()
        for exc in failed:
            logging.getLogger(__name__).debug("early start of the embedded server failed: %s", exc)

    return wait


def report(state: Any, console: Console, out: Path | str) -> int:
    """Print the outcome (one line per problem) and choose the exit code."""
    from enrich.redact import redact_text

    if not state.is_completed():
        exc = state.result(raise_on_failure=False)
        if isinstance(exc, InputError):
            print(f"enrich run: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        reason = f"{type(exc).__name__}: {exc}" if isinstance(exc, BaseException) else str(state.message)
        print(f"enrich run: failed: {redact_text(reason)}", file=sys.stderr)
        return EXIT_FAILURE
    result = state.result()
    for line in (*result.notes, *result.messages, *result.problems):
        print(f"enrich run: {line}", file=sys.stderr)
    status = "partial" if result.partial else "complete"
    console.print(
        f"snapshot {result.snapshot_date.isoformat()} ({status}) written to {out}; manifest {result.manifest_path}",
        soft_wrap=True,
    )
    from flows.terminal import print_summary, stdout_console

    print_summary(result, stdout_console())
    return EXIT_PARTIAL if result.partial else EXIT_OK


def _console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


class ReportedAtEnd(logging.Filter):
    """Drops the clients' own "<source>: unreachable (...)" / "stopped" log lines: ``enrich run``
    reports each source that did not serve once, at the end, from the run's per-source verdicts."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("enrich.clients"):
            return True
        if getattr(record, "reported_at_end", False):
            return False
        text = record.getMessage()
        return not any(text.startswith(f"{source}: unreachable (") for source in names())


class ProgressHandler(logging.Handler):
    """Draws ``enrich.pipeline.ProgressEvent`` log records with rich: stage lines and per-source bars."""

    def __init__(self, progress: Progress) -> None:
        super().__init__(logging.INFO)
        from flows.terminal import Phases

        self.progress = progress
        self.bars: dict[str, TaskID] = {}
        self.phases = Phases(progress)

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "event", None)
        if event is None:
            return
        from flows.terminal import mark

        self.phases.stop("startup")
        if event.kind == "start":
            self.phases.start(event.stage, f"{event.stage} …")
        elif event.kind in {"done", "note"}:
            self.phases.stop(event.stage)
        if event.kind == "batch" and event.source:
            bar = self.bars.get(event.source)
            if bar is None:
                bar = self.progress.add_task(f"fetch {event.source}", total=event.total)
                self.bars[event.source] = bar
            self.progress.update(bar, completed=event.done, total=event.total)
        elif event.kind in {"done", "note"} and event.detail:
            self.progress.console.print(f"{mark(event.outcome)} {event.detail}", soft_wrap=True)


@contextmanager
def progress_display(console: Console) -> Iterator[None]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from flows.terminal import STARTUP_TEXT

    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    handler = ProgressHandler(progress)
    logger = logging.getLogger("enrich.progress")
    old = (logger.level, logger.propagate)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # drawn here only (with -v, Prefect's own lines still show)
    logger.addHandler(handler)
    dedupe = ReportedAtEnd()
    outputs = [*logging.getLogger("enrich").handlers, *logging.getLogger().handlers]
    for h in outputs:
        h.addFilter(dedupe)
    api = os.environ.get("PREFECT_API_URL")
    if api:
        console.print(f"[bold]enrich run[/bold]: using the Prefect API at {sanitize_url(api)}")
    else:
        console.print(
            "[bold]enrich run[/bold]: starting Prefect's embedded server (the first start takes ~20 s)"
        )
    try:
        with progress:
            handler.phases.start("startup", STARTUP_TEXT)
            try:
                yield
            finally:
                handler.phases.stop_all()
    finally:
        for h in outputs:
            h.removeFilter(dedupe)
        logger.removeHandler(handler)
        logger.setLevel(old[0])
        logger.propagate = old[1]


# --------------------------------------------------------------------------- stopping (SIGTERM/SIGINT)

SUPERVISED_ENV = "ENRICH_RUN_SUPERVISOR_PID"
"""Internal: set by :func:`supervise` in the child's environment (the supervising process's pid)."""
STOP_GRACE_S = 10.0  # after a stop signal the child may unwind this long before its group is killed
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def supervise(out: Path | str, day: date) -> int:
    """Run this same command as a child in its own process group and wait for it.

    On SIGTERM/SIGINT/SIGHUP the child gets SIGTERM, ``STOP_GRACE_S`` to unwind, then its whole
    group (the embedded Prefect server included) is killed; the exit code is 128 + the signal. When
    the child ends on its own, whatever is left in its group is killed too.
    """
    started = datetime.now(UTC)
    stop: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        stop.append(signum)

    previous = {s: signal.signal(s, on_signal) for s in STOP_SIGNALS}
    env = {**os.environ, SUPERVISED_ENV: str(os.getpid())}
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", *sys.argv[1:]], env=env, start_new_session=True
        )
        code = _wait_for(child, stop)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if stop:
        name = signal.Signals(stop[0]).name
        print(
            f"enrich run: stopped by {name}: in-flight fetches abandoned; {_written(out, day, started)}",
            file=sys.stderr,
        )
        return 128 + stop[0]
    if code < 0:
        name = signal.Signals(-code).name
        print(
            f"enrich run: failed: the run was killed by {name}; {_written(out, day, started)}",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    return code


def _wait_for(child: subprocess.Popen[bytes], stop: list[int]) -> int:
    """Wait for ``child``; after a stop signal, SIGTERM it, then kill its group after the grace period."""
    kill_at: float | None = None
    try:
        while True:
            try:
                return child.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                pass
            if stop and kill_at is None:
                kill_at = time.monotonic() + STOP_GRACE_S
                child.send_signal(signal.SIGTERM)
            if kill_at is not None and time.monotonic() >= kill_at:
                _kill_group(child.pid)
    finally:
        _kill_group(child.pid)  # the embedded server and anything else the child left behind
        child.wait()


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is empty already
        os.killpg(pgid, signal.SIGKILL)


def _written(out: Path | str, day: date, since: datetime) -> str:
    """Whether this run's snapshot of ``day`` was committed before it stopped (it is only ever whole)."""
    from enrich.errors import EnrichError
    from enrich.snapshot import read_manifest

    try:
        manifest = read_manifest(out, day)
    except EnrichError:
        return f"no snapshot written for {day.isoformat()}"
    if manifest.started_at >= since:
        return f"snapshot {day.isoformat()} had been written whole before the stop"
    return f"no snapshot written for {day.isoformat()}; the one written earlier is unchanged"


def watch_parent(interval: float = 0.5) -> None:
    """In the child: when ``enrich run`` disappears (SIGKILL), end this process group (server included)."""
    supervisor = int(os.environ.get(SUPERVISED_ENV, "0") or 0)
    if supervisor <= 1 or os.getpgrp() != os.getpid():
        return  # not started by supervise(): nothing to watch

    def watch() -> None:
        while os.getppid() == supervisor:
            time.sleep(interval)
        os.killpg(0, signal.SIGKILL)

    threading.Thread(target=watch, name="enrich-run-watch-parent", daemon=True).start()
