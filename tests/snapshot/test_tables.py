"""Normalisation into tables: exact rows from records built by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa
import pytest

from enrich.ids import Ids
from enrich.records import FetchStatus
from enrich.resolve.types import MatchMethod
from enrich.schemas import SCHEMAS
from enrich.tables import PreviousRows, build_tables, clean_abstract, clean_text, hf_item_id

from .helpers import (
    D1,
    T1,
    author,
    blank_row,
    hf,
    hf_entry,
    paper,
    repo,
    repo_entry,
    resolved,
    wrec,
)

ALL_OK = {"status_arxiv": "ok", "status_s2": "ok", "status_openalex": "ok", "status_crossref": "ok"}
NONE_ASKED = {
    "status_arxiv": "not_requested",
    "status_s2": "not_requested",
    "status_openalex": "not_requested",
    "status_crossref": "not_requested",
}


def test_clean_text_strips_tags_entities_and_spaces() -> None:
    assert clean_text("  Deep <i>learning</i>\n  for  a &lt; b &amp; c ") == "Deep learning for a < b & c"
    assert clean_text("a < b > c") == "a < b > c"
    assert clean_text(" \n ") is None
    assert clean_text(None) is None


def test_clean_abstract_drops_jats_heading_and_tags() -> None:
    jats = "<jats:title>Abstract</jats:title><jats:p>We study <jats:italic>X</jats:italic>.</jats:p>"
    assert clean_abstract(jats) == "We study X ."
    assert clean_abstract("<jats:p>Plain.</jats:p>") == "Plain."


def test_hf_item_id_is_lower_case_kind_and_id() -> None:
    assert hf_item_id("model", "Org/Tiny-Model") == "model:org/tiny-model"


def test_work_row_merges_four_sources_by_documented_precedence() -> None:
    entry = paper("l:1", "l", 3, "LoRA", arxiv_id="2106.09685", doi="10.1/x")
    work = resolved(
        "doi:10.1/x",
        ["l:1"],
        [
            wrec(
                "arxiv",
                "2106.09685",
                title="LoRA:\n  Low-Rank\nAdaptation",
                abstract="We propose\n  LoRA.",
                authors=(author("Edward J. Hu"), author("Yelong Shen")),
                year=2021,
                publication_date="2021-06-17",
            ),
            wrec(
                "s2",
                "ARXIV:2106.09685",
                title="LoRA: Low-Rank Adaptation of Large Language Models",
                abstract="S2 abstract.",
                authors=(author("J. E. Hu", s2="1"), author("Yelong Shen", s2="2")),
                year=2022,
                publication_date="2022-04-25",
                venue="ICLR",
                s2_paper_id="a" * 40,
                corpus_id=235458009,
                citation_count=120,
                influential_citation_count=12,
                reference_count=60,
                tldr="Freeze the weights, train low-rank updates.",
            ),
            wrec(
                "openalex",
                "doi:10.1/x",
                title="LoRA (OpenAlex)",
                abstract="OpenAlex abstract.",
                authors=(author("Yelong Shen", orcid="https://orcid.org/0000-0002-1825-009x"),),
                openalex_id="W3168867926",
                citation_count=110,
                work_type="article",
            ),
            wrec("crossref", "10.1/x", title="<i>LoRA</i>", citation_count=80),
        ],
        ids=Ids(arxiv_id="2106.09685", doi="10.1/x"),
    )
    tables = build_tables([entry], [work], [], [], snapshot_date=D1, previous=None)
    assert tables.works.to_pylist() == [
        blank_row(
            "works",
            work_id="doi:10.1/x",
            title="LoRA: Low-Rank Adaptation of Large Language Models",
            abstract="We propose LoRA.",
            abstract_source="arxiv",
            authors=[
                {"name": "J. E. Hu", "s2_author_id": "1", "orcid": None},
                {"name": "Yelong Shen", "s2_author_id": "2", "orcid": "0000-0002-1825-009X"},
            ],
            year=2022,
            publication_date=date(2022, 4, 25),
            venue="ICLR",
            work_type="article",
            arxiv_id="2106.09685",
            doi="10.1/x",
            s2_paper_id="a" * 40,
            corpus_id=235458009,
            openalex_id="W3168867926",
            citation_count=120,
            citation_count_source="s2",
            citation_count_as_of=D1,
            citation_count_s2=120,
            citation_count_s2_as_of=D1,
            citation_count_openalex=110,
            citation_count_openalex_as_of=D1,
            citation_count_crossref=80,
            citation_count_crossref_as_of=D1,
            influential_citation_count=12,
            influential_citation_count_as_of=D1,
            reference_count=60,
            tldr="Freeze the weights, train low-rank updates.",
            match_method="identifier",
            list_ids=["l"],
            entry_ids=["l:1"],
            entry_count=1,
            sources=["arxiv", "crossref", "openalex", "s2"],
            **ALL_OK,
            status="ok",
            metadata_as_of=D1,
        )
    ]


def test_abstract_falls_back_to_openalex_then_crossref_jats() -> None:
    works = [
        resolved(
            "doi:10.1/a",
            ["l:1"],
            [
                wrec("s2", "DOI:10.1/a", title="A", citation_count=None),
                wrec(
                    "openalex", "doi:10.1/a", abstract="Rebuilt  from the\ninverted index.", citation_count=4
                ),
            ],
        ),
        resolved(
            "doi:10.1/b",
            ["l:2"],
            [
                wrec(
                    "crossref",
                    "10.1/b",
                    title="B",
                    abstract="<jats:title>Abstract</jats:title><jats:p>B.</jats:p>",
                )
            ],
        ),
    ]
    entries = [paper("l:1", "l", 1, "A", doi="10.1/a"), paper("l:2", "l", 2, "B", doi="10.1/b")]
    rows = build_tables(entries, works, [], [], snapshot_date=D1, previous=None).works.to_pylist()
    picked = [
        (r["work_id"], r["abstract"], r["abstract_source"], r["citation_count"], r["citation_count_source"])
        for r in rows
    ]
    assert picked == [
        ("doi:10.1/a", "Rebuilt from the inverted index.", "openalex", 4, "openalex"),
        ("doi:10.1/b", "B.", "crossref", None, None),
    ]


def test_title_only_work_with_no_records_is_local() -> None:
    entry = paper("l:9", "l", 9, "A Survey of Things", year=2023, authors_raw="Ada Lovelace")
    work = resolved(
        "title:a survey of things",
        ["l:9"],
        method=MatchMethod.ABSTAINED,
        score=0.71,
        local_title="A Survey of  Things",
        local_year=2023,
        local_authors=("Ada Lovelace",),
    )
    rows = build_tables([entry], [work], [], [], snapshot_date=D1, previous=None).works.to_pylist()
    assert rows == [
        blank_row(
            "works",
            work_id="title:a survey of things",
            title="A Survey of Things",
            authors=[{"name": "Ada Lovelace", "s2_author_id": None, "orcid": None}],
            year=2023,
            match_method="abstained",
            match_score=0.71,
            list_ids=["l"],
            entry_ids=["l:9"],
            entry_count=1,
            **NONE_ASKED,
            status="local",
        )
    ]


def test_one_work_row_from_entries_in_several_lists() -> None:
    entries = [paper("a:1", "a", 1, "X", arxiv_id="1"), paper("b:7", "b", 7, "X", arxiv_id="1")]
    work = resolved("arxiv:1", ["b:7", "a:1"], [wrec("s2", "ARXIV:1", title="X", citation_count=3)])
    tables = build_tables(entries, [work], [], [], snapshot_date=D1, previous=None)
    (row,) = tables.works.to_pylist()
    assert (row["list_ids"], row["entry_ids"], row["entry_count"]) == (["a", "b"], ["a:1", "b:7"], 2)
    assert tables.entries.column("work_id").to_pylist() == ["arxiv:1", "arxiv:1"]


def test_repos_one_row_per_repo_case_insensitive_and_renames_followed() -> None:
    entries = [
        repo_entry("a:1", "a", 1, "Old-Owner/Tool"),
        repo_entry("b:1", "b", 1, "new-owner/tool"),
        repo_entry("b:2", "b", 2, "Other/Thing"),
    ]
    records = [
        repo(
            "old-owner/tool",
            status=FetchStatus.MOVED,
            moved_to="New-Owner/Tool",
            full_name="New-Owner/Tool",
            github_id=42,
            stars=10,
            forks=2,
            open_issues=3,
            watchers=4,
            pushed_at="2026-11-01T10:00:00Z",
            created_at="2020-01-02T03:04:05Z",
            archived=False,
            license="MIT",
            topics=("llm", "medicine"),
            description="A  tool",
            language="Python",
        ),
        repo("new-owner/tool", full_name="New-Owner/Tool", github_id=42, stars=10, forks=2),
        repo("other/thing", status=FetchStatus.NOT_FOUND, reason="HTTP 404"),
    ]
    tables = build_tables(entries, [], records, [], snapshot_date=D1, previous=None)
    from datetime import UTC, datetime

    assert tables.repos.to_pylist() == [
        blank_row(
            "repos",
            repo_id="new-owner/tool",
            full_name="New-Owner/Tool",
            previous_names=["old-owner/tool"],
            github_id=42,
            stars=10,
            stars_as_of=D1,
            forks=2,
            topics=[],
            status="ok",
            fetch_status="ok",
            fetched_at=T1,
            list_ids=["a", "b"],
            entry_count=2,
        ),
        blank_row(
            "repos",
            repo_id="other/thing",
            full_name="other/thing",
            status="not_found",
            fetch_status="not_found",
            fetch_reason="HTTP 404",
            list_ids=["b"],
            entry_count=1,
        ),
    ]
    assert tables.entries.column("repo_id").to_pylist() == ["new-owner/tool", "new-owner/tool", "other/thing"]
    # with only the moved record, its data is used and the old name kept
    alone = build_tables(entries[:1], [], records[:1], [], snapshot_date=D1, previous=None).repos.to_pylist()
    assert alone == [
        blank_row(
            "repos",
            repo_id="new-owner/tool",
            full_name="New-Owner/Tool",
            previous_names=["old-owner/tool"],
            github_id=42,
            stars=10,
            stars_as_of=D1,
            forks=2,
            open_issues=3,
            watchers=4,
            pushed_at=datetime(2026, 11, 1, 10, 0, tzinfo=UTC),
            created_at=datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC),
            archived=False,
            license="MIT",
            topics=["llm", "medicine"],
            description="A tool",
            language="Python",
            status="ok",
            fetch_status="moved",
            fetched_at=T1,
            list_ids=["a"],
            entry_count=1,
        )
    ]


def test_hf_items_deduplicated_case_insensitively_with_hub_spelling() -> None:
    entries = [
        hf_entry("a:1", "a", 1, "model", "org/tiny-model"),
        hf_entry("b:1", "b", 1, "model", "Org/Tiny-Model"),
        hf_entry("b:2", "b", 2, "dataset", "org/data"),
    ]
    records = [
        hf(
            "model",
            "Org/Tiny-Model",
            likes=5,
            downloads=70,
            last_modified="2026-10-01T00:00:00.000Z",
            gated=False,
            tags=("medical", "arxiv:2106.09685"),
            arxiv_ids=("2106.09685",),
        ),
        hf("dataset", "org/data", status=FetchStatus.DEFERRED),
    ]
    tables = build_tables(entries, [], [], records, snapshot_date=D1, previous=None)
    from datetime import UTC, datetime

    assert tables.hf_items.to_pylist() == [
        blank_row(
            "hf_items",
            hf_item_id="dataset:org/data",
            kind="dataset",
            hf_id="org/data",
            status="unavailable",
            fetch_status="deferred",
            list_ids=["b"],
            entry_count=1,
        ),
        blank_row(
            "hf_items",
            hf_item_id="model:org/tiny-model",
            kind="model",
            hf_id="Org/Tiny-Model",
            likes=5,
            likes_as_of=D1,
            downloads=70,
            downloads_as_of=D1,
            last_modified=datetime(2026, 10, 1, tzinfo=UTC),
            gated=False,
            tags=["medical", "arxiv:2106.09685"],
            arxiv_ids=["2106.09685"],
            status="ok",
            fetch_status="ok",
            fetched_at=T1,
            list_ids=["a", "b"],
            entry_count=2,
        ),
    ]
    assert tables.entries.column("hf_item_id").to_pylist() == [
        "model:org/tiny-model",
        "model:org/tiny-model",
        "dataset:org/data",
    ]


def test_entries_rows_carry_parse_columns_and_links_sorted_by_entry_id() -> None:
    entries = [
        repo_entry("z:1", "z", 1, "Owner/Repo"),
        paper(
            "a:1",
            "a",
            4,
            "T",
            arxiv_id="2101.00001",
            arxiv_version=2,
            urls=("https://arxiv.org/abs/2101.00001v2",),
        ),
    ]
    work = resolved("arxiv:2101.00001", ["a:1"])
    rows = build_tables(entries, [work], [], [], snapshot_date=D1, previous=None).entries.to_pylist()
    assert rows == [
        blank_row(
            "entries",
            entry_id="a:1",
            list_id="a",
            line=4,
            section="Papers",
            kind="paper",
            title="T",
            arxiv_id="2101.00001",
            arxiv_version=2,
            urls=["https://arxiv.org/abs/2101.00001v2"],
            work_key="entry:a:1",
            work_id="arxiv:2101.00001",
            entity_id="arxiv:2101.00001",
        ),
        blank_row(
            "entries",
            entry_id="z:1",
            list_id="z",
            line=1,
            section="Code",
            kind="repo",
            name="Repo",
            github_repo="owner/repo",
            urls=["https://github.com/Owner/Repo"],
            work_key="github:owner/repo",
            repo_id="owner/repo",
            entity_id="repo:owner/repo",
        ),
    ]


def test_metrics_history_holds_tonights_observations_sorted() -> None:
    entries = [
        paper("l:1", "l", 1, "X", arxiv_id="1"),
        repo_entry("l:2", "l", 2, "o/r"),
        hf_entry("l:3", "l", 3, "space", "o/s"),
    ]
    work = resolved(
        "arxiv:1",
        ["l:1"],
        [
            wrec("s2", "ARXIV:1", citation_count=7, influential_citation_count=1),
            wrec("openalex", "W1", citation_count=6),
            wrec("crossref", "10.1/x", status=FetchStatus.ERROR),
        ],
    )
    tables = build_tables(
        entries,
        [work],
        [repo("o/r", stars=3, forks=1, open_issues=0, watchers=None)],
        [hf("space", "o/s", likes=2, downloads=None)],
        snapshot_date=D1,
        previous=None,
    )
    got = [
        (r["entity_type"], r["entity_id"], r["metric"], r["source"], r["value"], r["observed_at"])
        for r in tables.metrics_history.to_pylist()
    ]
    assert got == [
        ("hf_item", "space:o/s", "likes", "huggingface", 2, T1),
        ("repo", "o/r", "forks", "github", 1, T1),
        ("repo", "o/r", "open_issues", "github", 0, T1),
        ("repo", "o/r", "stars", "github", 3, T1),
        ("work", "arxiv:1", "citation_count", "openalex", 6, T1),
        ("work", "arxiv:1", "citation_count", "s2", 7, T1),
        ("work", "arxiv:1", "influential_citation_count", "s2", 1, T1),
    ]


def test_every_table_has_its_schema_with_version_metadata() -> None:
    tables = build_tables([], [], [], [], snapshot_date=D1, previous=None)
    for name, table in tables.items():
        assert table.schema.equals(SCHEMAS[name], check_metadata=True), name
        assert table.schema.metadata[b"schema_version"] == b"1.2"
        assert table.num_rows == 0


def test_tables_rejects_a_table_with_the_wrong_schema() -> None:
    good = build_tables([], [], [], [], snapshot_date=D1, previous=None)
    with pytest.raises(ValueError, match="works"):
        type(good)(**{**{n: t for n, t in good.items()}, "works": pa.table({"x": [1]})})


def test_nullable_integers_stay_integers() -> None:
    entries = [repo_entry("l:1", "l", 1, "a/b"), repo_entry("l:2", "l", 2, "c/d")]
    tables = build_tables(entries, [], [repo("a/b", stars=5)], [], snapshot_date=D1, previous=None)
    stars = tables.repos.column("stars")
    assert stars.type == pa.int64()
    assert stars.to_pylist() == [5, None]


def test_tables_rejects_nulls_in_required_columns() -> None:
    good = build_tables([], [], [], [], snapshot_date=D1, previous=None)
    bad = pa.Table.from_pylist([{"repo_id": None, "full_name": "x"}], schema=SCHEMAS["repos"])
    with pytest.raises(ValueError, match="'repos': column 'repo_id' may not be null"):
        type(good)(**{**dict(good.items()), "repos": bad})


def test_previous_rows_read_like_the_dict_of_all_rows_across_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    """The previous snapshot's rows are made a slice at a time; reading them in any order, with the
    slice cache evicting, gives exactly ``{row[key]: row for row in table.to_pylist()}``."""
    monkeypatch.setattr(PreviousRows, "SLICE", 3)
    monkeypatch.setattr(PreviousRows, "KEPT", 2)
    keys = [f"k{i:02d}" for i in range(20)] + ["k05", "k11"]  # a repeated key: the last row wins
    table = pa.table({"id": keys, "n": list(range(len(keys))), "tags": [[k, "x"] for k in keys]})
    expected = {row["id"]: row for row in table.to_pylist()}
    rows = PreviousRows[str].of(table, "id")
    assert list(rows) == list(expected) and len(rows) == len(expected)
    for key in [*reversed(list(expected)), *expected, "k05", "k00", "k19", "k11"]:
        assert rows[key] == expected[key]
    assert dict(rows.items()) == expected
    assert list(rows.column("n")) == [(k, r["n"]) for k, r in expected.items()]
    assert "k99" not in rows and rows.get("k99") is None
    with pytest.raises(KeyError):
        rows["k99"]


def test_previous_rows_read_in_order_stream_and_never_decode_the_whole_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Read in the table's order the rows come from one pass over the stream; one read behind it
    makes the rest come from the whole table, with the same rows."""
    from enrich.tables import PreviousSnapshot

    monkeypatch.setattr(PreviousRows, "SLICE", 4)
    from .helpers import blank_row

    works = pa.Table.from_pylist(
        [blank_row("works", work_id=f"w{i:02d}", title=f"Title {i}", year=2000 + i) for i in range(11)],
        schema=SCHEMAS["works"],
    )
    expected = {row["work_id"]: row for row in works.to_pylist()}
    previous = PreviousSnapshot.of(D1, works=works)
    asked: list[object] = []
    table = previous.table

    def spy(name: str, columns: object = None) -> pa.Table:
        asked.append(columns)
        return table(name, columns)  # type: ignore[arg-type]

    object.__setattr__(previous, "table", spy)  # a frozen dataclass: the decodes it is asked for, counted
    rows = previous.rows("works", "work_id")
    for key in ["w00", "w02", "w05", "w06", "w10"]:  # forward, skipping pieces
        assert rows[key] == expected[key]
    assert asked == [["work_id"]]  # the key column alone: no whole table
    assert rows["w01"] == expected["w01"]  # behind the stream: the whole table from now on
    assert asked == [["work_id"], None]
    assert dict(rows.items()) == expected
    assert list(rows.column("year")) == [(k, r["year"]) for k, r in expected.items()]


def test_tables_converted_in_slices_are_the_table_of_all_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows become Arrow a slice at a time (freed as they go); the table is the same, in one chunk."""
    import enrich.tables.build as tables

    monkeypatch.setattr(tables, "_CONVERT_ROWS", 4)
    at = datetime(2026, 11, 21, 3, tzinfo=UTC)
    rows = [
        {"entity_type": "repo", "entity_id": f"o/r{i:02d}", "metric": ("stars", "forks")[i % 2],
         "source": "github", "value": i, "observed_at": at}
        for i in reversed(range(23))
    ]  # fmt: skip
    schema = SCHEMAS["metrics_history"]
    keys = tables.TABLE_KEYS["metrics_history"]
    expected = pa.Table.from_pylist(sorted(rows, key=lambda r: tuple(r[k] for k in keys)), schema=schema)
    given = list(rows)
    table = tables._table("metrics_history", given)
    assert table.equals(expected)
    assert {table.column(i).num_chunks for i in range(table.num_columns)} == {1}
    assert given == []  # consumed
