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

import dataclasses
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Final, NamedTuple

from markdown_it import MarkdownIt
from markdown_it.token import Token

from enrich.parsing.citation import ARXIV_ID as _ARXIV_ID
from enrich.parsing.citation import Reference, looks_like_authors, parse_reference
from enrich.parsing.entry import Draft
from enrich.parsing.html import html_items, html_table, table_end
from enrich.parsing.inline import Seg, plain, tokenize, urls
from enrich.parsing.sections import dataset_section, join_section, skipped_section, toc_heading
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
    # block rules only: the inline pass is done by enrich.parsing.inline (4x faster on these lists);
    # no "normalize" pass either: read_list_text already turned CR/CRLF into LF and refuses NUL bytes
    return MarkdownIt("commonmark").enable("table").disable(["inline", "text_join", "reference", "normalize"])


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
# "[Nature Medicine, 2024] ...", also with a month: "[Arxiv, 2024.8]", "[ICLR, 2024-05]"
_VENUE_YEAR: Final = re.compile(r"^\[\s*([^\[\],]+?)\s*,\s*((?:19|20)\d{2})(?:\s*[./\-]\s*\d{1,2})?\s*\]\s*")
_ABSTRACT: Final = re.compile(r"^\s*abstract\s*[:：]?\s*", re.IGNORECASE)
_LEAD_SEP: Final = re.compile(r"^[\s:：\-–—|,.]+")
_SPILL_URL: Final = re.compile(r"^(https?://\S+/)\s+([\w.\-]+/?)$")
_LAST_PERIOD: Final = re.compile(r"^(?P<authors>.*?[^\s.](?<!\b[A-Z]))\.\s*(?P<venue>[^.]+)$")

# table header words -> column role (several languages); the name column's kind hint
_NAME_HEADERS: Final = {
    "数据集名称": "dataset",
    "数据集": "dataset",
    "数据": "dataset",
    "dataset": "dataset",
    "datasets": "dataset",
    "dataset name": "dataset",
    "benchmark": "",
    "benchmarks": "",
    "模型": "model",
    "模型名称": "model",
    "model": "model",
    "models": "model",
    "model name": "model",
    "name": "",
    "名称": "",
    "名字": "",
    "项目": "",
    "项目名称": "",
    "project": "",
    "tool": "",
    "framework": "",
    "method": "",
    "methods": "",
    "title": "title",
    "标题": "title",
    "题目": "title",
    "paper": "title",
    "papers": "title",
    "paper title": "title",
    "paper name": "title",
    "论文": "title",
    "论文名称": "title",
    "论文标题": "title",
    "文章": "title",
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
        "official website",
        "website",
    }
)
_DESC_HEADERS: Final = frozenset(
    {"内容概述", "简介", "介绍", "描述", "features", "description", "summary", "overview", "notes"}
)
_DATE_HEADERS: Final = frozenset({"date", "year", "日期", "时间", "发布时间", "年份", "published"})


@dataclass(slots=True)
class _Item:
    line: int
    section: tuple[str, ...]
    inlines: list[str] = field(default_factory=list)
    children: list[_Item] = field(default_factory=list)
    glued: list[tuple[int, str]] = field(default_factory=list)  # next items glued on by a lost line break


# a line all bold ending in a hard break, inside a bullet's text: a paragraph entry that lost its blank line
_LAZY_PARAGRAPH: Final = re.compile(r"\n(?=(?:\*\*|__)[^\n]+(?:\*\*|__)[ \t]*(?:\\|  )[ \t]*\n)")
# "... Agent collaboration- [saplings](https://...) - Build ...": a bullet glued onto the line before
_GLUED: Final = re.compile(r"(?<=[^\s\-|])-[ \t]+(?=\[[^\]\n]+\]\(\s*https?://)")


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
    batch: list[Draft] = []  # the drafts of the top-level list being read (see _settle_plain)
    items = 0
    lines: list[str] | None = None
    skip_to = -1
    path = _path(headings)  # the section path, recomputed only when a heading changes it
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        kind = tok.type
        if skip_to >= 0 and tok.map is not None and tok.map[0] < skip_to:
            i += 1
            continue
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
                path = _path(headings)
            i += 3
            continue
        if kind in {"bullet_list_open", "ordered_list_open"} and not stack:
            batch = []
            items = 0
        elif kind in {"bullet_list_close", "ordered_list_close"} and not stack:
            drafts.extend(_settle_plain(batch, items))
            batch = []
        elif kind == "list_item_open":
            item = _Item(_line(tok) + offset, path)
            if stack:
                stack[-1].children.append(item)
            else:
                items += 1
            stack.append(item)
        elif kind == "list_item_close":
            item = stack.pop()
            if not stack and not skipped_section(item.section):
                _item_drafts(item, batch, parent_entry=False)
                for line, glued in item.glued:
                    items += 1
                    _item_drafts(_Item(line, item.section, [glued]), batch, parent_entry=False)
        elif kind == "inline" and stack:
            content = tok.content
            lazy = _LAZY_PARAGRAPH.search(content) if "\n**" in content or "\n__" in content else None
            if lazy is not None and len(stack) == 1:
                # a bold-title paragraph glued onto the bullet above by a missing blank line
                if not skipped_section(path):
                    start = _line(tok) + offset + content.count("\n", 0, lazy.start()) + 1
                    _paragraph_drafts(content[lazy.end() :], start, path, batch)
                content = content[: lazy.start()]
            if "- [" in content and _GLUED.search(content):
                pieces = _GLUED.split(content)
                content = pieces[0]
                line = _line(tok) + offset + content.count("\n")
                for piece in pieces[1:]:
                    stack[0].glued.append((line, "- " + piece if not piece.startswith("[") else piece))
                    line += piece.count("\n")
            stack[-1].inlines.append(content)
        elif kind == "inline" and tokens[i - 1].type == "paragraph_open" and not stack:
            if not skipped_section(path):
                _paragraph_drafts(tok.content, _line(tok) + offset, path, drafts)
        elif kind == "table_open":
            i = _table(tokens, i, path, drafts, offset)
            continue
        elif kind == "html_block" and not stack:
            low = tok.content.lower()
            if "<table" in low or "<li" in low:
                if lines is None:
                    lines = text.split("\n")
                start = tok.map[0] if tok.map else 0
                end = table_end(lines, start) if "<table" in low else (tok.map[1] if tok.map else start + 1)
                if not skipped_section(path):
                    _html_drafts("\n".join(lines[start:end]), start + 1 + offset, path, drafts)
                skip_to = end
        i += 1
    drafts.extend(_settle_plain(batch, items))


