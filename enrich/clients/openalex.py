"""OpenAlex works: OR-filter batches, singleton fallback, merged works, the daily dollar budget.

Facts (``docs/apis.md`` §4): ``filter=doi:A|B|C`` ORs up to 100 values; there is no
arXiv id type, so arXiv papers go through their DataCite DOI ``10.48550/arxiv.<id>``
(:func:`enrich.ids.arxiv_datacite_doi`); a preprint merged into its journal version can be missed by an
OR-list yet found by a singleton, so misses are retried one by one (singletons are free); merged works
answer 301 (followed, recorded as ``moved`` with ``moved_to``); PMID OR-filters were reported to 400
(ourresearch/OpenAlex#8), so PMIDs/PMCIDs go as singletons. Since Feb 2026 an ``api_key`` parameter
selects the keyed budget and ``mailto`` is ignored (still sent: harmless, and it identifies us).
Every list call costs $0.0001 of a daily allowance reported in ``x-ratelimit-remaining-usd``; when it
cannot cover the next batch, the rest is ``deferred``.
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

from enrich.clients._common import (
    FILTER_UNSAFE,
    as_int,
    doi_problem,
    path_value,
    text,
    year_from_date,
)
from enrich.clients.base import BaseClient, decode_json
from enrich.clients.policy import ClientConfig, ClientOptions
from enrich.errors import RateLimitedError, SourceError
from enrich.ids import arxiv_datacite_doi, normalize_arxiv_id, normalize_doi, pmcid_from, pmid_from, split_doi
from enrich.ratelimit import utcnow
from enrich.records import Author, FetchStatus, WorkRecord
from enrich.util import chunked

if TYPE_CHECKING:
    from enrich.clients.github import RepoState

log = logging.getLogger(__name__)

DEFAULT_MIN_INTERVAL = 0.01
"""OpenAlex allows "max 100 req/s" for everyone (developers.openalex.org authentication page, 2026;
apis.md §4)."""

OR_BATCH = 100
"""Values per OR-filter: "up to 100" in current docs (developers.openalex.org/guides/filtering);
older docs said 50 (apis.md §4)."""

LIST_CALL_COST_USD = 0.0001
"""Price of one list/filter call: $0.10 per 1,000 (developers.openalex.org pricing, 2026; apis.md §4)."""

SEARCH_CALL_COST_USD = 0.001
"""Price of one ``search`` call (same page)."""

SELECT = (
    "id,doi,title,display_name,publication_year,publication_date,ids,type,cited_by_count,"
    "counts_by_year,authorships,primary_location,abstract_inverted_index"
)

_W_ID = re.compile(r"^(?:https?://openalex\.org/)?(W\d+)$", re.IGNORECASE)


def rebuild_abstract(index: Mapping[str, Sequence[int]] | None) -> str | None:
    """Plain text from ``abstract_inverted_index`` (word -> positions), or ``None``.

    >>> rebuild_abstract({"world": [1], "Hello": [0]})
    'Hello world'
    """
    if not index:
        return None
    slots: dict[int, str] = {}
    for word, positions in index.items():
        for pos in positions:
            slots[int(pos)] = word
    return " ".join(slots[i] for i in sorted(slots)) or None


def short_id(url_or_id: str | None) -> str | None:
    """``W2741809807`` from ``https://openalex.org/W2741809807`` (or the bare id)."""
    if not url_or_id:
        return None
    match = _W_ID.match(url_or_id.strip())
    return match.group(1).upper() if match else None


