"""Stage 4a: the per-source ids to fetch tonight and their batches (one batch ~ one request)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from enrich.records import HfRecord, RepoRecord, WorkRecord
from enrich.records_arrow import WorkRecords
from enrich.sources import names, registered
from enrich.util import chunked

if TYPE_CHECKING:
    from enrich.clients import RepoState
    from enrich.parsing import Entry
    from enrich.resolve.match import TitleMatch
    from enrich.resolve.plan import LookupPlan


def batch_sizes() -> dict[str, int]:
    """Items per batch task, per source: its client's ``BATCH_SIZE``. Each is the API's own batch size
    where it has one, so one task ~ one request; sources without a batch endpoint get sizes that keep
    task runs few but progress visible."""
    return {s.name: s.batch_size for s in registered()}


@dataclass(frozen=True, slots=True)
class Batch:
    """One task's worth of lookups for one source. ``items`` are the client's own id forms."""

    source: str
    index: int  # 0-based within its source
    total: int
    items: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.source}-{self.index + 1}-of-{self.total}"


@dataclass(frozen=True, slots=True)
class BatchResult:
    """One batch's records. ``works`` are held as Arrow columns (:class:`~enrich.records_arrow.WorkRecords`,
    whatever sequence they were given as): a night's work records never all exist as objects."""

    batch: Batch
    works: Sequence[WorkRecord] = ()
    repos: tuple[RepoRecord, ...] = ()
    hf: tuple[HfRecord, ...] = ()
    skipped: bool = False  # the source was already known to be unreachable: nothing was sent
    unreachable: bool = False
    message: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "works", WorkRecords.of(self.works))


def chunk(items: Sequence[str], size: int, source: str) -> list[Batch]:
    """Split ``items`` into batches of at most ``size`` (order kept, duplicates dropped)."""
    unique = list(dict.fromkeys(items))
    if not unique:
        return []
    groups = [tuple(g) for g in chunked(unique, size)]
    return [Batch(source, i, len(groups), g) for i, g in enumerate(groups)]


def source_items(
    entries: Sequence[Entry],
    matches: Mapping[str, TitleMatch] | None = None,
    known_repos: Mapping[str, RepoState] | None = None,
    *,
    plan: LookupPlan | None = None,
) -> dict[str, list[str]]:
    """Per source, every id to fetch, in the form each client takes (:meth:`enrich.ids.Lookup.wire`).

    Work ids come from the lookup plan (``plan``, computed once per night by
    :func:`enrich.resolve.plan.plan_lookups`, else from ``entries``): the ids read off the lists plus,
    given ``matches``, the ids title resolution found. Repos and Hugging Face items come from the
    entries, first-seen order, duplicates dropped; repos stalest first (``known_repos``), so that
    when GitHub's budget runs out the repos refreshed longest ago were the ones refreshed.
    """
    from enrich.resolve.plan import plan_lookups

    planned = plan if plan is not None else plan_lookups(entries)
    works = planned.with_matches(matches) if matches else planned  # a plan is computed without matches
    repos = [e.github_repo for e in entries if e.github_repo]
    hf = [f"{e.hf_kind}:{e.hf_id}" for e in entries if e.hf_id and e.hf_kind]
    items = {
        source: [lookup.wire(source) for lookup in lookups] for source, lookups in works.by_source().items()
    }
    return {
        **items,
        "github": stalest_first(list(dict.fromkeys(repos)), known_repos or {}),
        "hf": list(dict.fromkeys(hf)),
    }


def plan_batches(
    items: Mapping[str, Sequence[str]],
    sources: Sequence[str] | None = None,
    sizes: Mapping[str, int] | None = None,
) -> dict[str, list[Batch]]:
    """Stage 4a: the batches of every selected source (default: all), in registry order."""
    chosen = names() if sources is None else sources
    size = batch_sizes() if sizes is None else sizes
    return {s: chunk(items.get(s, ()), size[s], s) for s in names() if s in chosen}


def later_batches(
    first: Mapping[str, Sequence[Batch]],
    items: Mapping[str, Sequence[str]],
    sources: Sequence[str] | None = None,
    sizes: Mapping[str, int] | None = None,
) -> dict[str, list[Batch]]:
    """The second round of a night: per selected source, the batches of the ids in ``items`` that no
    batch of ``first`` holds (the ids title resolution found), at the same batch sizes, numbered
    after ``first``'s batches of that source (its ``total`` counts both rounds)."""
    chosen = names() if sources is None else sources
    size = batch_sizes() if sizes is None else sizes
    out: dict[str, list[Batch]] = {}
    for s in names():
        if s not in chosen:
            continue
        before = first.get(s, ())
        asked = {item for batch in before for item in batch.items}
        extra = chunk([item for item in items.get(s, ()) if item not in asked], size[s], s)
        offset = len(before)
        out[s] = [Batch(s, offset + b.index, offset + b.total, b.items) for b in extra]
    return out


def stalest_first(repos: Sequence[str], known: Mapping[str, RepoState]) -> list[str]:
    """Repos never fetched first, then by the date of their last fetch (stable otherwise)."""
    oldest = datetime.min.replace(tzinfo=UTC)

    def age(name: str) -> datetime:
        state = known.get(name.lower())
        return state.fetched_at if state is not None and state.fetched_at is not None else oldest

    return sorted(repos, key=age)
