"""Throughput of the local API double on loopback (requirement: at least 1,000 requests/s).

Runs the double in-process over tests/data/catalog.jsonl and drives it with raw keep-alive
``http.client`` connections from client processes (requests' own overhead would measure the
client, not the server), cycling through lookups of every source. Prints requests/s overall, then
one figure through a single ``requests.Session`` for comparison.

    uv run --frozen python benchmarks/bench_fakeapi.py [--seconds 5] [--clients 2]
    uv run --frozen python benchmarks/bench_fakeapi.py --or-filter 100000   # OpenAlex OR-filters only

``--or-filter N`` instead times OpenAlex ``filter=doi:A|B|...`` lists of 100 DOIs (what the nightly
client sends) against a generated catalog of N works: seconds per request must not grow with N.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import resource
import time
from pathlib import Path

import requests

from fakeapis import FakeApis

ROOT = Path(__file__).resolve().parent.parent
PATHS = [
    "/arxiv/api/query?id_list=2303.13375,2304.01097&max_results=10",
    "/s2/graph/v1/paper/ARXIV:2303.13375?fields=title,externalIds,citationCount",
    "/openalex/works/doi:10.1038/s41586-023-06291-2",
    "/crossref/works/10.1093/bioinformatics/btz682",
    "/github/repos/xionghonglin/DoctorGLM",
    "/hf/api/models/emilyalsentzer/Bio_ClinicalBERT",
]


def drive(port: int, deadline: float) -> int:
    """One client process: keep-alive GETs until the deadline; returns how many were answered."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    n = 0
    while time.perf_counter() < deadline:
        conn.request("GET", PATHS[n % len(PATHS)])
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise SystemExit(f"unexpected HTTP {resp.status} for {PATHS[n % len(PATHS)]}")
        n += 1
    conn.close()
    return n


def or_filters(n_works: int, requests_n: int = 20) -> None:
    """Seconds per OpenAlex OR-filter of 100 DOIs over a catalog of ``n_works`` generated works."""
    records = [{"type": "work", "title": f"Work {i}", "doi": f"10.9999/w.{i}"} for i in range(n_works)]
    t = time.perf_counter()
    with FakeApis(records) as apis:
        print(f"catalog of {n_works:,} works loaded in {time.perf_counter() - t:.1f} s")
        session = requests.Session()
        url = apis.url + "/openalex/works"
        step = max(1, n_works // requests_n)
        timings = []
        for r in range(requests_n + 1):  # the first request builds the index: timed apart
            dois = "|".join(f"10.9999/w.{(r * step + k * 7) % n_works}" for k in range(100))
            start = time.perf_counter()
            params: dict[str, str | int] = {"filter": f"doi:{dois}", "per_page": 100}
            reply = session.get(url, params=params, timeout=600)
            timings.append(time.perf_counter() - start)
            if reply.status_code != 200 or len(reply.json()["results"]) != 100:
                raise SystemExit(f"unexpected answer: HTTP {reply.status_code}")
        rest = timings[1:]
        print(
            f"OpenAlex OR-filter (100 DOIs): first request {timings[0]:.3f} s, then {sum(rest) / len(rest):.4f} s "
            f"per request over {len(rest)} requests"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--or-filter", type=int, default=0, metavar="N", help="time OR-filters over N works")
    args = parser.parse_args()
    if args.or_filter:
        or_filters(args.or_filter)
        return
    with FakeApis(ROOT / "tests" / "data" / "catalog.jsonl") as apis:
        for path in PATHS:  # warm caches (search indexes, views)
            requests.get(apis.url + path, timeout=10).raise_for_status()
        # clients run in their own processes so they do not share the server's GIL
        with multiprocessing.get_context("fork").Pool(args.clients) as pool:
            cpu_before = resource.getrusage(resource.RUSAGE_SELF)
            start = time.perf_counter()
            deadline = start + args.seconds
            counts = pool.starmap(drive, [(apis.port, deadline)] * args.clients)
            elapsed = time.perf_counter() - start
            cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        server_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
        total = sum(counts)
        logged = len(apis.access_log())
        print(
            f"http.client, {args.clients} keep-alive client processes: {total} requests in {elapsed:.2f} s "
            f"= {total / elapsed:,.0f} requests/s"
        )
        # the host may be shared: CPU time spent by the server process gives its capacity per core
        print(
            f"server CPU: {server_cpu:.2f} s for {total} requests = {total / server_cpu:,.0f} requests per CPU-second "
            f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )
        session = requests.Session()
        n = 0
        start = time.perf_counter()
        while time.perf_counter() - start < min(args.seconds, 3.0):
            session.get(apis.url + PATHS[n % len(PATHS)], timeout=10)
            n += 1
        elapsed = time.perf_counter() - start
        print(
            f"requests.Session x1 keep-alive: {n} requests in {elapsed:.2f} s = {n / elapsed:,.0f} requests/s"
        )
        print(f"access log entries: {logged + n} (every request logged)")


if __name__ == "__main__":
    main()
