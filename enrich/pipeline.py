"""The nightly run's stages as plain library functions (no Prefect here).

``flows.nightly`` wraps each stage as a task; tests call them directly. Every stage takes and
returns plain typed values:

1. :func:`refresh_lists` - newer upstream copies of the raw lists (offline: the checked-in copies)
2. :func:`parse_lists` - entries (and per-file problems) from a directory of lists
3. :func:`lookup_plan` / :func:`resolve_titles` - title-only entries matched through the search APIs
4. :func:`plan_batches` - per-source id batches; :func:`fetch_batch` fetches one batch,
   :func:`fetch_source` every batch of one source in order
5. :func:`resolve` - one :class:`~enrich.resolve.types.ResolvedWork` per work
6. :func:`build` / :func:`write` - the snapshot tables and their manifest
7. :func:`summarise` - the run summary (``enrich.summary``)

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

import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from enrich.config import SOURCE_POLICY, SourcePolicy
from enrich.config import SOURCES as SOURCES  # the names at import time, for callers that read them here
from enrich.errors import EnrichError, InputError
from enrich.records import FetchStatus, HfRecord, RepoRecord, SourceStats, WorkRecord
from enrich.refresh import FetchUpstream, RefreshReport, RefreshSpec, UpstreamFile
from enrich.refresh import refresh_lists as _refresh_lists
from enrich.sources import ItemKind, SourceClient, names, registered, search_sources
from enrich.sources import spec as source_spec
from enrich.util import chunked

if TYPE_CHECKING:
    from enrich.clients import Clients, RepoState
    from enrich.lists import ListSpec
    from enrich.parsing import Entry, ListSummary
    from enrich.resolve.match import TitleMatch, TitleQuery
    from enrich.resolve.plan import LookupPlan
    from enrich.resolve.types import ResolvedWork
    from enrich.snapshot import Manifest
    from enrich.summary import RunSummary
    from enrich.tables import PreviousSnapshot, Tables

progress_log: Final = logging.getLogger("enrich.progress")


def batch_sizes() -> dict[str, int]:
    """Items per batch task, per source: its client's ``BATCH_SIZE``. Each is the API's own batch size
    where it has one, so one task ~ one request; sources without a batch endpoint get sizes that keep
    task runs few but progress visible."""
    return {s.name: s.batch_size for s in registered()}


TITLE_BATCH_SIZE: Final = 25
SEARCH_SOURCES: Final = search_sources()
"""The title-search sources in the order they are asked (``search_rank`` in ``enrich.sources``)."""


# --------------------------------------------------------------------------- progress


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    """One step of progress: a stage started/finished, or a batch of a source finished."""

    stage: str  # refresh | parse | titles | fetch | resolve | build | write | summary
    kind: Literal["start", "done", "batch", "note"]
    source: str | None = None
    done: int = 0
    total: int = 0
    detail: str = ""
    outcome: Literal["ok", "warn", "fail"] = "ok"  # how the terminal marks it: ✓, ⚠ or ✗


def emit(event: ProgressEvent) -> None:
    text = event.detail or f"{event.stage} {event.kind}"
    progress_log.info(text, extra={"event": event})


# --------------------------------------------------------------------------- 1. refresh


def refresh_specs(lists_dir: Path, specs: Iterable[ListSpec]) -> list[RefreshSpec]:
    """Refresh facts from the lists manifest (``enrich.lists.ListSpec``)."""
    return [
        RefreshSpec(
            list_id=s.id,
            file=lists_dir / s.file,
            upstream=s.upstream,
            path=s.path,
            refresh=s.refresh,
        )
        for s in specs
    ]


def github_fetcher(clients: Clients) -> FetchUpstream:
    """Adapt the GitHub client's contents endpoint to :data:`enrich.refresh.FetchUpstream`."""
    github = clients.github

    def fetch(owner: str, repo: str, path: str, etag: str | None) -> UpstreamFile:
        result = github.get_contents(owner, repo, path, etag=etag)
        stats = github.stats
        if stats.unreachable:
            return UpstreamFile("unreachable", message=stats.message)
        if result.not_modified:
            return UpstreamFile("not_modified", etag=result.etag)
        if result.status is FetchStatus.OK and result.text is not None:
            return UpstreamFile("ok", text=result.text, etag=result.etag)
        if result.status is FetchStatus.NOT_FOUND:
            return UpstreamFile("not_found", message=f"{owner}/{repo}/{path} not found upstream")
        return UpstreamFile("error", message=f"{owner}/{repo}/{path}: {result.reason or result.status.value}")

    return fetch


