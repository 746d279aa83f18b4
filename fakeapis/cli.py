"""``enrich fake-apis``: serve the API double on 127.0.0.1 until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from enrich.exitcodes import EXIT_OK
from fakeapis.server import FakeApis


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalog", type=Path, required=True, help="JSONL catalog of works, repos, files, Hub items"
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: any free port)")
    parser.add_argument("--faults", type=Path, default=None, help="fault profile (TOML or JSON)")
    parser.add_argument(
        "--rate-limits",
        default="off",
        metavar="off|real|FACTOR",
        help="off (default), real (documented limits), or a factor: 0.01 runs the limit clocks 100x faster",
    )
    parser.add_argument("--log", type=Path, default=None, help="append a JSON-lines access log to this file")
    parser.add_argument("--seed", type=int, default=0, help="seed for faults when the profile sets none")
    parser.add_argument(
        "--print-env",
        action="store_true",
        help="once listening, print ENRICH_<SOURCE>_URL=... lines to stdout",
    )


def run(args: argparse.Namespace) -> int:
    apis = FakeApis(
        args.catalog,
        faults=args.faults,
        rate_limits=args.rate_limits,
        log_path=args.log,
        port=args.port,
        seed=args.seed,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    apis.start()
    try:
        if args.print_env:
            for name, value in apis.env().items():
                print(f"{name}={value}")
        else:
            print(
                f"enrich fake-apis: serving {len(apis.catalog)} catalog records on {apis.url}",
                file=sys.stderr,
            )
        sys.stdout.flush()
        while not stop.wait(0.2):
            pass
    finally:
        apis.stop()
        for s, handler in previous.items():
            signal.signal(s, handler)
    return EXIT_OK
