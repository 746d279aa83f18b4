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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pyarrow as pa

__all__ = [
    "AUTHOR_TYPE",
    "COLUMN_NOTES",
    "ENTITIES_SCHEMA",
    "ENTITY_LINK_TYPE",
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

_ENTRY_COLS: Final = [
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

_WORK_COLS: Final = [
    _c("work_id", pa.string(), "resolve", "stable id of the work (strongest identifier)", nullable=False),
    _c(
        "title",
        pa.string(),
        "s2 > openalex > crossref > arxiv > list",
        "title, tags stripped, spaces collapsed",
    ),
    _c(
        "abstract",
        pa.string(),
        "arxiv > s2 > openalex > crossref",
        "abstract as plain text (JATS/HTML stripped)",
    ),
    _c("abstract_source", pa.string(), "derived", "source of abstract: arxiv, s2, openalex or crossref"),
    _c(
        "authors",
        pa.list_(AUTHOR_TYPE),
        "s2 > arxiv > openalex > crossref (ids merged by name)",
        "ordered authors: name, Semantic Scholar author id, ORCID (bare 0000-0000-0000-0000)",
        nullable=False,
    ),
    _c("year", pa.int32(), "s2 > openalex > crossref > arxiv > list", "publication year"),
    _c(
        "publication_date",
        DATE,
        "s2 > crossref > openalex > arxiv",
        "full publication date (partial dates: null)",
    ),
    _c("venue", pa.string(), "s2 > openalex > crossref > arxiv", "journal or conference name"),
    _c("work_type", pa.string(), "openalex > crossref > s2", "type of work as the source names it"),
    _c("arxiv_id", pa.string(), "resolve, sources", "arXiv id without version"),
    _c("doi", pa.string(), "resolve, sources", "lower-case publisher DOI (not the arXiv DataCite DOI)"),
    _c("pmid", pa.string(), "resolve, sources", "PubMed id"),
    _c("pmcid", pa.string(), "resolve, sources", "PubMed Central id (PMC...)"),
    _c("acl_id", pa.string(), "resolve, sources", "ACL Anthology id"),
    _c("s2_paper_id", pa.string(), "resolve, s2", "Semantic Scholar paper id (40 hex)"),
    _c("corpus_id", pa.int64(), "resolve, s2", "Semantic Scholar CorpusId"),
    _c("openalex_id", pa.string(), "resolve, openalex", "OpenAlex work id (W...)"),
    _c(
        "citation_count",
        pa.int64(),
        "derived",
        "the chosen citation count: citation_count_s2 if known, else _openalex, else _crossref",
    ),
    _c(
        "citation_count_source",
        pa.string(),
        "derived",
        "s2, openalex or crossref: where citation_count comes from",
    ),
    _c("citation_count_as_of", DATE, "derived", "snapshot date of the night citation_count was fetched"),
    _c("citation_count_s2", pa.int64(), "s2", "Semantic Scholar citationCount"),
    _c(
        "citation_count_s2_as_of",
        DATE,
        "s2",
        "snapshot date of the night citation_count_s2 was last fetched OK",
    ),
    _c("citation_count_openalex", pa.int64(), "openalex", "OpenAlex cited_by_count"),
    _c(
        "citation_count_openalex_as_of",
        DATE,
        "openalex",
        "snapshot date of the night citation_count_openalex was last fetched OK",
    ),
    _c("citation_count_crossref", pa.int64(), "crossref", "Crossref is-referenced-by-count"),
    _c(
        "citation_count_crossref_as_of",
        DATE,
        "crossref",
        "snapshot date of the night citation_count_crossref was last fetched OK",
    ),
    _c("influential_citation_count", pa.int64(), "s2", "Semantic Scholar influentialCitationCount"),
    _c(
        "influential_citation_count_as_of",
        DATE,
        "s2",
        "snapshot date of the night influential_citation_count was last fetched OK",
    ),
    _c("reference_count", pa.int64(), "s2 > openalex > crossref", "number of references the work makes"),
    _c("tldr", pa.string(), "s2", "Semantic Scholar one-sentence summary"),
    _c(
        "match_method",
        pa.string(),
        "resolve",
        "identifier, crosswalk, title, local or abstained",
        nullable=False,
    ),
    _c("match_score", pa.float64(), "resolve", "calibrated 0..1 score of a title match"),
    _c("match_source", pa.string(), "resolve", "search endpoint that supplied an accepted title match"),
    _c("list_ids", STRINGS, "parse", "sorted ids of the lists that name this work", nullable=False),
    _c("entry_ids", STRINGS, "parse", "sorted ids of the entries that name this work", nullable=False),
    _c("entry_count", pa.int32(), "parse", "number of entries that name this work", nullable=False),
    _c(
        "sources",
        STRINGS,
        "derived",
        "sources that answered OK for this work tonight (sorted)",
        nullable=False,
    ),
    _c("status_arxiv", pa.string(), "arxiv", _FETCH_STATUS_DOC, nullable=False),
    _c("status_s2", pa.string(), "s2", _FETCH_STATUS_DOC, nullable=False),
    _c("status_openalex", pa.string(), "openalex", _FETCH_STATUS_DOC, nullable=False),
    _c("status_crossref", pa.string(), "crossref", _FETCH_STATUS_DOC, nullable=False),
    _c(
        "status",
        pa.string(),
        "derived",
        "ok (all values fetched tonight), stale (some value carried forward from an earlier snapshot), "
        "local (no source has ever returned data: the row rests on the entries)",
        nullable=False,
    ),
    _c(
        "metadata_as_of",
        DATE,
        "derived",
        "snapshot date of the night a source last answered OK for this work",
    ),
]

_REPO_COLS: Final = [
    _c("repo_id", pa.string(), "github", "lower-case owner/name (after following renames)", nullable=False),
    _c("full_name", pa.string(), "github", "owner/name as GitHub spells it", nullable=False),
    _c(
        "previous_names",
        STRINGS,
        "github",
        "sorted lower-case names this repo was listed or known under",
        nullable=False,
    ),
    _c("github_id", pa.int64(), "github", "GitHub's numeric repository id (stable across renames)"),
    _c("stars", pa.int64(), "github", "stargazers_count"),
    _c(
        "stars_as_of",
        DATE,
        "github",
        "snapshot date of the night every GitHub value in this row was fetched (fetched_at: exact time)",
    ),
    _c("forks", pa.int64(), "github", "forks_count"),
    _c("open_issues", pa.int64(), "github", "open_issues_count (issues + pull requests)"),
    _c("watchers", pa.int64(), "github", "subscribers_count (real watchers, not stars)"),
    _c("pushed_at", TIMESTAMP, "github", "last push (UTC)"),
    _c("created_at", TIMESTAMP, "github", "creation time (UTC)"),
    _c("archived", pa.bool_(), "github", "archived by its owner"),
    _c("license", pa.string(), "github", "SPDX licence id"),
    _c("topics", STRINGS, "github", "repository topics", nullable=False),
    _c("description", pa.string(), "github", "repository description"),
    _c("language", pa.string(), "github", "primary language"),
    _c("homepage", pa.string(), "github", "homepage URL the repo declares (never fetched) (since 1.2)"),
    _c(
        "paper_refs",
        pa.list_(PAPER_REF_TYPE),
        "github",
        "arXiv ids and DOIs the repo cites, as work id keys (ref: arxiv:2303.13375, doi:10...) with where "
        "each was first found (found_in: homepage, description or readme; the README comes with the "
        "stars query); null when it cites none or was never fetched (since 1.2)",
    ),
    _c(
        "status",
        pa.string(),
        "derived",
        "ok (fetched tonight), stale (tonight failed: values carried from stars_as_of), "
        "not_found (GitHub says gone; earlier values kept), unavailable (never fetched OK)",
        nullable=False,
    ),
    _c("fetch_status", pa.string(), "github", _FETCH_STATUS_DOC, nullable=False),
    _c("fetch_reason", pa.string(), "github", "why tonight's fetch failed, if it did"),
    _c("fetched_at", TIMESTAMP, "github", "when the values in this row were fetched (UTC)"),
    _c("list_ids", STRINGS, "parse", "sorted ids of the lists that link this repo", nullable=False),
    _c("entry_count", pa.int32(), "parse", "number of entries that link this repo", nullable=False),
]

_HF_COLS: Final = [
    _c(
        "hf_item_id",
        pa.string(),
        "huggingface",
        '"kind:id", lower-case, e.g. "model:org/name"',
        nullable=False,
    ),
    _c("kind", pa.string(), "huggingface", "model, dataset or space", nullable=False),
    _c("hf_id", pa.string(), "huggingface", "org/name as the Hub spells it", nullable=False),
    _c(
        "previous_ids",
        STRINGS,
        "huggingface",
        "sorted hf_item_ids this item was listed or known under",
        nullable=False,
    ),
    _c("likes", pa.int64(), "huggingface", "likes"),
    _c("likes_as_of", DATE, "huggingface", "snapshot date of the night likes was last fetched OK"),
    _c("downloads", pa.int64(), "huggingface", "downloads over the last 30 days"),
    _c("downloads_as_of", DATE, "huggingface", "snapshot date of the night downloads was last fetched OK"),
    _c("last_modified", TIMESTAMP, "huggingface", "last commit to the Hub repo (UTC)"),
    _c("gated", pa.bool_(), "huggingface", "access is gated"),
    _c("tags", STRINGS, "huggingface", "Hub tags", nullable=False),
    _c("arxiv_ids", STRINGS, "huggingface", "arXiv ids the Hub links (arxiv:<id> tags)", nullable=False),
    _c(
        "card_refs",
        STRINGS,
        "huggingface",
        "arXiv ids and DOIs the item's card metadata (cardData) cites, as work id keys (arxiv:..., "
        "doi:...); null when it cites none or was never fetched (since 1.2)",
    ),
    _c(
        "status",
        pa.string(),
        "derived",
        "ok, stale, not_found or unavailable (as repos.status)",
        nullable=False,
    ),
    _c("fetch_status", pa.string(), "huggingface", _FETCH_STATUS_DOC, nullable=False),
    _c("fetch_reason", pa.string(), "huggingface", "why tonight's fetch failed, if it did"),
    _c("fetched_at", TIMESTAMP, "huggingface", "when the values in this row were fetched (UTC)"),
    _c("list_ids", STRINGS, "parse", "sorted ids of the lists that link this item", nullable=False),
    _c("entry_count", pa.int32(), "parse", "number of entries that link this item", nullable=False),
]

_METRIC_COLS: Final = [
    _c("entity_type", pa.string(), "derived", "work, repo or hf_item", nullable=False),
    _c("entity_id", pa.string(), "derived", "work_id, repo_id or hf_item_id", nullable=False),
    _c(
        "metric",
        pa.string(),
        "derived",
        "stars, forks, open_issues, watchers, likes, downloads, citation_count, influential_citation_count",
        nullable=False,
    ),
    _c("source", pa.string(), "derived", "github, huggingface, s2, openalex or crossref", nullable=False),
    _c("value", pa.int64(), "source", "the value observed", nullable=False),
    _c("observed_at", TIMESTAMP, "source", "when it was fetched (UTC)", nullable=False),
]

_LIST_CHANGE_COLS: Final = [
    _c("list_id", pa.string(), "parse", "the list that changed", nullable=False),
    _c("entry_id", pa.string(), "parse", "the entry gained, lost or edited", nullable=False),
    _c(
        "change",
        pa.string(),
        "derived",
        "versus the previous snapshot: gained (a new entry_id), lost (an entry_id gone) or edited (same "
        "entry_id, its text changed: see edited_columns; since 1.1)",
        nullable=False,
    ),
    _c("kind", pa.string(), "parse", "the entry's kind", nullable=False),
    _c("label", pa.string(), "parse", "the entry's title, else its name"),
    _c("work_id", pa.string(), "resolve", "the entry's work_id (tonight's for gained, previous for lost)"),
    _c("repo_id", pa.string(), "github", "the entry's repo_id"),
    _c("hf_item_id", pa.string(), "parse", "the entry's hf_item_id"),
    _c(
        "previous_label", pa.string(), "parse", "edited: the entry's title, else its name, before (since 1.1)"
    ),
    _c(
        "edited_columns",
        STRINGS,
        "derived",
        "edited: the entries columns that changed, of name, title, authors_raw, year, venue_raw, urls, "
        "description (since 1.1)",
    ),
]

_ENTITY_COLS: Final = [
    _c(
        "entity_id",
        pa.string(),
        "derived",
        "stable id of the thing: its work_id when it has a paper, else repo:<repo_id>, else "
        "hf:<hf_item_id> (stable across nights as long as its anchor is)",
        nullable=False,
    ),
    _c("entity_type", pa.string(), "derived", "what anchors it: work, repo or hf_item", nullable=False),
    _c(
        "display_name",
        pa.string(),
        "derived",
        "the work's title, else the repo's full_name, else the Hub id",
        nullable=False,
    ),
    _c("work_id", pa.string(), "resolve", "works.work_id of its paper; null for an artefact with no paper"),
    _c("repo_ids", STRINGS, "derived", "sorted repos.repo_id of its code", nullable=False),
    _c(
        "hf_item_ids",
        STRINGS,
        "derived",
        "sorted hf_items.hf_item_id of its models, datasets, spaces",
        nullable=False,
    ),
    _c(
        "links",
        pa.list_(ENTITY_LINK_TYPE),
        "derived",
        "why each repo or Hub item belongs to the work: id (its repo_id or hf_item_id), link_source "
        "(same_entry, hf_arxiv_tag, hf_card, repo_homepage, repo_description, repo_readme) and a "
        "0..1 confidence; a repo or item citing many papers (a list, a toolkit) is linked to none; "
        "empty when it has no artefact linked",
    ),
    _c(
        "list_ids",
        STRINGS,
        "parse",
        "sorted ids of the lists that name the paper or any artefact",
        nullable=False,
    ),
    _c(
        "entry_ids",
        STRINGS,
        "parse",
        "sorted ids of those entries (entries.entity_id is this id)",
        nullable=False,
    ),
    _c("entry_count", pa.int32(), "parse", "number of entries in entry_ids", nullable=False),
    _c("citation_count_s2", pa.int64(), "s2", "works.citation_count_s2 of its paper"),
    _c("citation_count_s2_as_of", DATE, "s2", "works.citation_count_s2_as_of"),
    _c("citation_count_openalex", pa.int64(), "openalex", "works.citation_count_openalex of its paper"),
    _c("citation_count_openalex_as_of", DATE, "openalex", "works.citation_count_openalex_as_of"),
    _c("citation_count_crossref", pa.int64(), "crossref", "works.citation_count_crossref of its paper"),
    _c("citation_count_crossref_as_of", DATE, "crossref", "works.citation_count_crossref_as_of"),
    _c("stars", pa.int64(), "github", "stars of its most-starred repo (stars_repo_id)"),
    _c("stars_repo_id", pa.string(), "github", "the repo stars is taken from"),
    _c("stars_as_of", DATE, "github", "repos.stars_as_of of that repo"),
    _c("likes", pa.int64(), "huggingface", "likes summed over its Hub items that report them"),
    _c("likes_as_of", DATE, "huggingface", "oldest likes_as_of among those items"),
    _c("downloads", pa.int64(), "huggingface", "30-day downloads summed over its Hub items that report them"),
    _c("downloads_as_of", DATE, "huggingface", "oldest downloads_as_of among those items"),
]

ENTRIES_SCHEMA: Final = _schema("entries", _ENTRY_COLS)
WORKS_SCHEMA: Final = _schema("works", _WORK_COLS)
REPOS_SCHEMA: Final = _schema("repos", _REPO_COLS)
HF_ITEMS_SCHEMA: Final = _schema("hf_items", _HF_COLS)
METRICS_HISTORY_SCHEMA: Final = _schema("metrics_history", _METRIC_COLS)
LIST_CHANGES_SCHEMA: Final = _schema("list_changes", _LIST_CHANGE_COLS)
ENTITIES_SCHEMA: Final = _schema("entities", _ENTITY_COLS)

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


def _type_name(t: pa.DataType) -> str:
    if pa.types.is_list(t) and t.value_type == PAPER_REF_TYPE:
        return "list<struct<ref, found_in>>"
    if pa.types.is_list(t) and t.value_type == ENTITY_LINK_TYPE:
        return "list<struct<id, link_source, confidence>>"
    if t == AUTHOR_TYPE:
        return "list<struct<name, s2_author_id, orcid>>"
    if pa.types.is_list(t) and t.value_type == AUTHOR_TYPE:
        return "list<struct<name, s2_author_id, orcid>>"
    return str(t).replace("list<item: ", "list<").replace("timestamp[us, tz=UTC]", "timestamp[us, UTC]")


# Notes the data dictionary prints under a table, per column: what the parser reads (with examples) and
# where the rules are. Docs only: never written into the files (the ``doc`` metadata is).
COLUMN_NOTES: Final[dict[str, dict[str, str]]] = {
    "entries": {
        "entry_id": "`<list_id>:<16 hex>`: SHA-256 of the entry's identity ([parsing.md](parsing.md#entry_id-identity)); "
        "stable when lines move or neighbours change, and carried over from the previous snapshot when the entry "
        "is edited",
        "list_id": "the list's id from `lists.toml`, else the file stem",
        "line": "where the entry starts in its raw file",
        "section": "emoji and symbols removed: `Practical Guide for Medical LLMs > Pre-training from Scratch`; "
        "the file's first `#` heading (its title) is left out",
        "kind": "how it is chosen: [parsing.md](parsing.md#kind)",
        "name": "the system/dataset name (`BioBERT`, `Med-PaLM 2`); for titles like `ChatDoctor: A ...` the short "
        "prefix",
        "title": "the work's title as listed (one trailing period dropped); null for bare names (`PULSE`)",
        "authors_raw": "as written: `Karan Singhal et al.`",
        "year": "as listed: `2023.`, `[2022/10]`, `[Nature, 2023]`, a Date column",
        "venue_raw": "as written: `Nature`, `npj Digital Medicine`, `ACL'23 Findings`",
        "arxiv_id": "`2106.09685` / `hep-th/9901001`; `arxiv_version` is the `vN` if the URL had one",
        "doi": "from doi.org or a publisher URL ([parsing.md](parsing.md#identifier-normalisation)); the arXiv "
        "DataCite DOI `10.48550/arXiv.<id>` counts as `arxiv_id`",
        "pmcid": "`PMC10020064` (and `pmid`: `37438534`)",
        "acl_id": "`2022.bionlp-1.9`, `P18-1001`",
        "s2_corpus_id": "from shields.io citation badges and `api.semanticscholar.org` URLs",
        "github_repo": "repo URLs only (site pages and bare user pages are not repos)",
        "hf_id": "as written; `hf_kind` is `model`, `dataset` or `space`",
        "urls": "every absolute URL (links, badges, bare URLs in link cells), with any `user:password@` removed",
        "work_key": "the parse-time de-duplication key ([parsing.md](parsing.md#work_key))",
        "description": "an abstract, table description columns, a title cell's summary, extra columns as "
        "`Header: value`",
        "citation_raw": "numbering and links removed; matched bibliographically (Crossref `query.bibliographic`, "
        "S2 `search/match`)",
        "parse_shape": "the shapes: [parsing.md](parsing.md#what-is-an-entry)",
        "parse_confidence": '< 0.5 is "low-confidence" in the per-list summary',
    },
}

_INTRO = """\
# Data dictionary

<!-- Generated from enrich/schemas.py: uv run --frozen python -m enrich.schemas > docs/data-dictionary.md
     (a test fails when this file differs from what that prints). Do not edit by hand. -->

Schema version **{version}**. Every snapshot table is one typed Parquet file per night,
`<out>/<table>/snapshot_date=YYYY-MM-DD/part-0.parquet` ([snapshots.md](snapshots.md)). What a change
of the version means: [the `schema_version` policy](snapshots.md#schema_version-policy).

Type names are Arrow's; `null` says whether the column may be null. The `source` column says where
the value comes from (`a > b`: the first source that has it; [snapshots.md](snapshots.md#how-values-are-chosen)).
"""


def data_dictionary_markdown() -> str:
    """``docs/data-dictionary.md``: one markdown table per snapshot table, from the schemas' metadata
    and :data:`COLUMN_NOTES`."""
    out: list[str] = [_INTRO.format(version=SCHEMA_VERSION)]
    for name, schema in SCHEMAS.items():
        key = ", ".join(TABLE_KEYS[name])
        out.append(f"## `{name}` (one row per {key}; sorted by it)\n")
        out.append("| column | type | null | source | meaning |")
        out.append("|---|---|---|---|---|")
        out.append(
            "| `snapshot_date` | date (partition) | no | snapshot | the night this partition belongs to "
            "(Hive partition key, not stored in the file) |"
        )
        for field in schema:
            meta = field.metadata or {}
            source = meta.get(b"source", b"").decode()
            doc = meta.get(b"doc", b"").decode().replace("|", "\\|")
            null = "yes" if field.nullable else "no"
            out.append(f"| `{field.name}` | {_type_name(field.type)} | {null} | {source} | {doc} |")
        notes = COLUMN_NOTES.get(name, {})
        unknown = set(notes) - set(schema.names)
        if unknown:
            raise ValueError(f"COLUMN_NOTES[{name!r}] names no column of the table: {sorted(unknown)}")
        if notes:
            out.append("")
            out.append(f"Notes on `{name}`:\n")
            out.extend(f"- `{column}`: {notes[column]}" for column in schema.names if column in notes)
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":  # docs/data-dictionary.md: python -m enrich.schemas > docs/data-dictionary.md
    print(data_dictionary_markdown(), end="")
