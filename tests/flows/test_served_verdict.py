"""The one rule for "did this source serve tonight" (``enrich.pipeline.source_stats``) on exact inputs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from enrich import pipeline
from enrich.config import SourcePolicy
from enrich.pipeline import Batch, BatchResult
from enrich.records import FetchStatus, SourceStats, WorkRecord
from enrich.schemas import SCHEMAS
from enrich.tables import PreviousSnapshot

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


@dataclass
class Counted:
    source: str
    counters: SourceStats = field(default_factory=lambda: SourceStats("s2"))

    @property
    def stats(self) -> SourceStats:
        return self.counters


@dataclass
class Clients:
    s2: Counted

    def get(self, source: str) -> Counted:
        assert source == "s2"
        return self.s2


def batch(statuses: list[FetchStatus], reason: str | None = None) -> BatchResult:
    keys = tuple(f"ARXIV:{i}" for i in range(len(statuses)))
    works = tuple(
        WorkRecord("s2", k, st, NOW, reason=None if st is FetchStatus.OK else reason)
        for k, st in zip(keys, statuses, strict=True)
    )
    return BatchResult(Batch("s2", 0, 1, keys), works=works)


def stats_of(result: BatchResult, counters: SourceStats | None = None, **kw: object) -> SourceStats:
    clients = Clients(Counted("s2", counters or SourceStats("s2", requests=7, ok=50)))
    return pipeline.source_stats(clients, ["s2"], [result], **kw)["s2"]  # type: ignore[arg-type]


def test_counts_are_requested_items_only_not_search_candidates() -> None:
    s = stats_of(batch([FetchStatus.OK, FetchStatus.NOT_FOUND]))
    # the client counted 50 "ok" (title-search candidates): the manifest counts the 2 items asked for
    assert (s.requests, s.requested, s.ok, s.not_found, s.errors, s.deferred) == (7, 2, 1, 1, 0, 0)
    assert (s.served, s.served_share, s.reason) == (True, 1.0, None)


def test_threshold_decides_and_names_the_source_in_one_line() -> None:
    good = [FetchStatus.OK] * 19
    assert stats_of(batch([*good, FetchStatus.ERROR], "HTTP 503 after 6 attempts")).served is True  # 95%
    s = stats_of(batch([*good[:18], FetchStatus.RATE_LIMITED, FetchStatus.DEFERRED], "rate limited"))
    assert (s.served, s.served_share, s.deferred, s.errors) == (False, 0.9, 2, 0)
    assert s.reason == "s2: 18 of 20 items served (rate limited); carried forward earlier values"
    strict = stats_of(
        batch([*good, FetchStatus.MISSING], "null"),
        policy={"s2": SourcePolicy(min_served=1.0)},
        carried=False,
    )
    assert strict.reason == "s2: 19 of 20 items served (null); no earlier values to carry forward"


def test_a_refused_key_is_named_even_above_the_threshold() -> None:
    refused = SourceStats(
        "s2", auth_rejected=True, stopped="auth_rejected", message="s2: S2 rejected the API key: HTTP 403"
    )
    s = stats_of(batch([FetchStatus.OK] * 3), refused)
    assert (s.served, s.reason) == (
        False,
        "s2: 3 of 3 items served (S2 rejected the API key: HTTP 403); carried forward earlier values",
    )


def test_missing_becomes_not_found_only_without_earlier_evidence() -> None:
    works = pa.Table.from_pylist(
        [
            {"work_id": "arxiv:1", "arxiv_id": "1", "s2_paper_id": "a" * 40, "status_s2": "ok"},
            {"work_id": "arxiv:2", "arxiv_id": "2", "status_s2": "not_found"},
        ],
        schema=SCHEMAS["works"],
    )
    previous = PreviousSnapshot.of(date(2026, 11, 21), works=works)
    result = batch([FetchStatus.MISSING] * 3, "null in S2's batch answer (not proof it is gone)")
    settled = pipeline.settle_missing([result], previous)[0]
    assert [(r.key, r.status) for r in settled.works] == [
        ("ARXIV:0", FetchStatus.NOT_FOUND),  # never seen
        ("ARXIV:1", FetchStatus.MISSING),  # S2 answered it before: carried forward, not served
        ("ARXIV:2", FetchStatus.NOT_FOUND),  # seen, but S2 never had it
    ]
    assert settled.works[0].reason == (
        "null in S2's batch answer (not proof it is gone); never answered before: taken as not found"
    )
    assert pipeline.settle_missing([result], None)[0].works[1].status is FetchStatus.NOT_FOUND


REASONS = st.sampled_from([None, "HTTP 503 after 6 attempts", "rate limited", "null", "timed out"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.tuples(st.sampled_from(FetchStatus), REASONS), max_size=12), max_size=5))
def test_counts_and_reason_equal_the_rule_read_item_by_item(
    batches: list[list[tuple[FetchStatus, str | None]]],
) -> None:
    """The counts over several batches (read batch by batch) are the rule applied to every item at
    once: the same counts, and the most common reason (first seen wins a tie) of the items not served."""
    results = []
    for n, items in enumerate(batches):
        keys = tuple(f"ARXIV:{n}.{i}" for i in range(len(items)))
        works = tuple(
            WorkRecord("s2", k, st_, NOW, reason=r) for k, (st_, r) in zip(keys, items, strict=True)
        )
        results.append(BatchResult(Batch("s2", n, len(batches), keys), works=works))
    clients = Clients(Counted("s2", SourceStats("s2")))
    s = pipeline.source_stats(clients, ["s2"], results, policy={"s2": SourcePolicy(min_served=1.0)})["s2"]  # type: ignore[arg-type]
    every = [item for items in batches for item in items]
    served = {FetchStatus.OK, FetchStatus.MOVED, FetchStatus.NOT_FOUND}
    ok = sum(1 for st_, _ in every if st_ in (FetchStatus.OK, FetchStatus.MOVED))
    not_found = sum(1 for st_, _ in every if st_ is FetchStatus.NOT_FOUND)
    deferred = sum(1 for st_, _ in every if st_ in (FetchStatus.DEFERRED, FetchStatus.RATE_LIMITED))
    assert (s.requested, s.ok, s.not_found, s.deferred) == (len(every), ok, not_found, deferred)
    assert s.errors == len(every) - ok - not_found - deferred
    top = Counter(r or st_.value for st_, r in every if st_ not in served).most_common(1)
    if top:
        assert s.reason is not None and f"items served ({top[0][0]})" in s.reason
    else:
        assert s.served and s.reason is None
