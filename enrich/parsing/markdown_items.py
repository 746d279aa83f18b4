"""List items: a bullet with its nested bullets (abstract, field and link lines) read as entries, and
the plain-title bullets kept only in a list of titles (:func:`_settle_plain`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from enrich.parsing.entry import Draft
from enrich.parsing.inline import plain, tokenize
from enrich.parsing.markdown_common import (
    _abs_urls,
    _Base,
    _first_link,
    _has_paper_link,
    _only_generic_links,
    _paper_url,
    _shaped,
    _short_name,
    _title_confidence,
    _with,
)
from enrich.parsing.markdown_shapes import (
    _DATED,
    _PROSE_WORDS,
    _bold_name,
    _dated,
    _link_first,
    _ref_draft,
    _reference,
    _tags,
    _title_year,
)
from enrich.parsing.sections import dataset_section, join_section
from enrich.parsing.text import clean_title, leading_name, split_name

# "[Nature Medicine, 2024] ...", also with a month: "[Arxiv, 2024.8]", "[ICLR, 2024-05]"
_VENUE_YEAR: Final = re.compile(r"^\[\s*([^\[\],]+?)\s*,\s*((?:19|20)\d{2})(?:\s*[./\-]\s*\d{1,2})?\s*\]\s*")


_ABSTRACT: Final = re.compile(r"^\s*abstract\s*[:：]?\s*", re.IGNORECASE)


@dataclass(slots=True)
class _Item:
    line: int
    section: tuple[str, ...]
    inlines: list[str] = field(default_factory=list)
    children: list[_Item] = field(default_factory=list)
    glued: list[tuple[int, str]] = field(default_factory=list)  # next items glued on by a lost line break


# a nested bullet holding one field of its parent: "地址：https://...", "简介：...", "Paper: [link](...)"
_FIELD: Final = re.compile(
    r"^\s*(?P<key>地址|链接|网址|主页|项目地址|论文地址|论文|代码|模型地址|数据地址|下载地址|简介|介绍|描述|说明|"
    r"urls?|links?|code|paper|github|repo|homepage|website|project|description|summary|intro|introduction)"
    r"\s*[:：]\s*",
    re.IGNORECASE,
)


_DESC_KEYS: Final = frozenset(
    {"简介", "介绍", "描述", "说明", "description", "summary", "intro", "introduction"}
)


def _item_drafts(item: _Item, out: list[Draft], *, parent_entry: bool) -> None:
    description: list[str] = []
    extra_urls: list[str] = []
    entry_children: list[_Item] = []
    fields = False
    for child in item.children:
        segs = tokenize(child.inlines[0]) if child.inlines else []
        head = plain(segs)
        marker = _ABSTRACT.match(head)
        field_m = _FIELD.match(head) if not child.children and (":" in head or "：" in head) else None
        if marker and not child.children:
            rest = head[marker.end() :]
            description.extend(p for p in [rest, *(plain(tokenize(s)) for s in child.inlines[1:])] if p)
            description.extend(plain(tokenize(s)) for s in item.inlines[1:])
        elif segs and not child.children and _only_generic_links(segs):
            extra_urls.extend(_abs_urls(segs))  # "  - [code](url)" under an entry: the entry's link
        elif field_m is not None and (_abs_urls(segs) or field_m.group("key").lower() in _DESC_KEYS):
            fields = True
            if field_m.group("key").lower() in _DESC_KEYS:
                description.append(head[field_m.end() :])
            else:
                extra_urls.extend(_abs_urls([s for s in segs if s.kind != "image"]))  # not the badges
        else:
            entry_children.append(child)
    made = False
    if item.inlines:
        draft = _bullet(item, " ".join(d for d in description if d) or None, tuple(extra_urls))
        if draft is not None:
            if fields:
                draft = _shaped(draft, "field_bullets", 0.85)
            if draft.shape == "plain_title" and (parent_entry or entry_children):
                draft = None  # a detail line of the entry above, or a label over nested entries
            else:
                out.append(draft)
                made = draft.shape != "plain_title"
    for child in entry_children:
        _item_drafts(child, out, parent_entry=made)


_SENTENCE_END: Final = re.compile(r"[.!?。！？;；:：,，]\s*$")


def _title_like(text: str) -> bool:
    """One plain bullet's text reads as a title, not a sentence of prose."""
    words = text.split()
    if not words or len(words) > 25 or len(text) > 200:
        return False
    if _SENTENCE_END.search(text) and not text.endswith(")"):
        return False
    if text[:1].islower() or _PROSE_WORDS.search(text):
        return False
    return not (not text.isascii() and len(text) > 40 and ("，" in text or "。" in text))


