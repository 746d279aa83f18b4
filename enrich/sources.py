"""The sources of a run: one :class:`SourceSpec` each, in :data:`REGISTRY`.

Everything that differs per source is read from here: the client class (and through it the batch
size), the kind of item it fetches, whether (and in which order) it answers title searches, the
environment variable that moves its root, the real root, the variable of its credential, and its
policy for the night. The lists of names elsewhere (``enrich.config.SOURCES``, ``Settings``,
``--sources``, the fetch plan, the run summary, the Prefect concurrency limits) derive from it, so
a seventh source is one client module (a :class:`SourceClient`) plus one entry here.

Client classes are named by import path and imported on first use: this module stays cheap to
import (``enrich parse`` never loads ``requests``).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Final, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    import requests

    from enrich.clients.github import RepoState
    from enrich.clients.policy import ClientConfig
    from enrich.records import HfRecord, RepoRecord, SourceStats, WorkRecord

__all__ = [
    "REGISTRY",
    "ItemKind",
    "SourceClient",
    "SourcePolicy",
    "SourceSpec",
    "registered",
    "spec",
]

ItemKind = Literal["works", "repos", "hf"]
"""What a source's items become: work records, repo records or Hugging Face item records."""

CacheKind = Literal["immutable", "revalidate", "volatile"]
"""How long the HTTP cache keeps an answer (``enrich.http``): ``immutable`` facts (arXiv metadata,
title searches) ``immutable_ttl``; ``revalidate``: stored, always revalidated with its ETag (GitHub
REST: a 304 costs no quota); ``volatile`` counts (citations, stars, likes) ``volatile_ttl``."""


@dataclass(frozen=True, slots=True)
class SourcePolicy:
    """When a source counts as having served a night, and how long it may take.

    ``min_served``: the share of requested items that must come back ``ok``/``moved`` or a definitive
    ``not_found`` (the rest: error, missing, rate limited, deferred); below it the run is partial and
    names the source in one line. ``deadline_s``: seconds from the run's start after which the
    source's client sends nothing more (no retry loop or wait runs past it); its remaining items are
    ``deferred``. Override every source's deadline with ``ENRICH_SOURCE_DEADLINE`` and every
    threshold with ``ENRICH_MIN_SERVED``.
    """

    min_served: float = 0.95
    deadline_s: float = 2700.0


@runtime_checkable
class SourceClient(Protocol):
    """What the stages ask of any source's client (``enrich.clients.base.BaseClient`` subclasses).

    ``fetch_keys`` fetches one batch of keys in the client's own key form and never raises for remote
    failures (every key comes back as a record with a status); ``known`` is what the last snapshot
    knew about each repo (only GitHub uses it). ``BATCH_SIZE`` is the most keys one batch holds (the
    API's own batch size where it has one).
    """

    BATCH_SIZE: ClassVar[int]

    @property
    def stats(self) -> SourceStats: ...

    def fetch_keys(
        self, keys: Sequence[str], *, known: Mapping[str, RepoState] | None = None
    ) -> Sequence[WorkRecord | RepoRecord | HfRecord]: ...


class SourceClientClass(Protocol):
    """A client class: builds its client from the run's configuration (``ClientConfig``)."""

    BATCH_SIZE: ClassVar[int]

    def configured(self, root: str, session: requests.Session, config: ClientConfig) -> SourceClient: ...


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One source: everything the run needs to know about it besides its client's own code."""

    name: str  # short name: logs, manifests, fault profiles, ``--sources``, ``enrich-<name>`` limits
    client: str  # "module:Class" of its client (a SourceClient)
    kind: ItemKind
    url_env: str  # the variable that overrides its root (mirror, proxy, API double)
    real_root: str  # the real API root; paths below it are the real ones
    secret_env: str | None = None  # the variable of its credential, if it takes one
    credential: str | None = None  # the field of ``enrich.config.Credentials`` holding it
    search_rank: int | None = None  # position among the title-search sources (None: no title search)
    as_of: tuple[str, str] | None = None  # (table, column) of the night its value was last fetched OK
    cache: tuple[tuple[str, CacheKind], ...] = ()  # URL regex -> kind; unmatched URLs are volatile
    policy: SourcePolicy = field(default_factory=SourcePolicy)

    def client_class(self) -> SourceClientClass:
        """The client class, imported on first use."""
        module, _, name = self.client.partition(":")
        cls: SourceClientClass = getattr(importlib.import_module(module), name)
        return cls

    @property
    def batch_size(self) -> int:
        """Items per batch task: the client's own ``BATCH_SIZE``."""
        return int(self.client_class().BATCH_SIZE)


_WORKS_SEARCH: Final = r"/works\?(?:.*&)?(?:search|query\.bibliographic)="  # OpenAlex/Crossref search

