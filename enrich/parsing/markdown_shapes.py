"""The entry shapes of a markdown list item or paragraph: dated, bold name, link first, citation,
bold title + authors (see :mod:`enrich.parsing.markdown` for the list of shapes).
"""

from __future__ import annotations

import re
from typing import Final

from enrich.parsing.citation import ARXIV_ID as _ARXIV_ID
from enrich.parsing.citation import Reference, looks_like_authors, parse_reference
from enrich.parsing.entry import Draft
from enrich.parsing.inline import Seg, plain
from enrich.parsing.markdown_common import (
    _GENERIC_LABELS,
    _LEAD_SEP,
    _PAPER_ID_URL,
    _Base,
    _first_link,
    _short_name,
    _title_confidence,
    _with,
)
from enrich.parsing.text import clean_title, split_name, split_title_year, year_of

_DATED: Final = re.compile(r"^\s*\[\s*((?:19|20)\d{2})\s*[/.\-]\s*(\d{1,2})\s*\]\s*$")


_LAST_PERIOD: Final = re.compile(r"^(?P<authors>.*?[^\s.](?<!\b[A-Z]))\.\s*(?P<venue>[^.]+)$")


# words of a sentence addressed to the reader; case-sensitive, so a title's "All You Need" is no prose
_PROSE_WORDS: Final = re.compile(
    r"^(?:We|You|Please|Here|There|This is|These are)\b|\b(?:we|our|you|your|please|e\.g|i\.e|etc)\b"
)


_BACKTICK: Final = re.compile(r"`([^`]+)`")


_NUMBERING: Final = re.compile(r"^\s*\d{1,4}\s*[).、]\s*")


_PAREN_YEAR: Final = re.compile(r"^(?P<title>.*?)\s*[(（]\s*(?P<year>(?:19|20)\d{2})\s*[)）]\s*[.,;]?\s*$")


def _tags(text: str) -> tuple[str, int | None, list[str]]:
    """``"... `Netflix` `2019`"`` → text without the backticked tags, the year among them, the others."""
    if "`" not in text:
        return text, None, []
    tags = _BACKTICK.findall(text)
    year = next((int(t) for t in tags if re.fullmatch(r"(?:19|20)\d{2}", t.strip())), None)
    others = [t.strip() for t in tags if not re.fullmatch(r"(?:19|20)\d{2}", t.strip())]
    return " ".join(_BACKTICK.sub(" ", text).split()), year, others


def _title_year(text: str) -> tuple[str | None, int | None]:
    """:func:`split_title_year`, also reading a year in parentheses or backticks at the end."""
    text, tag_year, _ = _tags(text.rstrip(" [(（"))
    m = _PAREN_YEAR.match(text) if text.endswith((")", "）", ").", "),", ");")) else None
    if m and m.group("title").strip():
        return clean_title(m.group("title")), int(m.group("year"))
    title, year = split_title_year(text)
    return title, year if year is not None else tag_year


def _reference(head: str) -> Reference | None:
    """``head`` read as a citation, when it is one: a style matched and its authors are names."""
    if len(head) < 30 or not _CITATION_HINT.search(head):
        return None
    ref = parse_reference(head)
    if ref is None or ref.authors is None or not looks_like_authors(ref.authors):
        return None
    return ref


_YEAR_ANY: Final = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


# what only a reference has: a quoted title, "(2020)." after the authors, ". 2019. " (ACM), or a
# Vancouver author list ("Lee J, Yoon W"); one search decides whether the styles are tried at all
_CITATION_HINT: Final = re.compile(
    r"[\"“”]|\((?:19|20)\d{2}[a-z]?\)|\.\s(?:19|20)\d{2}[a-z]?\.\s|^[A-Z][\w'’\-]+\s[A-Z]{1,3}[,.]\s"
)


_DOI_TEXT: Final = re.compile(r"\bdoi\s*:\s*(10\.\d{4,9}/[^\s\]\[<>\"]+?)[.,;]?(?:\s|$)", re.IGNORECASE)


def _ref_draft(base: _Base, ref: Reference, raw: str, description: str | None) -> Draft:
    doi = _DOI_TEXT.search(raw + " ")
    if doi is not None:  # "... 2020;36(4):1234-40. doi:10.1093/..." — the reference names its DOI
        url = "https://doi.org/" + doi.group(1)
        if url not in base.urls:
            base = base._replace(urls=(*base.urls, url))
    return _with(
        base,
        name=split_name(ref.title),
        title=ref.title,
        authors_raw=ref.authors,
        year=ref.year,
        venue_raw=ref.venue,
        description=description,
        citation_raw=" ".join(_NUMBER_PREFIX.sub("", raw).split()) or None,
        shape="citation",
        confidence=ref.confidence,
    )


