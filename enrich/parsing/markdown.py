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

This module walks the blocks (chunks, headings, lists, tables, HTML blocks); the entries are read
by :mod:`~enrich.parsing.markdown_items` (list items), :mod:`~enrich.parsing.markdown_shapes`
(the shapes above), :mod:`~enrich.parsing.markdown_paragraphs`, :mod:`~enrich.parsing.markdown_tables`
and :mod:`~enrich.parsing.markdown_common` (link classification, the shared draft base).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Final

from markdown_it import MarkdownIt
from markdown_it.token import Token

from enrich.parsing.entry import Draft
from enrich.parsing.html import table_end
from enrich.parsing.inline import plain, tokenize
from enrich.parsing.markdown_common import _line
from enrich.parsing.markdown_items import _Item, _item_drafts, _settle_plain
from enrich.parsing.markdown_paragraphs import _paragraph_drafts
from enrich.parsing.markdown_tables import _html_drafts, _table
from enrich.parsing.sections import skipped_section, toc_heading
from enrich.parsing.text import clean_heading

__all__ = ["MAX_LIST_DEPTH", "parse_markdown", "parse_markdown_noted"]


def _new_parser() -> MarkdownIt:
    # block rules only: the inline pass is done by enrich.parsing.inline (4x faster on these lists);
    # no "normalize" pass either: read_list_text already turned CR/CRLF into LF and refuses NUL bytes
    return MarkdownIt("commonmark").enable("table").disable(["inline", "text_join", "reference", "normalize"])


_MD: Final = _new_parser()


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
