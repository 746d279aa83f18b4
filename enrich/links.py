"""Paper references in an artefact's own text: a repo's homepage, description and README, a Hub card.

Pure functions (no I/O). :func:`paper_refs` reads free text for arXiv ids and DOIs and returns them as
identifier keys (``arxiv:2303.13375``, ``doi:10.1038/s41586-023-06291-2``), the same keys
:func:`enrich.resolve.idmap.id_keys` gives a work, so a reference is joined to a work by key alone.
An arXiv DataCite DOI (``10.48550/arXiv.<id>``) counts as the arXiv id. Text is untrusted: only the
first :data:`MAX_TEXT` characters are read and nothing found here is ever fetched.

:func:`repo_refs` tags each reference with where it was found (``homepage``, ``description``,
``readme``; the first place wins), :func:`card_refs` walks a Hub ``cardData`` mapping's strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from enrich.ids import normalize_arxiv_id, normalize_doi

MAX_TEXT: Final = 200_000
"""Characters of one text read for references (a README beyond this is a book, not a paper's code)."""

MAX_REFS: Final = 200
"""References kept per artefact: enough to see a toolkit for what it is (see :mod:`enrich.entities`)."""

_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.([a-z\-]+/\d{7}|\d{4}\.\d{4,5})", re.I)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf|html)/([a-z\-]+/\d{7}|\d{4}\.\d{4,5})(v\d+)?", re.I)
_ARXIV_REF = re.compile(r"\barxiv\s*[:/]?\s*(?:abs/)?(\d{4}\.\d{4,5})(v\d+)?\b", re.I)
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"'<>\]\[(){}|`,;?#&]+)")

FOUND_IN: Final = ("homepage", "description", "readme")


def paper_refs(text: str | None) -> tuple[str, ...]:
    """Identifier keys of the arXiv ids and DOIs cited in ``text``, first-seen order, no duplicates."""
    if not text:
        return ()
    text = text[:MAX_TEXT]
    found: list[tuple[int, str]] = []
    for pattern in (_ARXIV_DOI, _ARXIV_URL, _ARXIV_REF):
        for m in pattern.finditer(text):
            parsed = normalize_arxiv_id(m.group(1))
            if parsed is not None:
                found.append((m.start(), f"arxiv:{parsed[0]}"))
    for m in _DOI.finditer(text):
        if m.group(1).lower().startswith("10.48550/"):
            continue  # the arXiv DataCite DOI: read above as the arXiv id
        doi = normalize_doi(m.group(1).rstrip("."))
        if doi is not None:
            found.append((m.start(), f"doi:{doi}"))
    out: dict[str, None] = {}
    for _, key in sorted(found):
        out.setdefault(key, None)
        if len(out) >= MAX_REFS:
            break
    return tuple(out)


def repo_refs(
    homepage: str | None, description: str | None, readme: str | None
) -> tuple[tuple[str, str], ...]:
    """``(key, found_in)`` pairs for a repo's references; a key is tagged with the first place it appears."""
    out: dict[str, str] = {}
    for where, text in zip(FOUND_IN, (homepage, description, readme), strict=True):
        for key in paper_refs(text):
            out.setdefault(key, where)
    return tuple(sorted(out.items()))[:MAX_REFS]


def keep_readme_refs(
    fresh: Sequence[Mapping[str, str]] | None, before: Sequence[Mapping[str, str]] | None
) -> list[dict[str, str]] | None:
    """Tonight's refs plus the README refs of an earlier night, for a repo fetched without its README
    (over REST: the README costs a request per repo there, so it is not read). Sorted by ref; None if none."""
    out = {str(r["ref"]): str(r["found_in"]) for r in fresh or ()}
    for r in before or ():
        if r.get("found_in") == "readme":
            out.setdefault(str(r["ref"]), "readme")
    return [{"ref": k, "found_in": v} for k, v in sorted(out.items())] or None


def _strings(value: object, depth: int = 0) -> Iterable[str]:
    if depth > 6:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            bare_arxiv = isinstance(v, str) and "/" not in v and normalize_arxiv_id(v) is not None
            if isinstance(k, str) and k.lower() in ("arxiv", "arxiv_id", "paper") and bare_arxiv:
                yield f"arXiv:{v}"  # {"arxiv": "2304.01097"}: a bare id under an arXiv key
            yield from _strings(v, depth + 1)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v, depth + 1)


def card_refs(card: object) -> tuple[str, ...]:
    """Identifier keys cited in a Hub ``cardData`` value (its strings, at any depth), sorted."""
    keys: dict[str, None] = {}
    for text in _strings(card):
        for key in paper_refs(text):
            keys.setdefault(key, None)
    return tuple(sorted(keys))[:MAX_REFS]