def refresh_lists(lists_dir: Path, clients: Clients, *, today: date) -> RefreshReport:
    """Stage 1: refresh every list the manifest allows; see :mod:`enrich.refresh`."""
    from enrich.lists import load_manifest
    from enrich.parsing import parse_file

    def check(path: Path, list_id: str) -> int:
        return len(parse_file(path, list_id))

    specs = refresh_specs(lists_dir, load_manifest(lists_dir))
    emit(ProgressEvent("refresh", "start", total=len(specs)))
    report = _refresh_lists(lists_dir, specs, github_fetcher(clients), check, today=today)
    detail = ", ".join(
        f"{n} {status}"
        for status in ("updated", "unchanged", "rejected", "failed", "unreachable", "skipped")
        if (n := report.count(status))
    )
    bad = sum(report.count(status) for status in ("rejected", "failed", "unreachable"))
    outcome: Literal["ok", "warn", "fail"] = "ok" if not bad else ("fail" if bad == len(specs) else "warn")
    emit(ProgressEvent("refresh", "done", detail=f"lists refreshed: {detail or 'none'}", outcome=outcome))
    return report


# --------------------------------------------------------------------------- 2. parse


@dataclass(frozen=True, slots=True)
class ParsedLists:
    entries: tuple[Entry, ...]
    problems: tuple[InputError, ...]  # one per list file that could not be read
    list_ids: tuple[str, ...]  # every list found, read or not
    unreadable: tuple[str, ...] = ()  # ids of the lists that could not be read
    summaries: tuple[ListSummary, ...] = ()  # one per list read: entries by shape, low-confidence rows


def parse_lists(lists_dir: Path, previous: PreviousSnapshot | None = None) -> ParsedLists:
    """Stage 2: every list file in ``lists_dir`` (manifest optional); unusable files become problems.

    With ``previous`` (the last snapshot), entries keep the ids they had there when they are the
    same entries, edited or not (:func:`carry_entry_ids`). Raises :class:`InputError` when the
    directory is missing or holds no list file at all.
    """
    from enrich.lists import list_files
    from enrich.parsing import parse_file_summarized

    if not lists_dir.is_dir():
        raise InputError(str(lists_dir), "no such directory")
    files = list_files(lists_dir)
    emit(ProgressEvent("parse", "start", total=len(files)))
    entries: list[Entry] = []
    problems: list[InputError] = []
    unreadable: list[str] = []
    summaries: list[ListSummary] = []
    for spec, path in files:
        notes: list[str] = []
        try:
            found, summary = parse_file_summarized(path, spec.id, notes=notes)
        except InputError as exc:
            problems.append(exc)
            unreadable.append(spec.id)
            continue
        finally:
            problems.extend(InputError(str(path), note) for note in notes)  # read, but not all of it
        entries.extend(found)
        summaries.append(summary)
    from enrich.parsing import assign_work_keys

    if previous is not None:
        from dataclasses import fields

        from enrich.parsing.keys import PreviousEntry
        from enrich.schemas import ENTRIES_SCHEMA, conform

        # only the columns carry-over reads become dicts (not the texts it never compares)
        columns = ["list_id", "line", *(f.name for f in fields(PreviousEntry))]
        entries = carry_entry_ids(
            entries, conform(previous.entries, ENTRIES_SCHEMA).select(columns).to_pylist()
        )
    entries = assign_work_keys(entries)  # work_key across all lists, not per list
    ids = tuple(spec.id for spec, _ in files)
    read = len(files) - len(unreadable)
    skipped = f" ({len(unreadable)} skipped: {', '.join(unreadable)})" if unreadable else ""
    emit(
        ProgressEvent(
            "parse",
            "done",
            detail=f"parsed {len(entries)} entries from {read} lists{skipped}",
            outcome="warn" if unreadable else "ok",
        )
    )
    return ParsedLists(tuple(entries), tuple(problems), ids, tuple(unreadable), tuple(summaries))


