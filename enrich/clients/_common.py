"""Small pure helpers shared by the parsers."""

from __future__ import annotations

import re
from typing import Any, Final
from urllib.parse import quote

_REQUEST_DOI: Final = re.compile(r"10\.\d{4,9}/[!-~]+")
"""A DOI as it may go into a request: ``10.<registrant>/<suffix>``, suffix printable ASCII only."""

FILTER_UNSAFE: Final = frozenset("|,+")
"""Characters with a meaning inside an OpenAlex ``filter=`` value (OR, AND between filters, AND within
one): a DOI holding one of them cannot go into an OR-list and is looked up alone."""

PATH_SAFE: Final = "/:;()"
"""Characters left as they are when a value goes into a URL path (besides letters, digits, ``_.-~``):
``/`` separates a DOI's prefix and suffix, ``:;()`` are path-safe sub-delimiters common in DOIs.
Everything else (``?``, ``#``, ``&``, ``=``, ``%``, ``|``, spaces...) is percent-encoded."""


def doi_problem(doi: str) -> str | None:
    """Why a normalized DOI may not be sent, or ``None`` when it is safe to encode into a request.

    >>> doi_problem("10.1038/nature14539")
    >>> doi_problem("10.1234/../../../github/repos/evil/x")
    "DOI has a '.' or '..' path segment"
    """
    if not _REQUEST_DOI.fullmatch(doi):
        return "not a DOI (10.<digits>/<printable suffix>)"
    segments = doi.split("/")[1:]
    if any(s in (".", "..") for s in segments):
        return "DOI has a '.' or '..' path segment"
    if any(not s for s in segments):
        return "DOI has an empty path segment"
    if "\\" in doi:
        return "DOI has a backslash"
    return None


def path_value(value: str, safe: str = PATH_SAFE) -> str:
    """``value`` percent-encoded for a URL path: it can add no query, fragment or parameter.

    >>> path_value("10.1234/abc?mailto=x&rows=1000")
    '10.1234/abc%3Fmailto%3Dx%26rows%3D1000'
    """
    return quote(value, safe=safe)


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
