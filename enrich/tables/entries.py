"""``entries`` rows: one per parsed entry, its parse columns as parsed (links are set by ``build``)."""

from __future__ import annotations

from typing import Final

from enrich.schemas import ENTRIES_PARSE_SCHEMA
from enrich.tables.common import EntryLike, Row

PARSE_COLUMNS: Final = tuple(ENTRIES_PARSE_SCHEMA.names)


def entry_row(entry: EntryLike) -> Row:
    row: Row = {}
    for name in PARSE_COLUMNS:
        value = getattr(entry, name, None)
        row[name] = list(value) if isinstance(value, tuple) else value
    if row.get("urls") is None:
        row["urls"] = []
    return row
