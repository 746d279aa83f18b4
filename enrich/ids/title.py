"""The matching key for titles (:func:`normalize_title`) and the hashed title keys built on it
(:func:`short_hash`, :func:`title_hash_key`)."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from typing import Final, Literal

# ---------------------------------------------------------------- titles

_NON_WORD: Final = re.compile(r"[\W_]+")
# a quick test for combining marks (accents after NFKD); the exact removal uses unicodedata
_COMBINING: Final = re.compile(
    r"[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f"
    r"\u0900-\u0903\u093a-\u094f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff"
    r"\u3099\u309a\ufe20-\ufe2f]"
)


@functools.lru_cache(maxsize=65536)
def normalize_title(text: str) -> str:
    """A matching key for titles: NFKC, case-folded, accents and punctuation removed, spaces collapsed.

    Cached: parsing asks for the same title's key several times (entry id, work keys).
    """
    if text.isascii():
        return _NON_WORD.sub(" ", text.lower()).strip()
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    if _COMBINING.search(text):
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", text).strip()


# ---------------------------------------------------------------- hashed title keys

HashName = Literal["sha256", "sha1"]
"""The digests a stored key may be built with (see :func:`title_hash_key`)."""


def short_hash(text: str, algorithm: HashName) -> str:
    """The first 16 hex digits of ``algorithm`` over ``text`` in UTF-8.

    >>> short_hash("attention is all you need", "sha256")
    '4a1c934d3d98f3ce'
    """
    digest = hashlib.sha256 if algorithm == "sha256" else hashlib.sha1
    return digest(text.encode("utf-8")).hexdigest()[:16]


def title_hash_key(normalized: str, algorithm: HashName) -> str:
    """``title:<16 hex>``: the key of a work known only by its (already normalised) title.

    Two algorithms, both frozen contracts: their values are stored in every snapshot and read back
    night after night, so neither may change and they must not be unified. SHA-256 gives the
    ``work_key`` of the ``entries`` table (:func:`enrich.parsing.keys.work_keys`, which also hashes
    ``url:`` keys and entry ids with SHA-256); SHA-1 gives the derived ``work_id`` of the ``works``
    table (:func:`enrich.resolve.idmap.title_key`), also remembered in the work-id map's SQLite file.
    The prefix is ``title:`` in both (also a contract): the two columns are never compared.

    >>> title_hash_key("attention is all you need", "sha1")
    'title:37f63852cdfb0690'
    """
    return "title:" + short_hash(normalized, algorithm)
