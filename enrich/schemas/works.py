"""The ``works`` table: one row per resolved paper, values chosen across sources."""

from __future__ import annotations

from typing import Final

import pyarrow as pa

from enrich.schemas.base import _FETCH_STATUS_DOC, AUTHOR_TYPE, DATE, STRINGS, _c, _schema

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

WORKS_SCHEMA: Final = _schema("works", _WORK_COLS)
