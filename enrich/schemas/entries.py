"""The ``entries`` table (one row per list entry) and its parse-stage part, which :mod:`enrich.parsing` writes.

The one description of the entries table: ``enrich parse`` writes the parse columns
(:data:`ENTRIES_PARSE_SCHEMA`, without the documentation metadata), the snapshot adds the link columns.
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa

from enrich.schemas.base import STRINGS, _c, _schema

_ENTRY_PARSE_COLS: Final = [
    _c("entry_id", pa.string(), "parse", "stable id of the entry (unique across lists)", nullable=False),
    _c("list_id", pa.string(), "parse", "id of the list the entry was read from", nullable=False),
    _c("line", pa.int32(), "parse", "1-based line of the entry in the list file", nullable=False),
    _c("section", pa.string(), "parse", "heading path the entry sits under"),
    _c("kind", pa.string(), "parse", "paper, repo, model, dataset or resource", nullable=False),
    _c("name", pa.string(), "parse", "display name / link text as written in the list"),
    _c("title", pa.string(), "parse", "paper title as written in the list, cleaned"),
    _c("authors_raw", pa.string(), "parse", "author text as written in the list"),
    _c("year", pa.int32(), "parse", "year written in the list"),
    _c("venue_raw", pa.string(), "parse", "venue text as written in the list"),
    _c("arxiv_id", pa.string(), "parse", "normalised arXiv id read off the entry (no version)"),
    _c("arxiv_version", pa.int32(), "parse", "arXiv version the entry links to"),
    _c("doi", pa.string(), "parse", "lower-case DOI read off the entry"),
    _c("pmcid", pa.string(), "parse", "PMC id read off the entry (PMC1234567)"),
    _c("pmid", pa.string(), "parse", "PubMed id read off the entry"),
    _c("acl_id", pa.string(), "parse", "ACL Anthology id read off the entry"),
    _c("s2_corpus_id", pa.int64(), "parse", "Semantic Scholar CorpusId read off the entry"),
    _c("github_repo", pa.string(), "parse", "lower-case owner/name of a GitHub repo the entry links"),
    _c("hf_id", pa.string(), "parse", "Hugging Face id the entry links (org/name)"),
    _c("hf_kind", pa.string(), "parse", "model, dataset or space (with hf_id)"),
    _c("urls", STRINGS, "parse", "every URL of the entry, in order", nullable=False),
    _c(
        "work_key",
        pa.string(),
        "parse",
        "parse-time key shared by entries naming the same thing",
        nullable=False,
    ),
    _c("description", pa.string(), "parse", "the entry's free text"),
    _c(
        "citation_raw",
        pa.string(),
        "parse",
        "the whole reference string when the entry is written as a citation (for bibliographic matching)",
    ),
    _c(
        "parse_shape",
        pa.string(),
        "parse",
        "which recognised entry shape produced the row (see parse shapes)",
    ),
    _c(
        "parse_confidence",
        pa.float32(),
        "parse",
        "0-1: how sure the parser is that the row is an entry and its fields are split right",
    ),
]
# Set when the snapshot is built (links to the other tables), after the parse columns.
_ENTRY_LINK_COLS: Final = [
    _c("work_id", pa.string(), "resolve", "works.work_id this entry resolved to; null if not a work"),
    _c("repo_id", pa.string(), "github", "repos.repo_id of its repo, renames followed; null if none"),
    _c("hf_item_id", pa.string(), "parse", "hf_items.hf_item_id of its Hugging Face item; null if none"),
    _c(
        "link_check",
        pa.string(),
        "resolve",
        "does the work the entry's paper id names carry its title or name: ok, title_mismatch (the id "
        "names another paper; the entry was not joined through it), id_not_found (every source said the "
        "id does not exist) or unchecked (no title, no answer tonight, or not a paper row); null when the "
        "entry carries no paper id (since 1.1)",
    ),
    _c(
        "entity_id",
        pa.string(),
        "derived",
        "entities.entity_id of the thing the entry names: its work's entity, else its repo's, else its "
        "Hugging Face item's; null when it names none of them (since 1.2)",
    ),
]

ENTRIES_SCHEMA: Final = _schema("entries", _ENTRY_PARSE_COLS + _ENTRY_LINK_COLS)
ENTRIES_PARSE_SCHEMA: Final = pa.schema(
    [pa.field(c.name, c.type, nullable=c.nullable) for c in _ENTRY_PARSE_COLS],
    metadata={b"table": b"entries (parse stage)"},
)
"""The columns ``enrich parse`` writes: the first ones of :data:`ENTRIES_SCHEMA`, with no field metadata."""
