"""What every snapshot schema is built from: the version, shared Arrow types, and the column helper.

A column is declared once, with its documentation (``doc``) and where its value comes from
(``source``); both travel as field metadata inside every Parquet file (see :mod:`enrich.schemas`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pyarrow as pa

SCHEMA_VERSION: Final = "1.2"

DATE: Final = pa.date32()
TIMESTAMP: Final = pa.timestamp("us", tz="UTC")
STRINGS: Final = pa.list_(pa.string())

PAPER_REF_TYPE: Final = pa.struct(
    [pa.field("ref", pa.string(), nullable=False), pa.field("found_in", pa.string(), nullable=False)]
)
ENTITY_LINK_TYPE: Final = pa.struct(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("link_source", pa.string(), nullable=False),
        pa.field("confidence", pa.float64()),
    ]
)

AUTHOR_TYPE: Final = pa.struct(
    [
        pa.field("name", pa.string(), nullable=False),
        pa.field("s2_author_id", pa.string()),
        pa.field("orcid", pa.string()),
    ]
)


@dataclass(frozen=True, slots=True)
class _Col:
    name: str
    type: pa.DataType
    nullable: bool
    source: str
    doc: str

    def field(self) -> pa.Field:
        meta = {b"doc": self.doc.encode(), b"source": self.source.encode()}
        return pa.field(self.name, self.type, nullable=self.nullable, metadata=meta)


def _schema(table: str, cols: list[_Col]) -> pa.Schema:
    meta = {b"schema_version": SCHEMA_VERSION.encode(), b"table": table.encode()}
    return pa.schema([c.field() for c in cols], metadata=meta)


def _c(name: str, type_: pa.DataType, source: str, doc: str, *, nullable: bool = True) -> _Col:
    return _Col(name, type_, nullable, source, doc)


_FETCH_STATUS_DOC = (
    "tonight's raw answer for this item: ok, not_found, moved, rate_limited, deferred, missing, error, "
    "or not_requested (no request was made tonight)"
)
