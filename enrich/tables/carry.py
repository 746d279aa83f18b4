"""Carry-forward: the previous snapshot (read as Arrow, made rows a slice at a time) and the
carrying of lists that could not be read tonight with what only they link."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

import pyarrow as pa

from enrich.schemas import ENTRIES_SCHEMA, HF_ITEMS_SCHEMA, REPOS_SCHEMA, SCHEMAS, WORKS_SCHEMA, conform
from enrich.tables.common import NOT_REQUESTED, Row


@dataclass(frozen=True)
class PreviousSnapshot:
    """The tables of the latest snapshot before tonight (see :func:`enrich.snapshot.read_previous`)."""

    snapshot_date: date
    entries: pa.Table = field(default_factory=ENTRIES_SCHEMA.empty_table)
    works: pa.Table = field(default_factory=WORKS_SCHEMA.empty_table)
    repos: pa.Table = field(default_factory=REPOS_SCHEMA.empty_table)
    hf_items: pa.Table = field(default_factory=HF_ITEMS_SCHEMA.empty_table)
    partial: bool = False

    def rows(self, table: str, key: str) -> PreviousRows:
        """``table``'s rows as dicts keyed by ``key`` (the table conformed to the current schema).

        A read-only mapping over the Arrow table: rows are made dicts a slice at a time as they are
        read (a night reads them in key order, the table's own order), so the whole previous
        snapshot never exists as Python objects at once."""
        return PreviousRows(conform(getattr(self, table), SCHEMAS[table]), key)


class PreviousRows(Mapping[str, Row]):
    """``key -> row dict`` over an Arrow table, as ``{row[key]: row for row in table.to_pylist()}``
    would be (same keys, same order, the last row of a repeated key), converted ``SLICE`` rows at a
    time with the last few slices kept. Treat the rows as read-only (copy before changing one)."""

    SLICE: Final = 2048
    KEPT: Final = 4

    def __init__(self, table: pa.Table, key: str) -> None:
        self.table = table
        self._index: dict[Any, int] = {}
        for i, value in enumerate(table.column(key).to_pylist()):
            self._index[value] = i
        self._slices: dict[int, list[Row]] = {}

    def __getitem__(self, key: Any) -> Row:
        i = self._index[key]
        n, offset = divmod(i, self.SLICE)
        rows = self._slices.get(n)
        if rows is None:
            rows = self.table.slice(n * self.SLICE, self.SLICE).to_pylist()
            if len(self._slices) >= self.KEPT:
                del self._slices[next(iter(self._slices))]  # the oldest slice read
            self._slices[n] = rows
        return rows[offset]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def column(self, name: str) -> Iterator[tuple[Any, Any]]:
        """``(key, row[name])`` for every key, without making the rows (one column converted)."""
        values = self.table.column(name).to_pylist()
        return ((key, values[i]) for key, i in self._index.items())


def previous_row(prev: Mapping[str, Row], key: str, aliases: Collection[str]) -> Row | None:
    """The previous row of ``key``, else of the first of its old names that had one (a rename tonight)."""
    if key in prev:
        return prev[key]
    return next((prev[name] for name in sorted(aliases) if name in prev), None)


_CARRIED_STATUS: Final = {
    "works": ("work_id", ("status_arxiv", "status_s2", "status_openalex", "status_crossref")),
    "repos": ("repo_id", ("fetch_status",)),
    "hf_items": ("hf_item_id", ("fetch_status",)),
}


def carry_unreadable_lists(
    unreadable: set[str],
    previous_entries: Sequence[Row],
    previous: PreviousSnapshot,
    entry_rows: dict[str, Row],
    tonight: Mapping[str, list[Row]],
) -> None:
    """Keep the previous entries of lists that could not be read tonight, and what only they link."""
    carried = [r for r in previous_entries if r["list_id"] in unreadable and r["entry_id"] not in entry_rows]
    for row in carried:
        entry_rows[row["entry_id"]] = dict(row)
    for table, (key, status_columns) in _CARRIED_STATUS.items():
        linked: dict[str, list[Row]] = defaultdict(list)
        for row in carried:
            if row[key] is not None:
                linked[row[key]].append(row)
        if not linked:
            continue
        rows = {r[key]: r for r in tonight[table]}
        old_rows = previous.rows(table, key)
        for item, entries in sorted(linked.items()):
            target = rows.get(item)
            if target is None:
                old = old_rows.get(item)
                if old is None:  # the previous snapshot was inconsistent: drop the dangling link
                    for entry in entries:
                        entry_rows[entry["entry_id"]][key] = None
                    continue
                target = dict(old)
                for column in status_columns:
                    target[column] = NOT_REQUESTED
                if table == "works":
                    target["sources"] = []
                    target["status"] = "stale" if target["metadata_as_of"] is not None else "local"
                    target["entry_ids"], target["list_ids"], target["entry_count"] = [], [], 0
                else:
                    target["fetch_reason"] = None
                    if target["status"] == "ok":
                        target["status"] = "stale"
                    target["list_ids"], target["entry_count"] = [], 0
                tonight[table].append(target)
                rows[item] = target
            target["list_ids"] = sorted({*target["list_ids"], *(e["list_id"] for e in entries)})
            target["entry_count"] += len(entries)
            if table == "works":
                target["entry_ids"] = sorted({*target["entry_ids"], *(e["entry_id"] for e in entries)})
                target["entry_count"] = len(target["entry_ids"])
