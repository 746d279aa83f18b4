"""Tables (markdown and HTML) and HTML ``<li>`` blocks: column roles from the header words (several
languages), the name column, spilled rows merged, one entry a row.
"""

from __future__ import annotations

import re
from typing import Final

from markdown_it.token import Token

from enrich.parsing.entry import Draft
from enrich.parsing.html import html_items, html_table
from enrich.parsing.inline import Seg, plain, tokenize
from enrich.parsing.markdown_common import (
    _LEAD_SEP,
    _abs_urls,
    _Base,
    _has_paper_link,
    _line,
    _paper_url,
    _shaped,
    _short_name,
    _title_confidence,
    _with,
)
from enrich.parsing.markdown_items import _bullet, _Item
from enrich.parsing.markdown_shapes import _NUMBERING
from enrich.parsing.sections import dataset_section, join_section, skipped_section
from enrich.parsing.text import clean_title, split_name, year_of

_SPILL_URL: Final = re.compile(r"^(https?://\S+/)\s+([\w.\-]+/?)$")


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
