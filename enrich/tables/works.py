"""``works`` rows: one per resolved work, each column from the best source tonight (the order is
:data:`enrich.tables.precedence.PRECEDENCE`), carried from the previous row when the better source
could not answer."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from operator import attrgetter
from typing import Any, Final

from enrich.records import FetchStatus, WorkRecord
from enrich.records_arrow import materialise
from enrich.resolve.types import ResolvedWork
from enrich.tables.authors import work_authors
from enrich.tables.carry import PreviousRows
from enrich.tables.common import FAILED, NOT_REQUESTED, Row, failure_status
from enrich.tables.precedence import CITATION_PREFERENCE, PRECEDENCE, VOLATILE_WORK, WORK_SOURCES
from enrich.tables.text import clean_abstract, clean_text, first_known, parse_date

_ID_FIELDS: Final = ("arxiv_id", "doi", "pmid", "pmcid", "acl_id", "s2_paper_id", "corpus_id", "openalex_id")
_WORK_SLICE: Final = 512  # works whose records are made at once while their rows are built


def work_has_data(rec: WorkRecord) -> bool:
    return rec.status == FetchStatus.OK or (rec.status == FetchStatus.MOVED and rec.title is not None)


def merge_resolved(resolved: Sequence[ResolvedWork]) -> list[ResolvedWork]:
    """One ResolvedWork per work_id (defensive: resolution should already guarantee it)."""
    merged: dict[str, ResolvedWork] = {}
    for rw in resolved:
        if rw.work_id in merged:
            first = merged[rw.work_id]
            merged[rw.work_id] = ResolvedWork(
                work_id=first.work_id,
                ids=first.ids,
                entry_ids=first.entry_ids + rw.entry_ids,
                work_keys=first.work_keys + rw.work_keys,
                evidence=first.evidence,
                records=(*first.records, *rw.records),
                local_title=first.local_title or rw.local_title,
                local_year=first.local_year if first.local_year is not None else rw.local_year,
                local_authors=first.local_authors or rw.local_authors,
            )
        else:
            merged[rw.work_id] = rw
    return [merged[k] for k in sorted(merged)]


def with_records(resolved: list[ResolvedWork]) -> Iterator[ResolvedWork]:
    """``resolved`` in order, each with its records made (a tuple): the records of
    ``_WORK_SLICE`` works at a time (:func:`~enrich.records_arrow.materialise`: one Arrow take), so
    a night's records never all exist as objects. Empties ``resolved`` a slice at a time as it
    goes: a slice's works (and their record views) are dropped once made again, so when the list
    was the last holder the night's record store goes with the last slice."""
    while resolved:
        part = resolved[:_WORK_SLICE]
        del resolved[:_WORK_SLICE]
        for rw, records in zip(part, materialise([rw.records for rw in part]), strict=True):
            yield dataclasses.replace(rw, records=records)


class PrevWorks:
    """Previous works rows, found by work_id or, failing that, by a shared identifier (the index of
    identifiers is made on the first such lookup: a night whose works all kept their ids never makes it)."""

    def __init__(self, rows: Mapping[str, Row]) -> None:
        self.rows = rows
        self._by_id: dict[str, dict[Any, str]] | None = None

    @property
    def by_id(self) -> dict[str, dict[Any, str]]:
        """Per identifier column: value -> the one work carrying it ("" when several do)."""
        if self._by_id is None:
            rows = self.rows
            self._by_id = {}
            for name in _ID_FIELDS:
                column = (
                    rows.column(name)
                    if isinstance(rows, PreviousRows)
                    else ((work_id, row[name]) for work_id, row in rows.items())
                )
                owner: dict[Any, str] = {}
                for work_id, value in column:
                    if value is not None:
                        owner[value] = work_id if owner.get(value, work_id) == work_id else ""
                self._by_id[name] = owner
        return self._by_id

    def find(self, work_id: str, ids: Mapping[str, Any]) -> Row | None:
        if work_id in self.rows:
            return self.rows[work_id]
        if not self.rows:
            return None
        by_id = self.by_id
        for name in _ID_FIELDS:
            value = ids.get(name)
            if value is not None and (owner := by_id[name].get(value)):
                return self.rows[owner]
        return None


def _pick(good: Mapping[str, WorkRecord], order: Sequence[str], get: Callable[[WorkRecord], Any]) -> Any:
    for src in order:
        rec = good.get(src)
        if rec is not None:
            value = get(rec)
            if value is not None:
                return value
    return None


