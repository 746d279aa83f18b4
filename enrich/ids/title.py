"""The matching key for titles (:func:`normalize_title`)."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Final

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
