"""Splitting a URL (or scheme-less ``host/path``) into host, path and query, for the normalisers."""

from __future__ import annotations

import functools
import re
from typing import Final

_MAX_LEN: Final = 2048  # longer "identifiers" are not identifiers; bounds the regex work on junk

# ---------------------------------------------------------------- URLs


_URL_PARTS: Final = re.compile(
    r"^(?:(?:https?:)?//)?([^/?#\s]*)([^?#\s]*)(?:\?([^#\s]*))?(?:#\S*)?$", re.IGNORECASE
)
_SCHEME: Final = re.compile(r"^https?://", re.IGNORECASE)
_HOST: Final = re.compile(r"^(?:[^@]*@)?([a-z0-9.-]+)(?::\d*)?$")


@functools.lru_cache(maxsize=8192)
def _split_url(text: str) -> tuple[str, str, str] | None:
    """(host without www., path, query) of an http(s) URL or a scheme-less ``host/path``; else None.

    Cached: :func:`extract_ids` asks several normalisers about the same URL.
    """
    text = text.strip()
    if not text or len(text) > _MAX_LEN:
        return None
    if not _SCHEME.match(text) and ("/" not in text or "." not in text.split("/", 1)[0]):
        return None
    m = _URL_PARTS.match(text.replace("\\", ""))
    if m is None:
        return None
    host_m = _HOST.match(m.group(1).lower())
    if host_m is None:
        return None
    host = host_m.group(1)
    if host.startswith("www."):
        host = host[4:]
    return host, m.group(2), m.group(3) or ""
