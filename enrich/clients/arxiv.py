"""arXiv through the ``arxiv`` package (lukasschwab/arxiv.py 4.x), endpoint set from configuration.

The package supplies the query model (:class:`arxiv.Search`), URL building, paging and the Atom parser;
we subclass :class:`arxiv.Client` and override exactly one method, ``_parse_feed``, because the
package's fetch cannot be configured to be safe for a nightly job (``docs/apis.md`` §2):
it sends no timeout (a stalled socket hangs forever), replaces our User-Agent (with its contact
address) by ``arxiv.py/<version>``, retries with a fixed delay and no backoff, ignores ``Retry-After``,
and returns an empty first page silently. Our ``_parse_feed`` sends the package-built URL through
:meth:`BaseClient.request` (limiter, bounded retries, deadline, cache) and parses with the package's
own ``arxiv._feed.parse``. The endpoint is the documented ``query_url_format`` attribute, set per
instance from the base URL.

Batching: ``id_list`` in chunks of :data:`DEFAULT_CHUNK` with ``max_results = len(chunk)`` (the API's
silent default of 10 would cut a longer list, lukasschwab/arxiv.py#19), sent as a POST form body
(GETs of ~640-700 ids fail with 414, arxiv.py#15; the manual documents POST for long parameter
lists); searches stay GETs. Ids are validated before batching (one malformed id makes arXiv answer 400 for the
whole batch), and a batch that fails as a whole is split in halves. An empty feed for a non-empty
``id_list`` is suspect (arxiv.py#83, #119, #158, pinned #129) but is also what arXiv answers when no
id of the chunk exists: it is not retried (five backed-off retries cost a clean night ~28 s per such
chunk), its ids are reported ``missing`` (:data:`EMPTY_REASON`), and the run decides with the previous
snapshot (``enrich.pipeline.settle_missing``): ids arXiv answered before keep their earlier values and
count as not served; ids never seen become ``not_found``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Unpack
from urllib.parse import parse_qsl

import arxiv
import requests
from arxiv import _feed
from lxml import etree  # type: ignore[import-untyped]

from enrich.clients.base import BaseClient
from enrich.clients.policy import ClientOptions
from enrich.clients.state import BadBody, BadBodyError
from enrich.errors import RateLimitedError, SourceError, SourceUnavailableError
from enrich.ids import normalize_arxiv_id, normalize_doi
from enrich.ratelimit import utcnow
from enrich.records import Author, FetchStatus, WorkRecord
from enrich.util import chunked

if TYPE_CHECKING:
    from enrich.clients.github import RepoState

log = logging.getLogger(__name__)

QUERY_PATH = "/api/query"

DEFAULT_MIN_INTERVAL = 3.0
"""arXiv Terms of Use: "make no more than one request every three seconds" for the legacy APIs, on a
single connection, across all your machines (https://info.arxiv.org/help/api/tou.html; apis.md §1)."""

DEFAULT_CHUNK = 2000
"""Ids per ``id_list`` request: the most results one call returns (user manual §3.1.1.2, apis.md §1,
§11). POSTed, so the ~640-700-id limit of a GET (HTTP 414, arxiv.py#15, #209) does not apply."""

EMPTY_REASON = "empty feed for these ids (suspect, not proof of absence)"

_STRICT_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)


@dataclass(frozen=True, slots=True)
class ArxivFeed:
    """A parsed Atom page: records, ``opensearch:totalResults``, and the error entry's text if any."""

    records: tuple[WorkRecord, ...]
    total_results: int
    error: str | None = None


def _ws(text: str | None) -> str | None:
    if text is None:
        return None
    clean = " ".join(text.split())
    return clean or None


def record_from_result(result: arxiv.Result, *, fetched_at: datetime, key: str | None = None) -> WorkRecord:
    """One :class:`arxiv.Result` as a :class:`WorkRecord` (pure)."""
    parsed = normalize_arxiv_id(result.get_short_id())
    arxiv_id, version = parsed if parsed else (result.get_short_id(), None)
    authors = tuple(
        Author(name=_ws(a.name) or "", affiliation="; ".join(a.affiliation) if a.affiliation else None)
        for a in result.authors
    )
    published = result.published
    return WorkRecord(
        source="arxiv",
        key=key or arxiv_id,
        status=FetchStatus.OK,
        fetched_at=fetched_at,
        title=_ws(result.title),
        abstract=_ws(result.summary),
        authors=authors,
        year=published.year,
        publication_date=published.date().isoformat(),
        venue=_ws(result.journal_ref),
        arxiv_id=arxiv_id,
        arxiv_version=version,
        doi=normalize_doi(result.doi) if result.doi else None,
        work_type="preprint",
    )


def _is_error_entry(result: arxiv.Result) -> bool:
    return "/api/errors" in result.entry_id


