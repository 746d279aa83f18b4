"""The schemas are the contract: versioned, documented column by column, forward-readable."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from enrich.schemas import (
    COLUMN_NOTES,
    ENTRIES_SCHEMA,
    SCHEMA_VERSION,
    SCHEMAS,
    TABLE_KEYS,
    WORKS_SCHEMA,
    conform,
    data_dictionary_markdown,
)


def test_every_schema_carries_version_and_table_name() -> None:
    assert SCHEMA_VERSION == "1.2"
    for name, schema in SCHEMAS.items():
        assert schema.metadata == {b"schema_version": b"1.2", b"table": name.encode()}


def test_every_column_is_documented_with_its_source() -> None:
    for name, schema in SCHEMAS.items():
        for field in schema:
            meta = field.metadata or {}
            assert meta.get(b"doc"), f"{name}.{field.name} has no doc"
            assert meta.get(b"source"), f"{name}.{field.name} has no source"


def test_keys_are_non_nullable_columns() -> None:
    for name, keys in TABLE_KEYS.items():
        for key in keys:
            assert SCHEMAS[name].field(key).nullable is False, (name, key)


def test_issue_columns_are_present() -> None:
    required = {
        "works": "work_id title abstract abstract_source authors year venue arxiv_id doi citation_count "
        "citation_count_s2 citation_count_openalex match_method match_score",
        "repos": "repo_id full_name stars stars_as_of forks pushed_at archived status",
        "entries": "work_id repo_id",
        "metrics_history": "entity_type entity_id metric value source",
        "list_changes": "list_id entry_id change",
    }
    for name, cols in required.items():
        missing = set(cols.split()) - set(SCHEMAS[name].names)
        assert not missing, (name, missing)


def test_types_of_note() -> None:
    assert WORKS_SCHEMA.field("authors").type == pa.list_(
        pa.struct(
            [
                pa.field("name", pa.string(), nullable=False),
                pa.field("s2_author_id", pa.string()),
                pa.field("orcid", pa.string()),
            ]
        )
    )
    assert WORKS_SCHEMA.field("publication_date").type == pa.date32()
    assert SCHEMAS["repos"].field("pushed_at").type == pa.timestamp("us", tz="UTC")
    assert SCHEMAS["repos"].field("stars").type == pa.int64()


def test_conform_reads_an_older_minor_version_with_new_columns_null() -> None:
    old = pa.table({"work_id": ["w1"], "title": ["T"], "match_method": ["local"], "list_ids": [["l"]],
                    "entry_ids": [["l:1"]], "entry_count": pa.array([1], pa.int32()), "authors": [[]],
                    "sources": [[]], "status_arxiv": ["ok"], "status_s2": ["ok"], "status_openalex": ["ok"],
                    "status_crossref": ["ok"], "status": ["ok"], "retired_column": [1]})  # fmt: skip
    got = conform(old, WORKS_SCHEMA)
    assert got.schema == WORKS_SCHEMA
    row = got.to_pylist()[0]
    assert (row["work_id"], row["title"], row["citation_count"], row["tldr"]) == ("w1", "T", None, None)
    assert "retired_column" not in got.column_names


def test_conform_refuses_a_missing_required_column() -> None:
    with pytest.raises(ValueError, match="'work_id' is missing"):
        conform(pa.table({"title": ["T"]}), WORKS_SCHEMA)


def test_data_dictionary_lists_every_column_once() -> None:
    text = data_dictionary_markdown()
    for name, schema in SCHEMAS.items():
        assert f"## `{name}`" in text
        for field in schema:
            assert f"| `{field.name}` |" in text
    assert "| `authors` | list<struct<name, s2_author_id, orcid>> | no |" in text
    assert "| `pushed_at` | timestamp[us, UTC] | yes | github | last push (UTC) |" in text


def test_entries_schema_extends_the_parse_stage_schema_unchanged() -> None:
    from enrich.parsing import ENTRIES_PARSE_SCHEMA

    parse_part = pa.schema(list(ENTRIES_SCHEMA)[: len(ENTRIES_PARSE_SCHEMA)])
    assert parse_part.equals(ENTRIES_PARSE_SCHEMA, check_metadata=False)
    assert ENTRIES_SCHEMA.names[len(ENTRIES_PARSE_SCHEMA) :] == [
        "work_id",
        "repo_id",
        "hf_item_id",
        "link_check",
        "entity_id",
    ]


def test_the_committed_data_dictionary_is_the_generated_one() -> None:
    """docs/data-dictionary.md is generated from the schemas (one place for every column's meaning)."""
    committed = (Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md").read_text(
        encoding="utf-8"
    )
    assert committed == data_dictionary_markdown(), (
        "regenerate it: uv run --frozen python -m enrich.schemas > docs/data-dictionary.md"
    )


def test_column_notes_name_real_columns_and_are_printed() -> None:
    text = data_dictionary_markdown()
    assert f"Schema version **{SCHEMA_VERSION}**" in text
    for table, notes in COLUMN_NOTES.items():
        for column, note in notes.items():
            assert column in SCHEMAS[table].names
            assert f"- `{column}`: {note}" in text