def carry_entry_ids(entries: Sequence[Entry], previous_rows: Sequence[Mapping[str, Any]]) -> list[Entry]:
    """``entries`` with the ids their lists' previous versions gave them (``previous_rows``: rows of
    the previous ``entries`` table), list by list: see :func:`enrich.parsing.keys.carry_entry_ids`.

    Lists absent from ``previous_rows`` keep their ids; so do entries whose id does not change.
    """
    from enrich.parsing.keys import PreviousEntry
    from enrich.parsing.keys import carry_entry_ids as carry

    before: dict[str, list[PreviousEntry]] = {}
    for row in sorted(previous_rows, key=lambda r: (r["line"], r["entry_id"])):
        before.setdefault(str(row["list_id"]), []).append(PreviousEntry.from_row(row))
    tonight: dict[str, list[int]] = {}
    for k, e in enumerate(entries):
        tonight.setdefault(e.list_id, []).append(k)
    out = list(entries)
    for list_id, members in tonight.items():
        if list_id not in before:
            continue
        ids = carry(before[list_id], [entries[k] for k in members])
        for k, entry_id in zip(members, ids, strict=True):
            if entries[k].entry_id != entry_id:
                out[k] = replace(entries[k], entry_id=entry_id)
    return out


# --------------------------------------------------------------------------- 3/4. batches


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
    batch: Batch
    works: tuple[WorkRecord, ...] = ()
    repos: tuple[RepoRecord, ...] = ()
    hf: tuple[HfRecord, ...] = ()
    skipped: bool = False  # the source was already known to be unreachable: nothing was sent
    unreachable: bool = False
    message: str | None = None


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

    works = (plan if plan is not None else plan_lookups(entries)).with_matches(matches or {})
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


def _client(clients: Clients, source: str) -> SourceClient:
    source_spec(source)  # ValueError for an unknown source
    return clients.get(source)


def _skipped_records(
    batch: Batch, status: FetchStatus, reason: str, now: datetime, *, unreachable: bool
) -> BatchResult:
    """Every item of a batch that was not sent, with ``status`` (``error`` or ``deferred``)."""
    result = BatchResult(batch, skipped=True, unreachable=unreachable, message=reason)
    kind = source_spec(batch.source).kind
    if kind == "repos":
        repos = tuple(RepoRecord(key=k, status=status, fetched_at=now, reason=reason) for k in batch.items)
        return replace(result, repos=repos)
    if kind == "hf":
        hf = tuple(
            HfRecord(
                key=k,
                kind=k.split(":", 1)[0],
                hf_id=k.split(":", 1)[1],
                status=status,
                fetched_at=now,
                reason=reason,
            )
            for k in batch.items
        )
        return replace(result, hf=hf)
    works = tuple(
        WorkRecord(source=batch.source, key=k, status=status, fetched_at=now, reason=reason)
        for k in batch.items
    )
    return replace(result, works=works)


def fetch_batch(
    clients: Clients,
    batch: Batch,
    *,
    known: Mapping[str, RepoState] | None = None,
    now: datetime | None = None,
) -> BatchResult:
    """Stage 4b: fetch one batch from its source. Never raises for remote failures.

    When the client has already stopped asking the source (unreachable, key refused, kept failing:
    ``error``; rate limited, out of quota, past its deadline: ``deferred``), nothing is sent and every
    item comes back at once with that status.
    """
    client = _client(clients, batch.source)
    stats: SourceStats = client.stats
    stopped = stats.stopped or ("unreachable" if stats.unreachable else None)
    if stopped is not None:
        status = FetchStatus.DEFERRED if stopped == "deferred" else FetchStatus.ERROR
        reason = stats.message or f"{batch.source}: {stopped}"
        result = _skipped_records(
            batch, status, reason, now or datetime.now(UTC), unreachable=stats.unreachable
        )
    else:
        result = _call(client, batch, known)
        stats = client.stats
        if stats.unreachable:
            result = replace(result, unreachable=True, message=stats.message)
    emit(
        ProgressEvent(
            "fetch",
            "batch",
            source=batch.source,
            done=batch.index + 1,
            total=batch.total,
            detail=f"{batch.source}: batch {batch.index + 1}/{batch.total}"
            + (f" skipped ({stopped})" if result.skipped else ""),
        )
    )
    return result


