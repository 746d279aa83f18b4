"""The snapshot contract read by other tools: pandas, pyarrow.dataset, DuckDB and Polars (Hive partitions).

The queries here are the README's one-liners, verbatim: the README test below checks they appear there.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow.dataset as ds
import pytest

from enrich.schemas import data_dictionary_markdown
from enrich.snapshot import read_previous, write_snapshot

from .helpers import D1, D2, T1, T2, build, lora_night, manifest

README = Path(__file__).resolve().parents[2] / "README.md"
ROOT = "data/enriched"

DUCKDB_LATEST = (
    "select * from read_parquet('data/enriched/works/*/*.parquet', hive_partitioning=true) "
    "where snapshot_date = (select max(snapshot_date) from read_json_auto('data/enriched/manifests/*.json'))"
)
DUCKDB_STARS = (
    "select snapshot_date, entity_id, value as stars "
    "from read_parquet('data/enriched/metrics_history/*/*.parquet', hive_partitioning=true) "
    "where metric = 'stars' order by entity_id, snapshot_date"
)
DUCKDB_CITATIONS = (
    "select snapshot_date, entity_id, source, value "
    "from read_parquet('data/enriched/metrics_history/*/*.parquet', hive_partitioning=true) "
    "where metric = 'citation_count' order by entity_id, source, snapshot_date"
)
DUCKDB_CHANGES = (
    "select snapshot_date, list_id, change, count(*) as entries "
    "from read_parquet('data/enriched/list_changes/*/*.parquet', hive_partitioning=true) "
    "group by all order by all"
)
PANDAS = 'pd.read_parquet("data/enriched/repos", filters=[("snapshot_date", "=", "2026-11-21")])'
PYARROW = (
    'ds.dataset("data/enriched/works", format="parquet", partitioning="hive")'
    '.to_table(filter=ds.field("snapshot_date") == "2026-11-21")'
)
POLARS = (
    'pl.scan_parquet("data/enriched/works/*/*.parquet", hive_partitioning=True)'
    '.filter(pl.col("snapshot_date") == pl.col("snapshot_date").max()).collect()'
)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("snapshots")
    write_snapshot(root, build(lora_night(T1), D1), manifest(D1, "n1"))
    write_snapshot(root, build(lora_night(T2, s2_ok=False), D2, read_previous(root, D2)), manifest(D2, "n2"))
    return root


def here(code: str, out: Path) -> str:
    return code.replace(ROOT, out.as_posix())


def test_duckdb_latest_snapshot_via_manifests(out: Path) -> None:
    rel = duckdb.sql(here(DUCKDB_LATEST, out))
    rows = rel.fetchall()
    cols = rel.columns
    assert len(rows) == 1
    row = dict(zip(cols, rows[0], strict=True))
    assert (row["work_id"], row["citation_count"], row["citation_count_as_of"], row["snapshot_date"]) == (
        "arxiv:2106.09685",
        100,
        D1,
        D2,
    )
    assert row["authors"] == []


def test_duckdb_history_in_one_query(out: Path) -> None:
    assert duckdb.sql(here(DUCKDB_STARS, out)).fetchall() == [
        (D1, "microsoft/lora", 1000),
        (D2, "microsoft/lora", 1001),
    ]
    assert duckdb.sql(here(DUCKDB_CITATIONS, out)).fetchall() == [
        (D1, "arxiv:2106.09685", "openalex", 90),
        (D2, "arxiv:2106.09685", "openalex", 91),
        (D1, "arxiv:2106.09685", "s2", 100),
    ]
    assert duckdb.sql(here(DUCKDB_CHANGES, out)).fetchall() == [
        (D1, "code", "gained", 1),
        (D1, "models", "gained", 1),
        (D1, "papers", "gained", 1),
    ]


def test_pandas_reads_hive_partitions(out: Path) -> None:
    frame = eval(here(PANDAS, out), {"pd": pd})
    assert frame["repo_id"].tolist() == ["microsoft/lora"]
    assert frame["stars"].tolist() == [1001]
    assert frame["snapshot_date"].astype(str).tolist() == ["2026-11-21"]


def test_pyarrow_dataset_reads_hive_partitions(out: Path) -> None:
    table = eval(here(PYARROW, out), {"ds": ds})
    assert table.column("citation_count_s2").to_pylist() == [100]
    assert table.column("citation_count_s2_as_of").to_pylist() == [D1]
    whole = ds.dataset(out / "works", format="parquet", partitioning="hive").to_table()
    assert sorted(whole.column("snapshot_date").to_pylist()) == ["2026-11-20", "2026-11-21"]


def test_polars_reads_hive_partitions(out: Path) -> None:
    frame = eval(here(POLARS, out), {"pl": pl})
    assert frame.select("work_id", "citation_count", "snapshot_date").rows() == [
        ("arxiv:2106.09685", 100, D2)
    ]
    assert frame.schema["authors"] == pl.List(
        pl.Struct({"name": pl.String, "s2_author_id": pl.String, "orcid": pl.String})
    )


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- SECTION:snapshots -->(.*)<!-- /SECTION:snapshots -->", text, re.S)
    assert match is not None
    return match.group(1)


def test_readme_shows_exactly_these_one_liners() -> None:
    section = _section()
    for sql in (DUCKDB_LATEST, DUCKDB_STARS, DUCKDB_CITATIONS, DUCKDB_CHANGES):
        assert f'uv run --frozen python -c "import duckdb; duckdb.sql(\\"{sql}\\").show()"' in section
    for code in (PANDAS, PYARROW, POLARS, 'enrich.load("works", snapshot="latest")'):
        assert code in section


def _without_1_2(text: str) -> str:
    """The dictionary less the 1.2 additions (the ``entities`` table and the "(since 1.2)" columns): the
    README is rewritten on another branch; until it is regenerated they are documented in docs/entities.md."""
    sections = text.split("#### ")
    kept = "#### ".join(s for s in sections if not s.startswith("`entities`")).rstrip("\n") + "\n"
    return "".join(line for line in kept.splitlines(keepends=True) if "(since 1.2)" not in line)


def test_readme_data_dictionary_matches_the_schemas() -> None:
    expected = _without_1_2(data_dictionary_markdown())
    assert expected in _section(), "regenerate it: uv run --frozen python -m enrich.schemas"


def test_docs_entities_holds_the_1_2_additions_of_the_data_dictionary() -> None:
    docs = (README.parent / "docs" / "entities.md").read_text(encoding="utf-8")
    text = data_dictionary_markdown()
    entities = "#### " + next(s for s in text.split("#### ") if s.startswith("`entities`"))
    assert entities.strip() in docs
    for line in text.splitlines():
        if "(since 1.2)" in line:
            assert line in docs
