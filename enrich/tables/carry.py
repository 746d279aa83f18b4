"""Carry-forward: the previous snapshot (read as Arrow, made rows a slice at a time) and the
carrying of lists that could not be read tonight with what only they link."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, TypeVar

import pyarrow as pa

from enrich.schemas import ENTRIES_SCHEMA, HF_ITEMS_SCHEMA, REPOS_SCHEMA, SCHEMAS, WORKS_SCHEMA, conform
from enrich.tables.common import NOT_REQUESTED, Row

_K = TypeVar("_K", bound=Hashable)


@dataclass(frozen=True)
class PreviousSnapshot:
    """The tables of the latest snapshot before tonight (see :func:`enrich.snapshot.read_previous`)."""

    snapshot_date: date
    entries: pa.Table = field(default_factory=ENTRIES_SCHEMA.empty_table)
    works: pa.Table = field(default_factory=WORKS_SCHEMA.empty_table)
    repos: pa.Table = field(default_factory=REPOS_SCHEMA.empty_table)
    hf_items: pa.Table = field(default_factory=HF_ITEMS_SCHEMA.empty_table)
    partial: bool = False

    def rows(self, table: str, key: str) -> PreviousRows[str]:
        """``table``'s rows as dicts keyed by ``key`` (the table conformed to the current schema).

        A read-only mapping over the Arrow table: rows are made dicts a slice at a time as they are
        read (a night reads them in key order, the table's own order), so the whole previous
        snapshot never exists as Python objects at once."""
        return PreviousRows[str](conform(getattr(self, table), SCHEMAS[table]), key)

    def narrowed(self, columns: Mapping[str, Sequence[str]]) -> PreviousSnapshot:
        """This snapshot with only ``columns`` of the tables named (``{"works": ("work_id", ...)}``,
        conformed to the current schema) and the other tables empty: what a later step reads, so
        the rest can be released (e.g. :class:`enrich.pipeline.Built` keeps only what the run
        summary compares)."""
        kept = {
            table: conform(getattr(self, table), SCHEMAS[table]).select(list(names))
            for table, names in columns.items()
        }
        return PreviousSnapshot(snapshot_date=self.snapshot_date, partial=self.partial, **kept)


class PreviousRows(Mapping[_K, Row]):
    """``key -> row dict`` over an Arrow table, as ``{row[key]: row for row in table.to_pylist()}``
    would be (same keys, same order, the last row of a repeated key), converted ``SLICE`` rows at a
    time with the last few slices kept. Treat the rows as read-only (copy before changing one).
    """

    SLICE: Final = 512
    KEPT: Final = 2

    def __init__(self, table: pa.Table, key: str) -> None:
        self.table = table
        self._index: dict[_K, int] = {}
        for i, value in enumerate(table.column(key).to_pylist()):
            self._index[value] = i
        self._slices: dict[int, list[Row]] = {}

    def __getitem__(self, key: _K) -> Row:
        i = self._index[key]
        n, offset = divmod(i, self.SLICE)
        rows = self._slices.get(n)
        if rows is None:
            rows = self.table.slice(n * self.SLICE, self.SLICE).to_pylist()
            if len(self._slices) >= self.KEPT:
                del self._slices[next(iter(self._slices))]  # the oldest slice read
            self._slices[n] = rows
        return rows[offset]

    def __iter__(self) -> Iterator[_K]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def column(self, name: str) -> Iterator[tuple[_K, Any]]:
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


class UnreadableLists:
    """Keep the previous entries of lists that could not be read tonight, and what only they link.

    Made before tonight's rows; each of tonight's ``works``/``repos``/``hf_items`` rows passes
    through :meth:`link` as it is made (a carried entry adds its list to the row it links), then
    :meth:`leftover` gives the previous rows of what only carried entries link (flagged as not
    requested tonight) and :attr:`entries` the carried entry rows (a link whose row is in neither
    snapshot is dropped: the previous snapshot was inconsistent).
    """

    def __init__(
        self, unreadable: Collection[str], previous_entries: Sequence[Row], tonight: Collection[str]
    ):
        self.entries = [
            dict(r) for r in previous_entries if r["list_id"] in unreadable and r["entry_id"] not in tonight
        ]
        self._linked: dict[str, dict[str, list[Row]]] = {}
        for table, (key, _) in _CARRIED_STATUS.items():
            linked: dict[str, list[Row]] = defaultdict(list)
            for row in self.entries:
                if row[key] is not None:
                    linked[row[key]].append(row)
            self._linked[table] = linked
        self._seen: set[tuple[str, str]] = set()

    def link(self, table: str, row: Row) -> Row:
        """``row`` of tonight with the carried entries that link it counted in."""
        key = _CARRIED_STATUS[table][0]
        entries = self._linked[table].get(row[key])
        if entries:
            self._seen.add((table, row[key]))
            _add_links(table, row, entries)
        return row

    def leftover(self, table: str, previous: PreviousSnapshot) -> list[Row]:
        """The previous rows of ``table`` that only carried entries link (after every :meth:`link`)."""
        key, status_columns = _CARRIED_STATUS[table]
        linked = {k: v for k, v in self._linked[table].items() if (table, k) not in self._seen}
        if not linked:
            return []
        old_rows = previous.rows(table, key)
        out: list[Row] = []
        for item, entries in sorted(linked.items()):
            old = old_rows.get(item)
            if old is None:  # the previous snapshot was inconsistent: drop the dangling link
                for entry in entries:
                    entry[key] = None
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
            _add_links(table, target, entries)
            out.append(target)
        return out


def _add_links(table: str, target: Row, entries: Sequence[Row]) -> None:
    target["list_ids"] = sorted({*target["list_ids"], *(e["list_id"] for e in entries)})
    target["entry_count"] += len(entries)
    if table == "works":
        target["entry_ids"] = sorted({*target["entry_ids"], *(e["entry_id"] for e in entries)})
        target["entry_count"] = len(target["entry_ids"])
