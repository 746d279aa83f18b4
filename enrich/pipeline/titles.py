"""Stage 3: the night's lookup plan and the title-only works matched through the search APIs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from enrich.pipeline.fetching import _client
from enrich.pipeline.progress import ProgressEvent, emit
from enrich.records import SourceStats
from enrich.sources import names, search_sources
from enrich.util import chunked

if TYPE_CHECKING:
    from enrich.clients import Clients
    from enrich.parsing import Entry
    from enrich.resolve.match import TitleMatch, TitleQuery
    from enrich.resolve.plan import LookupPlan

TITLE_BATCH_SIZE: Final = 25
SEARCH_SOURCES: Final = search_sources()
"""The title-search sources in the order they are asked (``search_rank`` in ``enrich.sources``)."""


def lookup_plan(entries: Sequence[Entry]) -> LookupPlan:
    """Stage 3a: the night's lookup plan, computed once: the title queries now, the per-source ids
    (:func:`source_items`) after title resolution."""
    from enrich.resolve.plan import plan_lookups

    return plan_lookups(entries)


def title_batches(
    queries: Sequence[TitleQuery], size: int = TITLE_BATCH_SIZE
) -> list[tuple[TitleQuery, ...]]:
    return [tuple(g) for g in chunked(queries, size)]


def live_search_sources(clients: Clients, sources: Sequence[str] | None = None) -> list[str]:
    """The selected search sources whose clients have not stopped (unreachable, key refused, deferred)."""
    chosen = names() if sources is None else sources
    live: list[str] = []
    for s in SEARCH_SOURCES:
        stats: SourceStats = _client(clients, s).stats if s in chosen else SourceStats(s, unreachable=True)
        if not stats.unreachable and stats.stopped is None:
            live.append(s)
    return live


def resolve_titles(
    clients: Clients,
    cache_path: Path,
    queries: Sequence[TitleQuery],
    sources: Sequence[str] | None = None,
) -> dict[str, TitleMatch]:
    """Stage 3: match title-only works through the search endpoints (cached across nights).

    Only the selected search sources that are not already known to be unreachable are asked; when
    none is left, nothing is asked and the works stay local.
    """
    from enrich.resolve.cache import ResolutionCache
    from enrich.resolve.resolver import TitleResolver

    live = live_search_sources(clients, sources)
    if not queries or not live:
        return {}
    emit(ProgressEvent("titles", "start", total=len(queries)))
    with ResolutionCache(cache_path) as cache:
        matches = TitleResolver(clients, cache, sources=live).resolve(list(queries))
    accepted = sum(1 for m in matches.values() if m.accepted)
    none = bool(matches) and not accepted
    emit(
        ProgressEvent(
            "titles",
            "note",
            detail=f"titles: {accepted} of {len(matches)} matched",
            outcome="warn" if none else "ok",
        )
    )
    return dict(matches)
