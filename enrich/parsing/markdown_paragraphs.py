"""Entries written as paragraphs: numbered citations and bold titles split by hard breaks."""

from __future__ import annotations

import re
from typing import Final

from enrich.parsing.citation import looks_like_authors, parse_reference
from enrich.parsing.entry import Draft
from enrich.parsing.inline import plain, tokenize
from enrich.parsing.markdown_common import _abs_urls, _Base, _first_link, _has_paper_link, _with
from enrich.parsing.markdown_shapes import _NUMBER_PREFIX, _bold_title_authors, _ref_draft
from enrich.parsing.sections import dataset_section, join_section
from enrich.parsing.text import clean_title

# a paragraph entry starts with a bold title or a bracketed number: "**[4]** Krizhevsky, ..."
_PARA_START: Final = re.compile(r"^\s*(?:\*\*|__|\[\d{1,4}\]|\d{1,4}\.\s)")


_CITE_NUMBER: Final = re.compile(r"^\[?\s*\d{1,4}\s*\]?\.?$")


_EMOJI_CODE: Final = re.compile(r":[a-z0-9_+\-]+:")


def _paragraph_drafts(content: str, line: int, path: tuple[str, ...], out: list[Draft]) -> None:
    """Entries written as paragraphs: numbered citations and bold titles split by hard breaks.

    A paragraph may hold several entries when the blank lines between them were lost: a new one
    starts at a line opening with a bold title or a number, after a line that held a link.
    """
    blocks: list[tuple[int, list[str]]] = []
    for k, raw in enumerate(content.split("\n")):
        if blocks and _PARA_START.match(raw) and "](" in " ".join(blocks[-1][1]):
            blocks.append((k, [raw]))
        elif blocks:
            blocks[-1][1].append(raw)
        else:
            blocks.append((k, [raw]))
    section = join_section(path)
    hint = "dataset" if dataset_section(path) else None
    for k, block in blocks:
        draft = _paragraph("\n".join(block), line + k, section, hint)
        if draft is not None:
            out.append(draft)


_HARD_BREAK: Final = re.compile(r"(?:\\|<br\s*/?>)?[ \t]*\n")


def _paragraph(text: str, line: int, section: str | None, hint: str | None) -> Draft | None:
    segs = tokenize(text)
    while segs and segs[0].kind in {"text", "image"} and not segs[0].text.strip():
        segs = segs[1:]
    if not segs or not any(s.kind == "link" for s in segs):
        return None
    absolute = _abs_urls(segs)
    if not absolute:
        return None
    base = _Base(line, section, absolute, hint, _has_paper_link(segs))
    first = segs[0]
    numbered = first.kind == "bold" and _CITE_NUMBER.match(first.text.strip())
    if numbered or (first.kind == "text" and _NUMBER_PREFIX.match(first.text)):
        body = segs[1:] if numbered else segs
        cut = _first_link(body)
        raw = plain(body[:cut])
        tail = _EMOJI_CODE.sub(" ", plain([s for s in body[cut:] if s.kind != "link"]))
        desc = clean_title(tail.strip(" ()[]*")) or None
        ref = parse_reference(raw)
        if ref is not None:
            return _ref_draft(base, ref, raw, desc)
        title = clean_title(_NUMBER_PREFIX.sub("", raw))
        if not title:
            return None
        return _with(
            base, title=title, citation_raw=title, description=desc, shape="citation", confidence=0.4
        )
    if first.kind != "bold":
        return None
    # **Title** \ / *Authors* \ / Venue 2023. [[Paper](url)]: one field a line
    lines = [ln.strip() for ln in _HARD_BREAK.split(text) if ln.strip()]
    head = tokenize(lines[0])
    if len(lines) >= 2 and len(head) == 1 and head[0].kind == "bold":
        second = tokenize(lines[1])
        names = plain(second).strip('"“” ')
        italic = len(second) == 1 and second[0].kind == "italic"
        if italic or ("](" not in lines[1] and looks_like_authors(names)):
            rest = tokenize(" ".join(lines[2:]))
            return _bold_title_authors(head[0].text, names, rest, base, None)
        return _bold_title_authors(head[0].text, None, tokenize(" ".join(lines[1:])), base, None)
    k = 1
    while k < len(segs) and segs[k].kind == "text" and not segs[k].text.strip(" .,:："):
        k += 1
    if k < len(segs) and segs[k].kind == "italic" and looks_like_authors(segs[k].text):
        return _bold_title_authors(first.text, segs[k].text, segs[k + 1 :], base, None)
    return None