_NUMBER_PREFIX: Final = re.compile(r"^\s*(?:\[\s*\d{1,4}\s*\]|\d{1,4}[.)])\s*")


def _link_first(segs: list[Seg], base: _Base, description: str | None) -> Draft | None:
    """``[Name](url) - description``; ``[Title](url) (Paper) `Org` `2019```; ``[Name](url) - Title``."""
    first = segs[0]
    label = clean_title(first.text)
    if not label:
        return None
    if label == first.url:  # a bare URL: name it by its path ("owner/repo")
        label = _url_name(label)
    # the text after the name, without the links labelled paper/code/... (their URLs are kept)
    rest_segs = [
        s for s in segs[1:] if not (s.kind == "link" and s.text.strip(" []").lower() in _GENERIC_LABELS)
    ]
    rest_text, year, tags = _tags(plain(rest_segs))
    rest = clean_title(_LEAD_SEP.sub("", _LABEL_LINKS.sub(" ", rest_text)))
    rest = clean_title(_EMPTY_PARENS.sub(" ", rest)) if rest else rest
    if rest and tags:
        rest = f"{rest} ({', '.join(tags)})"
    elif tags:
        rest = ", ".join(tags)
    if len(label.split()) >= 4:
        return _with(
            base,
            name=split_name(label),
            title=label,
            year=year,
            description=rest or description,
            shape="link_first",
            confidence=0.85,
        )
    # "[Med-PaLM](url) - Med-PaLM: Large language models encode clinical knowledge": the text is the title
    if rest and _PAPER_ID_URL.search(first.url or "") and _restates(label, rest):
        return _with(
            base,
            name=label,
            title=rest,
            year=year,
            description=description,
            shape="link_first",
            confidence=0.8,
        )
    return _with(
        base, name=label, year=year, description=rest or description, shape="link_first", confidence=0.85
    )


_EMPTY_PARENS: Final = re.compile(r"\(\s*\)|\[\s*\]")


_LABEL_LINKS: Final = re.compile(
    r"[(\[]\s*(?:paper|pdf|code|github|demo|project|website|blog)\s*[)\]]", re.IGNORECASE
)


def _restates(label: str, rest: str) -> bool:
    """The text after a name link is that thing's title: it starts with the name and a colon, or reads
    as a title (capitalised, 4-25 words, no sentence punctuation or quotes)."""
    after = rest[len(label) : len(label) + 2].strip()[:1]
    if rest.lower().startswith(label.lower()) and after in {":", "："}:
        return True
    words = rest.split()
    return (
        4 <= len(words) <= 25
        and rest[:1].isupper()
        and not any(c in rest for c in '.;"“”')
        and not _PROSE_WORDS.search(rest)
    )


_PATH_TAIL: Final = re.compile(
    r"^https?://[^/]+/(?:(?:collections|datasets|spaces)/)?([^?#]+?)/?(?:[?#].*)?$"
)


def _url_name(url: str) -> str:
    """``https://github.com/owner/repo`` → ``owner/repo``; else the first two path segments."""
    m = _PATH_TAIL.match(url)
    if m is None:
        return url
    return "/".join(m.group(1).split("/")[:2])


def _dated(segs: list[Seg], base: _Base, description: str | None) -> Draft:
    m = _DATED.match(segs[0].text)
    year = int(m.group(1)) if m else None
    title = clean_title(segs[1].text) or ""
    k = 2
    authors: str | None = None
    venue: str | None = None
    while k < len(segs) and segs[k].kind == "text" and not segs[k].text.strip():
        k += 1
    if k < len(segs) and segs[k].kind == "italic":
        authors, venue = _authors_venue(segs[k].text)
        k += 1
    cut = _first_link(segs)
    trailing = clean_title(plain(segs[k:cut]).strip(" .,;[]")) if k < cut else None
    if venue is None and trailing:
        venue = trailing
    if _short_name(title, base):
        return _with(
            base,
            name=title,
            year=year,
            authors_raw=authors,
            venue_raw=venue,
            description=description,
            shape="dated",
            confidence=0.9,
        )
    return _with(
        base,
        name=split_name(title),
        title=title,
        year=year,
        authors_raw=authors,
        venue_raw=venue,
        description=description,
        shape="dated",
        confidence=0.9,
    )


def _authors_venue(text: str) -> tuple[str | None, str | None]:
    """``"Karan Singhal et al. Nature."`` → ``("Karan Singhal et al.", "Nature")``."""
    text = " ".join(text.split()).strip()
    if not text:
        return None, None
    marker = text.find("et al.")
    if marker >= 0:
        end = marker + len("et al.")
        return text[:end], (text[end:].strip(" .,;") or None)
    body = text.rstrip(" .")
    m = _LAST_PERIOD.match(body)
    if m:
        return m.group("authors").strip(" ,") or None, m.group("venue").strip() or None
    return body or None, None