def _call(client: SourceClient, batch: Batch, known: Mapping[str, RepoState] | None) -> BatchResult:
    records = client.fetch_keys(list(batch.items), known=known)
    return batch_result(batch, source_spec(batch.source).kind, records)


def batch_result(
    batch: Batch, kind: ItemKind, records: Sequence[WorkRecord | RepoRecord | HfRecord]
) -> BatchResult:
    """``records`` of one batch filed under its source's item kind (a record of another kind is a bug)."""
    works = tuple(r for r in records if isinstance(r, WorkRecord))
    repos = tuple(r for r in records if isinstance(r, RepoRecord))
    hf = tuple(r for r in records if isinstance(r, HfRecord))
    expected = {"works": works, "repos": repos, "hf": hf}[kind]
    if len(expected) != len(records):
        raise TypeError(f"{batch.source}: a {kind} source returned records of another kind")
    return BatchResult(batch, works=works, repos=repos, hf=hf)


@dataclass(frozen=True, slots=True)
class SourceFetch:
    """Every batch of one source: their results, and one line per batch that failed twice."""

    results: tuple[BatchResult, ...]
    failed: tuple[str, ...] = ()


BATCH_RETRY_DELAY_S: Final = 10.0
BATCH_FAILURES: Final = (
    EnrichError,
    ArithmeticError,
    AttributeError,
    LookupError,
    OSError,
    TypeError,
    ValueError,
)
"""What a batch that should not raise may raise anyway; anything else fails the source's task."""


def fetch_source(
    clients: Clients,
    batches: Sequence[Batch],
    *,
    known: Mapping[str, RepoState] | None = None,
    retry_delay: float = BATCH_RETRY_DELAY_S,
) -> SourceFetch:
    """Stage 4b for one source: its batches in order (one task, one concurrency slot, no per-batch
    orchestration). :func:`fetch_batch` does not raise for remote failures; a batch that raises
    anyway (a bug, a payload nothing expected) is tried once more after ``retry_delay`` seconds,
    then reported as failed and the next batch goes on."""
    import time

    results: list[BatchResult] = []
    failed: list[str] = []
    for batch in batches:
        for attempt in (1, 2):
            try:
                results.append(fetch_batch(clients, batch, known=known))
                break
            except BATCH_FAILURES as exc:  # reported below: one line naming the batch and the error
                progress_log.warning(
                    "%s: batch %d/%d raised %s (attempt %d of 2)",
                    batch.source,
                    batch.index + 1,
                    batch.total,
                    type(exc).__name__,
                    attempt,
                )
                if attempt == 2:
                    failed.append(
                        f"{batch.source}: batch {batch.index + 1}/{batch.total} failed ({type(exc).__name__})"
                    )
                else:
                    time.sleep(retry_delay)
    return SourceFetch(tuple(results), tuple(failed))


_SERVED: Final = frozenset({FetchStatus.OK, FetchStatus.MOVED, FetchStatus.NOT_FOUND})
_DEFERRED: Final = frozenset({FetchStatus.DEFERRED, FetchStatus.RATE_LIMITED})


def _batch_statuses(result: BatchResult) -> list[tuple[FetchStatus, str | None]]:
    """One (status, reason) per requested item of the batch; an item without a record is an error."""
    by_key: dict[str, tuple[FetchStatus, str | None]] = {}
    records: list[WorkRecord | RepoRecord | HfRecord] = [*result.works, *result.repos, *result.hf]
    for record in records:
        by_key[record.key] = (record.status, record.reason)
    return [by_key.get(key, (FetchStatus.ERROR, "no record returned")) for key in result.batch.items]


