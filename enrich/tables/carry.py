"""Carry-forward: the previous snapshot (read as Arrow, made rows a slice at a time) and the
carrying of lists that could not be read tonight with what only they link."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, TypeVar

import pyarrow as pa

from enrich.errors import SnapshotError
from enrich.schemas import SCHEMAS, conform
from enrich.tables.common import NOT_REQUESTED, Row

_K = TypeVar("_K", bound=Hashable)


PREVIOUS_TABLES: Final = ("entries", "works", "repos", "hf_items")
"""The tables of the previous snapshot a night reads (carry-forward, list changes, repo states)."""


@dataclass(frozen=True)
class PreviousSnapshot:
    """The latest snapshot before tonight (see :func:`enrich.snapshot.read_previous`), held as the
    bytes of its Parquet files and decoded a table or a few columns at a time when a step asks.

    At 100,000 papers the four tables are ~20 MB of compressed Parquet and ~115 MB of Arrow, and a
    night needs all of them only while it builds the works and repos rows: so every reader asks for
    what it reads (:meth:`table` with ``columns``), keeps it as long as it needs it, and drops it.
    The bytes are read once, at the start of the night (checked against the manifest's SHA-256
    there), so the night reads one consistent snapshot even if that date is written again meanwhile.
    """

    snapshot_date: date
    parts: Mapping[str, pa.Buffer] = field(default_factory=dict)
    """Table name (of :data:`PREVIOUS_TABLES`) -> the bytes of its Parquet part file; a table
    absent here is empty (a snapshot written before the table existed)."""
    partial: bool = False

    @classmethod
    def of(
        cls,
        snapshot_date: date,
        *,
        entries: pa.Table | None = None,
        works: pa.Table | None = None,
        repos: pa.Table | None = None,
        hf_items: pa.Table | None = None,
        partial: bool = False,
    ) -> PreviousSnapshot:
        """A previous snapshot from Arrow tables (encoded once as Parquet in memory): what a caller
        that built the tables itself passes (tests, :meth:`narrowed`)."""
        given = {"entries": entries, "works": works, "repos": repos, "hf_items": hf_items}
        return cls(snapshot_date, {name: _encode(t) for name, t in given.items() if t is not None}, partial)

    def table(self, name: str, columns: Sequence[str] | None = None) -> pa.Table:
        """``name`` conformed to the current schema, only ``columns`` (in that order) if given.

        Decoded from the Parquet bytes at each call: the caller holds the result as long as it
        reads it. A column absent from an older snapshot is null, as :func:`enrich.schemas.conform`
        makes it. Raises :class:`~enrich.errors.SnapshotError` if the bytes do not decode."""
        from enrich.snapshot_read import read_part

        if name not in PREVIOUS_TABLES:
            raise ValueError(f"{name!r} is not a table of the previous snapshot")
        schema = SCHEMAS[name]
        wanted = list(dict.fromkeys(schema.names if columns is None else columns))
        data = self.parts.get(name)
        if data is None:
            return pa.schema([schema.field(c) for c in wanted]).empty_table()
        try:
            return read_part(pa.BufferReader(data), name, wanted)
        except (pa.ArrowInvalid, OSError) as exc:
            raise self._unreadable(name, exc) from exc

    def rows(self, table: str, key: str) -> PreviousRows[str]:
        """``table``'s rows as dicts keyed by ``key`` (the table conformed to the current schema).

        A read-only mapping that decodes the key column up front and the rows as they are read,
        streaming through the table in its order (see :class:`PreviousRows`): neither the table's
        rows as Python objects nor, read in key order, the whole table in Arrow exist at once."""
        return PreviousRows[str](
            functools.partial(self.table, table), functools.partial(self._stream, table), key
        )

    def _stream(self, name: str, size: int) -> Iterator[pa.Table]:
        """``name`` conformed to the current schema, ``size`` rows at a time, in the table's order."""
        import pyarrow.parquet as pq

        data = self.parts.get(name)
        if data is None:
            return
        schema = SCHEMAS[name]
        try:
            with pq.ParquetFile(pa.BufferReader(data)) as part:
                for batch in part.iter_batches(batch_size=size):
                    yield conform(pa.Table.from_batches([batch]), schema)
        except (pa.ArrowInvalid, OSError) as exc:
            raise self._unreadable(name, exc) from exc

    def _unreadable(self, name: str, exc: Exception) -> SnapshotError:
        return SnapshotError(f"{name} of the snapshot of {self.snapshot_date}: unreadable Parquet ({exc})")

    def narrowed(self, columns: Mapping[str, Sequence[str]]) -> PreviousSnapshot:
        """This snapshot with only ``columns`` of the tables named (``{"works": ("work_id", ...)}``,
        conformed to the current schema) and the other tables empty: what a later step reads, so
        the rest can be released (e.g. :class:`enrich.pipeline.Built` keeps only what the run
        summary compares)."""
        kept = {table: self.table(table, names) for table, names in columns.items()}
        return PreviousSnapshot.of(self.snapshot_date, partial=self.partial, **kept)


