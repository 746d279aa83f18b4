"""How many requests the clients need per source, and how fast they go, against the API double.

    uv run --frozen python benchmarks/bench_clients.py [--works 1000] [--repos 300] [--hf 100] [--factor 0.01]

A synthetic catalog is served by ``fakeapis.FakeApis`` with each API's documented limits enforced
on a clock ``factor`` times the real one; the clients run with their documented intervals scaled the
same way (``Clients.from_config(interval_scale=factor)``). Printed per source: items, HTTP requests,
items per request, 429s received, wall seconds here, and the real-time floor: the seconds the same
requests need at each source's documented pace (requests x default interval). A second pass with the
same cache directory shows what the HTTP cache saves.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from enrich.clients import Clients
from enrich.config import Credentials
from fakeapis import FakeApis


def catalog(works: int, repos: int, hf: int) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for i in range(works):
        records.append(
            {
                "type": "work",
                "arxiv_id": f"2301.{i + 1:05d}",
                "doi": f"10.5555/bench.{i}",
                "title": f"Benchmark paper number {i} on synthetic enrichment",
                "abstract": "A synthetic abstract.",
                "authors": [{"name": f"Author {i}"}],
                "year": 2023,
                "citation_count": i,
            }
        )
    for i in range(repos):
        records.append({"type": "repo", "full_name": f"bench-org/repo-{i}", "stars": i, "forks": 1})
    for i in range(hf):
        records.append(
            {"type": "hf", "id": f"bench-org/model-{i}", "kind": "model", "likes": i, "downloads": 10 * i}
        )
    return records


def run_once(
    apis: FakeApis, clients: Clients, works: int, repos: int, hf: int
) -> dict[str, tuple[int, float]]:
    arxiv_ids = [f"2301.{i + 1:05d}" for i in range(works)]
    timings: dict[str, tuple[int, float]] = {}

    def timed(source: str, items: int, call: Any) -> None:
        started = time.perf_counter()
        call()
        timings[source] = (items, time.perf_counter() - started)

    timed("arxiv", works, lambda: clients.arxiv.fetch(arxiv_ids))
    timed("s2", works, lambda: clients.s2.get_papers([f"ARXIV:{a}" for a in arxiv_ids]))
    timed(
        "openalex",
        works,
        lambda: clients.openalex.get_works([f"doi:10.5555/bench.{i}" for i in range(works)]),
    )
    timed(
        "crossref",
        min(works, 100),
        lambda: clients.crossref.get_works([f"10.5555/bench.{i}" for i in range(min(works, 100))]),
    )
    timed("github", repos, lambda: clients.github.get_repos([f"bench-org/repo-{i}" for i in range(repos)]))
    timed("hf", hf, lambda: clients.hf.get_items([("model", f"bench-org/model-{i}") for i in range(hf)]))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--works", type=int, default=1000)
    parser.add_argument("--repos", type=int, default=300)
    parser.add_argument("--hf", type=int, default=100)
    parser.add_argument("--factor", type=float, default=0.01)
    args = parser.parse_args()
    creds = Credentials(
        github_token=SecretStr("ghp_" + "b" * 36),
        s2_api_key=SecretStr("bench-key"),
        mailto="bench@example.org",
    )
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeApis(catalog(args.works, args.repos, args.hf), rate_limits=args.factor) as apis,
    ):
        for label in ("cold cache", "warm cache"):
            before = len(apis.access_log())
            clients = Clients.from_config(
                apis.endpoints, creds, cache_dir=Path(tmp), interval_scale=args.factor
            )
            timings = run_once(apis, clients, args.works, args.repos, args.hf)
            time.sleep(0.2)  # let the double finish writing its access log
            log = apis.access_log()[before:]
            requests = Counter(e["source"] for e in log)
            limited = Counter(e["source"] for e in log if e["status"] == 429)
            print(f"== {label} (limits and client pace at x{args.factor})")
            print(
                f"{'source':10} {'items':>6} {'requests':>9} {'items/req':>9} {'429s':>5} {'wall s':>7} {'floor s':>8}"
            )
            paces = {c.source: c.limiter.min_interval / args.factor for c in clients.all()}
            for source, (items, wall) in timings.items():
                n = requests.get(source, 0)
                per = f"{items / n:.1f}" if n else "-"
                floor = n * paces[source]
                print(
                    f"{source:10} {items:>6} {n:>9} {per:>9} {limited.get(source, 0):>5} {wall:>7.2f} {floor:>8.1f}"
                )


if __name__ == "__main__":
    main()
