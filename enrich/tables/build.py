"""Tonight's :class:`Tables` from tonight's entries, resolved works and records and the previous
snapshot: the one entry point of ``enrich.tables``."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc

from enrich.arrow_pool import trim_heap
from enrich.entities import ENTITY_INPUTS, build_entities
from enrich.handoff import Handoff, owned
from enrich.records import HfRecord, RepoRecord
from enrich.resolve.types import ResolvedWork
from enrich.schemas import ENTITIES_SCHEMA, ENTRIES_SCHEMA, SCHEMAS, TABLE_KEYS
from enrich.tables.carry import PreviousSnapshot, UnreadableLists
from enrich.tables.changes import CHANGE_COLUMNS, changes_table
from enrich.tables.common import EntryLike, Row
from enrich.tables.entries import entry_row
from enrich.tables.hf import build_hf, entry_hf_key
from enrich.tables.history import hf_metrics, repo_metrics, work_metrics
from enrich.tables.repos import build_repos
from enrich.tables.works import PrevWorks, merge_resolved, with_records, work_row


@dataclass(frozen=True)
class Tables:
    """One night's tables, each with its schema from :mod:`enrich.schemas`."""

    entries: pa.Table
    works: pa.Table
    repos: pa.Table
    hf_items: pa.Table
    metrics_history: pa.Table
    list_changes: pa.Table
    entities: pa.Table = field(default_factory=ENTITIES_SCHEMA.empty_table)  # enrich.entities

    def __post_init__(self) -> None:
        for name, table in self.items():
            if not table.schema.equals(SCHEMAS[name], check_metadata=False):
                raise ValueError(f"table {name!r} does not have the {name} schema")
            for column in SCHEMAS[name]:
                if not column.nullable and table.column(column.name).null_count:
                    raise ValueError(f"table {name!r}: column {column.name!r} may not be null")

    def items(self) -> Iterator[tuple[str, pa.Table]]:
        for name in SCHEMAS:
            yield name, getattr(self, name)

    def row_counts(self) -> dict[str, int]:
        return {name: table.num_rows for name, table in self.items()}


_CONVERT_ROWS: Final = 8192


class _Builder:
    """One table made from rows as they come: every ``_CONVERT_ROWS`` rows become Arrow (one array
    per column) and the dicts are dropped, so a table's rows never exist as Python objects all at
    once. :meth:`table` sorts by the table's key (a stable sort, as ``list.sort``) into one chunk per
    column, a column at a time, each column's pieces freed once it is made: the same table
    ``pa.Table.from_pylist`` makes of the sorted list of all rows, with at most one column held twice.
    The pieces' buffers are small (``_CONVERT_ROWS`` rows), so glibc keeps them in its heap when
    they are freed while the table's columns, large, are mapped anew: the heap is given back
    (:func:`~enrich.arrow_pool.trim_heap`) once the table is made (docs/performance.md)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.schema = SCHEMAS[name]
        self._columns: list[list[pa.Array]] = [[] for _ in self.schema]
        self._pending: list[Row] = []

    def add(self, row: Row) -> None:
        self._pending.append(row)
        if len(self._pending) >= _CONVERT_ROWS:
            self._flush()

    def extend(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.add(row)

    def _flush(self) -> None:
        if self._pending:
            batch = pa.RecordBatch.from_pylist(self._pending, schema=self.schema)
            self._pending = []
            for pieces, column in zip(self._columns, batch.columns, strict=True):
                pieces.append(column)

    def table(self) -> pa.Table:
        self._flush()
        pieces, self._columns = self._columns, [[] for _ in self.schema]
        chunked = [pa.chunked_array(p, type=f.type) for p, f in zip(pieces, self.schema, strict=True)]
        del pieces
        rows = len(chunked[0]) if chunked else 0
        order = None
        if rows > 1:
            keys = TABLE_KEYS[self.name]
            order = pc.sort_indices(
                pa.table([chunked[self.schema.get_field_index(k)] for k in keys], names=list(keys)),
                sort_keys=[(key, "ascending") for key in keys],
            )
        columns: list[pa.Array] = []
        chunked.reverse()
        while chunked:  # each column's pieces go once its sorted copy is made
            column = chunked.pop()
            columns.append((column.take(order) if order is not None else column).combine_chunks())
            del column
        trim_heap()  # the pieces' buffers, freed in the heap: back to the system before the next step
        return pa.Table.from_arrays(columns, schema=self.schema)


def _table(name: str, rows: list[Row]) -> pa.Table:
    """``rows`` sorted by the table's key, as one Arrow table; consumes ``rows`` (see :class:`_Builder`)."""
    builder = _Builder(name)
    rows.reverse()
    while rows:
        builder.add(rows.pop())
    return builder.table()


def _entry_rows(
    by_entry: Mapping[str, EntryLike],
    work_of: Mapping[str, str],
    link_of: Mapping[str, str],
    repo_of: Mapping[str, str],
    hf_of: Mapping[str, str],
) -> Iterator[Row]:
    """Tonight's entry rows with the work, link check, repo and Hugging Face item each links."""
    for entry_id, entry in by_entry.items():
        row = entry_row(entry)
        row["work_id"] = work_of.get(entry_id)
        row["link_check"] = link_of.get(entry_id)
        row["repo_id"] = repo_of[entry.github_repo.lower()] if entry.github_repo else None
        hf_key = entry_hf_key(entry)
        row["hf_item_id"] = hf_of[hf_key] if hf_key is not None else None
        yield row


