"""GitHub repositories: REST with conditional requests, or GraphQL alias batches when a token is set.

Facts (``docs/apis.md`` §6, §7):

* REST ``repos/{owner}/{repo}``: renamed/transferred repos answer 301 (followed; the body's
  ``full_name`` then differs from the one asked: recorded as ``moved`` with ``moved_to``), 404 gone,
  451 blocked for legal reasons. ``If-None-Match: <etag>`` -> 304, which "does not count against the
  primary rate limit": the HTTP cache (``enrich.http``, ``revalidate``) sends it, the one ETag
  mechanism for repos. Primary quota: 60/h unauthenticated, 5,000/h with a token, in
  ``x-ratelimit-remaining``/``-reset`` (epoch).
* GraphQL needs a token; many ``repository(owner:, name:)`` aliases fit one query (~100 is common
  practice, nodiscc/hecat#118; big queries can 502, raycast cut to 25); an alias that fails yields an
  ``errors`` entry and ``null`` while the rest of ``data`` comes back; a spent budget is HTTP 200 with
  an error.

Budget: repos are refreshed stalest first (unknown ``fetched_at`` first); once the quota left cannot
cover the next request, the rest (the freshest) come back ``deferred``.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, ClassVar, Self, Unpack
from urllib.parse import quote

import requests
from pydantic import SecretStr

from enrich.clients._common import as_int, text
from enrich.clients.base import BaseClient, decode_json
from enrich.clients.policy import ClientConfig, ClientOptions
from enrich.errors import RateLimitedError, SourceError
from enrich.links import repo_refs
from enrich.ratelimit import utcnow
from enrich.records import FetchStatus, RepoRecord
from enrich.util import chunked

log = logging.getLogger(__name__)

DEFAULT_MIN_INTERVAL = 0.1
"""GitHub asks for serial requests and caps each REST endpoint at 900 points/min (GET = 1 point) as a
secondary limit (github/docs secondary-rate-limit reusable; apis.md §6): 10 req/s stays well under."""

GRAPHQL_BATCH = 100
"""Aliases per GraphQL query: the common ~100 (nodiscc/hecat#118; apis.md §7). Within the documented
limits: each alias asks three connections (open issues, watchers, topics ``first: 20``), so a query
asks at most 100 x 20 = 2,000 nodes (limit 500,000) and costs ~300/100 = 3 points (5,000/h). raycast
cut to 25 after 502s on much larger queries (raycast/extensions#28160)."""

API_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}

_NAME = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")

REPO_FIELDS = """
  databaseId nameWithOwner description homepageUrl createdAt pushedAt isArchived
  stargazerCount forkCount
  issues(states: OPEN) { totalCount }
  watchers { totalCount }
  licenseInfo { spdxId }
  primaryLanguage { name }
  repositoryTopics(first: 20) { nodes { topic { name } } }
  readme: object(expression: "HEAD:README.md") { ... on Blob { text } }
"""
"""``readme``: the README's text in the same query as the stars (never one REST call per repo); only its
paper references are kept (:func:`enrich.links.repo_refs`), not the text."""


@dataclass(frozen=True, slots=True)
class RepoState:
    """What the caller already knows about a repo: when it was last fetched (stalest refreshed first)."""

    fetched_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ContentsResult:
    """A file read through the contents API (``text`` is ``None`` on 304/404/error)."""

    status: FetchStatus
    text: str | None = None
    etag: str | None = None
    sha: str | None = None
    not_modified: bool = False
    reason: str | None = None


def valid_full_name(name: str) -> bool:
    """``owner/repo`` of GitHub's name characters, neither part ``.`` nor ``..`` (a path step)."""
    clean = name.strip()
    return bool(_NAME.match(clean)) and not any(part in (".", "..") for part in clean.split("/"))


def _valid_contents_path(path: str) -> bool:
    parts = path.strip("/").split("/")
    return all(p and p not in (".", "..") and p.isprintable() and "\\" not in p for p in parts)


def _spdx(value: Any) -> str | None:
    if isinstance(value, Mapping):
        spdx = text(value.get("spdx_id") or value.get("spdxId"))
        return None if spdx in (None, "NOASSERTION") else spdx
    return None


def _located(key: str, full_name: str | None) -> tuple[FetchStatus, str | None]:
    """``(ok, None)``, or ``(moved, full_name)`` when GitHub answers for ``key`` under another name."""
    if full_name is not None and full_name.lower() != key.strip().lower():
        return FetchStatus.MOVED, full_name
    return FetchStatus.OK, None


def parse_github_repo(data: Mapping[str, Any], *, key: str, fetched_at: datetime) -> RepoRecord:
    """A REST ``repos/{owner}/{repo}`` body as a record; ``moved`` when ``full_name`` differs (pure)."""
    full_name = text(data.get("full_name"))
    status, moved_to = _located(key, full_name)
    return RepoRecord(
        key=key,
        status=status,
        fetched_at=fetched_at,
        moved_to=moved_to,
        full_name=full_name,
        github_id=as_int(data.get("id")),
        stars=as_int(data.get("stargazers_count")),
        forks=as_int(data.get("forks_count")),
        open_issues=as_int(data.get("open_issues_count")),
        watchers=as_int(data.get("subscribers_count")),
        pushed_at=text(data.get("pushed_at")),
        created_at=text(data.get("created_at")),
        archived=data.get("archived") if isinstance(data.get("archived"), bool) else None,
        license=_spdx(data.get("license")),
        topics=tuple(str(t) for t in data.get("topics") or ()),
        description=text(data.get("description")),
        language=text(data.get("language")),
        homepage=text(data.get("homepage")),
        paper_refs=repo_refs(text(data.get("homepage")), text(data.get("description")), None),
    )


def parse_graphql_repository(data: Mapping[str, Any], *, key: str, fetched_at: datetime) -> RepoRecord:
    """One GraphQL ``repository`` node as a record (pure)."""
    full_name = text(data.get("nameWithOwner"))
    status, moved_to = _located(key, full_name)
    topics = tuple(
        str(n["topic"]["name"])
        for n in (data.get("repositoryTopics") or {}).get("nodes") or ()
        if isinstance(n, Mapping) and isinstance(n.get("topic"), Mapping)
    )

    def total(field: str) -> int | None:
        node = data.get(field)
        return as_int(node.get("totalCount")) if isinstance(node, Mapping) else None

    blob = data.get("readme")
    readme = text(blob.get("text")) if isinstance(blob, Mapping) else None

    return RepoRecord(
        key=key,
        status=status,
        fetched_at=fetched_at,
        moved_to=moved_to,
        full_name=full_name,
        github_id=as_int(data.get("databaseId")),
        stars=as_int(data.get("stargazerCount")),
        forks=as_int(data.get("forkCount")),
        open_issues=total("issues"),
        watchers=total("watchers"),
        pushed_at=text(data.get("pushedAt")),
        created_at=text(data.get("createdAt")),
        archived=data.get("isArchived") if isinstance(data.get("isArchived"), bool) else None,
        license=_spdx(data.get("licenseInfo")),
        topics=topics,
        description=text(data.get("description")),
        language=text((data.get("primaryLanguage") or {}).get("name")),
        homepage=text(data.get("homepageUrl")),
        paper_refs=repo_refs(text(data.get("homepageUrl")), text(data.get("description")), readme),
        readme_read="readme" in data,
    )


@dataclass(frozen=True, slots=True)
class GraphqlBatch:
    """Parsed GraphQL answer: records by key, the budget left, and a batch-wide error if any."""

    records: dict[str, RepoRecord]
    remaining: int | None
    cost: int | None
    error: str | None = None
    rate_limited: bool = False


def parse_graphql_batch(
    body: Mapping[str, Any], aliases: Mapping[str, str], *, fetched_at: datetime
) -> GraphqlBatch:
    """An aliased ``repository`` query answer: per-alias ``errors`` -> not_found/error (pure).

    ``aliases`` maps alias (``r0``) -> requested key (``owner/name``).
    """
    data = body.get("data") if isinstance(body.get("data"), Mapping) else {}
    errors = [e for e in body.get("errors") or () if isinstance(e, Mapping)]
    by_alias: dict[str, Mapping[str, Any]] = {}
    batch_error: str | None = None
    rate_limited = False
    for problem in errors:
        path = problem.get("path") or []
        alias = path[0] if path else None
        if alias in aliases:
            by_alias[str(alias)] = problem
        else:
            batch_error = text(problem.get("message")) or "GraphQL error"
            rate_limited = rate_limited or problem.get("type") == "RATE_LIMITED"
    rate = (data or {}).get("rateLimit") or {}
    records: dict[str, RepoRecord] = {}
    for alias, key in aliases.items():
        node = (data or {}).get(alias)
        if isinstance(node, Mapping):
            records[key] = parse_graphql_repository(node, key=key, fetched_at=fetched_at)
            continue
        err: Mapping[str, Any] | None = by_alias.get(alias)
        if err is not None and err.get("type") == "NOT_FOUND":
            records[key] = RepoRecord(key, FetchStatus.NOT_FOUND, fetched_at)
        elif err is not None:
            records[key] = RepoRecord(
                key, FetchStatus.ERROR, fetched_at, reason=text(err.get("message")) or str(err.get("type"))
            )
        elif rate_limited:
            records[key] = RepoRecord(key, FetchStatus.RATE_LIMITED, fetched_at, reason=batch_error)
        else:
            records[key] = RepoRecord(key, FetchStatus.ERROR, fetched_at, reason=batch_error or "no data")
    return GraphqlBatch(
        records=records,
        remaining=as_int(rate.get("remaining")),
        cost=as_int(rate.get("cost")),
        error=batch_error,
        rate_limited=rate_limited,
    )


def graphql_query(names: Sequence[str]) -> tuple[str, dict[str, str]]:
    """``(query, {alias: name})`` for an aliased batch; names are validated before (no injection).

    Fields are repeated per alias rather than put in a named fragment: plainer GraphQL that every
    server and double understands, at the cost of a longer query text."""
    aliases: dict[str, str] = {}
    parts = ["query {", "  rateLimit { cost remaining resetAt }"]
    for i, name in enumerate(names):
        owner, repo = name.split("/", 1)
        alias = f"r{i}"
        aliases[alias] = name
        fields = " ".join(REPO_FIELDS.split())
        parts.append(
            f"  {alias}: repository(owner: {json.dumps(owner)}, name: {json.dumps(repo)}) {{ {fields} }}"
        )
    parts.append("}")
    return "\n".join(parts), aliases


def _staleness(state: RepoState | None) -> datetime:
    if state is None or state.fetched_at is None:
        return datetime.min.replace(tzinfo=UTC)
    at = state.fetched_at
    return at if at.tzinfo else at.replace(tzinfo=UTC)


class GitHubClient(BaseClient):
    """GitHub repository metadata, budget-aware; GraphQL batches with a token, REST+ETags without."""

    source: ClassVar[str] = "github"
    DEFAULT_MIN_INTERVAL: ClassVar[float] = DEFAULT_MIN_INTERVAL
    LABEL: ClassVar[str] = "GitHub"
    BATCH_SIZE: ClassVar[int] = GRAPHQL_BATCH  # tens of aliased repos per GraphQL query; REST 1 per request
    CREDENTIAL: ClassVar[str] = "token"
    AUTH_REJECTED_STATUSES: ClassVar[frozenset[int]] = frozenset({401})
    MAX_CONNECTIONS: ClassVar[int] = 1
    """GitHub docs advise serial, not concurrent, requests (best-practices page; apis.md §6)."""

    def __init__(
        self,
        base_url: str,
        session: requests.Session | None = None,
        timeout: float = 30.0,
        token: SecretStr | None = None,
        *,
        use_graphql: bool | None = None,
        graphql_batch: int = GRAPHQL_BATCH,
        **options: Unpack[ClientOptions],
    ) -> None:
        self._token = token
        super().__init__(base_url, session, timeout, **options)
        self.use_graphql = bool(token) if use_graphql is None else (use_graphql and bool(token))
        self.graphql_batch = max(1, graphql_batch)
        self.remaining: int | None = None  # quota left, from the last response

    def _secrets(self) -> list[str]:
        return [self._token.get_secret_value()] if self._token else []

    def _headers(self, etag: str | None = None) -> dict[str, str]:
        headers = dict(API_HEADERS)
        if self._token:
            headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        if etag:
            headers["If-None-Match"] = etag
        return headers

    def _budget_spent(self) -> bool:
        info = self.limiter.last_info
        if info.remaining is not None:
            self.remaining = int(info.remaining)
        return (
            self.remaining is not None
            and self.remaining <= 0
            and self.limiter.blocked_for() > self.limiter.max_wait
        )

    # -- repos -------------------------------------------------------------------------------------

    @classmethod
    def configured(cls, root: str, session: requests.Session, config: ClientConfig) -> Self:
        return cls(root, session, config.timeout, config.credentials.github_token, **cls._run_options(config))

    def fetch_keys(
        self, keys: Sequence[str], *, known: Mapping[str, RepoState] | None = None
    ) -> list[RepoRecord]:
        """:meth:`get_repos` with what ``known`` says about these repos (keys lower case)."""
        subset = {k: v for k in keys if (v := (known or {}).get(k.lower())) is not None}
        return self.get_repos(list(keys), known=subset or None)

    def get_repos(
        self, full_names: Sequence[str], known: Mapping[str, RepoState] | None = None
    ) -> list[RepoRecord]:
        """One record per name, same order, ``key`` = the name as given; stalest refreshed first."""
        known = {k.lower(): v for k, v in (known or {}).items()}
        now = utcnow()
        results: dict[str, RepoRecord] = {}
        todo = [n for n in dict.fromkeys(n.strip() for n in full_names) if valid_full_name(n)]
        todo.sort(key=lambda n: _staleness(known.get(n.lower())))
        if self.use_graphql:
            self._graphql_all(todo, known, results)
        else:
            self._rest_all(todo, known, results)
        out: list[RepoRecord] = []
        for raw in full_names:
            record = results.get(raw.strip())
            if record is None:
                record = RepoRecord(raw, FetchStatus.ERROR, now, reason="malformed owner/repo: not sent")
            elif record.key != raw:
                record = replace(record, key=raw)
            out.append(record)
        self._tally(r.status for r in out)
        return out

    def _defer(self, names: Sequence[str], results: dict[str, RepoRecord], why: str) -> None:
        now = utcnow()
        for name in names:
            results[name] = RepoRecord(name, FetchStatus.DEFERRED, now, reason=why)
        if names:
            log.warning("github: %d repos deferred (%s); the stalest were refreshed first", len(names), why)

    def _rest_all(
        self, todo: list[str], known: Mapping[str, RepoState], results: dict[str, RepoRecord]
    ) -> None:
        for i, name in enumerate(todo):
            if self._budget_spent():
                self._defer(todo[i:], results, "hourly quota spent")
                return
            try:
                results[name] = self._rest_one(name)
            except RateLimitedError as exc:
                status, reason = self.failure(exc)
                results[name] = RepoRecord(name, status, utcnow(), reason=reason)
                self._defer(todo[i + 1 :], results, "rate limited")
                return

    def _rest_one(self, name: str) -> RepoRecord:
        now = utcnow()
        owner, repo = name.split("/", 1)
        try:
            reply = self.request(
                "GET",
                f"/repos/{quote(owner, safe='')}/{quote(repo, safe='')}",
                headers=self._headers(),
                decode=lambda r: parse_github_repo(decode_json(r), key=name, fetched_at=utcnow()),
            )
        except RateLimitedError:
            raise  # the caller defers the rest
        except SourceError as exc:
            status, reason = self.failure(exc)
            return RepoRecord(name, status, now, reason=reason)
        if reply.rate.remaining is not None:
            self.remaining = int(reply.rate.remaining)
        if reply.data is not None:
            return reply.data
        if reply.status == 404:
            return RepoRecord(name, FetchStatus.NOT_FOUND, now)
        if reply.status == 451:
            return RepoRecord(name, FetchStatus.ERROR, now, reason="unavailable for legal reasons (HTTP 451)")
        return RepoRecord(name, FetchStatus.ERROR, now, reason=f"HTTP {reply.status}")

    def _graphql_all(
        self, todo: list[str], known: Mapping[str, RepoState], results: dict[str, RepoRecord]
    ) -> None:
        batches = chunked(todo, self.graphql_batch)
        for i, batch in enumerate(batches):
            rest = [n for b in batches[i:] for n in b]
            if self._budget_spent():
                self._defer(rest, results, "hourly quota spent")
                return
            query, aliases = graphql_query(batch)
            try:
                reply = self.request(
                    "POST",
                    "/graphql",
                    json={"query": query},
                    headers=self._headers(),
                    decode=lambda r, a=aliases: parse_graphql_batch(decode_json(r), a, fetched_at=utcnow()),  # type: ignore[misc]
                )
            except SourceError as exc:
                status, reason = self.failure(exc)
                now = utcnow()
                for name in batch:
                    results[name] = RepoRecord(name, status, now, reason=reason)
                if status == FetchStatus.RATE_LIMITED:
                    self._defer(rest[len(batch) :], results, "rate limited")
                    return
                continue
            parsed = reply.data
            if parsed is None:
                now = utcnow()
                for name in batch:
                    results[name] = RepoRecord(name, FetchStatus.ERROR, now, reason=f"HTTP {reply.status}")
                continue
            results.update(parsed.records)
            # an alias that failed for another reason than "not found" (timeouts, GitHub bugs) is
            # asked once over REST, which also works for repos GraphQL refuses
            shaky = [n for n in batch if results[n].status == FetchStatus.ERROR]
            if shaky:
                self._rest_all(shaky, known, results)
            if parsed.remaining is not None:
                self.remaining = parsed.remaining
            if parsed.rate_limited:
                self._defer(rest[len(batch) :], results, "GraphQL budget spent")
                return
            cost = parsed.cost or 1
            if parsed.remaining is not None and parsed.remaining < cost and i + 1 < len(batches):
                self._defer(
                    rest[len(batch) :], results, f"GraphQL budget left {parsed.remaining} < cost {cost}"
                )
                return

    # -- contents ---------------------------------------------------------------------------------

    def get_contents(self, owner: str, repo: str, path: str, etag: str | None = None) -> ContentsResult:
        """A file's text via the contents API, conditional on ``etag`` (304 -> ``not_modified``)."""
        name = f"{owner}/{repo}"
        if not valid_full_name(name):
            return ContentsResult(FetchStatus.ERROR, reason="malformed owner/repo: not sent")
        if not _valid_contents_path(path):
            return ContentsResult(FetchStatus.ERROR, reason="malformed file path: not sent")
        try:
            reply = self.request(
                "GET",
                f"/repos/{quote(owner, safe='')}/{quote(repo, safe='')}/contents/{quote(path.strip('/'))}",
                headers=self._headers(etag),
                ok=(200, 304),
                decode=lambda r: None if r.status_code == 304 else decode_json(r),
            )
        except SourceError as exc:
            status = FetchStatus.RATE_LIMITED if isinstance(exc, RateLimitedError) else FetchStatus.ERROR
            return ContentsResult(status, reason=self.error_reason(exc))
        new_etag = reply.headers.get("ETag") or etag
        if reply.status == 304:
            return ContentsResult(FetchStatus.OK, etag=etag, not_modified=True)
        if reply.status == 404:
            return ContentsResult(FetchStatus.NOT_FOUND)
        if reply.data is None or not isinstance(reply.data, Mapping):
            return ContentsResult(FetchStatus.ERROR, reason=f"HTTP {reply.status}")
        return parse_contents(reply.data, etag=new_etag)


def parse_contents(data: Mapping[str, Any], *, etag: str | None) -> ContentsResult:
    """A contents-API file object (base64 ``content``) as text (pure)."""
    if data.get("type") not in (None, "file"):
        return ContentsResult(FetchStatus.ERROR, reason=f"not a file: {data.get('type')}")
    raw = data.get("content")
    if not isinstance(raw, str):
        return ContentsResult(FetchStatus.ERROR, reason="no content in answer")
    try:
        body = base64.b64decode(raw, validate=False).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        return ContentsResult(FetchStatus.ERROR, reason=f"undecodable content: {type(exc).__name__}")
    return ContentsResult(FetchStatus.OK, text=body, etag=etag, sha=text(data.get("sha")))
