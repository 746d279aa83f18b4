"""Whether each source served the night: one rule (:func:`source_stats`), one line per source that
did not (:func:`verdict_lines`).

The share of the items requested from a source by id that came back ``ok``/``moved`` or a definitive
``not_found``, against its threshold (:data:`enrich.config.SOURCE_POLICY`). A source below it, or
whose key was refused, is named in one line and makes the run partial.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Final, cast

from enrich.config import SOURCE_POLICY, SourcePolicy
from enrich.pipeline.batches import BatchResult
from enrich.pipeline.fetching import _client
from enrich.records import FetchStatus, HfRecord, RepoRecord, SourceStats
from enrich.records_arrow import WorkRecords
from enrich.sources import names

if TYPE_CHECKING:
    from enrich.clients import Clients

_SERVED: Final = frozenset({FetchStatus.OK, FetchStatus.MOVED, FetchStatus.NOT_FOUND})
_DEFERRED: Final = frozenset({FetchStatus.DEFERRED, FetchStatus.RATE_LIMITED})


def _batch_statuses(result: BatchResult) -> list[tuple[FetchStatus, str | None]]:
    """One (status, reason) per requested item of the batch; an item without a record is an error."""
    by_key: dict[str, tuple[FetchStatus, str | None]] = {}
    works = WorkRecords.of(result.works)  # read as columns: no record is made
    for key, status, reason in zip(
        works.column("key"), works.column("status"), works.column("reason"), strict=True
    ):
        by_key[cast(str, key)] = (cast(FetchStatus, status), cast("str | None", reason))
    records: list[RepoRecord | HfRecord] = [*result.repos, *result.hf]
    for record in records:
        by_key[record.key] = (record.status, record.reason)
    return [by_key.get(key, (FetchStatus.ERROR, "no record returned")) for key in result.batch.items]


class _Tally:
    """One source's items counted as their batches are read, not kept as one (status, reason) per
    item (at 100,000 papers the warm night's peak grew by 114 MB inside that list's making)."""

    __slots__ = ("reasons", "requested", "statuses")

    def __init__(self) -> None:
        self.requested = 0
        self.statuses: Counter[FetchStatus] = Counter()
        self.reasons: Counter[str] = Counter()  # of the items not served, first seen first

    def add(self, items: Sequence[tuple[FetchStatus, str | None]]) -> None:
        self.requested += len(items)
        for status, reason in items:
            self.statuses[status] += 1
            if status not in _SERVED:
                self.reasons[reason or status.value] += 1


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
    tally: dict[str, _Tally] = {s: _Tally() for s in names()}
    for result in results:
        tally.setdefault(result.batch.source, _Tally()).add(_batch_statuses(result))
    out: dict[str, SourceStats] = {}
    for s in names():
        if s not in chosen:
            continue
        stats: SourceStats = _client(clients, s).stats
        counted = tally.get(s, _Tally())
        requested = counted.requested
        ok = counted.statuses[FetchStatus.OK] + counted.statuses[FetchStatus.MOVED]
        not_found = counted.statuses[FetchStatus.NOT_FOUND]
        deferred = sum(counted.statuses[st] for st in _DEFERRED)
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
                reasons = counted.reasons.most_common(1)
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
