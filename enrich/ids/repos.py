"""Software and model identifiers: GitHub ``owner/repo`` and Hugging Face ``(kind, id)``.

See :mod:`enrich.ids` for the normalised forms and the rules every function here keeps.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import unquote

from enrich.ids._url import _MAX_LEN, _split_url

# ---------------------------------------------------------------- GitHub

_GH_OWNER: Final = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_GH_REPO: Final = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
# first path segments of github.com that are site pages, not users (https://github.com/<these>)
_GH_RESERVED: Final = frozenset(
    [
        "about",
        "account",
        "apps",
        "blog",
        "business",
        "codespaces",
        "collections",
        "contact",
        "customer-stories",
        "dashboard",
        "developer",
        "enterprise",
        "events",
        "explore",
        "features",
        "gist",
        "github-copilot",
        "issues",
        "join",
        "login",
        "logout",
        "marketplace",
        "mobile",
        "new",
        "nonprofit",
        "notifications",
        "orgs",
        "organizations",
        "pricing",
        "pulls",
        "readme",
        "resources",
        "search",
        "security",
        "settings",
        "site",
        "sitemap",
        "solutions",
        "sponsors",
        "stars",
        "team",
        "topics",
        "trending",
        "users",
        "watching",
        "education",
        "premium-support",
        "partners",
    ]
)
_GH_BADGE: Final = re.compile(
    r"^/github/(?:stars|forks|watchers|issues|issues-raw|issues-pr|license|last-commit|"
    r"commit-activity/[a-z]+|contributors|release|v/release|languages/top|repo-size|downloads/[^/]+)"
    r"/([^/]+)/([^/?#]+)"
)


def _gh_pair(owner: str, repo: str) -> str | None:
    repo = repo.removesuffix(".git")
    if owner.lower() in _GH_RESERVED or not _GH_OWNER.match(owner) or not _GH_REPO.match(repo):
        return None
    if repo in {".", ".."}:
        return None
    return f"{owner}/{repo}".lower()


def normalize_github_repo(text: str) -> str | None:
    """Lower-cased ``owner/repo`` from a repository URL, a shields.io GitHub badge or ``owner/repo``.

    ``.git``, ``/tree/...``, ``/blob/...``, queries and fragments are dropped. Site pages
    (``github.com/features``, ``github.com/orgs/x``) and user pages (``github.com/<user>``) are not
    repositories and give ``None``.
    """
    if not text or len(text) > _MAX_LEN:
        return None
    text = text.strip()
    if text.startswith("git@github.com:"):
        text = "https://github.com/" + text.removeprefix("git@github.com:")
    bare = text.split("/")
    if len(bare) == 2 and "." not in bare[0] and ":" not in text:
        return _gh_pair(bare[0], bare[1])
    parts = _split_url(text)
    if parts is None:
        return None
    host, path, _ = parts
    if host == "img.shields.io":
        m = _GH_BADGE.match(path)
        return _gh_pair(m.group(1), m.group(2)) if m else None
    if host not in {"github.com", "raw.githubusercontent.com"}:
        return None
    segments = [s for s in path.split("/") if s]
    if len(segments) < 2:
        return None
    return _gh_pair(unquote(segments[0]), unquote(segments[1]))


# ---------------------------------------------------------------- Hugging Face

_HF_NAME: Final = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$")
_HF_HOSTS: Final = frozenset({"huggingface.co", "hf.co"})
_HF_KINDS: Final = {"datasets": "dataset", "spaces": "space", "models": "model"}
# site pages at huggingface.co/<segment>; never model ids
_HF_RESERVED: Final = frozenset(
    [
        "docs",
        "blog",
        "papers",
        "learn",
        "tasks",
        "pricing",
        "login",
        "join",
        "settings",
        "organizations",
        "collections",
        "chat",
        "enterprise",
        "new",
        "posts",
        "support",
        "privacy",
        "terms-of-service",
        "changelog",
        "inference-endpoints",
        "welcome",
        "api",
        "models",
        "datasets",
        "spaces",
        "search",
        "notifications",
        "hub",
        "mcp",
    ]
)
# canonical models from before the org/name scheme (bert-base-uncased, gpt2, t5-base, ...): a bare
# huggingface.co/<name> is taken as a model only when it is one of these, since it is usually a user
_HF_LEGACY_MODEL: Final = re.compile(
    r"^(?:albert|bert|camembert|ctrl|distilbert|distilgpt2|distilroberta|flaubert|gpt2|openai-gpt|"
    r"roberta|t5|transfo-xl|xlm|xlnet)(?:-[a-z0-9-]+)?$"
)


def normalize_hf_id(url: str) -> tuple[str, str] | None:
    """``(kind, id)`` for a Hugging Face model, dataset or space URL (also ``/api/<kind>s/<id>``).

    Models are ``org/name``, or a legacy single name (``gpt2``, ``bert-base-uncased``); datasets
    may be a single legacy name; spaces are always ``owner/name``. ``/tree/...``, ``/blob/...``,
    ``/resolve/...``, queries and fragments are dropped; case is kept (the Hub id is as written).
    """
    parts = _split_url(url)
    if parts is None:
        return None
    host, path, _ = parts
    if host not in _HF_HOSTS:
        return None
    segments = [s for s in path.split("/") if s]
    if segments[:1] == ["api"]:
        segments = segments[1:]
        if not segments or segments[0] not in _HF_KINDS:
            return None
    kind = "model"
    if segments and segments[0] in _HF_KINDS:
        kind = _HF_KINDS[segments[0]]
        segments = segments[1:]
    elif segments and segments[0] in _HF_RESERVED:
        return None
    if not segments:
        return None
    first = segments[0]
    second = segments[1] if len(segments) > 1 else None
    if second in {None, "tree", "blob", "resolve", "discussions", "commits", "raw", "viewer", "discussion"}:
        second = None
    if second is not None:
        if not (_HF_NAME.match(first) and _HF_NAME.match(second)):
            return None
        return kind, f"{first}/{second}"
    if not _HF_NAME.match(first):
        return None
    if kind == "dataset" or (kind == "model" and _HF_LEGACY_MODEL.match(first)):
        return kind, first
    return None
