"""Markdown lists: block structure from markdown-it (with line maps), entries from list items and tables.

Structure comes from markdown-it-py's block parser (CommonMark + GFM tables): headings give each
entry's section path, list items (with their nested items and paragraphs) and table rows give the
entries, and ``token.map`` gives the 1-based line where each starts. HTML blocks (including
``<!-- -->`` comments holding template rows) and code fences are never entries. The inline
content of each block is read by :mod:`enrich.parsing.inline`.

Entry shapes recognised in a list item (after mojibake repair):

* bold name: ``**Name**: Title. 2023. [paper](url)`` (also ``**[Name](url)**`` alone);
* dated: ``[2023/04] **Title** *Authors et al. Venue.* [[paper](url)] [[code](url)]``;
* link first: ``[Name](url) - description``;
* text then links: ``Title [[Paper]](url) [[Code]](url)`` or ``Title. 2023. [paper](url)``;
* venue first (the upstream guide's current format, and its plain-text rendering):
  ``* [**Nature Medicine, 2024**] BiomedGPT: A generalist ... [[paper]](url) [[code]](url)``;
* title + abstract: a plain title bullet whose nested bullet is ``**Abstract:**``, the abstract
  following (kept in ``description``).

A plain bullet with no link and no abstract ("How should medical LLMs be built?") is prose, not an
entry; a bullet whose links all point inside the page (``#anchor``) is a table of contents.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Final, NamedTuple

from markdown_it import MarkdownIt
from markdown_it.token import Token

from enrich.parsing.entry import Draft
from enrich.parsing.inline import Seg, plain, tokenize, urls
from enrich.parsing.sections import dataset_section, join_section, skipped_section
from enrich.parsing.text import (
    clean_heading,
    clean_title,
    leading_name,
    split_name,
    split_title_year,
    year_of,
)

__all__ = ["MAX_LIST_DEPTH", "parse_markdown", "parse_markdown_noted"]


def _new_parser() -> MarkdownIt:
    # block rules only: the inline pass is done by enrich.parsing.inline (4x faster on these lists)
    return MarkdownIt("commonmark").enable("table").disable(["inline", "text_join", "reference"])


_MD: Final = _new_parser()

_PAPER_LABELS: Final = frozenset({"paper", "pdf", "article", "arxiv", "doi", "publication", "preprint"})
_GENERIC_LABELS: Final = _PAPER_LABELS | frozenset(
    {
        "code",
        "github",
        "repo",
        "demo",
        "project",
        "project page",
        "website",
        "homepage",
        "blog",
        "data",
        "dataset",
        "model",
        "huggingface",
        "hf",
        "slides",
        "video",
        "poster",
        "bibtex",
        "link",
    }
)
_DATED: Final = re.compile(r"^\s*\[\s*((?:19|20)\d{2})\s*[/.\-]\s*(\d{1,2})\s*\]\s*$")
_VENUE_YEAR: Final = re.compile(r"^\[\s*([^\[\],]+?)\s*,\s*((?:19|20)\d{2})\s*\]\s*")
_ABSTRACT: Final = re.compile(r"^\s*abstract\s*[:：]?\s*", re.IGNORECASE)
_LEAD_SEP: Final = re.compile(r"^[\s:：\-–—|,.]+")
_SPILL_URL: Final = re.compile(r"^(https?://\S+/)\s+([\w.\-]+/?)$")
_LAST_PERIOD: Final = re.compile(r"^(?P<authors>.*?[^\s.](?<!\b[A-Z]))\.\s*(?P<venue>[^.]+)$")

# table header words -> column role
_NAME_HEADERS: Final = {
    "数据集名称": "dataset",
    "数据集": "dataset",
    "dataset": "dataset",
    "datasets": "dataset",
    "dataset name": "dataset",
    "模型": "model",
    "模型名称": "model",
    "model": "model",
    "models": "model",
    "model name": "model",
    "name": "",
    "名称": "",
    "title": "title",
    "paper": "title",
    "papers": "title",
    "paper title": "title",
    "论文": "title",
}
_LINK_HEADERS: Final = frozenset(
    {
        "获取链接",
        "下载链接",
        "地址",
        "链接",
        "link",
        "links",
        "url",
        "code",
        "repo",
        "github",
        "homepage",
        "download",
    }
)
_DESC_HEADERS: Final = frozenset(
    {"内容概述", "简介", "介绍", "描述", "features", "description", "summary", "overview", "notes"}
)
_DATE_HEADERS: Final = frozenset({"date", "year", "日期", "时间", "发布时间", "年份"})


@dataclass(slots=True)
class _Item:
    line: int
    section: tuple[str, ...]
    inlines: list[str] = field(default_factory=list)
    children: list[_Item] = field(default_factory=list)


def parse_markdown(text: str) -> list[Draft]:
    """Every entry of a markdown list, in file order.

    Long files are parsed in chunks cut at top-level-safe ATX headings (see :func:`_chunks`),
    so memory stays flat however long the list is; headings carry over between chunks.
    """
    return parse_markdown_noted(text)[0]


MAX_LIST_DEPTH: Final = (_MD.options["maxNesting"] - 2) // 2
"""Nested list levels read in full (9): deeper blocks are cut by the parser's nesting cap, which
bounds its recursion on hostile input; the lines cut are reported by :func:`parse_markdown_noted`."""


def parse_markdown_noted(text: str) -> tuple[list[Draft], list[str]]:
    """:func:`parse_markdown`, plus one note per block the nesting cap cut (``lines A-B: ...``)."""
    state = _State()
    for offset, chunk in _chunks(text):
        _parse_chunk(chunk, offset, state)
    notes = [
        f"lines {first}-{last} are nested deeper than {MAX_LIST_DEPTH} list levels and were not read"
        for first, last in state.too_deep
    ]
    return state.drafts, notes


def _cut_by_nesting(tokens: Sequence[Token], offset: int) -> Iterator[tuple[int, int]]:
    """1-based line ranges of blocks opened at the nesting cap: the parser skipped their content."""
    cap = _MD.options["maxNesting"] - 1
    for tok, after in pairwise(tokens):
        if tok.nesting == 1 and tok.level >= cap and after.nesting == -1 and tok.map:
            yield tok.map[0] + 1 + offset, tok.map[1] + offset


@dataclass(slots=True)
class _State:
    drafts: list[Draft] = field(default_factory=list)
    headings: list[tuple[int, str]] = field(default_factory=list)
    seen_heading: bool = False
    too_deep: list[tuple[int, int]] = field(default_factory=list)


_CHUNK_LINES: Final = 2000
_ATX: Final = re.compile(r"^#{1,6}(?:[ \t]|$)")
_FENCE: Final = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_RAW_HTML: Final = re.compile(r"^ {0,3}<(?:(script|pre|style|textarea)[\s>]|(!--))", re.IGNORECASE)


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    """``(line offset, text)`` pieces of a document that markdown parses independently.

    A cut is made only before an ATX heading at column 0 that follows a blank line outside a code
    fence, an HTML comment or a ``<pre>``/``<script>``/``<style>``/``<textarea>`` block: such a
    heading closes every open block (lists, tables, paragraphs, other HTML blocks), so the pieces
    parse exactly as the whole.
    """
    lines = text.split("\n")
    if len(lines) <= _CHUNK_LINES:
        yield 0, text
        return
    start = 0
    fence = ""
    raw_end = ""
    prev_blank = True
    for k, line in enumerate(lines):
        if fence:
            stripped = line.strip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = ""
        elif raw_end:
            if raw_end in line.lower():
                raw_end = ""
        else:
            m = _FENCE.match(line)
            if m:
                fence = m.group(1)
            else:
                html = _RAW_HTML.match(line)
                if html:
                    end = "-->" if html.group(2) else f"</{html.group(1).lower()}>"
                    if end not in line[html.end() :].lower():
                        raw_end = end
                elif prev_blank and k - start >= _CHUNK_LINES and _ATX.match(line):
                    yield start, "\n".join(lines[start:k])
                    start = k
        prev_blank = not line.strip()
    yield start, "\n".join(lines[start:])


def _parse_chunk(text: str, offset: int, state: _State) -> None:
    tokens = _MD.parse(text)
    state.too_deep.extend(_cut_by_nesting(tokens, offset))
    headings = state.headings
    drafts = state.drafts
    stack: list[_Item] = []
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        kind = tok.type
        if kind == "heading_open":
            level = int(tok.tag[1:])
            title = clean_heading(plain(tokenize(tokens[i + 1].content)))
            if not state.seen_heading and level == 1:
                state.seen_heading = True  # the document's title: not part of section paths
            else:
                state.seen_heading = True
                while headings and headings[-1][0] >= level:
                    headings.pop()
                headings.append((level, title))
            i += 3
            continue
        if kind == "list_item_open":
            item = _Item(_line(tok) + offset, tuple(h for _, h in headings))
            if stack:
                stack[-1].children.append(item)
            stack.append(item)
        elif kind == "list_item_close":
            item = stack.pop()
            if not stack and not skipped_section(item.section):
                _item_drafts(item, drafts)
        elif kind == "inline" and stack:
            stack[-1].inlines.append(tok.content)
        elif kind == "table_open":
            i = _table(tokens, i, tuple(h for _, h in headings), drafts, offset)
            continue
        i += 1


def _line(tok: Token) -> int:
    return tok.map[0] + 1 if tok.map else 0


# ---------------------------------------------------------------- list items


def _item_drafts(item: _Item, out: list[Draft]) -> None:
    description: list[str] = []
    extra_urls: list[str] = []
    entry_children: list[_Item] = []
    for child in item.children:
        segs = tokenize(child.inlines[0]) if child.inlines else []
        head = plain(segs)
        marker = _ABSTRACT.match(head)
        if marker and not child.children:
            rest = head[marker.end() :]
            description.extend(p for p in [rest, *(plain(tokenize(s)) for s in child.inlines[1:])] if p)
            description.extend(plain(tokenize(s)) for s in item.inlines[1:])
        elif segs and not child.children and _only_generic_links(segs):
            extra_urls.extend(_abs_urls(segs))  # "  - [code](url)" under an entry: the entry's link
        else:
            entry_children.append(child)
    if item.inlines:
        draft = _bullet(item, " ".join(d for d in description if d) or None, tuple(extra_urls))
        if draft is not None:
            out.append(draft)
    for child in entry_children:
        _item_drafts(child, out)


def _only_generic_links(segs: list[Seg]) -> bool:
    """A bullet holding nothing but links labelled paper, code, demo, ... (and punctuation)."""
    links = [s for s in segs if s.kind == "link"]
    if not links or any(s.kind not in {"link", "text", "image"} for s in segs):
        return False
    if any(s.kind == "text" and s.text.strip(" []|,;:-–—/") for s in segs):
        return False
    return all(s.text.strip(" []").lower() in _GENERIC_LABELS for s in links)


def _abs_urls(segs: list[Seg] | tuple[Seg, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for u in urls(segs):
        if u.startswith(("http://", "https://")) and u not in seen:
            seen[u] = None
    return tuple(seen)


def _has_paper_link(segs: list[Seg]) -> bool:
    return any(s.kind == "link" and s.text.strip(" []").lower() in _PAPER_LABELS for s in segs)


def _first_link(segs: list[Seg]) -> int:
    for k, s in enumerate(segs):
        if s.kind in {"link", "image"}:
            return k
    return len(segs)


def _bullet(item: _Item, description: str | None, extra_urls: tuple[str, ...] = ()) -> Draft | None:
    segs = tokenize(item.inlines[0])
    while segs and segs[0].kind == "text" and not segs[0].text.strip():
        segs = segs[1:]
    if not segs:
        return None
    links = [s for s in segs if s.kind == "link"]
    absolute = _abs_urls(segs)
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
        label = clean_title(first.text)
        rest = clean_title(_LEAD_SEP.sub("", plain(segs[1:]))) if len(segs) > 1 else None
        if not label:
            return None
        if len(label.split()) >= 4:
            return _with(base, name=split_name(label), title=label, description=rest or description)
        return _with(base, name=label, description=rest or description)
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
        )
    title, year = split_title_year(head)
    if not title:
        return None
    if not absolute and description is None:
        return None  # prose
    return _with(base, name=split_name(title), title=title, year=year, description=description)


class _Base(NamedTuple):
    """What every entry shape shares; turned into a :class:`Draft` once the shape is known."""

    line: int
    section: str | None
    urls: tuple[str, ...]
    kind_hint: str | None
    paper_link: bool


def _with(base: _Base, **kw: Any) -> Draft:
    return Draft(
        line=base.line,
        section=base.section,
        urls=base.urls,
        kind_hint=base.kind_hint,
        paper_link=base.paper_link,
        **kw,
    )


def _short_name(title: str, base: _Base) -> bool:
    """A bold/table title that is really a bare name: ``PULSE``, ``ChatGLM-Med`` (no paper link)."""
    return not base.paper_link and ":" not in title and "：" not in title and len(title.split()) <= 3


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
            base, name=title, year=year, authors_raw=authors, venue_raw=venue, description=description
        )
    return _with(
        base,
        name=split_name(title),
        title=title,
        year=year,
        authors_raw=authors,
        venue_raw=venue,
        description=description,
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


def _bold_name(segs: list[Seg], base: _Base, description: str | None) -> Draft | None:
    bold = segs[0]
    rest_segs = segs[1:]
    inner_links = [c for c in bold.children if c.kind == "link"]
    if inner_links and not plain(rest_segs).strip(" .:："):
        name = clean_title(bold.text)
        return _with(base, name=name, description=description) if name else None
    name = clean_title(bold.text.strip().rstrip(":：").strip())
    cut = _first_link(rest_segs)
    head = _LEAD_SEP.sub("", plain(rest_segs[:cut]))
    title, year = split_title_year(head) if head else (None, None)
    if title is None and not base.urls and description is None:
        return None  # a bold word in prose
    if title is None and name and len(name.split()) >= 4 and not base.urls:
        return None
    return _with(base, name=name, title=title, year=year, description=description)


# ---------------------------------------------------------------- tables


def _table(tokens: list[Token], i: int, path: tuple[str, ...], out: list[Draft], offset: int) -> int:
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    in_head = False
    row: list[str] | None = None
    row_line = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        t = tok.type
        if t == "table_close":
            i += 1
            break
        if t == "thead_open":
            in_head = True
        elif t == "thead_close":
            in_head = False
        elif t == "tr_open":
            row = []
            row_line = _line(tok) + offset
        elif t == "inline" and row is not None:
            row.append(tok.content.strip())
        elif t == "tr_close" and row is not None:
            if in_head:
                header = row
            else:
                rows.append((row_line, row))
            row = None
        i += 1
    if not skipped_section(path) and header:
        _table_drafts(header, _merge_spills(rows, len(header)), path, out)
    return i


def _merge_spills(rows: list[tuple[int, list[str]]], width: int) -> list[tuple[int, list[str]]]:
    """Join rows that continue the previous one (a cell's text broke onto a new row).

    A row continues the previous one when its first cell starts in lower case, both rows have
    empty cells, and its filled cells fit into the previous row's gaps: the first cell's text is
    appended to the previous row's last filled cell, the others fill its empty cells in order
    (``| PMC-15M | Multimodel | | 15 million Figure-caption |`` + ``| pairs | https://arxiv... | | |``).
    """
    merged: list[tuple[int, list[str]]] = []
    for line, cells in rows:
        cells = (cells + [""] * width)[:width]
        if merged:
            prev = merged[-1][1]
            gaps = [k for k, c in enumerate(prev) if not c]
            filled = [c for c in cells if c]
            first = cells[0]
            if (
                first[:1].islower()
                and first[:1].isascii()
                and gaps
                and any(not c for c in cells)
                and len(filled) <= len(gaps) + 1
            ):
                last = max(k for k, c in enumerate(prev) if c)
                prev[last] = f"{prev[last]} {first}"
                for gap, value in zip(gaps, filled[1:], strict=False):
                    prev[gap] = value
                continue
        merged.append((line, cells))
    return merged


def _role(header: str) -> tuple[str, str]:
    key = " ".join(header.lower().replace("*", "").split())
    if key in _NAME_HEADERS:
        return "name", _NAME_HEADERS[key]
    if key in _LINK_HEADERS:
        return "link", ""
    if key in _DESC_HEADERS:
        return "desc", ""
    if key in _DATE_HEADERS:
        return "date", ""
    return "other", ""


def _table_drafts(
    header_src: list[str], rows: list[tuple[int, list[str]]], path: tuple[str, ...], out: list[Draft]
) -> None:
    headers = [plain(tokenize(h)) for h in header_src]
    roles = [_role(h) for h in headers]
    name_col = next((k for k, (r, _) in enumerate(roles) if r == "name"), 0)
    name_kind = roles[name_col][1] if roles[name_col][0] == "name" else ""
    hint: str | None = None
    if name_kind in {"dataset", "model"}:
        hint = name_kind
    elif dataset_section(path):
        hint = "dataset"
    section = join_section(path)
    for line, cells in rows:
        name_segs = tokenize(cells[name_col])
        label = plain(name_segs)
        if not label or label in {"-", "—", "/"}:
            continue
        found: list[Seg] = list(name_segs)
        desc: list[str] = []
        extras: list[str] = []
        year: int | None = None
        for k, cell in enumerate(cells):
            if k == name_col or not cell:
                continue
            role = roles[k][0]
            if role == "desc":
                value = plain(tokenize(cell))
                if value and value not in {"-", "—"}:
                    desc.append(value)
                continue
            if role == "link":
                spill = _SPILL_URL.match(cell)
                if spill:
                    cell = spill.group(1) + spill.group(2)
            segs = tokenize(cell)
            found.extend(segs)
            value = plain(segs)
            if role == "date":
                year = year_of(value)
            elif role == "other" and value and value not in {"-", "—"}:
                extras.append(f"{headers[k]}: {value}")
        absolute = _abs_urls(found)
        paper_link = _has_paper_link(found)
        description = "; ".join(desc + extras) or None
        base = _Base(line, section, absolute, hint, paper_link)
        if name_kind == "title":
            title = clean_title(label) or label
            if _short_name(title, base) and not _paper_url(absolute):
                out.append(_with(base, name=title, year=year, description=description))
            else:
                out.append(
                    _with(base, name=split_name(title), title=title, year=year, description=description)
                )
        else:
            out.append(_with(base, name=clean_title(label), year=year, description=description))


_PAPER_HOSTS: Final = re.compile(
    r"//(?:[\w.-]*\.)?(?:arxiv\.org|doi\.org|aclanthology\.org|nature\.com|biorxiv\.org|medrxiv\.org)/"
)


def _paper_url(found: tuple[str, ...]) -> bool:
    return any(_PAPER_HOSTS.search(u) for u in found)
