"""The one markup stripper for text that sources send: :func:`strip_tags`.

API strings carry HTML or XML tags: Crossref titles ``<i>``, ``<sub>``, ``<scp>``; abstracts
JATS (``<jats:p>``, ``<jats:italic>``) and MathML (``<mml:mi>``); repo descriptions stray HTML.
:func:`strip_tags` removes them, optionally decodes HTML entities, and collapses whitespace. Its
callers differ only in the data given to it:

* :func:`enrich.tables.text.clean_text` (titles, venues, abstracts, names, descriptions in the
  snapshot): ``tags="xml"``, ``gap=" "``, entities decoded;
* :func:`enrich.resolve.titles.compare_titles` and ``title_overlap`` (comparing two titles):
  ``tags="html"``, ``gap=""`` (``H<sub>2</sub>O`` is the word ``H2O``), entities kept;
* :func:`enrich.clients.crossref.strip_jats` (Crossref abstracts, after their block tags became
  spaces): ``tags="any"``, ``gap=""``, entities decoded.

The tag patterns are three because each caller's output is stored or decides a match, so none may
change: ``xml`` names may hold ``_`` and ``.``, ``html`` names may not (a title such as
``n<k_2 and m>3`` keeps its text when compared), ``any`` is everything from ``<`` to the next ``>``.

Not this job, on purpose: the markdown inline reader (:mod:`enrich.parsing.inline`) drops inline
HTML as one of the tokens of its single pass over list markdown, and the plain-text list reader
(:mod:`enrich.parsing.plaintext`) blanks every ``<...>`` of a scraped page line without collapsing
whitespace (line matching reads it after).
"""

from __future__ import annotations

import html
import re
from typing import Final, Literal

__all__ = ["TagPattern", "strip_tags"]

TagPattern = Literal["xml", "html", "any"]
_TAGS: Final[dict[str, re.Pattern[str]]] = {
    "xml": re.compile(r"</?[A-Za-z][A-Za-z0-9:_.-]*(?:\s[^<>]*)?/?>"),
    "html": re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>"),
    "any": re.compile(r"<[^>]+>"),
}


def strip_tags(text: str, *, tags: TagPattern, gap: str, unescape: bool) -> str:
    """``text`` with every tag (per ``tags``) replaced by ``gap``, then HTML entities decoded when
    ``unescape``, then whitespace collapsed to single spaces and trimmed ("" when nothing is left).

    >>> strip_tags("H<sub>2</sub>O &amp;  <i>more</i>", tags="xml", gap="", unescape=True)
    'H2O & more'
    >>> strip_tags("<p>a</p><p>b</p>", tags="xml", gap=" ", unescape=False)
    'a b'
    """
    text = _TAGS[tags].sub(gap, text)
    if unescape:
        text = html.unescape(text)
    return " ".join(text.split())