def build_tables(
    entries: Sequence[EntryLike] | Handoff[Sequence[EntryLike]],
    resolved: Sequence[ResolvedWork] | Handoff[Sequence[ResolvedWork]],
    repos: Sequence[RepoRecord] | Handoff[Sequence[RepoRecord]],
    hf: Sequence[HfRecord] | Handoff[Sequence[HfRecord]],
    *,
    snapshot_date: date,
    previous: PreviousSnapshot | None,
    unreadable_lists: Collection[str] = (),
) -> Tables:
    """Tonight's tables from tonight's inputs and the previous snapshot (for carry-forward and changes).

    ``unreadable_lists``: ids of lists that could not be read tonight. Their entries are carried
    from the previous snapshot unchanged (with the works, repos and Hugging Face items only they
    link, flagged as not requested tonight), and they record no list changes: a file that failed to
    parse does not erase a list.

    Rows are made one at a time and become Arrow a slice at a time (:class:`_Builder`); the
    previous snapshot is read through :class:`~enrich.tables.carry.PreviousRows`.

    Each of ``entries``, ``resolved``, ``repos`` and ``hf`` may be handed over (a
    :class:`~enrich.handoff.Handoff`, as the night does): build_tables then owns it and drops it
    as soon as its last reader is done, so the tables are made without tonight's inputs alive:
    ``repos`` and ``hf`` after their tables' rows, ``resolved`` (and through its record views the
    night's record store) a slice at a time during the works rows, ``entries`` after the entry rows.
    """
    entries, resolved, repos, hf = owned(entries), owned(resolved), owned(repos), owned(hf)
    if previous is None:
        previous = PreviousSnapshot(snapshot_date=date.min)
    elif previous.snapshot_date >= snapshot_date:
        raise ValueError(f"previous snapshot {previous.snapshot_date} is not before {snapshot_date}")
    by_entry = {e.entry_id: e for e in entries}  # the last entry of a repeated id wins
    entry_lists = {e.entry_id: e.list_id for e in entries}
    unreadable_rows: list[Row] = []
    if unreadable_lists:
        previous_table = previous.table("entries")
        unreadable_rows = previous_table.filter(
            pc.is_in(previous_table["list_id"], pa.array(sorted(unreadable_lists), pa.string()))
        ).to_pylist()
        del previous_table
    carry = UnreadableLists(set(unreadable_lists), unreadable_rows, by_entry)
    del unreadable_rows

    metrics = _Builder("metrics_history")
    repo_built = build_repos(entries, repos, previous.rows("repos", "repo_id"), snapshot_date)
    del repos  # when handed over, the repo records go here (as the others below)
    repo_table = _Builder("repos")
    repo_table.extend(carry.link("repos", row) for row in repo_built.rows)
    repo_table.extend(carry.leftover("repos", previous))
    metrics.extend(repo_metrics(repo_built.fresh))
    repo_built.rows.clear()  # Arrow now (only ``key_of`` is read below)
    repo_built.fresh.clear()
    hf_built = build_hf(entries, hf, previous.rows("hf_items", "hf_item_id"), snapshot_date)
    del hf, entries  # ``by_entry`` holds the entries for their rows
    hf_table = _Builder("hf_items")
    hf_table.extend(carry.link("hf_items", row) for row in hf_built.rows)
    hf_table.extend(carry.leftover("hf_items", previous))
    metrics.extend(hf_metrics(hf_built.fresh))
    hf_built.rows.clear()
    hf_built.fresh.clear()

    # every entry's link check (a repeated work id's too), before the works loop drops ``resolved``
    link_of = {entry_id: check.value for rw in resolved for entry_id, check in rw.link_checks}
    prev_works = PrevWorks(previous.rows("works", "work_id"))
    works = _Builder("works")
    work_of: dict[str, str] = {}
    by_work_id = merge_resolved(resolved)
    del resolved  # with_records empties ``by_work_id``: the record store goes with its last slice
    for rw in with_records(by_work_id):  # a slice of works' records made at a time
        row, good = work_row(rw, entry_lists, prev_works, snapshot_date)
        works.add(carry.link("works", row))
        metrics.extend(work_metrics(rw.work_id, good))
        for entry_id in rw.entry_ids:
            work_of.setdefault(entry_id, rw.work_id)
    del prev_works
    works.extend(carry.leftover("works", previous))
    trim_heap()  # the record store and the previous works went with the loop: their heap goes back now
    metrics_now = metrics.table()  # complete: made now, while less is alive than at the end
    del metrics

    entry_table = _Builder("entries")
    entry_table.extend(_entry_rows(by_entry, work_of, link_of, repo_built.key_of, hf_built.key_of))
    entry_table.extend(carry.entries)
    del by_entry, work_of, link_of, repo_built, hf_built
    entries_now = entry_table.table()
    # list changes read no entity id: made now, before the other tables and the entities are
    changes = changes_table(entries_now, previous.table("entries", CHANGE_COLUMNS), unreadable_lists)
    works_now, repos_now, hf_now = works.table(), repo_table.table(), hf_table.table()
    entities_now, entity_ids = build_entities(
        entries_now.select(ENTITY_INPUTS["entries"]),
        works_now.select(ENTITY_INPUTS["works"]),
        repos_now.select(ENTITY_INPUTS["repos"]),
        hf_now.select(ENTITY_INPUTS["hf_items"]),
    )
    at = ENTRIES_SCHEMA.get_field_index("entity_id")
    entries_now = entries_now.set_column(at, ENTRIES_SCHEMA.field(at), entity_ids)
    del entity_ids

    return Tables(
        entries=entries_now,
        works=works_now,
        repos=repos_now,
        hf_items=hf_now,
        metrics_history=metrics_now,
        list_changes=changes,
        entities=entities_now,
    )
