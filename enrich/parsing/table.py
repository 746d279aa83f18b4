"""The entries table of the parse stage: conversion to Arrow and an atomic Parquet writer.

Its schema, :data:`ENTRIES_PARSE_SCHEMA`, is the parse part of the snapshot's entries schema
(:mod:`enrich.schemas.entries`, the one description of the table).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.parquet as pq

from enrich.atomic import atomic_write
from enrich.errors import EnrichError
from enrich.parsing.entry import Entry
from enrich.schemas import ENTRIES_PARSE_SCHEMA

__all__ = ["ENTRIES_PARSE_SCHEMA", "entries_to_table", "write_entries"]

_COLUMNS: Final = tuple(ENTRIES_PARSE_SCHEMA.names)


def entries_to_table(entries: Sequence[Entry]) -> pa.Table:
    """The entries as an Arrow table with :data:`ENTRIES_PARSE_SCHEMA`, rows in the given order."""
    columns = {name: [getattr(e, name) for e in entries] for name in _COLUMNS}
    columns["urls"] = [list(u) for u in columns["urls"]]
    return pa.Table.from_pydict(columns, schema=ENTRIES_PARSE_SCHEMA)


def write_entries(entries: Sequence[Entry], out: Path) -> None:
    """Write ``entries`` to ``out`` (Parquet, zstd) atomically: a temp file beside it, then a rename.

    An existing ``out`` is replaced only by a complete file; on any failure it is left untouched
    and the temp file is removed. Raises :class:`EnrichError` naming ``out`` on failure.
    """
    table = entries_to_table(entries)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        mode = out.stat().st_mode & 0o777 if out.exists() else 0o644
        atomic_write(out, lambda fh: pq.write_table(table, fh, compression="zstd"), mode=mode)
    except (OSError, pa.ArrowException) as exc:
        raise EnrichError(f"{out}: cannot write ({getattr(exc, 'strerror', None) or exc})") from None
