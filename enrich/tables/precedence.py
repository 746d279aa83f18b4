"""Field precedence of the ``works`` table, written as data: which source's value wins, per column.

Abstract: arXiv > S2 > OpenAlex > Crossref (the author's own text first). Title, year, venue: S2 >
OpenAlex > Crossref > arXiv (published metadata over preprint metadata), then the list's own text.
Citation count: S2's when known, else OpenAlex's, else Crossref's (a fixed preference, not the
maximum: one definition per work over time). When a better-ranked source could not answer tonight
and last night's value exists, last night's value stands (``enrich.tables.works``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

WORK_SOURCES: Final = ("arxiv", "s2", "openalex", "crossref")

_PUBLISHED_FIRST: Final = ("s2", "openalex", "crossref", "arxiv")
CITATION_PREFERENCE: Final = ("s2", "openalex", "crossref")

PRECEDENCE: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "title": _PUBLISHED_FIRST,
        "year": _PUBLISHED_FIRST,
        "venue": _PUBLISHED_FIRST,
        "abstract": ("arxiv", "s2", "openalex", "crossref"),
        "authors": ("s2", "arxiv", "openalex", "crossref"),
        "publication_date": ("s2", "crossref", "openalex", "arxiv"),
        "work_type": ("openalex", "crossref", "s2"),
        "ids": ("s2", "openalex", "crossref", "arxiv"),
        "reference_count": CITATION_PREFERENCE,
        "tldr": ("s2",),
    }
)
"""Column -> sources, best first (``ids``: every identifier column)."""

VOLATILE_WORK: Final = (
    ("citation_count_s2", "s2", "citation_count"),
    ("citation_count_openalex", "openalex", "citation_count"),
    ("citation_count_crossref", "crossref", "citation_count"),
    ("influential_citation_count", "s2", "influential_citation_count"),
)
"""(column, source, ``WorkRecord`` attribute): volatile values with a ``<column>_as_of`` date."""