def _encode(table: pa.Table) -> pa.Buffer:
    """``table`` as Parquet bytes in memory, uncompressed, as given (Parquet's writer refuses a null
    in a column declared non-null, which hand-made tables may hold: every field is written nullable,
    and :meth:`PreviousSnapshot.table` conforms it back to the schema)."""
    import pyarrow.parquet as pq

    loose = pa.schema([f.with_nullable(True) for f in table.schema], metadata=table.schema.metadata)
    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_arrays(table.columns, schema=loose), sink, compression="none")
    return sink.getvalue()


class PreviousRows(Mapping[_K, Row]):
    """``key -> row dict`` over a table, as ``{row[key]: row for row in table.to_pylist()}`` would be
    (same keys, same order, the last row of a repeated key). Treat the rows as read-only (copy
    before changing one).

    Only the key column is read up front. Rows are made a piece at a time as they are asked for,
    the last ``KEPT`` pieces kept: read in the table's order (a night reads works in key order, the
    table's own), they come from one pass over ``stream`` (``SLICE`` rows at a time, so the whole
    table is never decoded at once); a row behind that pass makes the rest read from the whole
    table (``read(None)``), ``SLICE`` rows at a time.
    """

    SLICE: Final = 512
    KEPT: Final = 2

    def __init__(
        self,
        read: Callable[[Sequence[str] | None], pa.Table],
        stream: Callable[[int], Iterator[pa.Table]],
        key: str,
    ) -> None:
        self._read, self._stream_of = read, stream
        self._index: dict[_K, int] = {}
        for i, value in enumerate(read([key]).column(0).to_pylist()):
            self._index[value] = i
        self._stream: Iterator[pa.Table] | None = None
        self._streamed = 0  # rows the stream has given so far
        self._whole: pa.Table | None = None
        self._pieces: dict[int, list[Row]] = {}  # first row -> rows, the last ``KEPT`` made

    @classmethod
    def of(cls, table: pa.Table, key: str) -> PreviousRows[_K]:
        """Over an Arrow table in memory."""
        return cls(
            lambda columns: table if columns is None else table.select(list(columns)),
            lambda size: (pa.Table.from_batches([b]) for b in table.to_batches(size)),
            key,
        )

    def __getitem__(self, key: _K) -> Row:
        i = self._index[key]
        for first, rows in self._pieces.items():
            if first <= i < first + len(rows):
                return rows[i - first]
        if self._whole is None and i >= self._streamed:
            if self._stream is None:
                self._stream = self._stream_of(self.SLICE)
            while True:  # the key's row is ahead in the stream: skip to the piece that holds it
                piece = next(self._stream)
                first, self._streamed = self._streamed, self._streamed + piece.num_rows
                if i < self._streamed:
                    return self._keep(first, piece)[i - first]
        if self._whole is None:  # behind the stream: the whole table from here on
            self._stream = None
            self._whole = self._read(None)
        first = i - i % self.SLICE
        return self._keep(first, self._whole.slice(first, self.SLICE))[i - first]

    def _keep(self, first: int, piece: pa.Table) -> list[Row]:
        rows: list[Row] = piece.to_pylist()
        if len(self._pieces) >= self.KEPT:
            del self._pieces[next(iter(self._pieces))]  # the oldest piece made
        self._pieces[first] = rows
        return rows

    def __iter__(self) -> Iterator[_K]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def column(self, name: str) -> Iterator[tuple[_K, Any]]:
        """``(key, row[name])`` for every key, without making the rows (one column converted)."""
        values = self._read([name]).column(0).to_pylist()
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
