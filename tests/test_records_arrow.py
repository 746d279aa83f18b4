"""Work records as Arrow columns (enrich.records_arrow): every record read back equals the one stored,
field by field and type by type; rows Arrow cannot hold stay objects; views and bulk reads."""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from enrich import pipeline
from enrich.pipeline import Batch, BatchResult
from enrich.records import Author, FetchStatus, WorkRecord
from enrich.records_arrow import FIELDS, WORK_RECORDS_SCHEMA, RecordView, WorkRecords, materialise

T0 = datetime(2026, 11, 21, 2, 0, 0, 123456, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")
INDIA = timezone(timedelta(hours=5, minutes=30))
ZULU = timezone(timedelta(0), "Z")  # equal to UTC, but another object with another name


def full(key: str = "doi:10.1/x", **changes: object) -> WorkRecord:
    """A record with every field set."""
    record = WorkRecord(
        source="s2",
        key=key,
        status=FetchStatus.OK,
        fetched_at=T0,
        reason="r",
        moved_to="m",
        title="Attention Is All You Need",
        abstract="We propose the Transformer.",
        authors=(Author("Ashish Vaswani", "1", "0000-0001", "Google"), Author("Noam Shazeer")),
        year=2017,
        publication_date="2017-06-12",
        venue="NeurIPS",
        arxiv_id="1706.03762",
        arxiv_version=7,
        doi="10.1/x",
        pmid="1",
        pmcid="PMC1",
        acl_id="P18-1001",
        s2_paper_id="a" * 40,
        corpus_id=13756489,
        openalex_id="W2963403868",
        citation_count=100000,
        influential_citation_count=9000,
        reference_count=40,
        counts_by_year=((2024, 20000), (2023, 18000)),
        tldr="t",
        work_type="article",
        score=0.75,
    )
    return dataclasses.replace(record, **changes)  # type: ignore[arg-type]


def same(a: WorkRecord, b: WorkRecord, *, pickled: bool = False) -> None:
    """Field by field equal, with the same types (and the same tzinfo object, or after pickling an
    equal one of the same name, and the same fold)."""
    for name in FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        assert type(x) is type(y), name
        assert x == y or (x != x and y != y), name  # NaN scores are NaN again
    assert a.fetched_at.tzinfo is b.fetched_at.tzinfo or pickled
    assert a.fetched_at.tzinfo == b.fetched_at.tzinfo and a.fetched_at.tzname() == b.fetched_at.tzname()
    assert a.fetched_at.fold == b.fetched_at.fold
    assert a.fetched_at.isoformat() == b.fetched_at.isoformat()
    for x, y in zip(a.authors, b.authors, strict=True):
        assert type(x) is Author and [type(getattr(x, f.name)) for f in dataclasses.fields(Author)] == [
            type(getattr(y, f.name)) for f in dataclasses.fields(Author)
        ]


def round_trip(records: Sequence[WorkRecord]) -> None:
    stored = WorkRecords.of(records)
    assert len(stored) == len(records)
    for a, b in zip(records, stored, strict=True):  # iteration
        same(a, b)
    for i, a in enumerate(records):  # one by one, from both ends
        same(a, stored[i])
        same(a, stored[i - len(records)])
    order = list(reversed(range(len(records)))) * 2
    for i, b in zip(order, stored.take(order), strict=True):  # in bulk, any order, repeats
        same(records[i], b)
    for a, b in zip(records, pickle.loads(pickle.dumps(stored)), strict=True):
        same(a, b, pickled=True)
    for name in FIELDS:  # one column without the records (repr: a NaN score is NaN again)
        assert [repr(v) for v in stored.column(name)] == [repr(getattr(r, name)) for r in records]


def test_the_schema_mirrors_work_record() -> None:
    assert WORK_RECORDS_SCHEMA.names == [*FIELDS, "fetched_zone"]
    assert tuple(f.name for f in dataclasses.fields(WorkRecord)) == FIELDS


def test_every_field_round_trips() -> None:
    round_trip(
        [
            full(),
            WorkRecord("arxiv", "2301.00001", FetchStatus.NOT_FOUND, T0),  # every default: None, ()
            full("k-empty", title="", abstract="", reason="", authors=(Author(""),), counts_by_year=()),
            full("k-none-author", authors=(Author("A", None, None, None), Author("B", "", "", ""))),
            full(
                "k-unicode", title="Graph ∂-networks: 深度学习 🚀 e\u0301\x00", authors=(Author("Zoë Ñandú"),)
            ),
            full("k-score", score=float("nan")),
            full("k-inf", score=float("-inf"), citation_count=0, year=-1),
            full("k-big", corpus_id=2**63 - 1, citation_count=-(2**63)),
            *(full(f"k-{s.value}", status=s) for s in FetchStatus),
        ]
    )


def test_fetched_at_keeps_its_zone_exactly() -> None:
    ambiguous = datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK)  # 01:30 happens twice that night
    times = [
        T0,
        datetime(2026, 11, 21, 2, 0),  # naive stays naive
        datetime(2026, 11, 21, 7, 30, 1, 5, tzinfo=INDIA),
        datetime(2026, 11, 21, 2, 0, tzinfo=ZULU),  # equal to T0's zone, yet kept apart
        ambiguous,
        ambiguous.replace(fold=1),
        datetime(1, 1, 1),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ]
    records = [full(f"k{i}", fetched_at=t) for i, t in enumerate(times)]
    round_trip(records)
    stored = WorkRecords.of(records)
    assert [r.fetched_at.tzname() for r in stored] == [t.tzname() for t in times]
    assert [r.fetched_at.utcoffset() for r in stored] == [t.utcoffset() for t in times]


