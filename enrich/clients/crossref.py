"""Crossref REST: ``works?filter=doi:…`` lists, ``works/{doi}`` and ``works?query.bibliographic=…``,
polite pool via ``mailto``.

Facts (``docs/apis.md`` §5): limits since 1 Dec 2025 are per pool and per route kind
(single DOI vs list/query), one request at a time for the public pool; a contact e-mail (``mailto=``
parameter or inside the User-Agent) selects the polite pool. ``abstract`` is a JATS XML string.
Repeating a filter ORs it (``filter=doi:A,doi:B``; rest-api-doc README "Multiple filters"), so DOIs
go :data:`DOI_LIST_SIZE` to a list request (one list request costs 1/3 s polite, 1 s public, against
0.1 s / 0.2 s per single DOI); a DOI outside Crossref's own DOI pattern, a lone DOI, and every
DOI of a list the API refuses (HTTP 400, split in halves first) go through ``works/{doi}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self, Unpack

import requests

from enrich.clients._common import as_int, doi_problem, path_value
from enrich.clients._common import text as clean
from enrich.clients.base import BaseClient, decode_json
from enrich.clients.policy import ClientConfig, ClientOptions
from enrich.errors import SourceError
from enrich.ids import normalize_doi, split_doi
from enrich.markup import strip_tags
from enrich.ratelimit import Pacing, utcnow
from enrich.records import Author, FetchStatus, WorkRecord

if TYPE_CHECKING:
    from enrich.clients.github import RepoState

PUBLIC_SINGLE_INTERVAL = 0.2
"""Public pool, single-DOI route: 5 req/s, 1 concurrent (Crossref blog "announcing changes to REST API
rate limits", effective 1 Dec 2025; apis.md §5)."""
POLITE_SINGLE_INTERVAL = 0.1
"""Polite pool (``mailto`` given), single-DOI route: 10 req/s (same announcement)."""
PUBLIC_LIST_INTERVAL = 1.0
"""Public pool, list/query route: 1 req/s (same announcement)."""
POLITE_LIST_INTERVAL = 1 / 3
"""Polite pool, list/query route: 3 req/s (same announcement)."""

_LISTABLE = re.compile(r"10\.\d{4,9}/[-._;()/:a-z0-9]+")
"""DOIs that go in a ``filter=doi:`` list: Crossref's own pattern for modern DOIs (Crossref blog "DOIs
and matching regular expressions": it matches 74.4 of 74.9 million). Any other character (``,``
would add a filter, ``|``, ``&``, ``?``, ``%``...) sends the DOI alone, to ``works/{doi}``."""

DOI_LIST_SIZE = 100
"""DOIs per ``filter=doi:…`` list: the maximum is not documented, only bounded by the URL length
(apis.md §5, §11); 100 DOIs make a URL of a few kilobytes."""

_JATS_BLOCK_TITLE = re.compile(r"<(jats:)?title\b[^>]*>.*?</(jats:)?title>", re.S | re.I)
_BLOCK_TAG = re.compile(r"</?(jats:)?(p|sec|list|list-item|break)\b[^>]*>", re.I)


def strip_jats(abstract: str | None) -> str | None:
    """Plain text from a JATS abstract: section titles ("Abstract") dropped, tags removed, entities decoded.

    >>> strip_jats("<jats:title>Abstract</jats:title><jats:p>We show <jats:italic>x</jats:italic>.</jats:p>")
    'We show x.'
    """
    if not abstract:
        return None
    body = _JATS_BLOCK_TITLE.sub(" ", abstract)
    body = _BLOCK_TAG.sub(" ", body)
    return strip_tags(body, tags="any", gap="", unescape=True) or None


def _date(parts: Any) -> str | None:
    try:
        first = parts["date-parts"][0]
    except (KeyError, IndexError, TypeError):
        return None
    nums = [int(p) for p in first if isinstance(p, int)]
    if not nums:
        return None
    return "-".join([f"{nums[0]:04d}", *(f"{n:02d}" for n in nums[1:3])])


def _first(values: Any) -> str | None:
    if isinstance(values, list) and values:
        return clean(values[0])
    return clean(values)


def parse_crossref_work(data: Mapping[str, Any], *, key: str, fetched_at: datetime) -> WorkRecord:
    """One Crossref ``message`` (a work) as a record (pure)."""
    authors = []
    for a in data.get("author") or ():
        name = " ".join(p for p in (clean(a.get("given")), clean(a.get("family"))) if p) or clean(
            a.get("name")
        )
        affs = [clean(x.get("name")) for x in a.get("affiliation") or () if isinstance(x, Mapping)]
        orcid = a.get("ORCID")
        authors.append(
            Author(
                name=name or "",
                orcid=orcid.rsplit("/", 1)[-1] if isinstance(orcid, str) else None,
                affiliation="; ".join(x for x in affs if x) or None,
            )
        )
    date = None
    for field in ("published", "issued", "published-print", "published-online", "posted", "created"):
        date = _date(data.get(field))
        if date:
            break
    institution = data.get("institution") or []
    venue = _first(data.get("container-title")) or (
        clean(institution[0].get("name")) if institution and isinstance(institution[0], Mapping) else None
    )
    doi, arxiv_id = split_doi(data.get("DOI"))
    score = data.get("score")
    return WorkRecord(
        source="crossref",
        key=key,
        status=FetchStatus.OK,
        fetched_at=fetched_at,
        title=_first(data.get("title")),
        abstract=strip_jats(data.get("abstract")),
        authors=tuple(authors),
        year=int(date[:4]) if date else None,
        publication_date=date,
        venue=venue,
        arxiv_id=arxiv_id,
        doi=doi,
        citation_count=as_int(data.get("is-referenced-by-count")),
        reference_count=as_int(data.get("references-count") or data.get("reference-count")),
        work_type=clean(data.get("type")),
        score=float(score) if isinstance(score, int | float) else None,
    )


def parse_crossref_item(data: Mapping[str, Any], *, key: str, fetched_at: datetime) -> WorkRecord:
    """A ``works/{doi}`` answer (``{"status": "ok", "message": {...}}``) as a record (pure)."""
    if data.get("status") != "ok" or not isinstance(data.get("message"), Mapping):
        raise ValueError("not a Crossref work message")
    return parse_crossref_work(data["message"], key=key, fetched_at=fetched_at)


def parse_crossref_list(data: Mapping[str, Any], *, fetched_at: datetime) -> list[WorkRecord]:
    """A ``works?query…`` answer: items in rank order; ``key`` = the DOI (pure)."""
    message = data.get("message")
    if data.get("status") != "ok" or not isinstance(message, Mapping):
        raise ValueError("not a Crossref work-list message")
    return [
        parse_crossref_work(item, key=normalize_doi(str(item.get("DOI"))) or "", fetched_at=fetched_at)
        for item in message.get("items") or ()
        if isinstance(item, Mapping)
    ]


class CrossrefClient(BaseClient):
    """Crossref works by DOI (``filter=doi:…`` lists of :data:`DOI_LIST_SIZE`) and bibliographic queries."""

    source: ClassVar[str] = "crossref"
    DEFAULT_MIN_INTERVAL: ClassVar[float] = PUBLIC_SINGLE_INTERVAL
    LABEL: ClassVar[str] = "Crossref"
    BATCH_SIZE: ClassVar[int] = (
        100  # DOIs per filter=doi:... list request (repeated filters OR; cap undocumented)
    )
    MAX_CONNECTIONS: ClassVar[int] = 1
    """Public pool: 1 concurrent request (Crossref rate-limit announcement, Dec 2025; apis.md §5)."""

    def __init__(
        self,
        base_url: str,
        session: requests.Session | None = None,
        timeout: float = 30.0,
        mailto: str | None = None,
        *,
        list_min_interval: float | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        pacing = options.get("pacing") or Pacing()
        given = pacing.min_interval
        single = (
            given if given is not None else (POLITE_SINGLE_INTERVAL if mailto else PUBLIC_SINGLE_INTERVAL)
        )
        pacing = replace(
            pacing, min_interval=single
        )  # the documented interval of the pool ``mailto`` selects
        options["pacing"] = pacing
        super().__init__(base_url, session, timeout, **options)
        self.mailto = mailto
        if list_min_interval is None:
            list_min_interval = (
                max(single, POLITE_LIST_INTERVAL if mailto else PUBLIC_LIST_INTERVAL)
                if given is None
                else given
            )
        self.list_min_interval = list_min_interval

    def _params(self, extra: Mapping[str, str | int] | None = None) -> dict[str, str | int]:
        params: dict[str, str | int] = dict(extra or {})
        if self.mailto:
            params["mailto"] = self.mailto
        return params

    @classmethod
    def configured(cls, root: str, session: requests.Session, config: ClientConfig) -> Self:
        polite = bool(config.credentials.mailto)
        return cls(
            root,
            session,
            config.timeout,
            config.credentials.mailto,
            list_min_interval=config.interval(POLITE_LIST_INTERVAL if polite else PUBLIC_LIST_INTERVAL),
            **cls._run_options(config, POLITE_SINGLE_INTERVAL if polite else PUBLIC_SINGLE_INTERVAL),
        )

    def fetch_keys(
        self, keys: Sequence[str], *, known: Mapping[str, RepoState] | None = None
    ) -> list[WorkRecord]:
        return self.get_works(list(keys))

    def get_works(self, dois: Sequence[str]) -> list[WorkRecord]:
        """One record per DOI, same order, ``key`` = the DOI as given."""
        wanted = {raw: normalize_doi(raw) for raw in dois}
        unique = [d for d in dict.fromkeys(wanted.values()) if d is not None and doi_problem(d) is None]
        listable = [d for d in unique if _LISTABLE.fullmatch(d)]
        found: dict[str, WorkRecord] = {}
        for start in range(0, len(listable), DOI_LIST_SIZE):
            found.update(self._list(listable[start : start + DOI_LIST_SIZE]))
        out: list[WorkRecord] = []
        for raw in dois:
            doi = wanted[raw]
            now = utcnow()
            problem = "malformed DOI: not sent" if doi is None else doi_problem(doi)
            if doi is None or problem is not None:
                reason = problem if doi is None else f"malformed DOI ({problem}): not sent"
                out.append(WorkRecord("crossref", raw, FetchStatus.ERROR, now, reason=reason))
                continue
            if doi not in found:
                found[doi] = self._one(doi)
            out.append(replace(found[doi], key=raw))
        self._tally(r.status for r in out)
        return out

    def _list(self, dois: list[str]) -> dict[str, WorkRecord]:
        """The records of ``dois`` from one ``filter=doi:…`` list; a DOI the list does not hold is
        ``not_found``. Returns nothing for the DOIs left to ``works/{doi}`` (see the module doc)."""
        if len(dois) < 2:
            return {}
        now = utcnow()

        def every(status: FetchStatus, reason: str) -> dict[str, WorkRecord]:
            return {d: WorkRecord("crossref", d, status, now, reason=reason) for d in dois}

        try:
            reply = self.request(
                "GET",
                "/works",
                params=self._params({"filter": ",".join(f"doi:{d}" for d in dois), "rows": len(dois)}),
                min_interval=self.list_min_interval,
                decode=lambda r: parse_crossref_list(decode_json(r), fetched_at=utcnow()),
            )
        except SourceError as exc:
            return every(*self.failure(exc))
        if reply.data is None:
            if reply.status == 400:  # one DOI breaks the filter: halves, down to single look-ups
                half = len(dois) // 2
                return {**self._list(dois[:half]), **self._list(dois[half:])}
            return every(FetchStatus.ERROR, f"HTTP {reply.status}")
        by_doi = {r.key: r for r in reply.data}
        return {d: by_doi.get(d) or WorkRecord("crossref", d, FetchStatus.NOT_FOUND, now) for d in dois}

    def _one(self, doi: str) -> WorkRecord:
        now = utcnow()
        try:
            reply = self.request(
                "GET",
                f"/works/{path_value(doi)}",
                params=self._params(),
                decode=lambda r: parse_crossref_item(decode_json(r), key=doi, fetched_at=utcnow()),
            )
        except SourceError as exc:
            status, reason = self.failure(exc)
            return WorkRecord("crossref", doi, status, now, reason=reason)
        if reply.status == 404:
            return WorkRecord("crossref", doi, FetchStatus.NOT_FOUND, now)
        if reply.data is None:
            return WorkRecord("crossref", doi, FetchStatus.ERROR, now, reason=f"HTTP {reply.status}")
        return reply.data

    def query_bibliographic(self, text: str, rows: int = 5) -> list[WorkRecord]:
        """Citation-matching candidates, best first; raises :class:`SourceError` subclasses on failure."""
        reply = self.request(
            "GET",
            "/works",
            params=self._params({"query.bibliographic": text, "rows": max(1, min(rows, 1000))}),
            min_interval=self.list_min_interval,
            decode=lambda r: parse_crossref_list(decode_json(r), fetched_at=utcnow()),
        )
        if reply.data is None:
            raise SourceError(self.source, "bibliographic query failed", status=reply.status)
        self._tally(r.status for r in reply.data)
        return reply.data
