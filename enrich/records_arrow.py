"""Tonight's work records as Arrow columns, from the fetch stage to table building (issue 12).

A night at 100,000 papers fetches ~300,000 :class:`~enrich.records.WorkRecord`\\ s; as Python objects
(28 slots each, an :class:`~enrich.records.Author` per author, a ``str`` per value) they took ~1.4 KB
apiece and lived from the fetch to the end of table building. :class:`WorkRecords` holds them as
one Arrow table instead (:data:`WORK_RECORDS_SCHEMA`, one column per field) and is a
``Sequence[WorkRecord]``: a record is made again, equal field by field to the one stored, only when
it is read, and dropped by the reader. Reading goes a slice at a time (iteration), by row numbers in
bulk (:meth:`WorkRecords.take`) or one column at a time (:meth:`WorkRecords.column`).

:class:`RecordView` is the records of one resolved work: row numbers into the night's
:class:`WorkRecords` (plus the rare record that is not in it, a title match's own answer), so that
resolution hands table building references, not objects; :func:`materialise` reads the records of
many views at once (one Arrow ``take`` per store), which is how table building reads a slice of
works at a time.

Exactness: every field round-trips. ``fetched_at`` is stored as its wall time (microseconds) with
an index into :attr:`WorkRecords.zones`, the distinct ``(tzinfo, fold)`` pairs of the stored
records (the ``tzinfo`` objects themselves, so an aware, a naive or any zone's datetime comes back
as it was given). A record whose values Arrow cannot hold (a ``str`` with a lone surrogate, an
``int`` beyond 64 bits) is kept as the object itself beside an empty row: nothing is refused.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, tzinfo
from typing import Final, NamedTuple, Protocol, overload

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from enrich.ids import WORK_ID_COLUMNS, Ids
from enrich.records import Author, FetchStatus, WorkRecord

__all__ = [
    "WORK_RECORDS_SCHEMA",
    "RecordIdentity",
    "RecordView",
    "WorkIds",
    "WorkRecords",
    "identities",
    "materialise",
]

_AUTHOR: Final = pa.struct(
    [
        pa.field("name", pa.string()),
        pa.field("s2_author_id", pa.string()),
        pa.field("orcid", pa.string()),
        pa.field("affiliation", pa.string()),
    ]
)
_YEAR_COUNT: Final = pa.struct([pa.field("year", pa.int64()), pa.field("count", pa.int64())])
_INTS: Final = frozenset(
    {"year", "arxiv_version", "corpus_id", "citation_count", "influential_citation_count", "reference_count"}
)
_SPECIAL: Final[dict[str, pa.DataType]] = {
    "fetched_at": pa.timestamp("us"),  # the wall time as given; its zone is ``fetched_zone``
    "authors": pa.list_(_AUTHOR),
    "counts_by_year": pa.list_(_YEAR_COUNT),
    "score": pa.float64(),
}
FIELDS: Final = tuple(f.name for f in dataclasses.fields(WorkRecord))
"""``WorkRecord``'s fields in order: the schema's columns but ``fetched_zone``."""


def _type(name: str) -> pa.DataType:
    if name in _SPECIAL:
        return _SPECIAL[name]
    return pa.int64() if name in _INTS else pa.string()


WORK_RECORDS_SCHEMA: Final = pa.schema(
    [pa.field(name, _type(name)) for name in FIELDS] + [pa.field("fetched_zone", pa.int32())]
)
"""One column per :class:`~enrich.records.WorkRecord` field, in field order (``status`` as its value,
``authors`` and ``counts_by_year`` as lists of structs), then ``fetched_zone``: the index of the
row's ``(tzinfo, fold)`` in :attr:`WorkRecords.zones`. Not a snapshot table: it never leaves the run."""

_CHUNK: Final = 4096  # rows turned into records at a time when iterating
_STATUS: Final[dict[str | None, FetchStatus | None]] = {s.value: s for s in FetchStatus} | {None: None}
_SIMPLE: Final = tuple(n for n in FIELDS if n not in {"status", "fetched_at", "authors", "counts_by_year"})

Zone = tuple[tzinfo | None, int]  # a datetime's tzinfo (the object itself) and fold


class _Zones:
    """The distinct ``(tzinfo, fold)`` pairs met while encoding, by identity of the tzinfo object."""

    def __init__(self, zones: Iterable[Zone] = ()) -> None:
        self.zones: list[Zone] = []
        self._index: dict[tuple[int, int], int] = {}
        for zone in zones:
            self.index(zone)

    def index(self, zone: Zone) -> int:
        key = (id(zone[0]), zone[1])
        at = self._index.get(key)
        if at is None:
            at = self._index[key] = len(self.zones)
            self.zones.append(zone)
        return at