_DOT_FIELDS: Final = re.compile(r"(?:^|\s+)[·•]\s+")


def _bold_name(segs: list[Seg], base: _Base, description: str | None) -> Draft | None:
    bold = segs[0]
    rest_segs = segs[1:]
    inner_links = [c for c in bold.children if c.kind == "link"]
    k = 0
    while k < len(rest_segs) and rest_segs[k].kind == "text" and not rest_segs[k].text.strip(" .,:：-–—"):
        k += 1
    if k < len(rest_segs) and rest_segs[k].kind == "italic" and looks_like_authors(rest_segs[k].text):
        return _bold_title_authors(bold.text, rest_segs[k].text, rest_segs[k + 1 :], base, description)
    cut = _first_link(rest_segs)
    tail = plain([s for s in rest_segs if s.kind != "link"]).strip(" .[]") if inner_links else ""
    parts = [p.strip(" .[]") for p in _DOT_FIELDS.split(tail)] if tail else []
    if (
        len(parts) >= 2
        and any(year_of(p) for p in parts[1:])
        and (not parts[0] or looks_like_authors(parts[0]) or " et al" in parts[0])
    ):
        # **[Title](https://doi.org/...)**<br/>Wu J et al. · *Journal* · 2026-06-17
        paper = clean_title(bold.text) or ""
        year = next((y for p in parts[1:] if (y := year_of(p)) is not None), None)
        venue = next((clean_title(p) for p in parts[1:] if year_of(p) is None), None)
        return _with(
            base,
            name=split_name(paper),
            title=paper,
            authors_raw=clean_title(parts[0]) if parts[0] else None,
            venue_raw=venue,
            year=year,
            description=description,
            shape="bold_title_authors",
            confidence=0.9,
        )
    if inner_links and not plain(rest_segs).strip(" .:："):
        label = clean_title(bold.text)
        if not label:
            return None
        if len(label.split()) >= 4:
            return _with(
                base,
                name=split_name(label),
                title=label,
                description=description,
                shape="bold_name",
                confidence=_title_confidence(label, 0.8),
            )
        return _with(base, name=label, description=description, shape="bold_name", confidence=0.8)
    name = clean_title(bold.text.strip().rstrip(":：").strip())
    head = _LEAD_SEP.sub("", plain(rest_segs[:cut]))
    title, year = _title_year(head) if head else (None, None)
    if title is None and not base.urls and description is None:
        return None  # a bold word in prose
    if title is None and name and len(name.split()) >= 4 and not base.urls:
        return None
    if not base.urls and description is None and head[:1].islower() and not _LEAD_SEP.match(plain(rest_segs)):
        return None  # "**How** the problem is framed": a sentence with a bold word, not a name and title
    if not base.urls and description is None:
        return _with(base, name=name, title=title, year=year, shape="plain_title", confidence=0.6)
    return _with(
        base,
        name=name,
        title=title,
        year=year,
        description=description,
        shape="bold_name",
        confidence=_title_confidence(title or name or "", 0.8),
    )


_MONTH: Final = re.compile(
    r"[\s,.\-–—]*\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?=[\s,.\-–—]*$)",
    re.IGNORECASE,
)


def _bold_title_authors(
    title_text: str, authors: str | None, rest: list[Seg], base: _Base, description: str | None
) -> Draft | None:
    """``**Title**. *A, B, C*. CoNLL 2016. [[pdf](url)] (**Short**)``: title, authors, venue, year."""
    title = clean_title(title_text)
    if not title:
        return None
    cut = _first_link(rest)
    venue_text, tag_year, _ = _tags(plain(rest[:cut]).strip(" .,;[("))
    year = year_of(venue_text) or tag_year
    venue = _YEAR_ANY.sub(" ", _ARXIV_ID.sub("arXiv", venue_text)) if venue_text else ""
    venue = _MONTH.sub("", " ".join(venue.split())).strip(" .,;()–—-")
    after = [s for s in rest[cut:] if s.kind == "bold"]
    short = clean_title(after[-1].text.strip("()")) if after else None
    name = short if short and len(short.split()) <= 3 else split_name(title)
    return _with(
        base,
        name=name,
        title=title,
        authors_raw=clean_title(authors.strip('"“” ')) if authors else None,
        year=year,
        venue_raw=clean_title(venue) if venue else None,
        description=description,
        shape="bold_title_authors",
        confidence=0.9 if authors else 0.7,
    )