def _display(reason: str) -> str:
    """``"s2: unreachable (x)"`` -> ``"unreachable: x"``: a reason that reads well inside parentheses."""
    for source in names():
        if reason.startswith(f"{source}: "):
            reason = reason[len(source) + 2 :]
            break
    if reason.startswith("unreachable (") and reason.endswith(")"):
        head, _, tail = reason.partition(" (")
        reason = f"{head}: {tail[:-1]}"
    return reason


def source_stats(
    clients: Clients,
    sources: Sequence[str] | None = None,
    results: Sequence[BatchResult] = (),
    *,
    policy: Mapping[str, SourcePolicy] = SOURCE_POLICY,
    carried: bool = True,
) -> dict[str, SourceStats]:
    """Each selected source's counters and verdict (default: every source), in registry order.

    ``requests`` and ``cache_hits`` are the client's; ``requested``, ``ok`` (ok + moved), ``not_found``,
    ``errors`` (error + missing) and ``deferred`` (deferred + rate limited) count the items asked for
    by id tonight (batches never sent count too; title-search candidates are not items). The source
    ``served`` when ``(ok + not_found) / requested`` reaches its ``min_served`` and its key was not
    refused (a source that stopped early with nothing requested did not serve either); otherwise
    ``reason`` holds the one line that names it. ``carried`` says whether a previous snapshot exists
    (its values are carried forward for what was not served).
    """
    chosen = names() if sources is None else sources
    tally: dict[str, list[tuple[FetchStatus, str | None]]] = {s: [] for s in names()}
    for result in results:
        tally.setdefault(result.batch.source, []).extend(_batch_statuses(result))
    out: dict[str, SourceStats] = {}
    for s in names():
        if s not in chosen:
            continue
        stats: SourceStats = _client(clients, s).stats
        statuses = tally.get(s, [])
        requested = len(statuses)
        ok = sum(1 for st, _ in statuses if st in (FetchStatus.OK, FetchStatus.MOVED))
        not_found = sum(1 for st, _ in statuses if st == FetchStatus.NOT_FOUND)
        deferred = sum(1 for st, _ in statuses if st in _DEFERRED)
        errors = requested - ok - not_found - deferred
        share = (ok + not_found) / requested if requested else 1.0
        rule = policy.get(s, SourcePolicy())
        stopped = stats.stopped or ("unreachable" if stats.unreachable else None)
        served = (
            share >= rule.min_served
            and not stats.auth_rejected
            and not (requested == 0 and stopped is not None)
        )
        line = None
        if not served:
            why = stats.message
            if why is None:
                reasons = Counter(r or st.value for st, r in statuses if st not in _SERVED).most_common(1)
                why = reasons[0][0] if reasons else stopped or "not served"
            tail = "carried forward earlier values" if carried else "no earlier values to carry forward"
            line = f"{s}: {ok + not_found} of {requested} items served ({_display(why)}); {tail}"
        out[s] = replace(
            stats,
            requested=requested,
            ok=ok,
            not_found=not_found,
            errors=errors,
            deferred=deferred,
            served_share=round(share, 4),
            min_served=rule.min_served,
            served=served,
            stopped=stopped,
            reason=line,
        )
    return out


def verdict_lines(stats: Mapping[str, SourceStats]) -> list[str]:
    """One line per source that did not serve the night (see :func:`source_stats`)."""
    return [s.reason for s in stats.values() if s.reason]


