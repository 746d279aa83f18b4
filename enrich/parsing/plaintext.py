"""Plain-text renderings of a list (a web page scraped to text): no markdown, no URLs.

Entries are lines like ``- [Nature Medicine, 2024] BiomedGPT A generalist ... paper code``: a
venue and year in brackets, then the name and title, then the labels of the links the page had
(``paper``, ``code``), which are dropped. Everything else is page chrome, a table of contents,
prose or people, and is never an entry.

Sections: the page's table of contents (the ``- ...`` lines after a line ending in ``Table of
Contents``) names the top-level headings; an entry's section is the last top-level heading seen,
then the heading-like line just before its run of entries (``<div ...></div>Pre-training from
Scratch`` gives ``Pre-training from Scratch``): e.g. ``Practical Guide for Building Pipeline >
Pre-training from Scratch``. Sections named like news, contributing or citation are skipped.
"""

from __future__ import annotations

import re
from typing import Final

from enrich.parsing.entry import Draft
from enrich.parsing.sections import join_section, skipped_section
from enrich.parsing.text import clean_heading, clean_title, leading_name

__all__ = ["parse_plaintext"]

_ENTRY: Final = re.compile(
    r"^\s*[-*•]\s+\[(?P<venue>[^\[\]]+?),\s*(?P<year>(?:19|20)\d{2})\]\s+(?P<body>\S.*?)\s*$"
)
_LABELS: Final = re.compile(
    r"(?:\s+(?:paper|code|demo|blog|website|homepage|slides|video|github))+\s*$", re.IGNORECASE
)
_TAGS: Final = re.compile(r"<[^>]*>")
_BULLET: Final = re.compile(r"^\s*[-*•]\s+")
_TOC_TITLE: Final = re.compile(r"table of contents\s*$", re.IGNORECASE)


def parse_plaintext(text: str) -> list[Draft]:
    """Every entry of a plain-text list, in file order."""
    lines = text.split("\n")
    tops, toc_lines = _table_of_contents(lines)
    drafts: list[Draft] = []
    top: str | None = None
    sub: str | None = None
    for number, raw in enumerate(lines, start=1):
        m = _ENTRY.match(raw)
        if m is not None:
            path = tuple(p for p in (top, sub) if p)
            if skipped_section(path):
                continue
            body = _LABELS.sub("", m.group("body"))
            name, rest = leading_name(body)
            drafts.append(
                Draft(
                    line=number,
                    section=join_section(path),
                    name=clean_title(name),
                    title=clean_title(rest),
                    year=int(m.group("year")),
                    venue_raw=clean_title(m.group("venue")),
                    shape="plaintext",
                    confidence=0.8,
                )
            )
            continue
        if number in toc_lines or _BULLET.match(raw):
            continue
        heading = clean_heading(_TAGS.sub(" ", raw))
        if not heading:
            continue
        if heading in tops:
            top, sub = heading, None
        elif len(heading) <= 80 and not heading.endswith((".", "?", "!", ",", ";")):
            sub = heading
    return drafts


def _table_of_contents(lines: list[str]) -> tuple[frozenset[str], frozenset[int]]:
    """Top-level heading names listed in the page's table of contents, and the TOC's line numbers."""
    names: set[str] = set()
    numbers: set[int] = set()
    for k, raw in enumerate(lines):
        if _TOC_TITLE.search(_TAGS.sub(" ", raw)):
            for j in range(k + 1, len(lines)):
                if not _BULLET.match(lines[j]):
                    break
                numbers.add(j + 1)
                name = clean_heading(_BULLET.sub("", lines[j]))
                if name:
                    names.add(name)
            break
    return frozenset(names), frozenset(numbers)
