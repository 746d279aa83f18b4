"""Typed records that source clients return and the resolver/snapshot stages consume.

Parsing an API payload into these is pure (``enrich.clients.<source>.parse_*``); fetching is separate.
Every record carries a :class:`FetchStatus` and ``fetched_at`` so a bad night is visible, not silent.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from enrich.ids import WORK_ID_COLUMNS, Ids


class FetchStatus(enum.StrEnum):
    """What happened when an item was asked for."""

    OK = "ok"
    NOT_FOUND = "not_found"
    MOVED = "moved"  # renamed repo / merged work: ``moved_to`` holds the new id
    RATE_LIMITED = "rate_limited"
    DEFERRED = "deferred"  # not asked tonight: the budget could not cover it (stalest go first)
    MISSING = "missing"  # asked, answer suspiciously empty (arXiv empty page): not proof of absence
    ERROR = "error"  # ``reason`` says why


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    s2_author_id: str | None = None
    orcid: str | None = None
    affiliation: str | None = None


@dataclass(frozen=True, slots=True)
class WorkRecord:
    """One source's view of one scholarly work.

    ``source`` is one of ``arxiv``, ``s2``, ``openalex``, ``crossref``; ``key`` is the id the
    record was requested by (e.g. ``ARXIV:2303.13375``, ``doi:10.1038/x``), so callers can join back.
    Fields a source does not provide stay ``None``.
    """

    source: str
    key: str
    status: FetchStatus
    fetched_at: datetime
    reason: str | None = None
    moved_to: str | None = None
    title: str | None = None
    abstract: str | None = None
    authors: tuple[Author, ...] = ()
    year: int | None = None
    publication_date: str | None = None  # ISO 8601 date, as precise as the source knows
    venue: str | None = None
    arxiv_id: str | None = None  # without version
    arxiv_version: int | None = None
    doi: str | None = None  # lower-cased, publisher DOI (not the arXiv DataCite DOI)
    pmid: str | None = None
    pmcid: str | None = None
    acl_id: str | None = None
    s2_paper_id: str | None = None
    corpus_id: int | None = None
    openalex_id: str | None = None  # "W123..."
    citation_count: int | None = None
    influential_citation_count: int | None = None
    reference_count: int | None = None
    counts_by_year: tuple[tuple[int, int], ...] = ()  # (year, cited_by_count)
    tldr: str | None = None
    work_type: str | None = None
    score: float | None = None  # search relevance / match score when from a search endpoint

    @property
    def ids(self) -> Ids:
        """The identifiers this record carries (work-level: see :meth:`enrich.ids.Ids.scholarly`)."""
        return Ids.of(self, WORK_ID_COLUMNS).scholarly()


@dataclass(frozen=True, slots=True)
class RepoRecord:
    """GitHub's view of one repository. ``key`` is the requested ``owner/name`` as given."""

    key: str
    status: FetchStatus
    fetched_at: datetime
    reason: str | None = None
    moved_to: str | None = None  # new ``owner/name`` after a rename/transfer
    full_name: str | None = None
    github_id: int | None = None
    stars: int | None = None
    forks: int | None = None
    open_issues: int | None = None
    watchers: int | None = None  # real watchers (subscribers_count), not stars
    pushed_at: str | None = None  # ISO 8601 UTC
    created_at: str | None = None
    archived: bool | None = None
    license: str | None = None  # SPDX id
    topics: tuple[str, ...] = ()
    description: str | None = None
    language: str | None = None
    homepage: str | None = None
    paper_refs: tuple[tuple[str, str], ...] = ()  # (id key, found_in): see enrich.links.repo_refs
    readme_read: bool = False  # the README was part of the answer (GraphQL); REST answers leave it unread


@dataclass(frozen=True, slots=True)
class HfRecord:
    """Hugging Face's view of one model, dataset or space. ``key`` is ``kind:id``."""

    key: str
    kind: str  # model | dataset | space
    hf_id: str
    status: FetchStatus
    fetched_at: datetime
    reason: str | None = None
    moved_to: str | None = None
    likes: int | None = None
    downloads: int | None = None
    last_modified: str | None = None
    gated: bool | None = None
    tags: tuple[str, ...] = ()
    arxiv_ids: tuple[str, ...] = field(default=())
    card_refs: tuple[str, ...] = field(default=())  # id keys the model/dataset card cites (cardData)


@dataclass(frozen=True, slots=True)
class SourceStats:
    """Per-source counters for the manifest and the run summary."""

    source: str
    requests: int = 0
    ok: int = 0
    not_found: int = 0
    errors: int = 0
    deferred: int = 0
    cache_hits: int = 0
    unreachable: bool = False
    message: str | None = None  # why the source stopped early: unreachable, key rejected, deferred...
    auth_rejected: bool = False  # the source refused the configured key/token (401/403)
    stopped: str | None = None  # the client stopped asking early: unreachable | auth_rejected |
    # deferred (rate limited, quota spent, deadline passed) | failing (every attempt of 3 calls failed)
    requested: int = 0  # items asked for by id tonight (title-search candidates are not items)
    served_share: float = 1.0  # (ok + not_found) / requested; 1.0 when nothing was requested
    min_served: float = 1.0  # the share below which the source did not serve tonight (policy)
    served: bool = True  # served_share >= min_served and the key was not rejected
    deadline_s: float | None = None  # the source's deadline tonight (seconds from the run's start)
    reason: str | None = None  # when not served: the one line the run prints for this source