def seen_before(previous: PreviousSnapshot | None) -> dict[str, frozenset[str]]:
    """Ids each of ``arxiv``/``s2`` answered on an earlier night, in the forms their clients are asked.

    arXiv: ids (no version) of works whose ``status_arxiv`` was ``ok`` or whose abstract is arXiv's;
    S2: ``ARXIV:``/``DOI:``/``PMID:``/``PMCID:``/``ACL:``/``CorpusId:`` keys and 40-hex paper ids of
    works S2 answered (``status_s2`` ok, or an S2 paper id or S2 citation count carried). Lower case.
    """
    if previous is None:
        return {"arxiv": frozenset(), "s2": frozenset()}
    arxiv: set[str] = set()
    s2: set[str] = set()
    for row in previous.rows("works", "work_id").values():
        if row.get("arxiv_id") and (row.get("status_arxiv") == "ok" or row.get("abstract_source") == "arxiv"):
            arxiv.add(str(row["arxiv_id"]).lower())
        if (
            row.get("status_s2") == "ok"
            or row.get("s2_paper_id") is not None
            or row.get("citation_count_s2") is not None
        ):
            for prefix, column in (
                ("arxiv", "arxiv_id"),
                ("doi", "doi"),
                ("pmid", "pmid"),
                ("pmcid", "pmcid"),
                ("acl", "acl_id"),
                ("corpusid", "corpus_id"),
            ):
                if row.get(column) is not None:
                    s2.add(f"{prefix}:{row[column]}".lower())
            if row.get("s2_paper_id"):
                s2.add(str(row["s2_paper_id"]).lower())
    return {"arxiv": frozenset(arxiv), "s2": frozenset(s2)}


def _seen_key(source: str, key: str) -> str:
    if source == "arxiv":
        from enrich.ids import normalize_arxiv_id

        parsed = normalize_arxiv_id(key)
        return (parsed[0] if parsed else key).lower()
    return key.strip().lower()


def settle_missing(results: Sequence[BatchResult], previous: PreviousSnapshot | None) -> list[BatchResult]:
    """Decide the ``missing`` answers (arXiv empty feeds, S2 ``null`` entries) with earlier evidence.

    An id the source answered on an earlier night stays ``missing``: not proof it is gone, so its
    earlier values are carried forward and it counts as not served. An id never seen before becomes
    ``not_found``, its reason saying why.
    """
    seen = seen_before(previous)
    out: list[BatchResult] = []
    for result in results:
        known = seen.get(result.batch.source)
        if known is None or not any(r.status == FetchStatus.MISSING for r in result.works):
            out.append(result)
            continue
        works = tuple(
            replace(
                r,
                status=FetchStatus.NOT_FOUND,
                reason=f"{r.reason}; never answered before: taken as not found",
            )
            if r.status == FetchStatus.MISSING and _seen_key(r.source, r.key) not in known
            else r
            for r in result.works
        )
        out.append(replace(result, works=works))
    return out


LINK_SOURCE: Final = "previous_snapshot"
"""``source`` of the link records :func:`remembered_links` adds (never a value source for the tables)."""
_CONTRADICTING: Final = ("arxiv_id", "doi", "pmid", "pmcid")  # one value per work: a second one disagrees


def remembered_links(
    previous: PreviousSnapshot | None, works: Sequence[WorkRecord], *, now: datetime | None = None
) -> list[WorkRecord]:
    """Identifier-only records that keep the previous snapshot's crosswalk joins tonight.

    A preprint and its published version are often joined by one source's answer alone (S2 lists
    both ids). When that source does not answer tonight the two would split into two works, and the
    published version's values would move away from the work that carried them. So for every
    previous work joined by a crosswalk, one ``ok`` record of source :data:`LINK_SOURCE` carrying
    only its identifiers is added to tonight's records: the resolver joins the ids again, and the
    tables never take a value from it. A link tonight's answers contradict (an ``ok`` record that
    shares an id with the work but gives another arXiv id, DOI, PMID or PMCID) is dropped.
    """
    if previous is None:
        return []
    from enrich.ids import Ids, id_keys

    tonight: dict[str, list[Ids]] = {}  # id key -> tonight's OK records' ids carrying it
    for r in works:
        if r.status is FetchStatus.OK:
            for key in id_keys(r.ids):
                tonight.setdefault(key, []).append(r.ids)
    stamp = now or datetime.now(UTC)
    out: list[WorkRecord] = []
    for row in previous.rows("works", "work_id").values():
        if row.get("match_method") != "crosswalk":
            continue
        ids = Ids.from_row(row)
        keys = set(id_keys(ids))
        if len(keys) < 2:
            continue
        contradicted = any(
            getattr(ids, f) is not None
            and getattr(seen, f) is not None
            and str(getattr(seen, f)).lower() != str(getattr(ids, f)).lower()
            for key in keys
            for seen in tonight.get(key, ())
            for f in _CONTRADICTING
        )
        if contradicted:
            continue
        out.append(
            WorkRecord(
                source=LINK_SOURCE,
                key=str(row["work_id"]),
                status=FetchStatus.OK,
                fetched_at=stamp,
                reason="identifiers joined on an earlier night",
                arxiv_id=ids.arxiv_id,
                doi=ids.doi,
                pmid=ids.pmid,
                pmcid=ids.pmcid,
                acl_id=ids.acl_id,
                corpus_id=ids.corpus_id,
                s2_paper_id=ids.s2_paper_id,
                openalex_id=ids.openalex_id,
            )
        )
    return out


