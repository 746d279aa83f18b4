"""The one place that builds HTTP sessions: User-Agent, optional on-disk cache, secret hygiene.

:func:`build_session` returns a plain :class:`requests.Session`, or with a :class:`CacheSettings` a
`requests-cache <https://requests-cache.readthedocs.io/>`_ ``CachedSession`` on SQLite whose expiry is
chosen per URL pattern (see :data:`CACHE_POLICY`):

* **immutable facts** (arXiv abstracts/authors/titles, title->id search resolutions from S2, OpenAlex
  and Crossref) are kept ``immutable_ttl`` (default 30 days);
* **volatile counts** (S2/OpenAlex/Crossref records carrying citation counts, GitHub GraphQL stars,
  Hugging Face likes/downloads) are kept ``volatile_ttl`` (default 20 h: fresh within one nightly run,
  refetched by the next night);
* **GitHub REST** repos/contents are stored but always revalidated with ``If-None-Match`` (a 304
  "does not count against your primary rate limit", GitHub docs best-practices page, see
  ``docs/apis.md`` §6).

Credentials never reach the cache: every auth header (``Authorization``, ``x-api-key``...) and
secret query parameter (``api_key``, ``token``...) is in requests-cache's ``ignored_parameters``, so it
is neither part of a cache key nor stored (requests-cache replaces it with ``REDACTED``), and redirect
history, which requests-cache stores unredacted, is scrubbed before saving (tested by reading the
SQLite file for the secret). Timeouts are passed on every request by the clients.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sqlite3
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

import requests
from requests.adapters import BaseAdapter, HTTPAdapter

from enrich import __version__
from enrich.redact import REDACTING_FILTER, SECRET_HEADERS, SECRET_PARAMS, sanitize_url
from enrich.redact import register_secrets as _register
from enrich.sources import cache_patterns

__all__ = [
    "CACHE_POLICY",
    "CacheSettings",
    "PacedAdapter",
    "build_session",
    "cache_ignored_parameters",
    "cache_policy",
    "install_log_redaction",
    "is_cached_response",
    "register_secrets",
    "sanitize_url",
    "user_agent",
]

IMMUTABLE: Final = "immutable"
VOLATILE: Final = "volatile"
REVALIDATE: Final = "revalidate"


def cache_policy() -> tuple[tuple[re.Pattern[str], str], ...]:
    """URL pattern -> kind of data, from each source's ``cache`` (``enrich.sources``); first match wins."""
    return tuple((re.compile(pattern), kind) for pattern, kind in cache_patterns())


CACHE_POLICY: Final = cache_policy()
"""URL pattern -> kind of data, first match wins; unmatched URLs get the volatile expiry."""


@dataclass(frozen=True, slots=True)
class CacheSettings:
    """Where the HTTP cache lives and how long each kind of data is kept.

    ``immutable_ttl`` (30 days): abstracts, authors and title resolutions do not change; a month bounds
    how stale a corrected record can get. ``volatile_ttl`` (20 h): counts are refreshed every night,
    and 20 h < 24 h guarantees tomorrow's run refetches them while re-runs the same night hit the cache.
    """

    directory: Path
    immutable_ttl: timedelta = timedelta(days=30)
    volatile_ttl: timedelta = timedelta(hours=20)

    def path_for(self, name: str) -> Path:
        """The SQLite file of one source's cache (one file per source: no cross-source lock waits)."""
        return self.directory / f"{name}.sqlite"


def user_agent(mailto: str | None = None, *, product: str = "awesome-enrich", url: str | None = None) -> str:
    """``awesome-enrich/0.1.0 (+<url>; mailto:<contact>)``, each part in parentheses only when given.

    Crossref's etiquette puts the contact in the User-Agent ("mailto:" inside it selects the polite
    pool, CrossRef/rest-api-doc README "Etiquette"); arXiv's robot detection names the User-Agent in its
    denial page, so an honest, contactable one matters (``docs/apis.md`` §1, §5).
    """
    parts = [p for p in (f"+{url}" if url else None, f"mailto:{mailto}" if mailto else None) if p]
    return f"{product}/{__version__} ({'; '.join(parts)})" if parts else f"{product}/{__version__}"


