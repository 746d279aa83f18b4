"""The ``entities`` table: one row per thing the lists name (paper + code, model, data set)."""

from __future__ import annotations

from typing import Final

import pyarrow as pa

from enrich.schemas.base import DATE, ENTITY_LINK_TYPE, STRINGS, _c, _schema

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

ENTITIES_SCHEMA: Final = _schema("entities", _ENTITY_COLS)
