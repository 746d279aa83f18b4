"""The snapshot tables' explicit pyarrow schemas: the contract analysts and other teams read.

Every column carries its own documentation as field metadata (``doc``: meaning, ``source``: where the
value comes from; it travels inside every Parquet file, so it is kept short). Longer notes for readers
(examples of what the parser reads, pointers to the rules) are in :data:`COLUMN_NOTES`, which only the
documentation uses. ``docs/data-dictionary.md`` is generated from both by :func:`data_dictionary_markdown`
(``python -m enrich.schemas > docs/data-dictionary.md``; a test fails when the committed file differs).
Each schema's metadata carries ``schema_version`` and the table name.

``snapshot_date`` is not stored inside the files: it is the Hive partition key of the directory
``<table>/snapshot_date=YYYY-MM-DD/``, which pandas, ``pyarrow.dataset``, DuckDB and Polars turn into a
column.

Schema-version policy (``MAJOR.MINOR``):

* MINOR goes up when nullable columns are **added** (old readers keep working; :func:`conform` fills
  the new columns with nulls when older snapshots are read back).
* MINOR also goes up when a column of named values gains a new value (``list_changes.change``
  gained ``edited`` in 1.1): values that existed keep their meaning, so filters on them still work.
* Columns added within one release share its MINOR bump (``entries.link_check`` joined 1.1).
* A new table is a MINOR change too (no existing column changes): 1.2 added ``entities`` with
  ``entries.entity_id``, ``repos.homepage``, ``repos.paper_refs`` and ``hf_items.card_refs``.
* MAJOR goes up when a column is renamed, removed, re-typed or changes meaning.

Integers that may be missing stay integers (nullable ``int64``/``int32``), never floats with NaN.

The schemas are declared one table a module (:mod:`~enrich.schemas.entries`, ``works``, ``items``,
``history``, ``entities``, from the helpers in :mod:`~enrich.schemas.base`); :mod:`~enrich.schemas.registry`
names them, and :mod:`~enrich.schemas.dictionary` writes the documentation. Import from this package.
"""

from __future__ import annotations

from enrich.schemas.base import AUTHOR_TYPE, ENTITY_LINK_TYPE, PAPER_REF_TYPE, SCHEMA_VERSION
from enrich.schemas.dictionary import COLUMN_NOTES, data_dictionary_markdown
from enrich.schemas.entities import ENTITIES_SCHEMA
from enrich.schemas.entries import ENTRIES_PARSE_SCHEMA, ENTRIES_SCHEMA
from enrich.schemas.history import LIST_CHANGES_SCHEMA, METRICS_HISTORY_SCHEMA
from enrich.schemas.items import HF_ITEMS_SCHEMA, REPOS_SCHEMA
from enrich.schemas.registry import SCHEMAS, TABLE_KEYS, TABLE_NAMES, conform, empty_table
from enrich.schemas.works import WORKS_SCHEMA

__all__ = [
    "AUTHOR_TYPE",
    "COLUMN_NOTES",
    "ENTITIES_SCHEMA",
    "ENTITY_LINK_TYPE",
    "ENTRIES_PARSE_SCHEMA",
    "ENTRIES_SCHEMA",
    "HF_ITEMS_SCHEMA",
    "LIST_CHANGES_SCHEMA",
    "METRICS_HISTORY_SCHEMA",
    "PAPER_REF_TYPE",
    "REPOS_SCHEMA",
    "SCHEMAS",
    "SCHEMA_VERSION",
    "TABLE_KEYS",
    "TABLE_NAMES",
    "WORKS_SCHEMA",
    "conform",
    "data_dictionary_markdown",
    "empty_table",
]
