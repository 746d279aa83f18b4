"""The entries table: its explicit Arrow schema, conversion, and an atomic Parquet writer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.parquet as pq

from enrich.atomic import atomic_write
from enrich.errors import EnrichError
from enrich.parsing.entry import Entry

__all__ = ["ENTRIES_PARSE_SCHEMA", "entries_to_table", "write_entries"]

ENTRIES_PARSE_SCHEMA: Final = pa.schema(
    [
        pa.field("entry_id", pa.string(), nullable=False),
        pa.field("list_id", pa.string(), nullable=False),
        pa.field("line", pa.int32(), nullable=False),
        pa.field("section", pa.string()),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("name", pa.string()),
        pa.field("title", pa.string()),
        pa.field("authors_raw", pa.string()),
        pa.field("year", pa.int32()),
        pa.field("venue_raw", pa.string()),
        pa.field("arxiv_id", pa.string()),
        pa.field("arxiv_version", pa.int32()),
        pa.field("doi", pa.string()),
        pa.field("pmcid", pa.string()),
        pa.field("pmid", pa.string()),
        pa.field("acl_id", pa.string()),
        pa.field("s2_corpus_id", pa.int64()),
        pa.field("github_repo", pa.string()),
        pa.field("hf_id", pa.string()),
        pa.field("hf_kind", pa.string()),
        pa.field("urls", pa.list_(pa.string()), nullable=False),
        pa.field("work_key", pa.string(), nullable=False),
        pa.field("description", pa.string()),
        pa.field("citation_raw", pa.string()),
        pa.field("parse_shape", pa.string()),
        pa.field("parse_confidence", pa.float32()),
    ],
    metadata={b"table": b"entries (parse stage)"},
)
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