def _encode(records: Sequence[WorkRecord], zones: _Zones) -> pa.Table:
    """``records`` as a table of :data:`WORK_RECORDS_SCHEMA` (raises when a value does not fit)."""
    arrays: list[pa.Array] = []
    for field in WORK_RECORDS_SCHEMA:
        name = field.name
        if name == "status":
            arrays.append(pa.array([r.status.value for r in records], pa.string()))
        elif name == "fetched_at":
            arrays.append(pa.array([r.fetched_at.replace(tzinfo=None) for r in records], field.type))
        elif name == "fetched_zone":
            zone_of = [zones.index((r.fetched_at.tzinfo, r.fetched_at.fold)) for r in records]
            arrays.append(pa.array(zone_of, pa.int32()))
        elif name == "authors":
            arrays.append(_encode_authors(records))
        elif name == "counts_by_year":
            arrays.append(_encode_counts(records))
        else:
            arrays.append(pa.array([getattr(r, name) for r in records], field.type))
    return pa.Table.from_arrays(arrays, schema=WORK_RECORDS_SCHEMA)


def _encode_authors(records: Sequence[WorkRecord]) -> pa.Array:
    offsets = [0]
    name: list[str | None] = []
    s2: list[str | None] = []
    orcid: list[str | None] = []
    affiliation: list[str | None] = []
    for r in records:
        for a in r.authors:
            name.append(a.name)
            s2.append(a.s2_author_id)
            orcid.append(a.orcid)
            affiliation.append(a.affiliation)
        offsets.append(len(name))
    children = [pa.array(values, pa.string()) for values in (name, s2, orcid, affiliation)]
    values = pa.StructArray.from_arrays(children, fields=list(_AUTHOR))
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, type=pa.list_(_AUTHOR))


def _encode_counts(records: Sequence[WorkRecord]) -> pa.Array:
    offsets = [0]
    years: list[int] = []
    counts: list[int] = []
    for r in records:
        for year, count in r.counts_by_year:
            years.append(year)
            counts.append(count)
        offsets.append(len(years))
    values = pa.StructArray.from_arrays(
        [pa.array(years, pa.int64()), pa.array(counts, pa.int64())], fields=list(_YEAR_COUNT)
    )
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, type=pa.list_(_YEAR_COUNT))


_EMPTY_ROW: Final[dict[str, list[object]]] = {
    "authors": [],
    "counts_by_year": [],
}  # stands for a row kept as an object

_ENCODE_FAILURES: Final = (pa.ArrowException, OverflowError, TypeError, ValueError, AttributeError)
"""What encoding a record Arrow cannot hold raises (``ArrowInvalid``, ``UnicodeEncodeError``, ...)."""


def _lists(column: pa.ChunkedArray, make: type[Author] | type[tuple[int, int]]) -> list[tuple[object, ...]]:
    """A list<struct> column as one tuple per row of ``make(*struct fields)``."""
    lengths = pc.list_value_length(column).to_pylist()
    flat = pc.list_flatten(column)
    width = column.type.value_type.num_fields
    children = [pc.struct_field(flat, [i]).to_pylist() for i in range(width)]
    items = (
        [Author(*v) for v in zip(*children, strict=True)]
        if make is Author
        else list(zip(*children, strict=True))
    )
    out: list[tuple[object, ...]] = []
    at = 0
    for length in lengths:
        out.append(tuple(items[at : at + length]))
        at += length
    return out


def _decode(table: pa.Table, zones: Sequence[Zone]) -> list[WorkRecord]:
    """One record per row of ``table`` (rows of :data:`WORK_RECORDS_SCHEMA`)."""
    if table.num_rows == 0:
        return []
    cols: dict[str, list[object]] = {name: table.column(name).to_pylist() for name in _SIMPLE}
    cols["status"] = [_STATUS[v] for v in table.column("status").to_pylist()]
    wall: list[datetime | None] = table.column("fetched_at").to_pylist()
    zone_ids: list[int] = table.column("fetched_zone").to_pylist()
    if len(zones) == 1 and zones[0] == (None, 0):
        cols["fetched_at"] = list(wall)
    else:
        cols["fetched_at"] = [
            None if w is None else w.replace(tzinfo=zones[z][0], fold=zones[z][1])
            for w, z in zip(wall, zone_ids, strict=True)
        ]
    cols["authors"] = list(_lists(table.column("authors"), Author))
    cols["counts_by_year"] = list(_lists(table.column("counts_by_year"), tuple))
    return [WorkRecord(*values) for values in zip(*(cols[name] for name in FIELDS), strict=True)]


