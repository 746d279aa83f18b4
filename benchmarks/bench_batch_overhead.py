"""Per-batch orchestration overhead of the nightly flow's fetch stage (issue 12: < 50 ms per batch).

Runs the real ``nightly`` flow in-process on Prefect's embedded server (a fresh ``PREFECT_HOME``
under a temporary directory, per-source concurrency limits on) against the local API double,
with one list of ``--batches`` x 50 Hugging Face models (50 items make one ``hf`` batch).
Fetching itself is timed inside ``enrich.pipeline.fetch_batch``; everything else between the
planning of the batches and the collection of their results is orchestration (task runs,
concurrency slots, futures). Prints the fetch stage's wall time, the time spent inside the
batches, the orchestration per batch over the whole stage, the mean gap between two consecutive
batches (the per-batch cost proper) and the fixed cost before the first and after the last batch
(task start, slot acquisition, results).

    uv run --frozen python benchmarks/bench_batch_overhead.py [--batches 20]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from enrich.config import ENV_VARS
from fakeapis import FakeApis

PER_BATCH = 50  # enrich.pipeline.batch_sizes()["hf"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=20, help="hf batches to fetch (50 models each)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-overhead-"))
    models = [f"bench-org/model-{i:05d}" for i in range(args.batches * PER_BATCH)]
    (tmp / "lists").mkdir()
    (tmp / "lists" / "bench.md").write_text(
        "# Bench\n\n## Models\n\n" + "".join(f"- [{m}](https://huggingface.co/{m})\n" for m in models),
        encoding="utf-8",
    )
    catalog = tmp / "catalog.jsonl"
    catalog.write_text(
        "".join(
            json.dumps({"type": "hf", "id": m, "kind": "model", "likes": i, "downloads": 10 * i}) + "\n"
            for i, m in enumerate(models)
        ),
        encoding="utf-8",
    )

    from flows.cli_run import prepare_prefect_env

    os.environ["PREFECT_HOME"] = str(tmp / "prefect-home")
    os.environ["ENRICH_INTERVAL_SCALE"] = "0"
    prepare_prefect_env(tmp / "cache", verbose=0)

    from enrich import pipeline

    spans: list[tuple[float, float]] = []  # (start, end) of each batch, in order (one source)
    marks: dict[str, float] = {}
    real_fetch, real_plan, real_collect = pipeline.fetch_batch, pipeline.plan_batches, pipeline.collect

    def timed_fetch(*a: Any, **kw: Any) -> Any:
        t = time.perf_counter()
        try:
            return real_fetch(*a, **kw)
        finally:
            spans.append((t, time.perf_counter()))

    def mark(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def marked(*a: Any, **kw: Any) -> Any:
            marks[name] = time.perf_counter()
            return real(*a, **kw)

        return marked

    pipeline.fetch_batch = timed_fetch  # type: ignore[assignment]
    pipeline.plan_batches = mark("plan", real_plan)  # type: ignore[assignment]
    pipeline.collect = mark("collect", real_collect)  # type: ignore[assignment]

    with FakeApis(catalog) as apis:
        for source, var in ENV_VARS.items():
            os.environ[var] = getattr(apis.endpoints, source)
        from flows.nightly import nightly

        started = time.perf_counter()
        result = nightly(
            lists_dir=tmp / "lists",
            out_dir=tmp / "out",
            snapshot_date=date(2026, 12, 1),
            cache_dir=tmp / "cache",
            sources=["hf"],
            refresh=False,
        )
        total = time.perf_counter() - started

    stage = marks["collect"] - marks["plan"]
    fetching = sum(end - start for start, end in spans)
    n = len(spans)
    gaps = [spans[i + 1][0] - spans[i][1] for i in range(n - 1)]
    fixed = (spans[0][0] - marks["plan"]) + (marks["collect"] - spans[-1][1])
    print(f"flow wall (incl. Prefect start)      {total:8.2f} s   partial={result.partial}")
    print(f"hf batches                           {n:8d}")
    print(f"fetch stage wall                     {stage:8.3f} s")
    print(f"inside fetch_batch (sum)             {fetching:8.3f} s")
    print(f"orchestration, whole stage per batch {1000 * (stage - fetching) / max(n, 1):8.1f} ms")
    print(f"between two batches (mean)           {1000 * sum(gaps) / max(len(gaps), 1):8.1f} ms")
    print(f"before the first + after the last    {fixed:8.3f} s   (task start, slot, results)")


if __name__ == "__main__":
    main()
