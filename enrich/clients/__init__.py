"""Source clients: one per API, each batched, cached, rate-limited and fault-tolerant.

Build them all at the edge with :meth:`Clients.from_config`; every client is also usable alone
(constructor: base URL, session, timeout, credentials, minimum interval). Parsing is pure and lives
next to each client as ``parse_*`` functions taking decoded JSON/XML.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from enrich.clients.arxiv import ArxivClient
from enrich.clients.base import BaseClient
from enrich.clients.crossref import CrossrefClient
from enrich.clients.github import ContentsResult, GitHubClient, RepoState
from enrich.clients.hf import HfClient
from enrich.clients.openalex import OpenAlexClient
from enrich.clients.s2 import S2Client
from enrich.config import Credentials, Endpoints
from enrich.http import CacheSettings, build_session, user_agent
from enrich.records import SourceStats

__all__ = [
    "ArxivClient",
    "Clients",
    "ContentsResult",
    "CrossrefClient",
    "GitHubClient",
    "HfClient",
    "OpenAlexClient",
    "RepoState",
    "S2Client",
]


@dataclass(frozen=True, slots=True)
class Clients:
    """The six clients of one run."""

    arxiv: ArxivClient
    s2: S2Client
    openalex: OpenAlexClient
    crossref: CrossrefClient
    github: GitHubClient
    hf: HfClient

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
        a source without one has none.
        """
        limit = dict(deadlines or {})
        settings = cache
        if settings is None and cache_dir is not None:
            settings = CacheSettings(directory=Path(cache_dir) / "http")
        ua = user_agent(credentials.mailto)

        def interval(default: float) -> float:
            return default * interval_scale if rate_limits else 0.0

        from enrich.clients import crossref as cr
        from enrich.clients import hf as hfm

        return cls(
            arxiv=ArxivClient(
                endpoints.arxiv,
                build_session(user_agent=ua, cache=settings, name="arxiv"),
                timeout,
                deadline=limit.get("arxiv"),
                min_interval=interval(ArxivClient.DEFAULT_MIN_INTERVAL),
            ),
            s2=S2Client(
                endpoints.s2,
                build_session(user_agent=ua, cache=settings, name="s2"),
                timeout,
                deadline=limit.get("s2"),
                api_key=credentials.s2_api_key,
                min_interval=interval(S2Client.DEFAULT_MIN_INTERVAL),
            ),
            openalex=OpenAlexClient(
                endpoints.openalex,
                build_session(user_agent=ua, cache=settings, name="openalex"),
                timeout,
                deadline=limit.get("openalex"),
                api_key=credentials.openalex_api_key,
                mailto=credentials.mailto,
                min_interval=interval(OpenAlexClient.DEFAULT_MIN_INTERVAL),
            ),
            crossref=CrossrefClient(
                endpoints.crossref,
                build_session(user_agent=ua, cache=settings, name="crossref"),
                timeout,
                deadline=limit.get("crossref"),
                mailto=credentials.mailto,
                min_interval=interval(
                    cr.POLITE_SINGLE_INTERVAL if credentials.mailto else cr.PUBLIC_SINGLE_INTERVAL
                ),
                list_min_interval=interval(
                    cr.POLITE_LIST_INTERVAL if credentials.mailto else cr.PUBLIC_LIST_INTERVAL
                ),
            ),
            github=GitHubClient(
                endpoints.github,
                build_session(user_agent=ua, cache=settings, name="github"),
                timeout,
                deadline=limit.get("github"),
                token=credentials.github_token,
                min_interval=interval(GitHubClient.DEFAULT_MIN_INTERVAL),
            ),
            hf=HfClient(
                endpoints.hf,
                build_session(user_agent=ua, cache=settings, name="hf"),
                timeout,
                deadline=limit.get("hf"),
                token=credentials.hf_token,
                min_interval=interval(
                    hfm.TOKEN_MIN_INTERVAL if credentials.hf_token else hfm.ANONYMOUS_MIN_INTERVAL
                ),
            ),
        )

    def all(self) -> tuple[BaseClient, ...]:
        return (self.arxiv, self.s2, self.openalex, self.crossref, self.github, self.hf)

    def stats(self) -> dict[str, SourceStats]:
        """Per-source counters (requests, ok, not_found, errors, deferred, cache_hits, unreachable)."""
        return {c.source: c.stats for c in self.all()}