def _path(headings: list[tuple[int, str]]) -> tuple[str, ...]:
    """The section path: headings in order, table-of-contents headings left out."""
    return tuple(h for _, h in headings if not toc_heading(h))


def _line(tok: Token) -> int:
    return tok.map[0] + 1 if tok.map else 0


# ---------------------------------------------------------------- list items


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


def _shaped(draft: Draft, shape: str, confidence: float) -> Draft:
    return dataclasses.replace(draft, shape=shape, confidence=confidence)


# ---------------------------------------------------------------- plain-title bullets

_SENTENCE_END: Final = re.compile(r"[.!?。！？;；:：,，]\s*$")
# words of a sentence addressed to the reader; case-sensitive, so a title's "All You Need" is no prose
_PROSE_WORDS: Final = re.compile(
    r"^(?:We|You|Please|Here|There|This is|These are)\b|\b(?:we|our|you|your|please|e\.g|i\.e|etc)\b"
)


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


_SPACED_COLON: Final = re.compile(r"^(\S[^:：]{0,39}?)\s+[:：]\s+(\S.*)$")
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


def _title_confidence(title: str, high: float) -> float:
    """``high`` for a title of title length; lower as it grows into a paragraph."""
    words = title.count(" ") + 1
    if words > 40:
        return 0.3
    if words > 25:
        return 0.55
    return high


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


# ---------------------------------------------------------------- paragraphs

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


_DATE_CELL: Final = re.compile(r"^[\d\s/.\-:年月日]+$")


def _nameless(cell: str) -> bool:
    """A cell that can never be a name: empty, badges/images only, a date, a number, a mark."""
    segs = tokenize(cell)
    text = plain(segs)
    return (
        not text
        or text in {"-", "—", "/"}
        or bool(_DATE_CELL.match(text))
        or not any(c.isalpha() for c in text)
    )


def _name_column(roles: list[tuple[str, str]], rows: list[tuple[int, list[str]]]) -> tuple[int, bool]:
    """The column holding each row's name or title, and whether a header said so.

    A header naming the column (in several languages) wins unless its cells are mostly badges or
    dates; otherwise the first column whose cells are mostly text."""
    sample = [cells for _, cells in rows[:50]]

    def texty(k: int) -> bool:
        values = [c[k] for c in sample if k < len(c)]
        return bool(values) and sum(not _nameless(v) for v in values) * 2 > len(values)

    for k, (role, _) in enumerate(roles):
        if role == "name" and texty(k):
            return k, True
    for k, (role, _) in enumerate(roles):
        if role in {"other", "name"} and texty(k):
            return k, False
    return 0, False


# how a one-line summary glued to a title starts: "... Workflow Graphs This paper presents ..."
_SUMMARY_OPENER: Final = re.compile(
    r"\s(?=(?:This|The|Our) (?:paper|work|study|report|survey|article)\b|(?:Proposes|Introduces|Presents|"
    r"Researchers|We (?:propose|introduce|present))\b)"
)


