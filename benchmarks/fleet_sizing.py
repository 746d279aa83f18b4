"""Requests per night and the floor on time per source at 10k / 100k / 1M ids, from the code's own
batch sizes (``enrich.pipeline.batch_sizes()``) and request spacings (each client's documented minimum
interval, ``docs/apis.md``). Prints the table of docs/operations.md "Running on a fleet" (sizing).

Assumes every id goes to that source (worst case for the source), nothing is cached, no retries.
The floor is requests x spacing: a limit is per token (or per IP), so it holds for the whole fleet,
however many workers share the token.

    uv run --frozen python benchmarks/fleet_sizing.py
"""

from __future__ import annotations

import math

from enrich.clients import arxiv, crossref, github, hf, openalex, s2
from enrich.pipeline import batch_sizes

BATCH_SIZES = batch_sizes()

SIZES = (10_000, 100_000, 1_000_000)
# (source, label, items per request, seconds between requests)
ROUTES: tuple[tuple[str, str, int, float], ...] = (
    ("arxiv", "id_list POST", BATCH_SIZES["arxiv"], arxiv.DEFAULT_MIN_INTERVAL),
    ("s2", "paper/batch", BATCH_SIZES["s2"], s2.DEFAULT_MIN_INTERVAL),
    ("openalex", "OR filter", BATCH_SIZES["openalex"], openalex.DEFAULT_MIN_INTERVAL),
    ("crossref", "filter=doi (polite)", BATCH_SIZES["crossref"], crossref.POLITE_LIST_INTERVAL),
    ("crossref", "filter=doi (public)", BATCH_SIZES["crossref"], crossref.PUBLIC_LIST_INTERVAL),
    ("github", "GraphQL (token)", BATCH_SIZES["github"], github.DEFAULT_MIN_INTERVAL),
    ("hf", "1 per item (token)", 1, hf.TOKEN_MIN_INTERVAL),
    ("hf", "1 per item (anonymous)", 1, hf.ANONYMOUS_MIN_INTERVAL),
)


def human(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def main() -> None:
    head = " | ".join(f"{n:,} ids: requests, floor" for n in SIZES)
    print(f"| source | route | items/request | spacing | {head} |")
    print("|---|---|---|---|" + "---|" * len(SIZES))
    for source, label, per, spacing in ROUTES:
        cells = []
        for n in SIZES:
            requests = math.ceil(n / per)
            cells.append(f"{requests:,}, {human(requests * spacing)}")
        print(f"| {source} | {label} | {per} | {spacing:.3g} s | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