def work_row(
    rw: ResolvedWork, entry_lists: Mapping[str, str], prev: PrevWorks, day: date
) -> tuple[Row, dict[str, WorkRecord]]:
    by_source: dict[str, list[WorkRecord]] = defaultdict(list)
    for rec in rw.records:
        by_source[rec.source].append(rec)
    good: dict[str, WorkRecord] = {}
    status: dict[str, str] = {}
    for src in WORK_SOURCES:
        recs = sorted(by_source.get(src, ()), key=lambda r: (r.status != FetchStatus.OK, r.key))
        ok = [r for r in recs if work_has_data(r)]
        if ok:
            good[src] = ok[0]
            status[src] = FetchStatus.OK.value
        else:
            status[src] = failure_status({r.status for r in recs}) if recs else NOT_REQUESTED
    ids: Row = {}
    for name in _ID_FIELDS:
        ids[name] = first_known([getattr(rw.ids, name), _pick(good, PRECEDENCE["ids"], attrgetter(name))])
    old = prev.find(rw.work_id, ids)
    for name in _ID_FIELDS:
        if ids[name] is None and old is not None:
            ids[name] = old[name]

    failed = {src for src, st in status.items() if st in FAILED}

    def keep(column: str, get: Callable[[WorkRecord], Any]) -> Any:
        """The best fresh value, unless a better-ranked source is down and last time's value exists."""
        order = PRECEDENCE[column]
        before = old[column] if old is not None else None
        for src in order:
            rec = good.get(src)
            if rec is not None:
                value = get(rec)
                if value is not None:
                    return value
            elif src in failed and before is not None:
                return before
        return before

    row: Row = {"work_id": rw.work_id}
    row["title"] = keep("title", lambda r: clean_text(r.title)) or clean_text(rw.local_title)
    abstract: str | None = None
    abstract_source: str | None = None
    for src in PRECEDENCE["abstract"]:
        found = good.get(src)
        fresh = clean_abstract(found.abstract) if found is not None else None
        if fresh is not None:
            abstract, abstract_source = fresh, src
            break
        if old is not None and old["abstract_source"] == src and old["abstract"] is not None:
            abstract, abstract_source = old["abstract"], src
            break
    row["abstract"] = abstract
    row["abstract_source"] = abstract_source
    row["authors"] = work_authors(good, failed, old, rw.local_authors)
    year = keep("year", lambda r: r.year)
    row["year"] = year if year is not None else rw.local_year
    row["publication_date"] = keep("publication_date", lambda r: parse_date(r.publication_date))
    row["venue"] = keep("venue", lambda r: clean_text(r.venue))
    row["work_type"] = keep("work_type", lambda r: r.work_type)
    row.update(ids)
    carried = False
    for column, src, attr in VOLATILE_WORK:
        found = good.get(src)
        value = getattr(found, attr) if found is not None else None
        if value is not None and found is not None:
            row[column], row[f"{column}_as_of"] = value, day
        elif old is not None and old[column] is not None:
            row[column], row[f"{column}_as_of"] = old[column], old[f"{column}_as_of"]
            carried = True
        else:
            row[column], row[f"{column}_as_of"] = None, None
    row["citation_count"] = row["citation_count_source"] = row["citation_count_as_of"] = None
    for src in CITATION_PREFERENCE:
        column = f"citation_count_{src}"
        if row[column] is not None:
            row["citation_count"], row["citation_count_source"] = row[column], src
            row["citation_count_as_of"] = row[f"{column}_as_of"]
            break
    row["reference_count"] = keep("reference_count", lambda r: r.reference_count)
    row["tldr"] = keep("tldr", lambda r: clean_text(r.tldr))
    row["match_method"] = rw.evidence.method.value
    row["match_score"] = rw.evidence.score
    row["match_source"] = rw.evidence.source
    entry_ids = sorted(set(rw.entry_ids))
    row["list_ids"] = sorted({entry_lists[e] for e in entry_ids if e in entry_lists})
    row["entry_ids"] = entry_ids
    row["entry_count"] = len(entry_ids)
    row["sources"] = sorted(good)
    for src in WORK_SOURCES:
        row[f"status_{src}"] = status[src]
    if good:
        row["metadata_as_of"] = day
    else:
        row["metadata_as_of"] = old["metadata_as_of"] if old is not None else None
    if good and not carried:
        row["status"] = "ok"
    elif carried or row["metadata_as_of"] is not None:
        row["status"] = "stale"
    else:
        row["status"] = "local"
    return row, good