def _case_variants(names: Iterable[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        for variant in (name, name.lower(), name.title(), name.upper()):
            if variant not in out:
                out.append(variant)
    return out


def cache_ignored_parameters() -> list[str]:
    """Every secret header/parameter name, in each spelling (requests-cache matches case-sensitively)."""
    names = [*SECRET_HEADERS, "X-API-Key", "x-api-key", *SECRET_PARAMS, "apiKey", "mailto-token"]
    return _case_variants(names)


UNUSED_CACHE_DRIVERS: Final = ("boto3", "bson", "gridfs", "pymongo", "redis")
"""Client libraries of requests-cache's other backends (DynamoDB, MongoDB/GridFS, Redis), which it
imports whenever they are installed (Prefect's dependencies install boto3 and redis). We use SQLite
alone, so :func:`_import_requests_cache` keeps them out."""


def _import_requests_cache() -> None:
    """Import requests-cache without :data:`UNUSED_CACHE_DRIVERS`.

    ``requests_cache`` imports every backend whose client library is installed; with boto3 and
    redis installed that was +30 MB of resident memory for the whole night and 1.2 s of CPU, against
    +3 MB and 0.3 s without them (``docs/performance.md``, "Fetch phase"). A name set to ``None`` in
    ``sys.modules`` makes its import raise ``ImportError``, which requests-cache answers with a
    placeholder class for that backend; the names are released right after, so a later import of
    those libraries by anything else works as usual.
    """
    if "requests_cache" in sys.modules:
        return
    blocked = [name for name in UNUSED_CACHE_DRIVERS if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # documented: the import raises ImportError
    try:
        import requests_cache  # noqa: F401  # the import is the point
    finally:
        for name in blocked:
            if sys.modules.get(name, "") is None:
                del sys.modules[name]


def _expire(kind: str, cache: CacheSettings) -> Any:
    _import_requests_cache()
    from requests_cache import EXPIRE_IMMEDIATELY

    if kind == IMMUTABLE:
        return cache.immutable_ttl
    if kind == REVALIDATE:
        return EXPIRE_IMMEDIATELY
    return cache.volatile_ttl


def _scrub_history(response: requests.Response, ignored: set[str]) -> None:
    """Redirect history is stored by requests-cache without redaction: remove secrets from it."""
    for hop in response.history:
        request = hop.request
        for name in list(request.headers):
            if name in ignored or name.lower() in SECRET_HEADERS:
                request.headers[name] = "REDACTED"
        if request.url:
            request.url = sanitize_url(request.url)
        hop.url = sanitize_url(hop.url)


CACHE_PAGE_KIB: Final = 256
"""SQLite's page cache per connection of an HTTP cache file, in KiB (SQLite's default is 2,000).

Each source's cache keeps two connections open for the whole night (responses, redirects); at the
default size their page caches held 14 MB from the fetch phase to the end of the night
(``sqlite3_memory_used``, 20,000 papers), while each answer is read or written once a night: the
operating system's file cache serves the rest."""


class _SmallPageCache(sqlite3.Connection):
    """A connection whose page cache is :data:`CACHE_PAGE_KIB` (requests-cache passes ``factory`` on
    to :func:`sqlite3.connect`, so a reopened connection gets it too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.execute(f"PRAGMA cache_size=-{CACHE_PAGE_KIB}")


def _cached_session(user_agent_value: str, cache: CacheSettings, name: str) -> requests.Session:
    _import_requests_cache()
    from requests_cache import CachedSession
    from requests_cache.backends.sqlite import SQLiteCache

    ignored = cache_ignored_parameters()
    ignored_set = set(ignored)

    class _RedactingSQLiteCache(SQLiteCache):
        def save_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
            _scrub_history(response, ignored_set)
            super().save_response(response, *args, **kwargs)

    cache.directory.mkdir(parents=True, exist_ok=True)
    backend = _RedactingSQLiteCache(str(cache.path_for(name)), wal=True, factory=_SmallPageCache)
    session: requests.Session = CachedSession(
        backend=backend,
        expire_after=cache.volatile_ttl,
        urls_expire_after={pattern: _expire(kind, cache) for pattern, kind in cache_policy()},
        allowable_methods=("GET", "HEAD", "POST"),  # S2 paper/batch and GraphQL are POSTs
        allowable_codes=(200,),
        ignored_parameters=ignored,
        match_headers=False,  # no header (auth or otherwise) is part of a key, except via Vary
        cache_control=False,  # our expiry policy, not GitHub's max-age=60
        stale_if_error=False,
    )
    session.headers["User-Agent"] = user_agent_value
    return session


def build_session(
    *, user_agent: str, cache: CacheSettings | None = None, name: str = "http", pool_size: int = 4
) -> requests.Session:
    """A session with our User-Agent, no hidden retries (clients own retries) and an optional cache.

    ``name`` names the cache file (``<cache.directory>/<name>.sqlite``); clients use their source name.
    """
    session = _cached_session(user_agent, cache, name) if cache is not None else requests.Session()
    install_log_redaction()
    session.headers["User-Agent"] = user_agent
    adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


Turn = Callable[[float | None], contextlib.AbstractContextManager[float | None]]
"""A source's turn to send: entered before a request reaches the network (it may wait or refuse),
yields the timeout left for the request, exited once the whole answer is read."""


class PacedAdapter(BaseAdapter):
    """A transport adapter that paces what reaches the network, wrapping the adapter it replaces.

    A client mounts it under its own root (:meth:`mount`). Sessions ask their adapter only for what
    they send, and requests-cache answers a cache hit before that, so pacing sits *below* the cache:
    a cache hit never waits. Every request that does go out (a redirect hop too) waits for its
    ``turn``, and the answer is read whole before the turn ends.
    """

    def __init__(self, inner: BaseAdapter, turn: Turn) -> None:
        super().__init__()
        self.inner = inner
        self.turn = turn

    @classmethod
    def mount(cls, session: requests.Session, root: str, turn: Turn) -> PacedAdapter:
        """Mount a paced adapter for URLs under ``root`` around the adapter the session had for them."""
        inner = session.get_adapter(root if "://" in root else f"http://{root}")
        if isinstance(inner, PacedAdapter):  # one client per session and root: the last one paces
            inner = inner.inner
        adapter = cls(inner, turn)
        session.mount(root, adapter)
        return adapter

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        single = timeout if isinstance(timeout, float | int) or timeout is None else None
        with self.turn(single) as left:
            response: requests.Response = self.inner.send(
                request,
                stream=stream,
                timeout=left if single is not None or timeout is None else timeout,
                verify=verify,
                cert=cert,
                proxies=proxies,
            )
            _ = response.content  # the whole answer before the next request may start
        return response

    def close(self) -> None:
        self.inner.close()


THIRD_PARTY_LOGGERS: Final = ("urllib3", "requests_cache", "requests")
"""Libraries that log request URLs at DEBUG (urllib3 logs every GET line with its query string)."""


def register_secrets(values: Iterable[str]) -> None:
    """Remember credential values (:func:`enrich.redact.register_secrets`) and make sure the HTTP
    libraries' loggers carry the redaction filter."""
    _register(values)
    install_log_redaction()


def install_log_redaction() -> None:
    """Attach :data:`enrich.redact.REDACTING_FILTER` to urllib3/requests/requests-cache loggers (idempotent).

    A logger's filter only sees records logged through that very logger, so every existing child
    logger of those libraries gets it too.
    """
    names = [
        name
        for name in list(logging.root.manager.loggerDict)
        if any(name == p or name.startswith(p + ".") for p in THIRD_PARTY_LOGGERS)
    ]
    for name in {*THIRD_PARTY_LOGGERS, *names}:
        logger = logging.getLogger(name)
        if REDACTING_FILTER not in logger.filters:
            logger.addFilter(REDACTING_FILTER)


def is_cached_response(response: requests.Response) -> bool:
    """True when requests-cache served ``response`` from disk (including after a 304 revalidation)."""
    return bool(getattr(response, "from_cache", False))