def remembered_titles(previous: PreviousSnapshot | None) -> dict[str, str]:
    """Id key (``arxiv:...``, ``acl:...``) -> the title a source gave its work in ``previous``.

    The link check (:func:`enrich.resolve.cluster.check_links`) compares an entry's title with it
    when no source answered for that id tonight. Works whose title came from the list alone (no
    source ever answered) are left out: a list's own title proves nothing about its link.
    """
    if previous is None:
        return {}
    from enrich.ids import Ids, id_keys

    out: dict[str, str] = {}
    for row in previous.rows("works", "work_id").values():
        title = row.get("title")
        if not title or not [s for s in (row.get("sources") or []) if s != LINK_SOURCE]:
            continue
        ids = Ids.from_row(row)
        for key in id_keys(ids):
            out.setdefault(key, str(title))
    return out


# --------------------------------------------------------------------------- 3. titles


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


# --------------------------------------------------------------------------- 5-7. resolve, build, write


def collect(results: Iterable[BatchResult]) -> tuple[list[WorkRecord], list[RepoRecord], list[HfRecord]]:
    works: list[WorkRecord] = []
    repos: list[RepoRecord] = []
    hf: list[HfRecord] = []
    for r in results:
        works.extend(r.works)
        repos.extend(r.repos)
        hf.extend(r.hf)
    return works, repos, hf


def resolve(
    entries: Sequence[Entry],
    works: Sequence[WorkRecord],
    matches: Mapping[str, TitleMatch],
    *,
    id_map_path: Path | None = None,
    previous: PreviousSnapshot | None = None,
) -> list[ResolvedWork]:
    """Stage 5: cluster entries and records into works (``enrich.resolve.resolve_works``).

    With ``id_map_path`` the work ids are remembered across nights (``enrich.resolve.idmap``); with
    ``previous`` the link check knows the titles earlier nights saw (:func:`remembered_titles`).
    """
    from enrich.resolve.cluster import resolve_works
    from enrich.resolve.idmap import WorkIdMap

    emit(ProgressEvent("resolve", "start"))
    known = remembered_titles(previous)
    if id_map_path is None:
        resolved = resolve_works(entries, works, matches, known_titles=known)
    else:
        with WorkIdMap(id_map_path) as id_map:
            resolved = resolve_works(entries, works, matches, id_map=id_map, known_titles=known)
    emit(ProgressEvent("resolve", "done", detail=f"resolved {len(resolved)} works"))
    return list(resolved)


@dataclass(frozen=True, slots=True)
class RunFacts:
    """What the manifest and the summary need to know about the run besides the tables."""

    snapshot_date: date
    run_id: str
    started_at: datetime
    sources: Mapping[str, SourceStats]
    problems: tuple[str, ...] = ()  # skipped files, failed batches: make the snapshot partial
    notes: tuple[str, ...] = field(default=())

    @property
    def partial(self) -> bool:
        """Partial when a list was skipped, a batch failed, or a source did not serve the night."""
        return bool(self.problems) or any(not s.served for s in self.sources.values())


@dataclass(frozen=True, slots=True)
class Built:
    tables: Tables
    previous: PreviousSnapshot | None


