"""Parsing raw lists into the entries table (no network).

``parse_paths([...])`` reads list files and directories (``.md``/``.markdown`` as markdown,
``.txt`` as a plain-text rendering) and returns one :class:`Entry` per list entry, with the
identifiers read off its URLs (:mod:`enrich.ids`), a stable ``entry_id`` and a local ``work_key``.
"""

from enrich.parsing.api import (
    assign_work_keys,
    count_links,
    parse_file,
    parse_file_summarized,
    parse_paths,
    parse_text,
    summarize,
)
from enrich.parsing.entry import KINDS, LOW_CONFIDENCE, SHAPES, Entry, ListSummary, ParseResult
from enrich.parsing.reader import MAX_FILE_BYTES
from enrich.parsing.table import ENTRIES_PARSE_SCHEMA, entries_to_table, write_entries

__all__ = [
    "ENTRIES_PARSE_SCHEMA",
    "KINDS",
    "LOW_CONFIDENCE",
    "MAX_FILE_BYTES",
    "SHAPES",
    "Entry",
    "ListSummary",
    "ParseResult",
    "assign_work_keys",
    "count_links",
    "entries_to_table",
    "parse_file",
    "parse_file_summarized",
    "parse_paths",
    "parse_text",
    "summarize",
    "write_entries",
]