def parse_openalex_work(data: Mapping[str, Any], *, key: str, fetched_at: datetime) -> WorkRecord:
    """One OpenAlex work object as a record (pure)."""
    ids = data.get("ids") or {}
    doi, arxiv_id = split_doi(data.get("doi") or ids.get("doi"))
    authors = []
    for a in data.get("authorships") or ():
        person = a.get("author") or {}
        insts = [text(i.get("display_name")) for i in a.get("institutions") or ()]
        orcid = person.get("orcid")
        authors.append(
            Author(
                name=text(person.get("display_name")) or text(a.get("raw_author_name")) or "",
                orcid=orcid.rsplit("/", 1)[-1] if isinstance(orcid, str) and orcid else None,
                affiliation="; ".join(i for i in insts if i) or None,
            )
        )
    location = data.get("primary_location") or {}
    venue = text((location.get("source") or {}).get("display_name"))
    counts = tuple(
        sorted(
            (int(c["year"]), int(c["cited_by_count"]))
            for c in data.get("counts_by_year") or ()
            if as_int(c.get("year")) is not None and as_int(c.get("cited_by_count")) is not None
        )
    )
    date = text(data.get("publication_date"))
    return WorkRecord(
        source="openalex",
        key=key,
        status=FetchStatus.OK,
        fetched_at=fetched_at,
        title=text(data.get("title")) or text(data.get("display_name")),
        abstract=rebuild_abstract(data.get("abstract_inverted_index")),
        authors=tuple(authors),
        year=as_int(data.get("publication_year")) or year_from_date(date),
        publication_date=date,
        venue=venue,
        arxiv_id=arxiv_id,
        doi=doi,
        pmid=pmid_from(ids.get("pmid")),
        pmcid=pmcid_from(ids.get("pmcid")),
        openalex_id=short_id(data.get("id")),
        citation_count=as_int(data.get("cited_by_count")),
        counts_by_year=counts,
        work_type=text(data.get("type")),
        score=float(data["relevance_score"])
        if isinstance(data.get("relevance_score"), int | float)
        else None,
    )


def parse_openalex_list(data: Mapping[str, Any], *, fetched_at: datetime) -> list[WorkRecord]:
    """A ``/works?filter=…`` or ``/works?search=…`` page; ``key`` = the OpenAlex id (pure)."""
    return [
        parse_openalex_work(item, key=short_id(item.get("id")) or "", fetched_at=fetched_at)
        for item in data.get("results") or ()
        if isinstance(item, Mapping)
    ]


def _lookup(raw: str) -> tuple[str, str] | str:
    """``(kind, value)`` for a requested id (``doi``, ``openalex``, ``pmid``, ``pmcid``), else why not.

    Every value is validated here, before any request: W-ids, PMIDs and PMCIDs are digits, DOIs pass
    :func:`~enrich.clients._common.doi_problem`; the value is percent-encoded where it is used.
    """
    value = raw.strip()
    w = short_id(value)
    if w:
        return "openalex", w
    prefix, _, rest = value.partition(":")
    prefix = prefix.lower()
    if prefix == "doi" or value.lower().startswith(("http://doi.org/", "https://doi.org/", "10.")):
        doi = normalize_doi(rest if prefix == "doi" else value)
        if doi is None:
            return "malformed DOI: not sent"
        problem = doi_problem(doi)
        return ("doi", doi) if problem is None else f"malformed DOI ({problem}): not sent"
    if prefix == "arxiv":
        parsed = normalize_arxiv_id(rest)
        return ("doi", arxiv_datacite_doi(parsed[0])) if parsed else "malformed arXiv id: not sent"
    if prefix == "pmid" and (found := pmid_from(rest)):  # normalised: digits only are sent
        return "pmid", found
    if prefix == "pmcid" and (found := pmcid_from(rest)):
        return "pmcid", found
    return "malformed id: not sent"


