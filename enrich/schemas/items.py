"""The ``repos`` (GitHub) and ``hf_items`` (Hugging Face Hub) tables."""

from __future__ import annotations

from typing import Final

import pyarrow as pa

from enrich.schemas.base import _FETCH_STATUS_DOC, DATE, PAPER_REF_TYPE, STRINGS, TIMESTAMP, _c, _schema

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

REPOS_SCHEMA: Final = _schema("repos", _REPO_COLS)
HF_ITEMS_SCHEMA: Final = _schema("hf_items", _HF_COLS)