def previous_snapshot(out: Path | str, snapshot_date: date) -> PreviousSnapshot | None:
    """The latest snapshot before ``snapshot_date`` (carry-forward, staleness, movers), if any.

    An earlier write that crashed after its commit point is completed first (``recover``), so what
    is carried forward is always the last committed version of every date.
    """
    from enrich.snapshot import read_previous, recover

    recover(out)
    return read_previous(out, before=snapshot_date)


def repo_states(previous: PreviousSnapshot | None) -> dict[str, RepoState]:
    """What the last snapshot knew about each repo: when its GitHub values were fetched."""
    from enrich.clients import RepoState

    if previous is None:
        return {}
    states: dict[str, RepoState] = {}
    for repo_id, as_of in previous.rows("repos", "repo_id").column("stars_as_of"):
        fetched = datetime.combine(as_of, time.min, tzinfo=UTC) if isinstance(as_of, date) else None
        states[str(repo_id)] = RepoState(fetched_at=fetched)
    return states


def stalest_first(repos: Sequence[str], known: Mapping[str, RepoState]) -> list[str]:
    """Repos never fetched first, then by the date of their last fetch (stable otherwise)."""
    oldest = datetime.min.replace(tzinfo=UTC)

    def age(name: str) -> datetime:
        state = known.get(name.lower())
        return state.fetched_at if state is not None and state.fetched_at is not None else oldest

    return sorted(repos, key=age)


def build(
    entries: Sequence[Entry],
    resolved: Sequence[ResolvedWork],
    repos: Sequence[RepoRecord],
    hf: Sequence[HfRecord],
    *,
    snapshot_date: date,
    previous: PreviousSnapshot | None,
    unreadable_lists: Sequence[str] = (),
) -> Built:
    """Stage 6a: the snapshot tables, carrying forward ``previous`` (see :func:`previous_snapshot`)."""
    from enrich.tables import build_tables

    emit(ProgressEvent("build", "start"))
    tables = build_tables(
        entries,
        resolved,
        repos,
        hf,
        snapshot_date=snapshot_date,
        previous=previous,
        unreadable_lists=unreadable_lists,
    )
    detail = f"tables built: {tables.entries.num_rows} entries, {tables.works.num_rows} works, {tables.repos.num_rows} repos"
    emit(ProgressEvent("build", "done", detail=detail))
    return Built(tables, previous)


def manifest(facts: RunFacts, *, ended_at: datetime | None = None) -> Manifest:
    """The manifest for tonight (``tables``/``files`` are filled in by ``write_snapshot``)."""
    from enrich.snapshot import Manifest

    return Manifest.create(
        snapshot_date=facts.snapshot_date,
        sources=facts.sources.values(),
        started_at=facts.started_at,
        ended_at=ended_at or datetime.now(UTC),
        partial=facts.partial,
        run_id=facts.run_id,
        notes=(*facts.problems, *facts.notes),
    )


def write(out: Path | str, tables: Tables, facts: RunFacts) -> Path | str:
    """Stage 6b: write the snapshot and its manifest atomically; returns the manifest's path."""
    from enrich.snapshot import write_snapshot

    emit(ProgressEvent("write", "start"))
    path = write_snapshot(out, tables, manifest(facts))
    emit(ProgressEvent("write", "done", detail=f"snapshot written: {path}"))
    return path


def summarise(built: Built, facts: RunFacts) -> RunSummary:
    """Stage 7: the run summary (coverage from the new tables, movers against the previous ones)."""
    from enrich.summary import RunSummary, coverage, link_checks, top_movers

    t, prev = built.tables, built.previous
    return RunSummary(
        snapshot_date=facts.snapshot_date,
        partial=facts.partial,
        sources=dict(facts.sources),
        coverage=coverage(t.entries, t.works, t.repos),
        star_movers=top_movers(
            t.repos, prev.repos if prev else None, key="repo_id", value="stars", label="full_name"
        ),
        citation_movers=top_movers(
            t.works, prev.works if prev else None, key="work_id", value="citation_count", label="title"
        ),
        previous_date=prev.snapshot_date if prev else None,
        tables=t.row_counts(),
        notes=(*facts.problems, *facts.notes),
        link_checks=link_checks(t.entries, t.works),
    )
