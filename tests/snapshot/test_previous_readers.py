"""What tonight reads of the previous snapshot before the tables are built (``enrich.pipeline.carry``):
the ids each source answered before, the titles for the link check, the crosswalk joins and each
repo's last fetch. Each reads a few columns of the Arrow tables; the results are checked exactly."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from enrich import pipeline
from enrich.clients import RepoState
from enrich.errors import SnapshotError
from enrich.records import FetchStatus, WorkRecord
from enrich.schemas import SCHEMAS
from enrich.summary import top_movers
from enrich.tables import PreviousSnapshot, build_tables

DAY = date(2026, 11, 21)
NOW = datetime(2026, 11, 22, 3, tzinfo=UTC)
S2_ID = "a" * 40


def snapshot(
    works: Sequence[dict[str, object]] = (), repos: Sequence[dict[str, object]] = ()
) -> PreviousSnapshot:
    return PreviousSnapshot.of(
        DAY,
        works=pa.Table.from_pylist(list(works), schema=SCHEMAS["works"]),
        repos=pa.Table.from_pylist(list(repos), schema=SCHEMAS["repos"]),
    )


SEEN = snapshot(
    [
        {"work_id": "w1", "arxiv_id": "2301.00001", "status_arxiv": "ok", "doi": "10.1/ABC",
         "status_s2": "ok", "s2_paper_id": S2_ID.upper(), "corpus_id": 7},
        {"work_id": "w2", "arxiv_id": "2302.00002", "status_arxiv": "not_found", "abstract_source": "arxiv",
         "status_s2": "not_found"},
        {"work_id": "w3", "arxiv_id": "2303.00003", "status_arxiv": "error", "status_s2": "error",
         "citation_count_s2": 5, "pmid": "123"},
        {"work_id": "w4", "arxiv_id": "2304.00004", "status_arxiv": "not_requested", "status_s2": "not_found",
         "doi": "10.2/x", "acl_id": "2020.acl-main.1"},
        {"work_id": "w5", "arxiv_id": "", "status_arxiv": "ok", "status_s2": "ok", "s2_paper_id": ""},
    ]
)  # fmt: skip


def test_seen_before_gives_only_the_asked_ids_a_source_answered() -> None:
    asked = {
        "arxiv": {"2301.00001", "2302.00002", "2303.00003", "2304.00004", "2399.00009", ""},
        "s2": {
            "arxiv:2301.00001", "doi:10.1/abc", "corpusid:7", S2_ID, "arxiv:2303.00003", "pmid:123",
            "doi:10.2/x", "acl:2020.acl-main.1", "arxiv:2304.00004", "arxiv:2302.00002", "arxiv:", "",
        },
    }  # fmt: skip
    assert pipeline.seen_before(SEEN, asked) == {
        "arxiv": frozenset({"2301.00001", "2302.00002"}),  # answered by arXiv, or its abstract is arXiv's
        # S2 answered w1 (ok), w3 (a citation count carried) and w5 (ok, but no id to give)
        "s2": frozenset({"arxiv:2301.00001", "doi:10.1/abc", "corpusid:7", S2_ID, "arxiv:2303.00003", "pmid:123",
                         "arxiv:"}),
    }  # fmt: skip
    assert pipeline.seen_before(SEEN, {"s2": {"pmid:123"}}) == {
        "arxiv": frozenset(),
        "s2": frozenset({"pmid:123"}),
    }
    empty = {"arxiv": frozenset[str](), "s2": frozenset[str]()}
    assert pipeline.seen_before(SEEN, {}) == empty
    assert pipeline.seen_before(None, asked) == empty


def test_remembered_titles_from_works_a_source_named() -> None:
    previous = snapshot(
        [
            {"work_id": "w1", "title": "First", "sources": ["s2"], "arxiv_id": "2301.00001", "doi": "10.1/a"},
            {"work_id": "w2", "title": "", "sources": ["arxiv"], "arxiv_id": "2302.00002"},
            {"work_id": "w3", "title": "Linked only", "sources": [pipeline.LINK_SOURCE], "doi": "10.3/c"},
            {"work_id": "w4", "title": None, "sources": ["s2"], "pmid": "4"},
            {"work_id": "w5", "title": "Listed only", "sources": [], "pmid": "5"},
            {"work_id": "w6", "title": "Second", "sources": [pipeline.LINK_SOURCE, "openalex"],
             "arxiv_id": "2301.00001", "corpus_id": 6, "s2_paper_id": S2_ID, "openalex_id": "W6"},
        ]
    )  # fmt: skip
    assert list(pipeline.remembered_titles(previous).items()) == [
        ("arxiv:2301.00001", "First"),
        ("doi:10.1/a", "First"),
        ("corpus:6", "Second"),  # the arXiv id keeps the title of the first work that named it
        ("openalex:W6", "Second"),
        (f"s2:{S2_ID}", "Second"),
    ]
    assert pipeline.remembered_titles(None) == {}
    # asked for some keys: those of them it knows, as above
    everything = pipeline.remembered_titles(previous)
    asked = ["corpus:6", "doi:10.3/c", "pmid:5", "arxiv:2301.00001", "acl:nothing"]
    assert pipeline.remembered_titles(previous, asked) == {k: everything[k] for k in asked if k in everything}
    assert pipeline.remembered_titles(previous, []) == {}


def test_remembered_links_keep_crosswalk_joins_tonight_does_not_contradict() -> None:
    previous = snapshot(
        [
            {"work_id": "w1", "match_method": "crosswalk", "arxiv_id": "2301.00001", "doi": "10.1/a"},
            {"work_id": "w2", "match_method": "identifier", "arxiv_id": "2302.00002", "doi": "10.2/b"},
            {
                "work_id": "w3",
                "match_method": "crosswalk",
                "arxiv_id": "2303.00003",
            },  # one id: nothing joined
            {"work_id": "w4", "match_method": "crosswalk", "arxiv_id": "2304.00004", "pmid": "4"},
            {"work_id": "w5", "match_method": None, "arxiv_id": "2305.00005", "doi": "10.5/e"},
        ]
    )
    tonight = [
        WorkRecord("arxiv", "2301.00001", FetchStatus.OK, NOW, arxiv_id="2301.00001", doi="10.1/A"),
        WorkRecord("s2", "PMID:4", FetchStatus.OK, NOW, pmid="4", arxiv_id="2404.00004"),  # another arXiv id
        WorkRecord("s2", "ARXIV:2301.00001", FetchStatus.ERROR, NOW, arxiv_id="2301.00001", doi="10.9/z"),
    ]
    links = pipeline.remembered_links(previous, tonight, now=NOW)
    assert links == [
        WorkRecord(
            source=pipeline.LINK_SOURCE,
            key="w1",
            status=FetchStatus.OK,
            fetched_at=NOW,
            reason="identifiers joined on an earlier night",
            arxiv_id="2301.00001",
            doi="10.1/a",
        )
    ]
    assert [r.key for r in pipeline.remembered_links(previous, [], now=NOW)] == ["w1", "w4"]
    assert pipeline.remembered_links(None, tonight) == []


def test_repo_states_from_the_last_fetch_date_shared_per_day() -> None:
    previous = snapshot(
        repos=[
            {"repo_id": "o/a", "stars_as_of": date(2026, 11, 20)},
            {"repo_id": "o/b", "stars_as_of": None},
            {"repo_id": "o/c", "stars_as_of": date(2026, 11, 20)},
            {"repo_id": "o/d", "stars_as_of": date(2026, 11, 1)},
        ]
    )
    states = pipeline.repo_states(previous)
    assert list(states.items()) == [
        ("o/a", RepoState(datetime(2026, 11, 20, tzinfo=UTC))),
        ("o/b", RepoState(None)),
        ("o/c", RepoState(datetime(2026, 11, 20, tzinfo=UTC))),
        ("o/d", RepoState(datetime(2026, 11, 1, tzinfo=UTC))),
    ]
    assert states["o/a"] is states["o/c"]
    assert pipeline.repo_states(None) == {}


def test_built_keeps_only_the_columns_the_summary_compares() -> None:
    full = snapshot(
        [{"work_id": "w1", "title": "One", "citation_count": 3}, {"work_id": "w2", "citation_count": None}],
        [{"repo_id": "a/b", "full_name": "A/b", "stars": 10, "stars_as_of": DAY}],
    )
    kept = full.narrowed(pipeline.SUMMARY_COLUMNS)
    assert (kept.snapshot_date, kept.partial) == (full.snapshot_date, full.partial)
    assert kept.table("works", ["work_id", "citation_count"]).to_pylist() == [
        {"work_id": "w1", "citation_count": 3},
        {"work_id": "w2", "citation_count": None},
    ]
    assert kept.table("repos", ["repo_id", "stars"]).to_pylist() == [{"repo_id": "a/b", "stars": 10}]
    assert sorted(kept.parts) == ["repos", "works"]  # entries and hf_items are not held
    assert kept.table("entries").num_rows == kept.table("hf_items").num_rows == 0
    held = {
        name: pq.ParquetFile(pa.BufferReader(data)).schema_arrow.names for name, data in kept.parts.items()
    }
    assert held == {"works": ["work_id", "citation_count"], "repos": ["repo_id", "stars"]}
    now = pa.table({"repo_id": ["a/b"], "full_name": ["A/b"], "stars": [15]})
    assert top_movers(
        now, kept.table("repos", ["repo_id", "stars"]), key="repo_id", value="stars", label="full_name"
    ) == top_movers(now, full.table("repos"), key="repo_id", value="stars", label="full_name")
    tables = build_tables([], [], [], [], snapshot_date=date(2026, 11, 22), previous=full)
    built = pipeline.build([], [], [], [], snapshot_date=date(2026, 11, 22), previous=full)
    assert built.tables.works.equals(tables.works)
    assert built.previous is not None
    assert pq.ParquetFile(pa.BufferReader(built.previous.parts["works"])).schema_arrow.names == [
        "work_id",
        "citation_count",
    ]


def test_previous_table_conforms_columns_an_older_snapshot_lacks() -> None:
    older = pa.table({"work_id": ["w1", "w2"], "title": ["One", None]})  # no tldr, no citation counts
    prev = PreviousSnapshot.of(DAY, works=older)
    assert prev.table("works", ["work_id", "tldr", "citation_count"]).to_pylist() == [
        {"work_id": "w1", "tldr": None, "citation_count": None},
        {"work_id": "w2", "tldr": None, "citation_count": None},
    ]
    assert prev.table("repos", ["repo_id"]).schema == pa.schema([SCHEMAS["repos"].field("repo_id")])
    assert prev.table("repos").num_rows == 0  # a table the snapshot does not hold is empty
    with pytest.raises(ValueError, match="metrics_history"):
        prev.table("metrics_history")


def test_previous_bytes_that_do_not_decode_are_a_snapshot_error() -> None:
    prev = PreviousSnapshot(DAY, {"works": pa.py_buffer(b"PAR1 not parquet PAR1")})
    with pytest.raises(SnapshotError, match="works of the snapshot of 2026-11-21: unreadable Parquet"):
        prev.table("works")


def test_resolution_leaves_no_title_keys_cached_and_author_names_never_enter_that_cache() -> None:
    from enrich.ids import normalize_title
    from enrich.records import Author
    from enrich.tables.authors import _name_keys, work_authors

    normalize_title("A title parsing asked for")
    assert normalize_title.cache_info().currsize > 0
    assert pipeline.resolve([], [], {}) == []
    assert normalize_title.cache_info().currsize == 0
    record = WorkRecord(
        source="s2", key="k", status=FetchStatus.OK, fetched_at=NOW, authors=(Author(name="Ada Lovelace"),)
    )
    asked = _name_keys.cache_info().misses
    donor = WorkRecord(
        source="openalex",
        key="k",
        status=FetchStatus.OK,
        fetched_at=NOW,
        authors=(Author(name="Ada  Lovelace", orcid="0000-0002-1825-0097"),),
    )
    rows = work_authors({"s2": record, "openalex": donor}, (), None, ())
    assert [(a["name"], a["orcid"]) for a in rows] == [("Ada Lovelace", "0000-0002-1825-0097")]
    assert _name_keys.cache_info().misses > asked  # the names were keyed, in their own cache
    assert normalize_title.cache_info().currsize == 0
