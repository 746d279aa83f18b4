"""One reference parser: a citation string split into authors, title, venue and year.

Lists write references in the common styles, with or without a leading ``[4]`` / ``4.``, often with
markdown around the title and links after it. The style is recognised by where the title sits,
which each style marks in one unmistakable way:

* quoted title (IEEE, MLA, Chicago): ``A. Vaswani et al., "Attention is all you need," in NeurIPS, 2017.``
  / ``Krizhevsky, Alex, et al. "ImageNet classification ..." Advances in NIPS. 2012.``
* year in parentheses after the authors (APA, Harvard): ``Lee, J., Yoon, W. (2020). BioBERT: a ...
  Bioinformatics, 36(4), 1234-1240. https://doi.org/...``
* year as its own sentence after the authors (ACM): ``Jacob Devlin, Ming-Wei Chang. 2019. BERT: ...
  In Proceedings of NAACL. 4171-4186.``
* Vancouver / NLM: ``Lee J, Yoon W, Kim S. BioBERT: a pre-trained ... Bioinformatics. 2020;36(4):1234-40.``

Why rules and not a sequence model (CRF): each style above is fixed by its own punctuation, and the
strings in lists are short, single references, usually with the title already marked (quotes, bold);
a CRF trained on the few dozen references the corpus has would be less reliable on the styles the
corpus lacks than these four anchored patterns, and could not say *why* it split a string where it
did. Every result carries a ``confidence``; a string that fits no style gives ``None`` and the caller
keeps the whole string in ``citation_raw`` for bibliographic matching (Crossref
``query.bibliographic``, S2 ``search/match``), which is the honest fall-back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["ARXIV_ID", "Reference", "looks_like_authors", "parse_reference", "split_authors"]


@dataclass(frozen=True, slots=True)
class Reference:
    """A reference split into fields; ``style`` names the pattern that matched."""

    title: str
    authors: str | None
    first_author: str | None
    venue: str | None
    year: int | None
    style: str
    confidence: float


_NUMBER: Final = re.compile(r"^\s*(?:\[\s*\d{1,4}\s*\]|\d{1,4}[.)]|\(\d{1,4}\))\s*")
_YEAR: Final = r"(?:19|20)\d{2}"
_YEAR_RE: Final = re.compile(rf"(?<!\d)({_YEAR})(?!\d)")
_DOI_TAIL: Final = re.compile(r"\s*(?:doi:\s*|https?://(?:dx\.)?doi\.org/)\S+\s*$", re.IGNORECASE)
ARXIV_ID: Final = re.compile(r"\barXiv\s*:\s*\d{4}\.\d{4,5}(?:v\d+)?", re.IGNORECASE)
_AUTHOR_YEAR: Final = re.compile(rf"\s*\(\s*({_YEAR})[a-z]?\s*\)\s*$")
_URL_TAIL: Final = re.compile(r"\s*https?://\S+\s*$")
_QUOTED: Final = re.compile(
    r"^(?P<authors>.+?)[\s.,:]*[\"“”]+(?P<title>[^\"“”]{8,}?)[\s.,]*[\"“”]+[\s.,]*(?P<rest>.*)$"
)
_APA: Final = re.compile(
    rf"^(?P<authors>.+?)\s*\((?P<year>{_YEAR})[a-z]?(?:,[^)]*)?\)[.,]?\s+(?P<title>.+?[.?!])(?:\s+(?P<rest>.*))?$"
)
_ACM: Final = re.compile(
    rf"^(?P<authors>.+?)\.\s+(?P<year>{_YEAR})[a-z]?\.\s+(?P<title>.+?[.?!])(?:\s+(?P<rest>.*))?$"
)
# "Lee J, Yoon W, Kim S, et al." — surname then initials, comma separated
_VANCOUVER_AUTHORS: Final = re.compile(
    r"^(?P<authors>(?:[A-Z][\w'’\-]+(?:\s[A-Z][\w'’\-]+)*\s[A-Z]{1,3}(?:,\s|\.\s|\s(?=et al)))+(?:et al\.?\s*)?)"
)
_VANCOUVER_REST: Final = re.compile(rf"^(?P<title>.+?[.?!])\s+(?P<venue>[^.]+?)\.?\s*(?P<year>{_YEAR})\b")
_PAGES: Final = re.compile(
    r"[\s,;:.]*(?:\d+\s*\(\s*\d+\s*\)|vol\.?\s*\d+|no\.?\s*\d+|pp?\.?\s*\d+(?:\s*[-–]\s*\d+)?|\d+[.:]\d+|\d+\s*[-–]\s*\d+|\d+)\s*$",
    re.IGNORECASE,
)
_AUTHOR_SPLIT: Final = re.compile(r"\s*(?:;|,?\s+and\s+|,?\s*&\s*|,\s+(?=[A-Z][\w'’\-]*\s+[A-Z]{1,3}\b))\s*")
_INITIALS_ONLY: Final = re.compile(r"^(?:[A-Z]\.?\s*-?)+$")
_ET_AL: Final = re.compile(r",?\s*et\s+al\.?", re.IGNORECASE)


def _venue(rest: str | None) -> tuple[str | None, int | None]:
    """Venue text and year from what follows the title: pages, volumes, DOIs and URLs dropped."""
    if not rest:
        return None, None
    rest = ARXIV_ID.sub(" ", _URL_TAIL.sub("", _DOI_TAIL.sub("", rest))).strip()
    years = _YEAR_RE.findall(rest)
    year = int(years[-1]) if years else None
    venue = _YEAR_RE.sub(" ", rest)
    venue = re.sub(r"\(\s*\)", " ", venue)
    for _ in range(4):
        trimmed = _PAGES.sub("", venue).strip(" .,;:()")
        if trimmed == venue:
            break
        venue = trimmed
    venue = re.sub(r"^(?:in|in:)\s+", "", " ".join(venue.split()).strip(" .,;:()"), flags=re.IGNORECASE)
    return (venue or None), year


def split_authors(authors: str) -> list[str]:
    """Author names in a written author list (``et al.`` dropped).

    ``"Krizhevsky, Alex, Ilya Sutskever, and Geoffrey E. Hinton"`` (first name inverted, MLA) →
    ``["Krizhevsky, Alex", "Ilya Sutskever", "Geoffrey E. Hinton"]``; ``"Lee J, Yoon W"`` →
    ``["Lee J", "Yoon W"]``; ``"Lee, J., Yoon, W."`` (APA) → ``["Lee, J.", "Yoon, W."]``.
    """
    text = _ET_AL.sub("", authors).strip(" .,;")
    if not text:
        return []
    parts = [p.strip(" ,") for p in _AUTHOR_SPLIT.split(text) if p.strip(" ,")]
    out: list[str] = []
    for part in parts:
        pieces = [p.strip() for p in part.split(",") if p.strip()]
        k = 0
        while k < len(pieces):
            piece = pieces[k]
            nxt = pieces[k + 1] if k + 1 < len(pieces) else None
            # "Surname, Given" pairs: APA initials ("Lee, J.") and the inverted first author of MLA
            if nxt is not None and (
                _INITIALS_ONLY.match(nxt)
                or (not out and k == 0 and len(piece.split()) == 1 and len(nxt.split()) <= 2)
            ):
                out.append(f"{piece}, {nxt}")
                k += 2
                continue
            out.append(piece)
            k += 1
    return out


_NAME_TOKEN: Final = re.compile(
    r"^(?:[A-Z][\w'’\-]*\.?|[A-Z]\.(?:-?[A-Z]\.)*|[a-z]{1,2}['’][A-Z][\w\-]*|"
    r"van|von|de|der|den|da|di|du|la|le|del|della|dos|das|ter|bin|al|el|jr\.?)$"
)


def looks_like_authors(text: str) -> bool:
    """True when ``text`` reads as a list of person names (``"Gen Li, Nan Duan"``,
    ``"Wu J et al."``), not a sentence."""
    names = split_authors(text)
    if not names:
        return False
    for name in names:
        tokens = name.replace(",", " ").split()
        if not 1 <= len(tokens) <= 5 or not all(_NAME_TOKEN.match(t) for t in tokens):
            return False
    return len(names) >= 2 or bool(_ET_AL.search(text)) or len(names[0].split()) >= 2


def _result(
    title: str, authors: str | None, venue: str | None, year: int | None, style: str, confidence: float
) -> Reference | None:
    title = " ".join(title.split()).strip(" ,;:")
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1]
    if len(title) < 4:
        return None
    authors = " ".join(authors.split()).strip(" ,;:") if authors else None
    names = split_authors(authors) if authors else []
    if authors and not looks_like_authors(authors):
        confidence -= 0.3
    return Reference(
        title=title,
        authors=authors or None,
        first_author=names[0] if names else None,
        venue=venue,
        year=year,
        style=style,
        confidence=max(0.0, min(1.0, confidence)),
    )


def parse_reference(text: str) -> Reference | None:
    """The fields of one reference string (markdown already removed), or ``None`` when it fits no style."""
    text = " ".join(text.split())
    text = _NUMBER.sub("", text)
    if len(text) < 12:
        return None
    m = _QUOTED.match(text)
    if m:
        venue, year = _venue(m.group("rest"))
        authors = m.group("authors")
        in_authors = _AUTHOR_YEAR.search(authors)  # Chicago: "Surname, Given (2015). \"Title\"."
        if in_authors:
            authors = authors[: in_authors.start()]
            year = year or int(in_authors.group(1))
        return _result(m.group("title"), authors, venue, year, "quoted", 0.9)
    m = _APA.match(text)
    if m:
        venue, _ = _venue(m.group("rest"))
        return _result(m.group("title"), m.group("authors"), venue, int(m.group("year")), "apa", 0.85)
    m = _ACM.match(text)
    if m and looks_like_authors(m.group("authors")):
        venue, _ = _venue(m.group("rest"))
        return _result(m.group("title"), m.group("authors"), venue, int(m.group("year")), "acm", 0.8)
    m = _VANCOUVER_AUTHORS.match(text)
    if m:
        tail = _VANCOUVER_REST.match(text[m.end() :].lstrip(" ."))
        if tail:
            return _result(
                tail.group("title"),
                m.group("authors"),
                tail.group("venue").strip(" .") or None,
                int(tail.group("year")),
                "vancouver",
                0.8,
            )
    return None