class OpenAlexClient(BaseClient):
    """OpenAlex works by id (batched OR-filters + free singletons) and title search."""

    source: ClassVar[str] = "openalex"
    DEFAULT_MIN_INTERVAL: ClassVar[float] = DEFAULT_MIN_INTERVAL
    LABEL: ClassVar[str] = "OpenAlex"
    BATCH_SIZE: ClassVar[int] = OR_BATCH  # an OR-filter takes at most 100 values
    CREDENTIAL: ClassVar[str] = "API key"
    AUTH_REJECTED_STATUSES: ClassVar[frozenset[int]] = frozenset({401, 403})
    MAX_CONNECTIONS: ClassVar[int] = 4
    """No documented concurrency cap; 100 req/s is the limit that binds (apis.md §4)."""

    def __init__(
        self,
        base_url: str,
        session: requests.Session | None = None,
        timeout: float = 30.0,
        api_key: SecretStr | None = None,
        mailto: str | None = None,
        *,
        batch_size: int = OR_BATCH,
        **options: Unpack[ClientOptions],
    ) -> None:
        self._api_key = api_key
        super().__init__(base_url, session, timeout, **options)
        self.mailto = mailto
        self.batch_size = max(1, min(batch_size, OR_BATCH))
        self.budget_usd: float | None = None  # last x-ratelimit-remaining-usd seen
        # a spent daily budget stops list calls (deferred), not the free singleton lookups
        self.limiter.pause_when_spent = False

    def _secrets(self) -> list[str]:
        return [self._api_key.get_secret_value()] if self._api_key else []

    def _params(self, extra: Mapping[str, str | int]) -> dict[str, str | int]:
        params: dict[str, str | int] = dict(extra)
        if self.mailto:
            params["mailto"] = self.mailto
        if self._api_key:
            params["api_key"] = self._api_key.get_secret_value()
        return params

    def _note_budget(self) -> None:
        info = self.limiter.last_info
        if info.remaining_usd is not None:
            self.budget_usd = info.remaining_usd

    def _can_afford(self, cost: float) -> bool:
        return self.budget_usd is None or self.budget_usd >= cost

    @classmethod
    def configured(cls, root: str, session: requests.Session, config: ClientConfig) -> Self:
        credentials = config.credentials
        return cls(
            root,
            session,
            config.timeout,
            credentials.openalex_api_key,
            credentials.mailto,
            **cls._run_options(config),
        )

    def fetch_keys(
        self, keys: Sequence[str], *, known: Mapping[str, RepoState] | None = None
    ) -> list[WorkRecord]:
        return self.get_works(list(keys))

    def get_works(self, ids: Sequence[str]) -> list[WorkRecord]:
        """One record per id, same order, ``key`` = the id as given."""
        now = utcnow()
        wanted: dict[str, tuple[str, str]] = {}
        refused: dict[str, str] = {}
        for raw in ids:
            parsed = _lookup(raw)
            if isinstance(parsed, str):
                refused[raw] = parsed
            else:
                wanted.setdefault(raw, parsed)
        by_value: dict[tuple[str, str], WorkRecord] = {}
        for kind in ("doi", "openalex"):
            # a value holding a filter operator (| , +) cannot join an OR-list: it goes alone below
            values = list(
                dict.fromkeys(v for k, v in wanted.values() if k == kind and not FILTER_UNSAFE & set(v))
            )
            for chunk in chunked(values, self.batch_size):
                by_value.update(self._or_batch(kind, chunk))
        # singletons: PMIDs/PMCIDs, and every miss of an OR-list (merged preprints), free of charge
        for key in dict.fromkeys(wanted.values()):
            record = by_value.get(key)
            if record is None or record.status == FetchStatus.NOT_FOUND:
                by_value[key] = self._singleton(*key)
        out: list[WorkRecord] = []
        for raw in ids:
            if raw not in wanted:
                reason = refused.get(raw, "malformed id: not sent")
                out.append(WorkRecord("openalex", raw, FetchStatus.ERROR, now, reason=reason))
                continue
            out.append(replace(by_value[wanted[raw]], key=raw))
        self._tally(r.status for r in out)
        return out

    def _or_batch(self, kind: str, values: list[str]) -> dict[tuple[str, str], WorkRecord]:
        now = utcnow()

        def every(status: FetchStatus, reason: str) -> dict[tuple[str, str], WorkRecord]:
            return {(kind, v): WorkRecord("openalex", v, status, now, reason=reason) for v in values}

        if self.unreachable:
            return every(FetchStatus.ERROR, self._unreachable_message or "unreachable")
        if not self._can_afford(LIST_CALL_COST_USD):
            return every(
                FetchStatus.DEFERRED, f"daily budget left ${self.budget_usd:g} cannot cover a list call"
            )
        params: dict[str, str | int] = {
            "filter": f"{kind}:{'|'.join(values)}",
            "per_page": len(values),
            "select": SELECT,
        }
        try:
            reply = self.request(
                "GET",
                "/works",
                params=self._params(params),
                decode=lambda r: parse_openalex_list(decode_json(r), fetched_at=utcnow()),
            )
        except SourceError as exc:
            return every(*self.failure(exc))
        finally:
            self._note_budget()
        if reply.data is None:
            if reply.status == 400 and len(values) > 1:
                half = len(values) // 2
                return {**self._or_batch(kind, values[:half]), **self._or_batch(kind, values[half:])}
            if reply.status == 400:  # this one value breaks the filter: leave it to the singleton lookup
                return {}
            return every(FetchStatus.ERROR, f"HTTP {reply.status}")
        out: dict[tuple[str, str], WorkRecord] = {}
        for record in reply.data:
            if kind == "doi":
                dois = {record.doi, arxiv_datacite_doi(record.arxiv_id) if record.arxiv_id else None}
                for value in values:
                    if value in dois:
                        out[(kind, value)] = record
            elif record.openalex_id in values:
                out[(kind, record.openalex_id or "")] = record
        for value in values:
            out.setdefault((kind, value), WorkRecord("openalex", value, FetchStatus.NOT_FOUND, now))
        return out

    def _singleton(self, kind: str, value: str) -> WorkRecord:
        now = utcnow()
        path = f"/works/{path_value(value)}" if kind == "openalex" else f"/works/{kind}:{path_value(value)}"
        try:
            reply = self.request(
                "GET",
                path,
                params=self._params({"select": SELECT}),
                decode=lambda r: parse_openalex_work(decode_json(r), key=value, fetched_at=utcnow()),
            )
        except SourceError as exc:
            status, reason = self.failure(exc)
            return WorkRecord("openalex", value, status, now, reason=reason)
        finally:
            self._note_budget()
        if reply.status == 404:
            return WorkRecord("openalex", value, FetchStatus.NOT_FOUND, now)
        if reply.data is None:
            return WorkRecord("openalex", value, FetchStatus.ERROR, now, reason=f"HTTP {reply.status}")
        record = reply.data
        if kind == "openalex" and record.openalex_id and record.openalex_id != value.upper():
            return replace(record, status=FetchStatus.MOVED, moved_to=record.openalex_id)
        if any(code in (301, 308) for code in reply.history) and record.openalex_id:
            return replace(record, status=FetchStatus.MOVED, moved_to=record.openalex_id)
        return record

    def search(self, title: str, limit: int = 10) -> list[WorkRecord]:
        """Title search candidates, best first; raises :class:`SourceError` subclasses on failure."""
        if not self._can_afford(SEARCH_CALL_COST_USD):
            raise RateLimitedError(
                self.source, f"daily budget left ${self.budget_usd:g} cannot cover a search"
            )
        try:
            reply = self.request(
                "GET",
                "/works",
                params=self._params({"search": title, "per_page": max(1, min(limit, 100)), "select": SELECT}),
                decode=lambda r: parse_openalex_list(decode_json(r), fetched_at=utcnow()),
            )
        finally:
            self._note_budget()
        if reply.data is None:
            raise SourceError(self.source, "search failed", status=reply.status)
        self._tally(r.status for r in reply.data)
        return reply.data