def _settle_plain(batch: list[Draft], items: int) -> list[Draft]:
    """The drafts of one top-level list, each plain-title candidate kept when it reads as a title and
    the list around it is a list of entries: under a heading, and either most of its items are
    such titles or most of its items are entries read from links."""
    plain_ones = [d for d in batch if d.shape == "plain_title"]
    if not plain_ones:
        return batch
    titled = {id(d) for d in plain_ones if _title_like(d.title or d.name or "")}
    titles_list = (
        len(plain_ones) >= 2 and len(titled) * 4 >= len(plain_ones) * 3 and len(plain_ones) * 2 >= items
    )
    entries_list = (len(batch) - len(plain_ones)) * 2 >= items

    def keep(d: Draft) -> bool:
        if d.shape != "plain_title":
            return True
        return d.section is not None and id(d) in titled and (titles_list or entries_list)

    return [d for d in batch if keep(d)]


_SPACED_COLON: Final = re.compile(r"^(\S[^:：]{0,39}?)\s+[:：]\s+(\S.*)$")


def _bullet(item: _Item, description: str | None, extra_urls: tuple[str, ...] = ()) -> Draft | None:
    segs = tokenize(item.inlines[0])
    while segs and segs[0].kind in {"text", "image"} and not segs[0].text.strip():
        segs = segs[1:]
    if not segs:
        return None
    links = [s for s in segs if s.kind == "link"]
    absolute = _abs_urls(segs)
    absolute_own = bool(absolute)
    if links and not absolute and all((s.url or "").startswith("#") for s in links):
        return None  # table of contents
    if extra_urls:
        absolute = tuple(dict.fromkeys(absolute + extra_urls))
    section = join_section(item.section)
    hint = "dataset" if dataset_section(item.section) else None
    paper_link = _has_paper_link(segs)
    base = _Base(item.line, section, absolute, hint, paper_link)

    first = segs[0]
    if first.kind == "text" and len(segs) > 1 and segs[1].kind == "bold" and _DATED.match(first.text):
        return _dated(segs, base, description)
    if first.kind == "bold":
        return _bold_name(segs, base, description)
    if first.kind == "link" and first.url and first.url.startswith(("http://", "https://")):
        return _link_first(segs, base, description)
    cut = _first_link(segs)
    head = plain(segs[:cut])
    venue = _VENUE_YEAR.match(head)
    if venue is not None:  # * [**Nature Medicine, 2024**] BiomedGPT: A generalist ... [[paper]](url)
        name, rest = leading_name(head[venue.end() :].strip())
        title = clean_title(rest)
        if not (name or title):
            return None
        return _with(
            base,
            name=clean_title(name),
            title=title,
            year=int(venue.group(2)),
            venue_raw=clean_title(venue.group(1)),
            description=description,
            shape="venue_first",
            confidence=0.9,
        )
    ref = _reference(head)
    if ref is not None:
        return _ref_draft(base, ref, head, description)
    title, year = _title_year(head)
    if not title:
        return None
    name = split_name(title)
    label = _SPACED_COLON.match(title) if " :" in title or " ：" in title else None
    if label is not None:  # "ELMo : Deep contextualized word representations": a label, then the title
        name, title = label.group(1), label.group(2)
    elif extra_urls and not absolute_own and len(title.split()) <= 4 and ":" not in title:
        name, title = title, None  # "* ChatGLM：" with field bullets: the parent is a name
    if title is None:
        return _with(
            base, name=name, year=year, description=description, shape="field_bullets", confidence=0.85
        )
    if not absolute and description is None:
        # a bullet holding only text: a title when its list is a list of titles (see _settle_plain)
        return _with(base, name=name, title=title, year=year, shape="plain_title", confidence=0.6)
    if year is None and cut < len(segs) and "`" in item.inlines[0]:
        year = _tags(plain(segs[cut:]))[1]  # "Title [Part 1](url), [Part 2](url) `Facebook` `2020`"
    shape = "title_abstract" if not absolute else "text_links"
    confidence = _title_confidence(title, 0.85)
    if title.rsplit(None, 1)[-1].lower() in _DANGLING_WORDS:
        confidence = 0.4  # "..., see papers by X, including [A](url) and [B](url)": a sentence with links
    elif name is None and _short_name(title, base) and not _paper_url(absolute):
        # "32. Mini-R1: https://...": a name, not a title
        return _with(base, name=title, year=year, description=description, shape="text_links", confidence=0.8)
    return _with(
        base,
        name=name,
        title=title,
        year=year,
        description=description,
        shape=shape,
        confidence=confidence,
    )


# a title never ends on a word that needs more words after it
_DANGLING_WORDS: Final = frozenset(
    {"including", "and", "or", "of", "the", "a", "an", "in", "by", "with", "see", "from", "at", "for", "to"}
)
