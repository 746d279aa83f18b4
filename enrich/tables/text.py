"""Text cleaning and value parsing shared by the table builders (pure, no I/O)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, Final

from enrich.markup import strip_tags

_JATS_HEADING: Final = re.compile(
    r"^\s*<jats:title>\s*(?:abstract|summary)\s*[.:]?\s*</jats:title>", re.IGNORECASE
)


def clean_text(text: str | None) -> str | None:
    """Tags stripped, HTML entities decoded, whitespace collapsed (:func:`enrich.markup.strip_tags`);
    ``None`` for empty."""
    if text is None:
        return None
    return strip_tags(text, tags="xml", gap=" ", unescape=True) or None


def clean_abstract(text: str | None) -> str | None:
    """:func:`clean_text` after dropping a leading JATS "Abstract" heading (Crossref)."""
    if text is None:
        return None
    return clean_text(_JATS_HEADING.sub("", text))


def bare_orcid(value: str | None) -> str | None:
    if not value:
        return None
    bare = value.strip().rstrip("/").rsplit("/", 1)[-1].upper()
    return bare or None


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_timestamp(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return as_utc(datetime.fromisoformat(text.strip()))
    except ValueError:
        return None


def parse_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10]) if len(text.strip()) >= 10 else None
    except ValueError:
        return None


def first_known(values: Sequence[Any]) -> Any:
    for value in values:
        if value is not None:
            return value
    return None
