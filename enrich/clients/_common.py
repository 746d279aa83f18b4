"""Small pure helpers shared by the parsers."""

from __future__ import annotations

import re
from typing import Any

from enrich.ids import normalize_arxiv_id, normalize_doi

_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)


def split_doi(raw: str | None) -> tuple[str | None, str | None]:
    """``(publisher_doi, arxiv_id)``: an arXiv DataCite DOI (``10.48550/arXiv.<id>``) becomes an arXiv id.

    >>> split_doi("https://doi.org/10.48550/arXiv.2106.09685")
    (None, '2106.09685')
    >>> split_doi("10.1038/Nature14539")
    ('10.1038/nature14539', None)
    """
    if not raw:
        return None, None
    doi = normalize_doi(raw)
    if doi is None:
        return None, None
    match = _ARXIV_DOI.match(doi)
    if match:
        parsed = normalize_arxiv_id(match.group(1))
        return None, parsed[0] if parsed else None
    return doi, None


def pmcid(raw: str | int | None) -> str | None:
    """``PMC1234567`` from ``1234567``, ``PMC1234567`` or a PMC article URL."""
    if raw is None:
        return None
    match = re.search(r"(?:PMC)?(\d+)/?$", str(raw).strip(), flags=re.IGNORECASE)
    return f"PMC{match.group(1)}" if match else None


def pmid(raw: str | int | None) -> str | None:
    """``12345678`` from a number or a PubMed URL."""
    if raw is None:
        return None
    match = re.search(r"(\d+)/?$", str(raw).strip())
    return match.group(1) if match else None


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def text(value: Any) -> str | None:
    """Whitespace-collapsed non-empty string, else ``None``."""
    if not isinstance(value, str):
        return None
    clean = " ".join(value.split())
    return clean or None


def year_from_date(date: str | None) -> int | None:
    if date and len(date) >= 4 and date[:4].isdigit():
        return int(date[:4])
    return None
