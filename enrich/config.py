"""Where each source lives and which credentials it gets, read from the environment at the edge.

Nothing here reads the environment: :class:`enrich.settings.Settings` does, where a run starts (the
CLI, a Prefect flow), and hands :class:`Endpoints` and :class:`Credentials` (secrets as pydantic
``SecretStr``) to the clients' constructors. One config path.

Environment variables (a contract, read by tools outside this repository):

===================== =========================================== ================================
variable              stands in for                               used by
===================== =========================================== ================================
ENRICH_ARXIV_URL      https://export.arxiv.org                    arXiv client (``/api/query``)
ENRICH_S2_URL         https://api.semanticscholar.org             Semantic Scholar (``/graph/v1``)
ENRICH_OPENALEX_URL   https://api.openalex.org                    OpenAlex
ENRICH_CROSSREF_URL   https://api.crossref.org                    Crossref
ENRICH_GITHUB_URL     https://api.github.com                      GitHub REST and ``/graphql``
ENRICH_HF_URL         https://huggingface.co                      Hugging Face (``/api/...``)
ENRICH_MAILTO         (contact e-mail, polite pools)              Crossref, OpenAlex, User-Agent
GITHUB_TOKEN          (secret)                                    GitHub
S2_API_KEY            (secret)                                    Semantic Scholar
OPENALEX_API_KEY      (secret)                                    OpenAlex
HF_TOKEN              (secret)                                    Hugging Face
===================== =========================================== ================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from pydantic import SecretStr

from enrich.sources import SourcePolicy, registered
from enrich.sources import names as _names

__all__ = [
    "ENV_VARS",
    "MAILTO_ENV",
    "REAL_ROOTS",
    "SECRET_ENV_VARS",
    "SOURCES",
    "SOURCE_POLICY",
    "Credentials",
    "Endpoints",
    "SourcePolicy",
    "source_policy",
]

SOURCES: Final = _names()
"""Short names of the sources (``enrich.sources.REGISTRY``), used in logs, manifests, fault profiles and
``--sources``."""

REAL_ROOTS: Final[Mapping[str, str]] = {s.name: s.real_root for s in registered()}
"""The real API roots. Paths below each root are the real ones (``/api/query``, ``/graph/v1``...)."""

ENV_VARS: Final[Mapping[str, str]] = {s.name: s.url_env for s in registered()}
"""The environment variable that overrides each root (mirror, proxy, GitHub Enterprise, API double)."""

SECRET_ENV_VARS: Final[Mapping[str, str]] = {s.name: s.secret_env for s in registered() if s.secret_env}
MAILTO_ENV: Final = "ENRICH_MAILTO"


SOURCE_POLICY: Final[Mapping[str, SourcePolicy]] = {s.name: s.policy for s in registered()}
"""Per-source policy (data, not code, in ``enrich.sources.REGISTRY``): see :class:`SourcePolicy`."""


def source_policy(
    deadline_s: float | None = None, min_served: float | None = None
) -> dict[str, SourcePolicy]:
    """Each registered source's policy with the run's overrides (``ENRICH_SOURCE_DEADLINE``/``ENRICH_MIN_SERVED``)."""
    return {
        s.name: SourcePolicy(
            min_served=s.policy.min_served if min_served is None else min_served,
            deadline_s=s.policy.deadline_s if deadline_s is None else deadline_s,
        )
        for s in registered()
    }


@dataclass(frozen=True, init=False)
class Endpoints:
    """One API root per registered source, without a trailing slash (the real root unless given).

    ``Endpoints(s2="http://127.0.0.1:8123")`` or ``Endpoints({"s2": ...})`` (``dataclasses.replace``
    with source names works too); read one with ``endpoints.root("s2")`` or ``endpoints.s2``.
    """

    roots: Mapping[str, str] = field(default_factory=dict)

    def __init__(self, roots: Mapping[str, str] | None = None, **by_source: str) -> None:
        given = {**(roots or {}), **by_source}
        known = {s.name: s.real_root for s in registered()}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise ValueError(f"unknown source(s) {', '.join(unknown)}; choose from {', '.join(known)}")
        object.__setattr__(self, "roots", {n: given.get(n, root).rstrip("/") for n, root in known.items()})

    def root(self, source: str) -> str:
        try:
            return self.roots[source]
        except KeyError:
            raise ValueError(f"no endpoint for source {source!r}") from None

    def __getattr__(self, name: str) -> str:
        roots = self.__dict__.get("roots", {})
        if name in roots:
            return str(roots[name])
        raise AttributeError(name)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.roots.items())))


@dataclass(frozen=True, slots=True)
class Credentials:
    """Optional credentials; everything works without them, within the anonymous limits."""

    github_token: SecretStr | None = None
    s2_api_key: SecretStr | None = None
    openalex_api_key: SecretStr | None = None
    hf_token: SecretStr | None = None
    mailto: str | None = None