def test_parts_concatenate_with_their_zones() -> None:
    a = [full("a", fetched_at=datetime(2026, 1, 1, tzinfo=INDIA)), full("b")]
    b = [full("c", fetched_at=datetime(2026, 1, 1)), full("d", fetched_at=datetime(2026, 1, 2, tzinfo=INDIA))]
    joined = WorkRecords.concat([WorkRecords.of(a), [], b, WorkRecords.of([])])
    for x, y in zip([*a, *b], joined, strict=True):
        same(x, y)
    assert len(joined.zones) == 3
    stored, nothing = WorkRecords.of(a), list[WorkRecord]()
    assert stored + nothing is stored and [r.key for r in stored + b] == ["a", "b", "c", "d"]
    assert len(WorkRecords.concat([])) == 0 and list(WorkRecords.concat([])) == []


def test_many_parts_are_joined_without_a_copy() -> None:
    parts = [WorkRecords.of([full(f"k{i}"), full(f"k{i}b")]) for i in range(40)]
    joined = WorkRecords.concat(parts)
    assert joined.table.column(0).num_chunks == 40  # the parts' own buffers, side by side
    assert joined.table.column("key").chunk(7).buffers() == parts[7].table.column("key").chunk(0).buffers()
    assert [r.key for r in joined][:3] == ["k0", "k0b", "k1"]
    assert [r.key for r in joined.take([79, 0, 3, 3, 78])] == ["k39b", "k0", "k1b", "k1b", "k39"]
    assert [r.key for r in joined.identities([41, 2])] == ["k20b", "k1"]
    for bad in ([80], [-1], [0, 80]):
        with pytest.raises(IndexError):
            joined.take(bad)


def test_values_arrow_cannot_hold_stay_objects() -> None:
    surrogate = full("lone-surrogate", title="bad \udc80 text")  # JSON may decode to this
    huge = full("huge", citation_count=2**70)
    records = [full("a"), surrogate, full("b"), huge]
    stored = WorkRecords.of(records)
    round_trip(records)
    assert [r.key for r in stored] == ["a", "lone-surrogate", "b", "huge"]
    joined = WorkRecords.concat([[full("z")], stored])
    assert joined[2] is surrogate and joined[4] is huge
    assert joined.column("citation_count")[4] == 2**70
    assert [r.key for r in joined.take([4, 1, 2])] == ["huge", "a", "lone-surrogate"]


def test_equality_hash_and_slices() -> None:
    records = [full("a"), full("b"), full("c")]
    stored = WorkRecords.of(records)
    assert stored == records and stored == tuple(records) and stored == WorkRecords.of(records)
    assert stored != records[:2] and stored != "abc"
    assert hash(stored) == hash(tuple(records))
    assert stored[1:] == tuple(records[1:]) and stored[::-1] == tuple(reversed(records))
    assert WorkRecords.of(stored) is stored
    with pytest.raises(IndexError):
        stored[3]
    with pytest.raises(KeyError):
        stored.column("nope")


