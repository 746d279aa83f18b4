"""The nightly run's stages as plain library functions (no Prefect here).

``flows.nightly`` wraps each stage as a task; tests call them directly. Every stage takes and
returns plain typed values:

1. :func:`refresh_lists` - newer upstream copies of the raw lists (offline: the checked-in copies)
2. :func:`parse_lists` - entries (and per-file problems) from a directory of lists
3. :func:`lookup_plan` / :func:`resolve_titles` - title-only entries matched through the search APIs
4. :func:`plan_batches` - per-source id batches (:func:`later_batches`: the second round, the ids
   only title resolution found); :func:`fetch_batch` fetches one batch,
   :func:`fetch_source` every batch of one source in order
5. :func:`resolve` - one :class:`~enrich.resolve.types.ResolvedWork` per work
6. :func:`build` / :func:`write` - the snapshot tables and their manifest
7. :func:`summarise` - the run summary (``enrich.summary``)

The stages live in one module each; this package re-exports every public name, so callers keep
writing ``pipeline.X`` / ``from enrich.pipeline import X``:

- :mod:`~enrich.pipeline.progress` - :class:`ProgressEvent` and :func:`emit`
- :mod:`~enrich.pipeline.lists` - stages 1-2 (refresh, parse, entry ids carried from the last snapshot)
- :mod:`~enrich.pipeline.titles` - stage 3 (lookup plan, title search)
- :mod:`~enrich.pipeline.batches` - stage 4a (ids per source, batches, stalest repos first)
- :mod:`~enrich.pipeline.fetching` - stage 4b (one batch, one source's batches in order)
- :mod:`~enrich.pipeline.verdicts` - whether each source served the night
- :mod:`~enrich.pipeline.carry` - what the previous snapshot carries into tonight
- :mod:`~enrich.pipeline.assemble` - stages 5-7 (resolve, build, write, summarise)

A name is looked up in the module that defines it: to replace one in a test, patch it there (e.g.
``enrich.pipeline.fetching.fetch_batch`` for :func:`fetch_source`), not on this package.

A source that cannot be reached costs one failed batch, not one per batch: :func:`fetch_batch`
looks at the client's ``stats.stopped`` first and answers the rest of that source's batches at once,
with ``deferred`` records when the source was rate limited, out of quota or past its deadline, with
``error`` records when it was unreachable, refused the key or kept failing (the resolution step then
carries earlier values forward).

Whether a source served the night is one rule (:func:`source_stats`): the share of the items
requested from it by id that came back ``ok``/``moved`` or a definitive ``not_found``, against its
threshold (:data:`enrich.config.SOURCE_POLICY`). A source below it, or whose key was refused, is
named in one line (:func:`verdict_lines`) and makes the run partial.

Progress goes to the ``enrich.progress`` logger as :class:`ProgressEvent` objects in
``record.event`` so a terminal (``enrich run``) can draw it without the stages knowing about it.
"""

from __future__ import annotations

from enrich.config import SOURCES as SOURCES  # the names at import time, for callers that read them here
from enrich.pipeline.assemble import (
    SUMMARY_COLUMNS,
    Built,
    RunFacts,
    build,
    collect,
    manifest,
    resolve,
    summarise,
    write,
)
from enrich.pipeline.batches import (
    Batch,
    BatchResult,
    batch_sizes,
    chunk,
    later_batches,
    plan_batches,
    source_items,
    stalest_first,
)
from enrich.pipeline.carry import (
    LINK_SOURCE,
    previous_snapshot,
    remembered_links,
    remembered_titles,
    repo_states,
    seen_before,
    settle_missing,
)
from enrich.pipeline.fetching import (
    BATCH_FAILURES,
    BATCH_RETRY_DELAY_S,
    SourceFetch,
    batch_result,
    fetch_batch,
    fetch_source,
)
from enrich.pipeline.lists import (
    ParsedLists,
    carry_entry_ids,
    github_fetcher,
    parse_lists,
    refresh_lists,
    refresh_specs,
)
from enrich.pipeline.progress import ProgressEvent, emit, progress_log
from enrich.pipeline.titles import (
    SEARCH_SOURCES,
    TITLE_BATCH_SIZE,
    live_search_sources,
    lookup_plan,
    resolve_titles,
    title_batches,
)
from enrich.pipeline.verdicts import source_stats, verdict_lines

__all__ = [
    "BATCH_FAILURES",
    "BATCH_RETRY_DELAY_S",
    "LINK_SOURCE",
    "SEARCH_SOURCES",
    "SOURCES",
    "SUMMARY_COLUMNS",
    "TITLE_BATCH_SIZE",
    "Batch",
    "BatchResult",
    "Built",
    "ParsedLists",
    "ProgressEvent",
    "RunFacts",
    "SourceFetch",
    "batch_result",
    "batch_sizes",
    "build",
    "carry_entry_ids",
    "chunk",
    "collect",
    "emit",
    "fetch_batch",
    "fetch_source",
    "github_fetcher",
    "later_batches",
    "live_search_sources",
    "lookup_plan",
    "manifest",
    "parse_lists",
    "plan_batches",
    "previous_snapshot",
    "progress_log",
    "refresh_lists",
    "refresh_specs",
    "remembered_links",
    "remembered_titles",
    "repo_states",
    "resolve",
    "resolve_titles",
    "seen_before",
    "settle_missing",
    "source_items",
    "source_stats",
    "stalest_first",
    "summarise",
    "title_batches",
    "verdict_lines",
    "write",
]
