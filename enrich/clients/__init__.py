"""Source clients: one per API, each batched, cached, rate-limited and fault-tolerant.

Build them all at the edge with :meth:`Clients.from_config` (one per source of
``enrich.sources.REGISTRY``); every client is also usable alone (constructor: base URL, session,
timeout, credentials, minimum interval). Parsing is pure and lives
next to each client as ``parse_*`` functions taking decoded JSON/XML.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from enrich.clients.arxiv import ArxivClient
from enrich.clients.base import BaseClient
from enrich.clients.crossref import CrossrefClient
from enrich.clients.github import ContentsResult, GitHubClient, RepoState
from enrich.clients.hf import HfClient
from enrich.clients.openalex import OpenAlexClient
from enrich.clients.policy import ClientConfig
from enrich.clients.s2 import S2Client
from enrich.config import Credentials, Endpoints
from enrich.http import CacheSettings, build_session, user_agent
from enrich.records import SourceStats
from enrich.sources import SourceClient, registered

__all__ = [
    "ArxivClient",
    "ClientConfig",
    "Clients",
    "ContentsResult",
    "CrossrefClient",
    "GitHubClient",
    "HfClient",
    "OpenAlexClient",
    "RepoState",
    "S2Client",
]


C = TypeVar("C")


@dataclass(frozen=True, slots=True)
class Clients:
    """The clients of one run, one per registered source (``enrich.sources.REGISTRY``)."""

    by_source: Mapping[str, SourceClient]

    @classmethod
    def from_config(
        cls,
        endpoints: Endpoints,
        credentials: Credentials,
        *,
        cache_dir: Path | None,
        timeout: float = 30.0,
        rate_limits: bool = True,
        interval_scale: float = 1.0,
        cache: CacheSettings | None = None,
        deadlines: Mapping[str, float] | None = None,
    ) -> Clients:
        """Clients for ``endpoints`` with ``credentials``; an HTTP cache under ``cache_dir/http``.

        ``rate_limits=False`` drops the minimum intervals (only for the API double with its limits off);
        ``interval_scale`` multiplies every documented interval (e.g. 0.01 against
        ``enrich fake-apis --rate-limits 0.01``). Server-sent limits (429, Retry-After) always apply.
        ``deadlines`` gives each source's deadline in seconds from now (``enrich.config.source_policy``);
        a source without one has none. Each client builds itself (``configured``) from the run's
        :class:`ClientConfig`.
        """
        limit = dict(deadlines or {})
        settings = cache
        if settings is None and cache_dir is not None:
            settings = CacheSettings(directory=Path(cache_dir) / "http")
        ua = user_agent(credentials.mailto)
        built: dict[str, SourceClient] = {}
        for spec in registered():
            config = ClientConfig(
                credentials=credentials,
                timeout=timeout,
                deadline=limit.get(spec.name),
                interval_scale=interval_scale if rate_limits else 0.0,
            )
            session = build_session(user_agent=ua, cache=settings, name=spec.name)
            built[spec.name] = spec.client_class().configured(endpoints.root(spec.name), session, config)
        return cls(built)

    def get(self, source: str) -> SourceClient:
        """The client of ``source``; ``ValueError`` for a source this run has no client for."""
        try:
            return self.by_source[source]
        except KeyError:
            raise ValueError(f"unknown source {source!r}") from None

    def _typed(self, source: str, kind: type[C]) -> C:
        client = self.get(source)
        if not isinstance(client, kind):
            raise TypeError(f"the {source} client is a {type(client).__name__}, not a {kind.__name__}")
        return client

    # typed access for source-specific capabilities (title searches, the contents endpoint)
    @property
    def arxiv(self) -> ArxivClient:
        return self._typed("arxiv", ArxivClient)

    @property
    def s2(self) -> S2Client:
        return self._typed("s2", S2Client)

    @property
    def openalex(self) -> OpenAlexClient:
        return self._typed("openalex", OpenAlexClient)

    @property
    def crossref(self) -> CrossrefClient:
        return self._typed("crossref", CrossrefClient)

    @property
    def github(self) -> GitHubClient:
        return self._typed("github", GitHubClient)

    @property
    def hf(self) -> HfClient:
        return self._typed("hf", HfClient)

    def all(self) -> tuple[BaseClient, ...]:
        """Every client built on :class:`BaseClient` (all of this repository's), in registry order."""
        return tuple(c for c in self.by_source.values() if isinstance(c, BaseClient))

    def stats(self) -> dict[str, SourceStats]:
        """Per-source counters (requests, ok, not_found, errors, deferred, cache_hits, unreachable)."""
        return {name: c.stats for name, c in self.by_source.items()}