def test_views_read_rows_of_a_store_and_records_outside_it() -> None:
    store = WorkRecords.of([full(f"k{i}") for i in range(5)])
    outside = full("title-match")
    view = RecordView(store, [3, outside, 0])
    assert [r.key for r in view] == ["k3", "title-match", "k0"]
    assert view[1] is outside and view[2].key == "k0" and view[-3].key == "k3"
    assert view == (store[3], outside, store[0]) and view[:1] == (store[3],)
    assert view.refs == (3, outside, 0) and len(view) == 3
    plain = RecordView([full("p0"), full("p1")], [1])  # a store that is a plain list works the same
    other = WorkRecords.of([full("o0")])
    made = materialise([view, (outside,), plain, RecordView(other, [0, 0]), RecordView(store, [])])
    assert [[r.key for r in group] for group in made] == [
        ["k3", "title-match", "k0"],
        ["title-match"],
        ["p1"],
        ["o0", "o0"],
        [],
    ]
    assert all(isinstance(group, tuple) for group in made)


def test_batch_results_hold_their_works_as_columns() -> None:
    records = (full("x"), full("ARXIV:1", status=FetchStatus.MISSING))
    result = BatchResult(Batch("s2", 0, 1, ("x", "ARXIV:1")), works=records)
    assert isinstance(result.works, WorkRecords) and result.works == records
    assert result == BatchResult(Batch("s2", 0, 1, ("x", "ARXIV:1")), works=list(records))
    assert pickle.loads(pickle.dumps(result)) == result  # the fleet pickles batch results
    settled = pipeline.settle_missing([result], None)[0]
    assert isinstance(settled.works, WorkRecords)
    assert [r.status for r in settled.works] == [FetchStatus.OK, FetchStatus.NOT_FOUND]
    works, _, _ = pipeline.collect([result, settled])
    assert isinstance(works, WorkRecords) and [r.key for r in works] == ["x", "ARXIV:1"] * 2


AUTHORS = st.builds(
    Author,
    st.text(max_size=12),
    st.none() | st.text(max_size=5),
    st.none() | st.text(max_size=5),
    st.none() | st.text(max_size=5),
)
INT64 = st.integers(-(2**63), 2**63 - 1)
ZONES = st.sampled_from([UTC, None, INDIA, ZULU, NEW_YORK])
TIMES = st.builds(
    lambda t, zone, fold: t.replace(tzinfo=zone, fold=fold),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    ZONES,
    st.integers(0, 1),
)
TEXT = st.none() | st.text(max_size=20)
RECORDS = st.builds(
    WorkRecord,
    source=st.sampled_from(["arxiv", "s2", "openalex", "crossref", "previous_snapshot"]),
    key=st.text(max_size=20),
    status=st.sampled_from(FetchStatus),
    fetched_at=TIMES,
    reason=TEXT,
    title=TEXT,
    abstract=TEXT,
    authors=st.lists(AUTHORS, max_size=3).map(tuple),
    year=st.none() | INT64,
    doi=TEXT,
    corpus_id=st.none() | st.integers(-(2**70), 2**70),  # beyond 64 bits: kept as an object
    citation_count=st.none() | INT64,
    counts_by_year=st.lists(st.tuples(INT64, INT64), max_size=3).map(tuple),
    score=st.none() | st.floats(allow_nan=False),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(RECORDS, max_size=6), st.lists(RECORDS, max_size=4))
def test_any_records_round_trip(first: list[WorkRecord], second: list[WorkRecord]) -> None:
    round_trip(first)
    joined = WorkRecords.concat([WorkRecords.of(first), second])
    for a, b in zip([*first, *second], joined, strict=True):
        same(a, b)
    for a, b in zip([*first, *second], pickle.loads(pickle.dumps(joined)), strict=True):
        same(a, b, pickled=True)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(RECORDS, max_size=5), max_size=8),
    st.lists(st.integers(0, 10**6), max_size=30),
)
def test_takes_across_parts_equal_takes_from_one_table(
    parts: list[list[WorkRecord]], picks: list[int]
) -> None:
    """A store joined from parts (one chunk each, empty ones too) reads like the same records
    encoded at once: any rows, any order, repeats; identities too."""
    records = [r for part in parts for r in part]
    joined = WorkRecords.concat([WorkRecords.of(part) for part in parts])
    whole = WorkRecords.of(records)
    indices = [p % len(records) for p in picks] if records else []
    for a, b, c in zip(joined.take(indices), whole.take(indices), [records[i] for i in indices], strict=True):
        same(a, c)
        same(b, c)
    assert joined.identities(indices) == whole.identities(indices)
