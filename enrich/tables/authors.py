"""The ``authors`` column of a work: the best source's list, author ids filled in from the others
(matched by normalised name), last night's list when a better-ranked source could not answer."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence

from enrich.ids import normalize_title
from enrich.records import Author, WorkRecord
from enrich.tables.common import Row
from enrich.tables.precedence import PRECEDENCE
from enrich.tables.text import bare_orcid, clean_text


@functools.lru_cache(maxsize=1 << 16)
def _name_keys(name: str) -> tuple[str, str]:
    norm = normalize_title.__wrapped__(name)  # cached here: the titles' cache keeps no author names
    parts = norm.split()
    short = f"{parts[-1]} {parts[0][:1]}" if len(parts) > 1 else norm
    return norm, short


def work_authors(
    good: Mapping[str, WorkRecord], failed: Collection[str], old: Row | None, local: Sequence[str]
) -> list[Row]:
    base: list[Row] = []
    for src in PRECEDENCE["authors"]:
        rec = good.get(src)
        if rec is not None and rec.authors:
            base = [row for row in map(author_row, rec.authors) if row is not None]
            break
        if rec is None and src in failed and old is not None and old["authors"]:
            break  # a better-ranked source is down: last time's list stands (below)
    donors: list[Row] = []
    for src in PRECEDENCE["authors"]:
        rec = good.get(src)
        if rec is not None:
            with_ids = (a for a in rec.authors if a.s2_author_id or a.orcid)
            donors.extend(row for row in map(author_row, with_ids) if row is not None)
    if old is not None and old["authors"]:
        if not base:
            base = [dict(a) for a in old["authors"]]
        donors.extend(old["authors"])
    if not base:
        base = [{"name": n, "s2_author_id": None, "orcid": None} for n in map(clean_text, local) if n]
    # only names whose missing id some other author record could supply need matching
    wanted = [
        attr
        for attr in ("s2_author_id", "orcid")
        if any(a[attr] is None for a in base) and any(d[attr] is not None for d in donors)
    ]
    if not wanted:
        return base
    full: dict[str, list[Row]] = defaultdict(list)
    short: dict[str, list[Row]] = defaultdict(list)
    for donor in donors:
        k_full, k_short = _name_keys(donor["name"])
        full[k_full].append(donor)
        short[k_short].append(donor)
    for author in base:
        k_full, k_short = _name_keys(author["name"])
        for attr in wanted:
            if author[attr] is None:
                candidates = {d[attr] for d in full.get(k_full, ()) if d[attr] is not None}
                if not candidates:
                    candidates = {d[attr] for d in short.get(k_short, ()) if d[attr] is not None}
                if len(candidates) == 1:
                    author[attr] = candidates.pop()
    return base


def author_row(author: Author) -> Row | None:
    name = clean_text(author.name)
    if name is None:
        return None
    return {
        "name": name,
        "s2_author_id": author.s2_author_id or None,
        "orcid": bare_orcid(author.orcid),
    }