_ATOM = "{http://www.w3.org/2005/Atom}"


def check_well_formed(content: bytes) -> str | None:
    """Raise :class:`BadBody` when ``content`` is not well-formed XML (truncated, HTML, garbage);
    return the text of arXiv's error entry (``<id>…/api/errors#…</id>``) if the feed is one.

    The package's parser uses ``recover=True`` and would silently return a partial feed, and it
    skips the error entry (which has no ``<published>``).
    """
    try:
        root = etree.fromstring(content, parser=_STRICT_PARSER)
    except etree.XMLSyntaxError as exc:
        raise BadBody(f"malformed Atom feed: {exc.msg}") from None
    if root is None:
        raise BadBody("empty document")
    for entry in root.iter(f"{_ATOM}entry"):
        entry_id = entry.findtext(f"{_ATOM}id") or ""
        if "/api/errors" in entry_id:
            return _ws(entry.findtext(f"{_ATOM}summary")) or "arXiv API error"
    return None


def parse_arxiv_feed(content: bytes, *, fetched_at: datetime) -> ArxivFeed:
    """Parse an arXiv Atom response into records (pure). Raises :class:`BadBody` if not well-formed."""
    error = check_well_formed(content)
    feed = _feed.parse(content)
    records = [record_from_result(r, fetched_at=fetched_at) for r in feed.results if not _is_error_entry(r)]
    return ArxivFeed(records=tuple(records), total_results=feed.header.total_results, error=error)


class _ApiErrorFeed(Exception):
    """A 200 carrying arXiv's error entry: an answer, not a transient fault (not retried)."""


class _PackageClient(arxiv.Client):  # type: ignore[misc]
    """``arxiv.Client`` whose HTTP goes through :class:`ArxivClient` (see the module docstring)."""

    def __init__(self, owner: ArxivClient, page_size: int) -> None:
        super().__init__(page_size=page_size, delay_seconds=0.0, num_retries=0)
        self.query_url_format = f"{owner.base_url}{QUERY_PATH}?{{}}"
        self._session = owner.session
        self._owner = owner

    def _parse_feed(self, url: str, first_page: bool = True, _try_index: int = 0) -> Any:
        return self._owner._get_feed(url, first_page=first_page)


@dataclass(frozen=True, slots=True)
class _Wanted:
    requested: str
    arxiv_id: str
    version: int | None

    @property
    def query_id(self) -> str:
        return f"{self.arxiv_id}v{self.version}" if self.version else self.arxiv_id


