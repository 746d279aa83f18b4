"""HTML blocks inside markdown lists: ``<table>`` rows and ``<ul><li>`` items, read with selectolax.

Markdown-it hands an HTML block over as raw text; the HTML parser (selectolax's Lexbor backend:
fast, tolerant of the unclosed tags and stray attributes real READMEs have) gives its structure.
Each cell or item is turned back into the small inline markdown :mod:`enrich.parsing.inline`
reads (``[text](href)``, ``**bold**``, line breaks as spaces), so a row read from HTML goes through
the same table logic as a markdown table row.
"""

from __future__ import annotations

import re
from typing import Final

from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = ["html_items", "html_table", "table_end"]

_TABLE_OPEN: Final = re.compile(r"<table\b", re.IGNORECASE)
_TABLE_CLOSE: Final = re.compile(r"</table\s*>", re.IGNORECASE)
_MD_SPECIAL: Final = re.compile(r"([\[\]*_`\\])")


def table_end(lines: list[str], start: int) -> int:
    """The index after the line that closes the ``<table>`` opened at ``lines[start]`` (nested tables
    counted); the end of the text when it is never closed."""
    depth = 0
    opened = False
    for k in range(start, len(lines)):
        opens = len(_TABLE_OPEN.findall(lines[k]))
        depth += opens - len(_TABLE_CLOSE.findall(lines[k]))
        opened = opened or opens > 0
        if opened and depth <= 0:
            return k + 1
    return len(lines)


def _md(node: LexborNode) -> str:
    """A node's content as inline markdown: links kept as ``[text](href)``, bold as ``**text**``."""
    out: list[str] = []
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            out.append(_MD_SPECIAL.sub(r"\\\1", child.text_content or ""))
        elif tag == "a":
            href = (child.attributes.get("href") or "").strip()
            text = " ".join(_md(child).split())
            out.append(f"[{text}]({href})" if href else text)
        elif tag in {"b", "strong"}:
            text = " ".join(_md(child).split())
            out.append(f"**{text}**" if text else "")
        elif tag in {"br", "p", "div", "li"}:
            out.append(" ")
            out.append(_md(child))
        elif tag == "img":
            continue
        else:
            out.append(_md(child))
    return "".join(out)


def _row_cells(tr: LexborNode) -> list[tuple[str, int]]:
    cells: list[tuple[str, int]] = []
    for cell in tr.iter():
        if cell.tag in {"td", "th"}:
            try:
                span = int(cell.attributes.get("colspan") or 1)
            except ValueError:
                span = 1
            cells.append((" ".join(_md(cell).split()), max(1, min(span, 50))))
    return cells


def html_table(source: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the rows (with their line offset inside ``source``, 0-based) of the first
    ``<table>`` in ``source``. The header is the ``<thead>`` row or the first row; a ``colspan``
    header cell is widened; a row of sub-headings right after it (fewer cells, no links) is
    skipped."""
    tree = LexborHTMLParser(source)
    table = tree.css_first("table")
    if table is None:
        return [], []
    trs = [tr for tr in table.css("tr")]
    if not trs:
        return [], []
    header: list[str] = []
    for text, span in _row_cells(trs[0]):
        header.extend([text] * span)
    rows: list[tuple[int, list[str]]] = []
    # line of each <tr> in the source: count them in order
    starts = [m.start() for m in re.finditer(r"<tr\b", source, re.IGNORECASE)]
    for k, tr in enumerate(trs[1:], start=1):
        cells = [text for text, _ in _row_cells(tr)]
        if k == 1 and len(cells) < len(header) and not any("](" in c for c in cells):
            continue  # sub-headings under colspan headers
        offset = source.count("\n", 0, starts[k]) if k < len(starts) else 0
        rows.append((offset, cells))
    return header, rows


def html_items(source: str) -> list[tuple[int, str]]:
    """Each top-level ``<li>`` of ``source`` as inline markdown, with its line offset (0-based)."""
    tree = LexborHTMLParser(source)
    starts = [m.start() for m in re.finditer(r"<li\b", source, re.IGNORECASE)]
    out: list[tuple[int, str]] = []
    for k, li in enumerate(tree.css("li")):
        text = " ".join(_md(li).split())
        offset = source.count("\n", 0, starts[k]) if k < len(starts) else 0
        if text:
            out.append((offset, text))
    return out