class WorkRecords(Sequence[WorkRecord]):
    """Work records as one Arrow table of :data:`WORK_RECORDS_SCHEMA`: immutable, picklable, a
    ``Sequence[WorkRecord]`` that makes each record when it is read (see the module docstring)."""

    __slots__ = ("_batches", "_objects", "_starts", "_table", "_zones")

    def __init__(
        self, table: pa.Table, zones: Sequence[Zone], objects: dict[int, WorkRecord] | None = None
    ) -> None:
        if not table.schema.equals(WORK_RECORDS_SCHEMA):
            raise ValueError("WorkRecords: the table does not have WORK_RECORDS_SCHEMA")
        self._table = table
        self._zones = tuple(zones)
        self._objects = objects or {}  # rows Arrow cannot hold, as the records themselves
        self._batches: dict[tuple[str, ...], list[pa.RecordBatch]] = {}  # the chunks, for :meth:`_take`
        self._starts: np.ndarray[tuple[int], np.dtype[np.int64]] | None = None  # each chunk's first row

    @classmethod
    def of(cls, records: Iterable[WorkRecord]) -> WorkRecords:
        """``records`` as columns (``records`` itself when it already is :class:`WorkRecords`)."""
        if isinstance(records, WorkRecords):
            return records
        rows = records if isinstance(records, Sequence) else list(records)
        if not rows:
            return _empty()
        zones = _Zones()
        try:
            return cls(_encode(rows, zones), zones.zones)
        except _ENCODE_FAILURES:
            pass
        # one row at a time: the rows that do not fit stay objects, beside an empty row
        parts: list[pa.Table] = []
        objects: dict[int, WorkRecord] = {}
        for i, record in enumerate(rows):
            try:
                parts.append(_encode([record], zones))
            except _ENCODE_FAILURES:
                parts.append(pa.Table.from_pylist([_EMPTY_ROW], schema=WORK_RECORDS_SCHEMA))
                objects[i] = record
        return cls(pa.concat_tables(parts).combine_chunks(), zones.zones, objects)

    @classmethod
    def concat(cls, parts: Iterable[Sequence[WorkRecord]]) -> WorkRecords:
        """Every part's records, in order, in one table whose chunks are the parts' own (no copy:
        :meth:`take` reads across chunks a chunk at a time)."""
        zones = _Zones()
        tables: list[pa.Table] = []
        objects: dict[int, WorkRecord] = {}
        offset = 0
        for part in map(cls.of, parts):
            if not len(part):
                continue
            remap = pa.array([zones.index(z) for z in part._zones], pa.int32())
            table = part._table
            at = WORK_RECORDS_SCHEMA.get_field_index("fetched_zone")
            table = table.set_column(at, WORK_RECORDS_SCHEMA.field(at), pc.take(remap, table.column(at)))
            tables.append(table)
            objects.update((offset + i, r) for i, r in part._objects.items())
            offset += table.num_rows
        if not tables:
            return _empty()
        return cls(pa.concat_tables(tables), zones.zones, objects)

    @property
    def zones(self) -> tuple[Zone, ...]:
        """The distinct ``(tzinfo, fold)`` of the stored ``fetched_at`` values (``fetched_zone`` indexes it)."""
        return self._zones

    @property
    def table(self) -> pa.Table:
        """The stored table (rows kept as objects are empty rows here)."""
        return self._table

    @property
    def nbytes(self) -> int:
        return int(self._table.nbytes)

    def __len__(self) -> int:
        return int(self._table.num_rows)

    @overload
    def __getitem__(self, index: int) -> WorkRecord: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[WorkRecord, ...]: ...
    def __getitem__(self, index: int | slice) -> WorkRecord | tuple[WorkRecord, ...]:
        if isinstance(index, slice):
            return tuple(self.take(range(*index.indices(len(self)))))
        n = len(self)
        at = index + n if index < 0 else index
        if not 0 <= at < n:
            raise IndexError("WorkRecords index out of range")
        if at in self._objects:
            return self._objects[at]
        return _decode(self._table.slice(at, 1), self._zones)[0]

    def __iter__(self) -> Iterator[WorkRecord]:
        for start in range(0, len(self), _CHUNK):
            yield from self._rows(self._table.slice(start, _CHUNK), range(start, start + _CHUNK))

    def take(self, indices: Sequence[int]) -> list[WorkRecord]:
        """The records at ``indices`` (in that order, repeats allowed), made in one pass."""
        if not len(indices):
            return []
        return self._rows(self._take(indices), indices)

    def column(self, name: str) -> list[object]:
        """One field of every record, in order (``status`` as :class:`FetchStatus`), without making
        the records."""
        if name not in FIELDS:
            raise KeyError(name)
        if name in ("fetched_at", "authors", "counts_by_year"):
            return [getattr(r, name) for r in self]
        values: list[object] = self._table.column(name).to_pylist()
        if name == "status":
            values = [_STATUS[v] for v in values]  # type: ignore[index]
        for i, record in self._objects.items():
            values[i] = getattr(record, name)
        return values

    def identities(self, indices: Sequence[int]) -> list[RecordIdentity]:
        """What clustering reads of the records at ``indices`` as :class:`WorkIds`, read from
        ``WorkIds``' columns only: far cheaper than making the records."""
        if not len(indices):
            return []
        return self._identities(self._take(indices, WorkIds._fields), indices)

    def _take(self, indices: Sequence[int], columns: tuple[str, ...] = ()) -> pa.Table:
        """The rows at ``indices`` as one table, taken chunk by chunk.

        Arrow's ``Table.take`` across many chunks concatenates the nested columns first (a copy of
        the whole ``authors`` column per call); a night's store is the batches' tables side by side
        (:meth:`concat`, ~1,300 chunks at 100,000 papers), so each chunk is asked for its own rows
        and the pieces are put back in the order asked (a copy of the rows taken alone). Only
        ``columns`` are taken when given (each column costs a call per chunk)."""
        table = self._table.select(list(columns)) if columns else self._table
        if self._table.column(0).num_chunks <= 1:
            return table.take(pa.array(indices, pa.int64()))
        batches = self._batches.get(columns)
        if batches is None:
            batches = self._batches[columns] = table.to_batches()
        if self._starts is None:
            self._starts = np.cumsum([0] + [b.num_rows for b in batches[:-1]], dtype=np.int64)
        at = np.asarray(indices, dtype=np.int64)
        if at.min() < 0 or at.max() >= len(self):
            raise IndexError("WorkRecords index out of range")
        chunk = np.searchsorted(self._starts, at, side="right") - 1
        order = np.argsort(chunk, kind="stable")
        chunk, at = chunk[order], at[order]
        cuts = np.flatnonzero(np.diff(chunk)) + 1
        pieces = [
            batches[chunk[lo]].take(pa.array(at[lo:hi] - self._starts[chunk[lo]]))
            for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(at)], strict=True)
        ]
        grouped = pa.Table.from_batches(pieces, schema=table.schema).combine_chunks()
        back = np.empty_like(order)
        back[order] = np.arange(len(order))
        return grouped.take(pa.array(back))

    def iter_identities(self) -> Iterator[RecordIdentity]:
        """:meth:`identities` of every record, in order, a slice at a time."""
        for start in range(0, len(self), _CHUNK):
            yield from self._identities(self._table.slice(start, _CHUNK), range(start, start + _CHUNK))

    def _identities(self, table: pa.Table, indices: Sequence[int]) -> list[RecordIdentity]:
        columns = [table.column(name).to_pylist() for name in WorkIds._fields]
        columns[_STATUS_AT] = [_STATUS[v] for v in columns[_STATUS_AT]]
        out: list[RecordIdentity] = list(map(WorkIds._make, zip(*columns, strict=True)))
        if self._objects:
            for j, i in enumerate(indices[: len(out)]):
                if i in self._objects:
                    out[j] = self._objects[i]
        return out

    def _rows(self, table: pa.Table, indices: Sequence[int]) -> list[WorkRecord]:
        records = _decode(table, self._zones)
        if self._objects:
            for j, i in enumerate(indices[: len(records)]):
                if i in self._objects:
                    records[j] = self._objects[i]
        return records

    def __add__(self, other: Sequence[WorkRecord]) -> WorkRecords:
        return WorkRecords.concat([self, other]) if len(other) else self

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"WorkRecords({len(self)} records, {self.nbytes} bytes)"

    def __reduce__(
        self,
    ) -> tuple[type[WorkRecords], tuple[pa.Table, tuple[Zone, ...], dict[int, WorkRecord]]]:
        return (WorkRecords, (self._table, self._zones, self._objects))


