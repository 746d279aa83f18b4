"""Keep secrets out of logs, errors, caches and artifacts (in the spirit of dlt's ``sanitize_url``)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SECRET_PARAMS: Final = frozenset(
    {"api_key", "apikey", "key", "token", "access_token", "client_secret", "password", "sig", "signature"}
)
"""Query parameters whose values are replaced by ``***`` wherever a URL is shown."""

SECRET_HEADERS: Final = frozenset(
    {"authorization", "x-api-key", "cookie", "set-cookie", "crossref-plus-api-token", "proxy-authorization"}
)
"""Request headers that carry credentials: never logged, never part of a cache key."""

REDACTED: Final = "***"

_TOKEN_PATTERNS: Final = (
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}\b"),  # GitHub tokens
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,}\b"),
    re.compile(r"\bhf_[A-Za-z0-9]{20,}\b"),  # Hugging Face tokens
    re.compile(r"(?i)\b(bearer|token)\s+[A-Za-z0-9._~+/=-]{8,}"),
)


_USERINFO: Final = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/?#@<>\"'\[\]()]*@")


def strip_userinfo(text: str) -> str:
    """``text`` with the ``user:password@`` part of every URL in it removed (nothing else changes).

    Lists are untrusted: ``https://user:token@host/...`` must not be stored, published or logged.

    >>> strip_userinfo("see https://bob:ghp_x@github.com/a/b and http://u@h.org/p")
    'see https://github.com/a/b and http://h.org/p'
    """
    return _USERINFO.sub(r"\1", text) if "@" in text else text


def sanitize_url(url: str) -> str:
    """Return ``url`` with user info and secret query values replaced by ``***``.

    >>> sanitize_url("https://u:p@api.openalex.org/works?api_key=abc&filter=doi:x")
    'https://***@api.openalex.org/works?api_key=%2A%2A%2A&filter=doi%3Ax'
    """
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = REDACTED + "@" + netloc.rsplit("@", 1)[1]
    if not parts.query:
        return urlunsplit((parts.scheme, netloc, parts.path, "", parts.fragment))
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    clean = [(k, REDACTED if k.lower() in SECRET_PARAMS else v) for k, v in pairs]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(clean), parts.fragment))


def sanitize_query(query: dict[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """A query mapping with secret values replaced (for JSON access logs)."""
    items = query.items() if isinstance(query, dict) else query
    return {k: (REDACTED if k.lower() in SECRET_PARAMS else v) for k, v in items}


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove known secret values and anything shaped like a token from free text."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    for pattern in _TOKEN_PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


_SECRET_VALUES: set[str] = set()
_QUERY_SECRET: Final = re.compile(
    r"(?i)\b(" + "|".join(sorted(re.escape(p) for p in SECRET_PARAMS)) + r")=([^&\s\"']+)"
)


def register_secrets(values: Iterable[str]) -> None:
    """Remember credential values: every log line that passes :data:`REDACTING_FILTER` is scrubbed of them."""
    _SECRET_VALUES.update(v for v in values if v)


def redact_line(message: str) -> str:
    """``message`` without registered secrets, token-shaped text or ``api_key=...``-style values."""
    return _QUERY_SECRET.sub(r"\1=***", redact_text(message, _SECRET_VALUES))


class RedactingFilter(logging.Filter):
    """Rewrites a log record with :func:`redact_line` applied (the one redaction filter: on the
    ``enrich`` console handler and on the HTTP libraries' loggers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        clean = redact_line(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


REDACTING_FILTER: Final = RedactingFilter()