def _split_title_cell(cell: str) -> tuple[str, str | None, list[Seg]]:
    """A title cell that also holds a summary: ``8) **Title** - summary`` / ``8) Title  Summary``.

    The leading numbering is dropped; the title is the bold part, else the text before a double
    space, the first `` - `` or a summary's opening words ("This paper ..."). Returns the title,
    the summary and the cell's inline pieces (for its links)."""
    segs = tokenize(cell)
    if (
        "  " not in cell
        and " - " not in cell
        and " – " not in cell
        and " — " not in cell
        and not cell[:1].isdigit()
        and not _SUMMARY_OPENER.search(cell)
    ):
        return plain(segs), None, segs
    cell = _NUMBERING.sub("", cell, count=1).strip()
    lead = tokenize(cell) if cell[:1] in "*_" else []
    if lead and lead[0].kind == "bold":
        rest = clean_title(_LEAD_SEP.sub("", plain(lead[1:])))
        return lead[0].text.strip(), rest, segs
    if cell.startswith("*"):  # "*8RankZephyr** - ...": bold with a mistyped opening
        cell = cell.lstrip("*")
    cuts = [k for sep in ("  ", " - ", " – ", " — ") if (k := cell.find(sep)) > 0]
    opener = _SUMMARY_OPENER.search(cell)
    if opener is not None:
        cuts.append(opener.start())
    for k in sorted(cuts):
        title = plain(tokenize(cell[:k])).strip("*")
        if 1 <= len(title.split()) <= 30:
            return title, clean_title(_LEAD_SEP.sub("", plain(tokenize(cell[k:])))) or None, segs
    return plain(tokenize(cell)), None, segs


def _table_drafts(
    header_src: list[str],
    rows: list[tuple[int, list[str]]],
    path: tuple[str, ...],
    out: list[Draft],
    shape: str = "table_row",
) -> None:
    headers = [plain(tokenize(h)) for h in header_src]
    roles = [_role(h) for h in headers]
    name_col, by_header = _name_column(roles, rows)
    name_kind = roles[name_col][1] if roles[name_col][0] == "name" else ""
    if not by_header and not any("http" in c for _, cells in rows for c in cells):
        return  # a table of figures (counts per journal, model sizes), not a list of entries
    hint: str | None = None
    if name_kind in {"dataset", "model"}:
        hint = name_kind
    elif dataset_section(path):
        hint = "dataset"
    section = join_section(path)
    confidence = 0.85 if by_header else 0.65
    for line, cells in rows:
        if name_col >= len(cells):
            continue
        name_cell = cells[name_col]
        summary: str | None = None
        if name_kind == "title":
            title_text, summary, name_segs = _split_title_cell(name_cell)
            label = clean_title(title_text) or ""
        else:
            name_segs = tokenize(name_cell)
            label = plain(name_segs)
        if not label or label in {"-", "—", "/"}:
            continue
        found: list[Seg] = list(name_segs)
        desc: list[str] = [summary] if summary else []
        extras: list[str] = []
        year: int | None = None
        for k, cell in enumerate(cells):
            if k == name_col or not cell or k >= len(headers):
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
            conf = _title_confidence(title, confidence)
            if _short_name(title, base) and not _paper_url(absolute):
                out.append(
                    _with(base, name=title, year=year, description=description, shape=shape, confidence=conf)
                )
            else:
                out.append(
                    _with(
                        base,
                        name=split_name(title),
                        title=title,
                        year=year,
                        description=description,
                        shape=shape,
                        confidence=conf,
                    )
                )
        else:
            name = clean_title(label)
            conf = confidence if name and len(name.split()) <= 12 else 0.4
            out.append(
                _with(base, name=name, year=year, description=description, shape=shape, confidence=conf)
            )


def _html_drafts(source: str, line: int, path: tuple[str, ...], out: list[Draft]) -> None:
    """Entries of an HTML block: the rows of its ``<table>``, else its ``<li>`` items."""
    if "<table" in source.lower():
        header, rows = html_table(source)
        if header:
            _table_drafts(header, [(line + k, cells) for k, cells in rows], path, out, shape="html_row")
        return
    for k, text in html_items(source):
        draft = _bullet(_Item(line + k, path, [text]), None)
        if draft is not None and draft.shape != "plain_title":
            out.append(_shaped(draft, "html_item", min(draft.confidence, 0.8)))


_PAPER_HOSTS: Final = re.compile(
    r"//(?:[\w.-]*\.)?(?:arxiv\.org|doi\.org|aclanthology\.org|nature\.com|biorxiv\.org|medrxiv\.org)/"
)


_PAPER_ID_URL: Final = re.compile(
    r"//(?:[\w.-]*\.)?(?:arxiv\.org/(?:abs|pdf)/|doi\.org/10\.|aclanthology\.org/[\w.-]+\d|biorxiv\.org/content/|"
    r"medrxiv\.org/content/|pubmed\.ncbi\.nlm\.nih\.gov/\d|openreview\.net/(?:forum|pdf))|/doi/(?:abs/|full/|pdf/)?10\."
)


def _paper_url(found: tuple[str, ...]) -> bool:
    return any(_PAPER_HOSTS.search(u) for u in found)