class RecordIdentity(Protocol):
    """What clustering reads of a work record: a :class:`~enrich.records.WorkRecord` is one, and so
    is the lighter :class:`WorkIds`."""

    @property
    def source(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def status(self) -> FetchStatus: ...
    @property
    def title(self) -> str | None: ...
    @property
    def ids(self) -> Ids: ...


class WorkIds(NamedTuple):
    """A work record's source, key, status, title and identifiers (:meth:`WorkRecords.identities`)."""

    source: str
    key: str
    status: FetchStatus
    title: str | None
    arxiv_id: str | None
    doi: str | None
    pmid: str | None
    pmcid: str | None
    acl_id: str | None
    corpus_id: int | None
    s2_paper_id: str | None
    openalex_id: str | None

    @property
    def ids(self) -> Ids:
        """As :attr:`WorkRecord.ids <enrich.records.WorkRecord.ids>`."""
        return Ids.of(self, WORK_ID_COLUMNS).scholarly()


_STATUS_AT: Final = WorkIds._fields.index("status")


def identities(
    records: Sequence[WorkRecord], indices: Sequence[int] | None = None
) -> Iterable[RecordIdentity]:
    """What clustering reads of ``records`` (at ``indices``; default: all, a slice at a time): read
    from the columns when ``records`` is :class:`WorkRecords`, else the records themselves."""
    if isinstance(records, WorkRecords):
        return records.iter_identities() if indices is None else records.identities(indices)
    return records if indices is None else [records[i] for i in indices]


@functools.cache
def _empty() -> WorkRecords:
    # built on first use, not at import: pyarrow imports pandas the first time it makes an array
    return WorkRecords(pa.Table.from_batches([], schema=WORK_RECORDS_SCHEMA), ())


class RecordView(Sequence[WorkRecord]):
    """Some records of a store (row numbers into it) and records outside it, in one order.

    ``ResolvedWork.records`` of a night: resolution hands table building references into the
    night's :class:`WorkRecords`, not every record as an object; each read makes the records again
    (use :func:`materialise` to read many views at once)."""

    __slots__ = ("_refs", "_store")

    def __init__(self, store: Sequence[WorkRecord], refs: Iterable[int | WorkRecord]) -> None:
        self._store = store
        self._refs = tuple(refs)

    @property
    def store(self) -> Sequence[WorkRecord]:
        return self._store

    @property
    def refs(self) -> tuple[int | WorkRecord, ...]:
        """Row numbers into :attr:`store`, or the records themselves for records outside it."""
        return self._refs

    def __len__(self) -> int:
        return len(self._refs)

    @overload
    def __getitem__(self, index: int) -> WorkRecord: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[WorkRecord, ...]: ...
    def __getitem__(self, index: int | slice) -> WorkRecord | tuple[WorkRecord, ...]:
        if isinstance(index, slice):
            return tuple(self)[index]
        ref = self._refs[index]
        return ref if isinstance(ref, WorkRecord) else self._store[ref]

    def __iter__(self) -> Iterator[WorkRecord]:
        return iter(materialise([self])[0])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"RecordView({len(self)} records)"


def materialise(groups: Sequence[Sequence[WorkRecord]]) -> list[tuple[WorkRecord, ...]]:
    """Every group's records as a tuple, in order; the rows the groups' views take from one
    :class:`WorkRecords` are made in one :meth:`WorkRecords.take`."""
    wanted: dict[int, tuple[WorkRecords, list[int]]] = {}
    for group in groups:
        if isinstance(group, RecordView) and isinstance(group.store, WorkRecords):
            rows = wanted.setdefault(id(group.store), (group.store, []))[1]
            rows.extend(ref for ref in group.refs if not isinstance(ref, WorkRecord))
    made = {key: iter(store.take(rows)) for key, (store, rows) in wanted.items()}
    out: list[tuple[WorkRecord, ...]] = []
    for group in groups:
        if isinstance(group, RecordView) and isinstance(group.store, WorkRecords):
            taken = made[id(group.store)]
            out.append(tuple(ref if isinstance(ref, WorkRecord) else next(taken) for ref in group.refs))
        elif isinstance(group, RecordView):
            out.append(tuple(ref if isinstance(ref, WorkRecord) else group.store[ref] for ref in group.refs))
        else:
            out.append(tuple(group))
    return out
