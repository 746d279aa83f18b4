"""Semantic Scholar Academic Graph API: ``POST paper/batch``, ``paper/search``, ``paper/search/match``.

Facts (``docs/apis.md`` §3): batch takes <=500 ids of any prefix in a JSON body with
``fields`` as a query parameter and answers a list of the same length and order with ``null`` for
unknown ids; ``search/match`` answers 404 "Title match not found"; the key goes in ``x-api-key``.

A ``null`` is not proof that a paper is gone (S2 answers ``null`` for papers it knows now and then):
it becomes ``missing`` (:data:`NULL_REASON`), and when a batch mixes found papers and nulls, the null
ids are asked once more in one extra batch (one request per batch, not per id). The run then decides
with the previous snapshot (``enrich.pipeline.settle_missing``): an id S2 answered before keeps its
earlier values (carried forward, counted as not served); one never seen becomes ``not_found``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self, Unpack

import requests
from pydantic import SecretStr

from enrich.clients._common import as_int, doi_problem, text
from enrich.clients.base import BaseClient, decode_json
from enrich.clients.policy import ClientConfig, ClientOptions
from enrich.errors import SourceError
from enrich.ids import normalize_arxiv_id, normalize_doi, pmcid_from, pmid_from, split_doi
from enrich.ratelimit import utcnow
from enrich.records import Author, FetchStatus, WorkRecord
from enrich.util import chunked

if TYPE_CHECKING:
    from enrich.clients.github import RepoState

log = logging.getLogger(__name__)

API_PATH = "/graph/v1"

DEFAULT_MIN_INTERVAL = 1.0
"""One request per second: keys issued since 2024 get "1 request/second, cumulative across all
endpoints" (allenai/s2-folks API_RELEASE_NOTES.md Apr/May 2024; maintainer in s2-folks#218). The keyless
pool is shared by everyone and 429s below its nominal limit (s2-folks#84), so the same pace is used."""

BATCH_SIZE = 500
"""``POST /paper/batch`` accepts at most 500 ids (s2-folks release notes 2023; apis.md §3)."""

SEARCH_LIMIT_MAX = 100
"""``paper/search`` ``limit`` is 1-100 per page (S2 OpenAPI; apis.md §3)."""

FIELDS = (
    "paperId,corpusId,externalIds,title,abstract,authors,year,publicationDate,venue,publicationVenue,"
    "journal,citationCount,influentialCitationCount,referenceCount,publicationTypes,tldr"
)
"""The fields requested from every paper endpoint (``tldr`` is part of the batch ``FullPaper``)."""

_ID_FORMS = re.compile(
    r"^(?:[0-9a-f]{40}|(?:CorpusId|MAG):\d+|(?:DOI|ARXIV|ACL|PMID|PMCID|URL):[!-~]+)$", re.I
)


def s2_id_problem(paper_id: str) -> str | None:
    """Why ``paper_id`` is not sent (the reason of its error record), or None for the forms S2 accepts
    (40-hex, ``CorpusId:``, ``DOI:``, ``ARXIV:``, ``ACL:``, ...)."""
    clean = paper_id.strip()
    if not _ID_FORMS.match(clean):
        return "malformed S2 id: not sent"
    kind, _, value = clean.partition(":")
    if kind.upper() == "DOI":  # the same rule as every other client's DOIs
        doi = normalize_doi(value)
        problem = "not a DOI" if doi is None else doi_problem(doi)
        return None if problem is None else f"malformed S2 id ({problem}): not sent"
    return None


def valid_s2_id(paper_id: str) -> bool:
    """True for the id forms S2 accepts (see :func:`s2_id_problem`)."""
    return s2_id_problem(paper_id) is None


def parse_s2_paper(data: Mapping[str, Any], *, key: str, fetched_at: datetime) -> WorkRecord:
    """One S2 paper object as a record (pure)."""
    ext = data.get("externalIds") or {}
    doi, arxiv_from_doi = split_doi(ext.get("DOI"))
    arxiv = normalize_arxiv_id(str(ext["ArXiv"])) if ext.get("ArXiv") else None
    authors = tuple(
        Author(name=text(a.get("name")) or "", s2_author_id=a.get("authorId"))
        for a in data.get("authors") or ()
        if isinstance(a, Mapping)
    )
    venue = (
        text(data.get("venue"))
        or text((data.get("publicationVenue") or {}).get("name"))
        or text((data.get("journal") or {}).get("name"))
    )
    tldr = data.get("tldr")
    types = data.get("publicationTypes") or ()
    score = data.get("matchScore")
    return WorkRecord(
        source="s2",
        key=key,
        status=FetchStatus.OK,
        fetched_at=fetched_at,
        title=text(data.get("title")),
        abstract=text(data.get("abstract")),
        authors=authors,
        year=as_int(data.get("year")),
        publication_date=text(data.get("publicationDate")),
        venue=venue,
        arxiv_id=arxiv[0] if arxiv else arxiv_from_doi,
        doi=doi,
        pmid=pmid_from(ext.get("PubMed")),
        pmcid=pmcid_from(ext.get("PubMedCentral")),
        acl_id=text(ext.get("ACL")),
        s2_paper_id=text(data.get("paperId")),
        corpus_id=as_int(data.get("corpusId")) or as_int(ext.get("CorpusId")),
        citation_count=as_int(data.get("citationCount")),
        influential_citation_count=as_int(data.get("influentialCitationCount")),
        reference_count=as_int(data.get("referenceCount")),
        tldr=text(tldr.get("text")) if isinstance(tldr, Mapping) else None,
        work_type=str(types[0]) if types else None,
        score=float(score) if isinstance(score, int | float) else None,
    )


NULL_REASON = "null in S2's batch answer (not proof it is gone)"


def parse_s2_batch(data: Sequence[Any], keys: Sequence[str], *, fetched_at: datetime) -> list[WorkRecord]:
    """A ``paper/batch`` answer: one record per requested key, ``null`` -> ``missing`` (pure)."""
    if len(data) != len(keys):
        raise ValueError(f"batch answer has {len(data)} entries for {len(keys)} ids")
    return [
        parse_s2_paper(item, key=key, fetched_at=fetched_at)
        if isinstance(item, Mapping)
        else WorkRecord("s2", key, FetchStatus.MISSING, fetched_at, reason=NULL_REASON)
        for item, key in zip(data, keys, strict=True)
    ]


def parse_s2_search(data: Mapping[str, Any], *, fetched_at: datetime) -> list[WorkRecord]:
    """A ``paper/search`` or ``paper/search/match`` answer (``data`` may be absent when empty)."""
    return [
        parse_s2_paper(item, key=str(item.get("paperId")), fetched_at=fetched_at)
        for item in data.get("data") or ()
        if isinstance(item, Mapping)
    ]


class S2Client(BaseClient):
    """Semantic Scholar papers by id (batched), search and title match."""

    source: ClassVar[str] = "s2"
    DEFAULT_MIN_INTERVAL: ClassVar[float] = DEFAULT_MIN_INTERVAL
    LABEL: ClassVar[str] = "S2"
    BATCH_SIZE: ClassVar[int] = BATCH_SIZE  # POST /graph/v1/paper/batch takes at most 500 ids
    CREDENTIAL: ClassVar[str] = "API key"
    AUTH_REJECTED_STATUSES: ClassVar[frozenset[int]] = frozenset({401, 403})

    def __init__(
        self,
        base_url: str,
        session: requests.Session | None = None,
        timeout: float = 30.0,
        api_key: SecretStr | None = None,
        *,
        batch_size: int = BATCH_SIZE,
        **options: Unpack[ClientOptions],
    ) -> None:
        self._api_key = api_key
        super().__init__(base_url, session, timeout, **options)
        self.batch_size = max(1, min(batch_size, BATCH_SIZE))

    def _secrets(self) -> list[str]:
        return [self._api_key.get_secret_value()] if self._api_key else []

    def _headers(self) -> dict[str, str]:
        return {"x-api-key": self._api_key.get_secret_value()} if self._api_key else {}

    @classmethod
    def configured(cls, root: str, session: requests.Session, config: ClientConfig) -> Self:
        return cls(root, session, config.timeout, config.credentials.s2_api_key, **cls._run_options(config))

    def fetch_keys(
        self, keys: Sequence[str], *, known: Mapping[str, RepoState] | None = None
    ) -> list[WorkRecord]:
        return self.get_papers(list(keys))

    def get_papers(self, ids: Sequence[str]) -> list[WorkRecord]:
        """One record per id, same order, ``key`` = the id as given."""
        now = utcnow()
        found: dict[str, WorkRecord] = {}
        unique = list(dict.fromkeys(i.strip() for i in ids if valid_s2_id(i)))
        for chunk in chunked(unique, self.batch_size):
            for batch_record in self._batch(chunk):
                found[batch_record.key] = batch_record
        out: list[WorkRecord] = []
        for raw in ids:
            hit = found.get(raw.strip())
            if hit is None:
                reason = s2_id_problem(raw) or "malformed S2 id: not sent"
                record = WorkRecord("s2", raw, FetchStatus.ERROR, now, reason=reason)
            else:
                record = hit if hit.key == raw else replace(hit, key=raw)
            out.append(record)
        self._tally(r.status for r in out)
        return out

    def _batch(self, chunk: list[str], *, recheck_nulls: bool = True) -> list[WorkRecord]:
        now = utcnow()

        def every(status: FetchStatus, reason: str) -> list[WorkRecord]:
            return [WorkRecord("s2", k, status, now, reason=reason) for k in chunk]

        try:
            reply = self.request(
                "POST",
                f"{API_PATH}/paper/batch",
                params={"fields": FIELDS},
                json={"ids": chunk},
                headers=self._headers(),
                decode=lambda r: parse_s2_batch(decode_json(r), chunk, fetched_at=utcnow()),
            )
        except SourceError as exc:
            return every(*self.failure(exc))
        if reply.data is not None:
            nulls = [r.key for r in reply.data if r.status == FetchStatus.MISSING]
            if nulls and recheck_nulls and len(nulls) < len(chunk):
                # a null next to found papers may be a hiccup: ask once more for just those ids
                again = {
                    r.key: r for r in self._batch(nulls, recheck_nulls=False) if r.status == FetchStatus.OK
                }
                return [again.get(r.key, r) if r.status == FetchStatus.MISSING else r for r in reply.data]
            return reply.data
        if reply.status in (400, 404) and len(chunk) > 1:
            log.info("s2: batch of %d failed with HTTP %d; splitting it", len(chunk), reply.status)
            half = len(chunk) // 2
            return self._batch(chunk[:half], recheck_nulls=recheck_nulls) + self._batch(
                chunk[half:], recheck_nulls=recheck_nulls
            )
        if reply.status == 404:
            return every(FetchStatus.NOT_FOUND, "not found")
        return every(FetchStatus.ERROR, f"HTTP {reply.status}: {_error_message(reply.text)}")

    def search(self, query: str, limit: int = 10) -> list[WorkRecord]:
        """Relevance-ranked candidates; raises :class:`SourceError` subclasses on failure."""
        reply = self.request(
            "GET",
            f"{API_PATH}/paper/search",
            params={"query": query, "limit": max(1, min(limit, SEARCH_LIMIT_MAX)), "fields": FIELDS},
            headers=self._headers(),
            decode=lambda r: parse_s2_search(decode_json(r), fetched_at=utcnow()),
        )
        if reply.data is None:
            raise SourceError(
                self.source, f"search failed: {_error_message(reply.text)}", status=reply.status
            )
        self._tally(r.status for r in reply.data)
        return reply.data

    def match_title(self, title: str) -> WorkRecord | None:
        """The single closest title (with ``score`` = ``matchScore``), or ``None`` on 404."""
        reply = self.request(
            "GET",
            f"{API_PATH}/paper/search/match",
            params={"query": title, "fields": FIELDS},
            headers=self._headers(),
            decode=lambda r: parse_s2_search(decode_json(r), fetched_at=utcnow()),
        )
        if reply.status == 404:
            self._tally([FetchStatus.NOT_FOUND])
            return None
        if reply.data is None:
            raise SourceError(self.source, f"match failed: {_error_message(reply.text)}", status=reply.status)
        self._tally(r.status for r in reply.data[:1])
        return reply.data[0] if reply.data else None


def _error_message(body: str) -> str:
    match = re.search(r'"(?:error|message)"\s*:\s*"([^"]{0,200})"', body)
    return match.group(1) if match else body[:120].strip() or "no body"


def parse_s2_authors(data: Sequence[Any]) -> list[Author | None]:
    """Author objects (``author/{id}``, ``author/batch``) as :class:`Author`; ``null`` stays ``None``."""
    return [
        Author(name=text(a.get("name")) or "", s2_author_id=text(a.get("authorId")))
        if isinstance(a, Mapping)
        else None
        for a in data
    ]
