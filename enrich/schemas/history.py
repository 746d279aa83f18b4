"""The tables that grow every night: ``metrics_history`` (observed counts) and ``list_changes``."""

from __future__ import annotations

from typing import Final

import pyarrow as pa

from enrich.schemas.base import STRINGS, TIMESTAMP, _c, _schema

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

METRICS_HISTORY_SCHEMA: Final = _schema("metrics_history", _METRIC_COLS)
LIST_CHANGES_SCHEMA: Final = _schema("list_changes", _LIST_CHANGE_COLS)