REGISTRY: Final[list[SourceSpec]] = [
    # 45 min deadline each (SourcePolicy's default): the largest real night (17 lists, ~3,000 works)
    # needs ~10 min of arXiv pacing at 1 request / 3 s and ~15 min of Crossref singletons; the rest
    # need a few minutes. Sources run in parallel, so a night is bounded by ~45 min of fetching.
    SourceSpec(
        "arxiv",
        "enrich.clients.arxiv:ArxivClient",
        "works",
        "ENRICH_ARXIV_URL",
        "https://export.arxiv.org",
        search_rank=2,
        cache=((r"/api/query(?:\?|$)", "immutable"),),  # ti: searches (GET) and id_list: never change
    ),
    SourceSpec(
        "s2",
        "enrich.clients.s2:S2Client",
        "works",
        "ENRICH_S2_URL",
        "https://api.semanticscholar.org",
        secret_env="S2_API_KEY",
        credential="s2_api_key",
        search_rank=0,
        as_of=("works", "citation_count_s2_as_of"),
        cache=((r"/graph/v1/paper/search", "immutable"), (r"/graph/v1/paper", "volatile")),
    ),
    SourceSpec(
        "openalex",
        "enrich.clients.openalex:OpenAlexClient",
        "works",
        "ENRICH_OPENALEX_URL",
        "https://api.openalex.org",
        secret_env="OPENALEX_API_KEY",
        credential="openalex_api_key",
        search_rank=1,
        as_of=("works", "citation_count_openalex_as_of"),
        cache=((_WORKS_SEARCH, "immutable"), (r"/works", "volatile")),
    ),
    SourceSpec(
        "crossref",
        "enrich.clients.crossref:CrossrefClient",
        "works",
        "ENRICH_CROSSREF_URL",
        "https://api.crossref.org",
        search_rank=3,
        as_of=("works", "citation_count_crossref_as_of"),
        cache=((_WORKS_SEARCH, "immutable"), (r"/works", "volatile")),
    ),
    SourceSpec(
        "github",
        "enrich.clients.github:GitHubClient",
        "repos",
        "ENRICH_GITHUB_URL",
        "https://api.github.com",
        secret_env="GITHUB_TOKEN",
        credential="github_token",
        as_of=("repos", "stars_as_of"),
        cache=((r"/repos/[^/]+/[^/]+", "revalidate"), (r"/graphql", "volatile")),
    ),
    SourceSpec(
        "hf",
        "enrich.clients.hf:HfClient",
        "hf",
        "ENRICH_HF_URL",
        "https://huggingface.co",
        secret_env="HF_TOKEN",
        credential="hf_token",
        as_of=("hf_items", "likes_as_of"),
        cache=((r"/api/(?:models|datasets|spaces)/", "volatile"),),
    ),
]
"""Every source, in the order runs list them. Read it through :func:`registered`."""


def registered() -> tuple[SourceSpec, ...]:
    """The sources, in :data:`REGISTRY` order (read at call time: a registered source shows at once)."""
    return tuple(REGISTRY)


def names() -> tuple[str, ...]:
    """Short names of every source, in registry order."""
    return tuple(s.name for s in REGISTRY)


def spec(name: str) -> SourceSpec:
    """The spec of source ``name``; ``ValueError`` naming the known ones otherwise."""
    for s in REGISTRY:
        if s.name == name:
            return s
    raise ValueError(f"unknown source {name!r}; choose from {', '.join(names())}")


def cache_patterns() -> tuple[tuple[str, CacheKind], ...]:
    """Every source's cache patterns, first match wins: ``immutable`` ones first, then ``revalidate``,
    then ``volatile``, each in registry order, duplicates dropped (a narrow pattern of one source is
    never shadowed by a broad one of another)."""
    order: tuple[CacheKind, ...] = ("immutable", "revalidate", "volatile")
    out: dict[str, CacheKind] = {}
    for kind in order:
        for s in REGISTRY:
            for pattern, k in s.cache:
                if k == kind:
                    out.setdefault(pattern, k)
    return tuple(out.items())


def search_sources() -> tuple[str, ...]:
    """The sources that answer title searches, in the order the resolver asks them."""
    ranked = sorted((s for s in REGISTRY if s.search_rank is not None), key=lambda s: s.search_rank or 0)
    return tuple(s.name for s in ranked)


def parse_sources(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"github, s2"`` / ``["github", "s2 hf"]`` -> known names in registry order, no duplicates.

    Commas and spaces both separate. ``ValueError`` names the unknown ones, or says none was given.
    The one parser of ``--sources`` and ``ENRICH_SOURCES``.
    """
    parts = [text] if isinstance(text, str) else list(text)
    given = [p for part in parts for p in part.replace(",", " ").split()]
    known = names()
    unknown = [n for n in given if n not in known]
    if unknown:
        raise ValueError(f"unknown source(s) {', '.join(unknown)}; choose from {', '.join(known)}")
    if not given:
        raise ValueError("at least one source is needed")
    return tuple(n for n in known if n in given)
