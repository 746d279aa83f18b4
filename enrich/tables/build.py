"""Tonight's :class:`Tables` from tonight's entries, resolved works and records and the previous
snapshot: the one entry point of ``enrich.tables``."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc

from enrich.records import HfRecord, RepoRecord, WorkRecord
from enrich.resolve.types import ResolvedWork
from enrich.schemas import ENTRIES_SCHEMA, SCHEMAS, TABLE_KEYS, conform
from enrich.tables.carry import PreviousSnapshot, carry_unreadable_lists
from enrich.tables.changes import CHANGE_COLUMNS, list_changes
from enrich.tables.common import EntryLike, Row
from enrich.tables.entries import entry_row
from enrich.tables.hf import build_hf, entry_hf_key
from enrich.tables.history import metrics_rows
from enrich.tables.repos import build_repos
from enrich.tables.works import PrevWorks, merge_resolved, work_row


@dataclass(frozen=True)
class Tables:
    """One night's tables, each with its schema from :mod:`enrich.schemas`."""

    entries: pa.Table
    works: pa.Table
    repos: pa.Table
    hf_items: pa.Table
    metrics_history: pa.Table
    list_changes: pa.Table

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


def _table(name: str, rows: list[Row]) -> pa.Table:
    """``rows`` sorted by the table's key, as one Arrow table. Consumes ``rows``: each slice is
    dropped from the list once converted, so the dicts the caller no longer holds are freed as the
    table grows instead of after it is whole. The result is contiguous (one chunk per column), the
    same table ``pa.Table.from_pylist`` makes of the whole list."""
    keys = TABLE_KEYS[name]
    rows.sort(key=lambda r: tuple(r[k] for k in keys))
    schema = SCHEMAS[name]
    if len(rows) <= _CONVERT_ROWS:
        return pa.Table.from_pylist(rows, schema=schema)
    rows.reverse()  # convert from the end of the list: popping a slice there costs nothing
    batches: list[pa.RecordBatch] = []
    while rows:
        piece = rows[-_CONVERT_ROWS:]
        del rows[-_CONVERT_ROWS:]
        piece.reverse()
        batches.append(pa.RecordBatch.from_pylist(piece, schema=schema))
        del piece
    return pa.Table.from_batches(batches, schema=schema).combine_chunks()


def build_tables(
    entries: Sequence[EntryLike],
    resolved: Sequence[ResolvedWork],
    repos: Sequence[RepoRecord],
    hf: Sequence[HfRecord],
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
    """
    if previous is None:
        previous = PreviousSnapshot(snapshot_date=date.min)
    elif previous.snapshot_date >= snapshot_date:
        raise ValueError(f"previous snapshot {previous.snapshot_date} is not before {snapshot_date}")
    entry_rows = {e.entry_id: entry_row(e) for e in entries}
    entry_lists = {e.entry_id: e.list_id for e in entries}

    repo_built = build_repos(entries, repos, previous.rows("repos", "repo_id"), snapshot_date)
    hf_built = build_hf(entries, hf, previous.rows("hf_items", "hf_item_id"), snapshot_date)
    prev_works = PrevWorks(previous.rows("works", "work_id"))
    work_rows: list[Row] = []
    fresh_works: dict[str, dict[str, WorkRecord]] = {}
    work_of: dict[str, str] = {}
    link_of = {entry_id: check.value for rw in resolved for entry_id, check in rw.link_checks}
    for rw in merge_resolved(resolved):
        row, good = work_row(rw, entry_lists, prev_works, snapshot_date)
        work_rows.append(row)
        fresh_works[rw.work_id] = good
        for entry_id in rw.entry_ids:
            work_of.setdefault(entry_id, rw.work_id)

    for entry in entries:
        row = entry_rows[entry.entry_id]
        row["work_id"] = work_of.get(entry.entry_id)
        row["link_check"] = link_of.get(entry.entry_id)
        row["repo_id"] = repo_built.key_of[entry.github_repo.lower()] if entry.github_repo else None
        hf_key = entry_hf_key(entry)
        row["hf_item_id"] = hf_built.key_of[hf_key] if hf_key is not None else None

    previous_table = conform(previous.entries, ENTRIES_SCHEMA)
    # list changes read a few columns of every previous entry; only unreadable lists need whole rows
    previous_entries = previous_table.select(CHANGE_COLUMNS).to_pylist()
    if unreadable_lists:
        unreadable_rows = previous_table.filter(
            pc.is_in(previous_table["list_id"], pa.array(sorted(unreadable_lists), pa.string()))
        ).to_pylist()
        carry_unreadable_lists(
            set(unreadable_lists),
            unreadable_rows,
            previous,
            entry_rows,
            {"works": work_rows, "repos": repo_built.rows, "hf_items": hf_built.rows},
        )
    return Tables(
        entries=_table("entries", list(entry_rows.values())),
        works=_table("works", work_rows),
        repos=_table("repos", repo_built.rows),
        hf_items=_table("hf_items", hf_built.rows),
        metrics_history=_table(
            "metrics_history", metrics_rows(fresh_works, repo_built.fresh, hf_built.fresh)
        ),
        list_changes=_table(
            "list_changes",
            list_changes(list(entry_rows.values()), previous_entries, set(unreadable_lists)),
        ),
    )
