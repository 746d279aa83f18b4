"""What the report's DuckDB queries share: views over history partitions, rows as dicts, short labels."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from enrich.snapshot import PART_FILE, partition_path


def _sql_list(paths: Sequence[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def _history_view(con: duckdb.DuckDBPyConnection, out: Path, table: str, days: Sequence[date]) -> None:
    paths = [partition_path(out, table, d) / PART_FILE for d in days]
    paths = [p for p in paths if p.is_file()]
    if not paths:
        con.execute(f"create view h_{table} as select * from cur_{table} where false")
        return
    con.execute(
        f"create view h_{table} as select * from read_parquet({_sql_list(paths)}, "
        "hive_partitioning = true, union_by_name = true)"
    )


def _series(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()
) -> tuple[dict[str, Any], ...]:
    rel = con.execute(sql, list(params))
    names = [d[0] for d in rel.description or ()]
    out = []
    for row in rel.fetchall():
        item = dict(zip(names, row, strict=True))
        for k, v in item.items():
            if isinstance(v, date):
                item[k] = v.isoformat()
        out.append(item)
    return tuple(out)


def _short(text: str | None, width: int = 48) -> str:
    text = (text or "").strip()
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