class ArxivClient(BaseClient):
    """Fetch arXiv metadata by id (batched) or title.

    ``min_interval`` defaults to arXiv's 3 s (:data:`DEFAULT_MIN_INTERVAL`); tests pass a tiny one.
    """

    source: ClassVar[str] = "arxiv"
    DEFAULT_MIN_INTERVAL: ClassVar[float] = DEFAULT_MIN_INTERVAL
    LABEL: ClassVar[str] = "arXiv"
    BATCH_SIZE: ClassVar[int] = DEFAULT_CHUNK  # ids per id_list request: the most one call returns
    MAX_CONNECTIONS: ClassVar[int] = 1
    """"Use a single connection at a time" (arXiv Terms of Use; apis.md §1)."""

    def __init__(
        self,
        base_url: str,
        session: requests.Session | None = None,
        timeout: float = 30.0,
        *,
        chunk_size: int = DEFAULT_CHUNK,
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(base_url, session, timeout, **options)
        self.chunk_size = max(1, chunk_size)
        self._package_clients: dict[int, _PackageClient] = {}

    # -- HTTP, called back by the package client --------------------------------------------

    def _get_feed(self, url: str, *, first_page: bool) -> _feed.ParsedFeed:
        expect_entries = "id_list=" in url and not re.search(r"id_list=(&|$)", url)

        def decode(response: requests.Response) -> _feed.ParsedFeed:
            error = check_well_formed(response.content)
            if error is not None:
                raise _ApiErrorFeed(error)
            parsed = _feed.parse(response.content)
            if expect_entries and not parsed.results and first_page:
                raise BadBody(EMPTY_REASON, kind="empty")
            total = parsed.header.total_results
            if len(parsed.results) < min(total, parsed.header.items_per_page or total) and first_page:
                raise BadBody(f"feed holds {len(parsed.results)} of {total} entries (truncated)")
            return parsed

        method, data = "GET", None
        if expect_entries:  # a long id_list goes in a form body (no 414); same parameters
            url, _, query = url.partition("?")
            method, data = "POST", dict(parse_qsl(query, keep_blank_values=True))
        try:
            reply = self.request(method, url, decode=decode, data=data)
        except _ApiErrorFeed as exc:  # HTTP 200 error feed (older API behaviour)
            raise SourceError(self.source, f"API error: {exc}", status=400) from None
        if reply.status != 200 or reply.data is None:
            raise SourceError(self.source, f"query failed{_error_text(reply.text)}", status=reply.status)
        parsed = reply.data
        if not first_page and not parsed.results:
            raise arxiv.UnexpectedEmptyPageError(url, 0, parsed)
        return parsed

    def _package_client(self, page_size: int) -> _PackageClient:
        size = max(1, page_size)
        if size not in self._package_clients:
            self._package_clients[size] = _PackageClient(self, page_size=size)
        return self._package_clients[size]

    # -- public API ----------------------------------------------------------------------------

    def fetch_keys(
        self, keys: Sequence[str], *, known: Mapping[str, RepoState] | None = None
    ) -> list[WorkRecord]:
        return self.fetch(list(keys))

    def fetch(self, ids: Sequence[str]) -> list[WorkRecord]:
        """One record per requested id, same order, ``key`` = the id as given."""
        now = utcnow()
        out: list[WorkRecord | None] = [None] * len(ids)
        wanted: dict[str, _Wanted] = {}
        for i, raw in enumerate(ids):
            parsed = normalize_arxiv_id(raw)
            if parsed is None:
                out[i] = WorkRecord(
                    "arxiv", raw, FetchStatus.ERROR, now, reason="malformed arXiv id: not sent"
                )
                continue
            w = _Wanted(raw, parsed[0], parsed[1])
            wanted.setdefault(w.query_id, w)
        found: dict[str, WorkRecord] = {}
        for chunk in chunked(list(wanted.values()), self.chunk_size):
            found.update(self._fetch_chunk(chunk))
        for i, raw in enumerate(ids):
            if out[i] is not None:
                continue
            parsed = normalize_arxiv_id(raw)
            assert parsed is not None
            qid = _Wanted(raw, parsed[0], parsed[1]).query_id
            out[i] = replace(found[qid], key=raw)
        records = [r for r in out if r is not None]
        self._tally(r.status for r in records)
        return records

    def _fetch_chunk(self, chunk: list[_Wanted]) -> dict[str, WorkRecord]:
        now = utcnow()

        def every(status: FetchStatus, reason: str | None) -> dict[str, WorkRecord]:
            return {w.query_id: WorkRecord("arxiv", w.requested, status, now, reason=reason) for w in chunk}

        search = arxiv.Search(id_list=[w.query_id for w in chunk], max_results=len(chunk))
        try:
            results = list(self._package_client(len(chunk)).results(search))
        except BadBodyError as exc:
            if exc.kind == "empty":
                return every(FetchStatus.MISSING, EMPTY_REASON)
            return every(*self.failure(exc))
        except (SourceUnavailableError, RateLimitedError) as exc:
            return every(*self.failure(exc))
        except (SourceError, arxiv.ArxivError) as exc:
            status = getattr(exc, "status", None)
            if len(chunk) > 1 and status is not None and 400 <= status < 500:
                log.info("arxiv: batch of %d failed with HTTP %s; splitting it", len(chunk), status)
                half = len(chunk) // 2
                return {**self._fetch_chunk(chunk[:half]), **self._fetch_chunk(chunk[half:])}
            return every(*self.failure(exc))
        by_id: dict[str | None, list[WorkRecord]] = {}
        for r in results:
            if not _is_error_entry(r):
                record = record_from_result(r, fetched_at=now)
                by_id.setdefault(record.arxiv_id, []).append(record)
        out: dict[str, WorkRecord] = {}
        for w in chunk:
            match = next(
                (r for r in by_id.get(w.arxiv_id, ()) if w.version is None or r.arxiv_version == w.version),
                None,
            )
            if match is None:
                out[w.query_id] = WorkRecord("arxiv", w.requested, FetchStatus.NOT_FOUND, now)
            else:
                out[w.query_id] = replace(match, key=w.requested)
        return out

    def search_title(self, title: str, limit: int = 5) -> list[WorkRecord]:
        """Candidates for a title (``ti:"..."`` phrase query), best first; ``key`` = arXiv id.

        Raises :class:`enrich.errors.SourceError` subclasses when the source fails (callers decide).
        """
        words = re.sub(r"[^\w\s-]", " ", title).split()
        if not words:
            return []
        search = arxiv.Search(query=f'ti:"{" ".join(words)}"', max_results=limit)
        now = utcnow()
        results = list(self._package_client(limit).results(search))
        records = [record_from_result(r, fetched_at=now) for r in results if not _is_error_entry(r)]
        self._tally(r.status for r in records)
        return records


def _error_text(text: str) -> str:
    match = re.search(r"<summary>(.*?)</summary>", text, flags=re.S)
    return f": {_ws(match.group(1))}" if match else ""
