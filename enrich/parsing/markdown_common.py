"""What every markdown entry shape shares: link classification (paper/generic labels, paper URLs),
the :class:`_Base` every :class:`~enrich.parsing.entry.Draft` is built from, title confidence.

Part of the markdown reader (:mod:`enrich.parsing.markdown`), split out for size (issue 11).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Final, NamedTuple

from markdown_it.token import Token

from enrich.parsing.entry import Draft
from enrich.parsing.inline import Seg, urls

_PAPER_LABELS: Final = frozenset({"paper", "pdf", "article", "arxiv", "doi", "publication", "preprint"})


_GENERIC_LABELS: Final = _PAPER_LABELS | frozenset(
    {
        "code",
        "github",
        "repo",
        "demo",
        "project",
        "project page",
        "website",
        "homepage",
        "blog",
        "data",
        "dataset",
        "model",
        "huggingface",
        "hf",
        "slides",
        "video",
        "poster",
        "bibtex",
        "link",
    }
)


_LEAD_SEP: Final = re.compile(r"^[\s:：\-–—|,.]+")


def _line(tok: Token) -> int:
    return tok.map[0] + 1 if tok.map else 0


def _shaped(draft: Draft, shape: str, confidence: float) -> Draft:
    return dataclasses.replace(draft, shape=shape, confidence=confidence)


def _only_generic_links(segs: list[Seg]) -> bool:
    """A bullet holding nothing but links labelled paper, code, demo, ... (and punctuation)."""
    links = [s for s in segs if s.kind == "link"]
    if not links or any(s.kind not in {"link", "text", "image"} for s in segs):
        return False
    if any(s.kind == "text" and s.text.strip(" []|,;:-–—/") for s in segs):
        return False
    return all(s.text.strip(" []").lower() in _GENERIC_LABELS for s in links)


def _abs_urls(segs: list[Seg] | tuple[Seg, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for u in urls(segs):
        if u.startswith(("http://", "https://")) and u not in seen:
            seen[u] = None
    return tuple(seen)


def _has_paper_link(segs: list[Seg]) -> bool:
    return any(s.kind == "link" and s.text.strip(" []").lower() in _PAPER_LABELS for s in segs)


def _first_link(segs: list[Seg]) -> int:
    for k, s in enumerate(segs):
        if s.kind in {"link", "image"}:
            return k
    return len(segs)


def _title_confidence(title: str, high: float) -> float:
    """``high`` for a title of title length; lower as it grows into a paragraph."""
    words = title.count(" ") + 1
    if words > 40:
        return 0.3
    if words > 25:
        return 0.55
    return high


class _Base(NamedTuple):
    """What every entry shape shares; turned into a :class:`Draft` once the shape is known."""

    line: int
    section: str | None
    urls: tuple[str, ...]
    kind_hint: str | None
    paper_link: bool


def _with(base: _Base, **kw: Any) -> Draft:
    return Draft(
        line=base.line,
        section=base.section,
        urls=base.urls,
        kind_hint=base.kind_hint,
        paper_link=base.paper_link,
        **kw,
    )


def _short_name(title: str, base: _Base) -> bool:
    """A bold/table title that is really a bare name: ``PULSE``, ``ChatGLM-Med`` (no paper link)."""
    return not base.paper_link and ":" not in title and "：" not in title and len(title.split()) <= 3


_PAPER_HOSTS: Final = re.compile(
    r"//(?:[\w.-]*\.)?(?:arxiv\.org|doi\.org|aclanthology\.org|nature\.com|biorxiv\.org|medrxiv\.org)/"
)


_PAPER_ID_URL: Final = re.compile(
    r"//(?:[\w.-]*\.)?(?:arxiv\.org/(?:abs|pdf)/|doi\.org/10\.|aclanthology\.org/[\w.-]+\d|biorxiv\.org/content/|"
    r"medrxiv\.org/content/|pubmed\.ncbi\.nlm\.nih\.gov/\d|openreview\.net/(?:forum|pdf))|/doi/(?:abs/|full/|pdf/)?10\."
)


def _paper_url(found: tuple[str, ...]) -> bool:
    return any(_PAPER_HOSTS.search(u) for u in found)
