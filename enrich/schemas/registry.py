"""The snapshot tables by name: their schemas, the key each is sorted by, and reading older versions."""

from __future__ import annotations

from typing import Final

import pyarrow as pa

from enrich.schemas.entities import ENTITIES_SCHEMA
from enrich.schemas.entries import ENTRIES_SCHEMA
from enrich.schemas.history import LIST_CHANGES_SCHEMA, METRICS_HISTORY_SCHEMA
from enrich.schemas.items import HF_ITEMS_SCHEMA, REPOS_SCHEMA
from enrich.schemas.works import WORKS_SCHEMA

SCHEMAS: Final[dict[str, pa.Schema]] = {
    "entries": ENTRIES_SCHEMA,
    "works": WORKS_SCHEMA,
    "repos": REPOS_SCHEMA,
    "hf_items": HF_ITEMS_SCHEMA,
    "metrics_history": METRICS_HISTORY_SCHEMA,
    "list_changes": LIST_CHANGES_SCHEMA,
    "entities": ENTITIES_SCHEMA,
}
TABLE_NAMES: Final = tuple(SCHEMAS)

# The columns every table's rows are sorted by (its key).
TABLE_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "entries": ("entry_id",),
    "works": ("work_id",),
    "repos": ("repo_id",),
    "hf_items": ("hf_item_id",),
    "metrics_history": ("entity_type", "entity_id", "metric", "source"),
    "list_changes": ("list_id", "change", "entry_id"),
    "entities": ("entity_id",),
}


def empty_table(name: str) -> pa.Table:
    """A zero-row table of ``name``'s schema."""
    return SCHEMAS[name].empty_table()


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with exactly ``schema``'s columns: present ones cast, absent ones null.

    Reads snapshots written under an older MINOR schema version (fewer columns) as the current one.
    A non-nullable column missing from ``table`` is an error (that is a MAJOR change).
    """
    arrays = []
    for field in schema:
        if field.name in table.column_names:
            arrays.append(table.column(field.name).cast(field.type))
        elif field.nullable:
            arrays.append(pa.nulls(table.num_rows, field.type))
        else:
            raise ValueError(f"column {field.name!r} is missing and not nullable")
    return pa.Table.from_arrays(arrays, schema=schema)
