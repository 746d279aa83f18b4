"""Where each source lives and which credentials it gets, read from the environment at the edge.

Nothing here runs at import time: call :meth:`Endpoints.from_env` / :meth:`Credentials.from_env`
where a run starts (the CLI, a Prefect flow), and hand the values to clients' constructors.

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

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Final

SOURCES: Final = ("arxiv", "s2", "openalex", "crossref", "github", "hf")
"""Short names of the sources, used in logs, manifests, fault profiles and ``--sources``."""

REAL_ROOTS: Final[Mapping[str, str]] = {
    "arxiv": "https://export.arxiv.org",
    "s2": "https://api.semanticscholar.org",
    "openalex": "https://api.openalex.org",
    "crossref": "https://api.crossref.org",
    "github": "https://api.github.com",
    "hf": "https://huggingface.co",
}
"""The real API roots. Paths below each root are the real ones (``/api/query``, ``/graph/v1``...)."""

ENV_VARS: Final[Mapping[str, str]] = {
    "arxiv": "ENRICH_ARXIV_URL",
    "s2": "ENRICH_S2_URL",
    "openalex": "ENRICH_OPENALEX_URL",
    "crossref": "ENRICH_CROSSREF_URL",
    "github": "ENRICH_GITHUB_URL",
    "hf": "ENRICH_HF_URL",
}
"""The environment variable that overrides each root (mirror, proxy, GitHub Enterprise, API double)."""

SECRET_ENV_VARS: Final[Mapping[str, str]] = {
    "github": "GITHUB_TOKEN",
    "s2": "S2_API_KEY",
    "openalex": "OPENALEX_API_KEY",
    "hf": "HF_TOKEN",
}
MAILTO_ENV: Final = "ENRICH_MAILTO"


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


SOURCE_POLICY: Final[Mapping[str, SourcePolicy]] = {
    # 45 min each: the largest real night (17 lists, ~3,000 works) needs ~10 min of arXiv pacing at
    # 1 request / 3 s and ~15 min of Crossref singletons; the rest need a few minutes. Sources run in
    # parallel, so a night is bounded by ~45 min of fetching whatever the APIs do.
    "arxiv": SourcePolicy(),
    "s2": SourcePolicy(),
    "openalex": SourcePolicy(),
    "crossref": SourcePolicy(),
    "github": SourcePolicy(),
    "hf": SourcePolicy(),
}
"""Per-source policy (data, not code): see :class:`SourcePolicy`."""


def source_policy(
    deadline_s: float | None = None, min_served: float | None = None
) -> dict[str, SourcePolicy]:
    """:data:`SOURCE_POLICY` with the run's overrides (``ENRICH_SOURCE_DEADLINE``/``ENRICH_MIN_SERVED``)."""
    return {
        s: SourcePolicy(
            min_served=p.min_served if min_served is None else min_served,
            deadline_s=p.deadline_s if deadline_s is None else deadline_s,
        )
        for s, p in SOURCE_POLICY.items()
    }


@dataclass(frozen=True, slots=True)
class Endpoints:
    """One API root per source, without a trailing slash."""

    arxiv: str = REAL_ROOTS["arxiv"]
    s2: str = REAL_ROOTS["s2"]
    openalex: str = REAL_ROOTS["openalex"]
    crossref: str = REAL_ROOTS["crossref"]
    github: str = REAL_ROOTS["github"]
    hf: str = REAL_ROOTS["hf"]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Endpoints:
        env = os.environ if environ is None else environ
        values = {s: (env.get(ENV_VARS[s]) or REAL_ROOTS[s]).rstrip("/") for s in SOURCES}
        return cls(**values)

    def root(self, source: str) -> str:
        root: str = getattr(self, source)
        return root

    def as_env(self) -> dict[str, str]:
        """``{ENV_VAR: root}`` for every source, the form ``enrich fake-apis --print-env`` prints."""
        return {ENV_VARS[f.name]: getattr(self, f.name) for f in fields(self)}


class Secret:
    """A credential that never shows itself in ``repr``, ``str``, logs or pickles of errors."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, slots=True)
class Credentials:
    """Optional credentials; everything works without them, within the anonymous limits."""

    github_token: Secret | None = None
    s2_api_key: Secret | None = None
    openalex_api_key: Secret | None = None
    hf_token: Secret | None = None
    mailto: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        env = os.environ if environ is None else environ

        def secret(name: str) -> Secret | None:
            value = env.get(name, "").strip()
            return Secret(value) if value else None

        return cls(
            github_token=secret(SECRET_ENV_VARS["github"]),
            s2_api_key=secret(SECRET_ENV_VARS["s2"]),
            openalex_api_key=secret(SECRET_ENV_VARS["openalex"]),
            hf_token=secret(SECRET_ENV_VARS["hf"]),
            mailto=(env.get(MAILTO_ENV) or "").strip() or None,
        )

    def secret_values(self) -> list[str]:
        """The raw secret strings, for redaction filters only."""
        out = []
        for s in (self.github_token, self.s2_api_key, self.openalex_api_key, self.hf_token):
            if s:
                out.append(s.get())
        return out
