"""Reading snapshots back: :func:`list_snapshots`, :func:`read_manifest`, :func:`read_table`,
:func:`read_previous` and :func:`load` (``enrich.load``).

Local snapshots are read *through* the journal of a write past its commit point (see the protocol in
:mod:`enrich.snapshot`): the committed manifest from ``COMMIT.json`` and each table from the staging
directory while it is still there. An object-store URL is read by :mod:`enrich.storage`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from enrich.errors import InputError, SnapshotError
from enrich.manifest import (
    COMMIT_FILE,
    DATE_PATTERN,
    MANIFESTS,
    PART_FILE,
    STAGING_PREFIX,
    Manifest,
    manifest_path,
    matches_entry,
    partition_path,
    remote_url,
)
from enrich.outroot import output_root, parse_root
from enrich.schemas import SCHEMA_VERSION, SCHEMAS, TABLE_NAMES, conform
from enrich.tables import PREVIOUS_TABLES, PreviousSnapshot

if TYPE_CHECKING:
    import pandas as pd

_T = TypeVar("_T")

__all__ = ["list_snapshots", "load", "read_manifest", "read_part", "read_previous", "read_table"]

# ----------------------------------------------------------------------------- read-through


@dataclass(frozen=True, slots=True)
class _Committed:
    """A write past its commit point that is not (or not yet) completed: what readers see for its date."""

    staging: Path
    manifest: Manifest


def _committed(out: Path) -> dict[date, _Committed]:
    """Committed staging directories by date (at most one at a time: writers hold the lock and
    complete any earlier one before they commit)."""
    found: dict[date, _Committed] = {}
    for journal in sorted(out.glob(f"{STAGING_PREFIX}*/{COMMIT_FILE}")):
        try:
            data = json.loads(journal.read_text(encoding="utf-8"))
            manifest = Manifest.from_dict(data["manifest"], str(journal))
        except FileNotFoundError:  # completed meanwhile: the manifest file is current
            continue
        except (json.JSONDecodeError, KeyError, TypeError, InputError) as exc:
            raise SnapshotError(f"{journal}: unreadable commit record ({exc})") from exc
        found[manifest.snapshot_date] = _Committed(journal.parent, manifest)
    return found


# ------------------------------------------------------------------------------------------- read


def list_snapshots(out: Path | str) -> list[date]:
    """Dates with a manifest (complete or partial), oldest first."""
    if (url := remote_url(out)) is not None:
        from enrich import storage

        return storage.list_snapshots(url)
    directory = Path(out) / MANIFESTS
    days = set(_committed(Path(out)))
    if directory.is_dir():
        for path in directory.glob("*.json"):
            if DATE_PATTERN.match(path.stem):
                with contextlib.suppress(ValueError):
                    days.add(date.fromisoformat(path.stem))
    return sorted(days)


def read_manifest(out: Path | str, snapshot_date: date) -> Manifest:
    """The date's manifest; a write committed but not completed yet is read from its journal."""
    if (url := remote_url(out)) is not None:
        from enrich import storage

        return _readable(storage.read_manifest(url, snapshot_date), f"{url}/{MANIFESTS}/{snapshot_date}.json")
    path = manifest_path(Path(out), snapshot_date)
    committed = _committed(Path(out)).get(snapshot_date)
    if committed is not None:
        manifest = committed.manifest
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise InputError(str(path), f"no snapshot for {snapshot_date}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(str(path), f"not valid JSON ({exc.msg} at line {exc.lineno})") from exc
        manifest = Manifest.from_dict(data, str(path))
    return _readable(manifest, str(path))


def _readable(manifest: Manifest, where: str) -> Manifest:
    """``manifest`` if this code reads its schema version (same major), else :class:`SnapshotError`."""
    major = manifest.schema_version.split(".")[0]
    if major != SCHEMA_VERSION.split(".")[0]:
        raise SnapshotError(
            f"{where}: written with schema_version {manifest.schema_version}; this code reads {SCHEMA_VERSION}"
        )
    return manifest


def read_table(out: Path | str, table: str, snapshot_date: date) -> pa.Table:
    """One table of one snapshot as Arrow, conformed to the current schema."""
    if table not in SCHEMAS:
        raise InputError(table, f"unknown table; one of {', '.join(TABLE_NAMES)}")
    if (url := remote_url(out)) is not None:
        from enrich import storage

        return storage.read_table(url, table, snapshot_date, read_manifest(url, snapshot_date))

    def decoded(path: Path) -> pa.Table:
        try:
            return read_part(path, table)
        except FileNotFoundError:
            raise
        except (pa.ArrowInvalid, OSError) as exc:
            raise SnapshotError(f"{path}: unreadable Parquet ({exc})") from exc

    try:
        return _read_local(Path(out), table, snapshot_date, decoded)
    except FileNotFoundError as exc:
        if table not in read_manifest(out, snapshot_date).files:
            return SCHEMAS[table].empty_table()  # written before the table existed (e.g. entities, 1.2)
        path = partition_path(Path(out), table, snapshot_date) / PART_FILE
        raise SnapshotError(f"{path}: missing although its manifest exists") from exc


def _read_local(out: Path, table: str, day: date, read: Callable[[Path], _T]) -> _T:
    """``read`` of ``table``'s part file of ``day`` under ``out``, through the journal: the staged file
    of a write past its commit point while it is not in place yet, else the partition's (whose
    ``FileNotFoundError`` is the caller's to tell)."""
    committed = _committed(out).get(day)
    if committed is not None:
        with contextlib.suppress(FileNotFoundError):  # moved into place meanwhile: read it there
            return read(committed.staging / "new" / table / PART_FILE)
    return read(partition_path(out, table, day) / PART_FILE)


def read_part(source: Path | pa.NativeFile, table: str, columns: Sequence[str] | None = None) -> pa.Table:
    """One part file of ``table`` (a path or an open Arrow file), conformed to the current schema;
    only ``columns`` (in that order; one absent from an older file is null) if given.

    Read with :class:`pyarrow.parquet.ParquetFile`, not ``pq.read_table``: the latter goes through
    ``pyarrow.dataset``, whose import loads pandas (~45 MB of RSS and 1-4 s, measured) into a night
    that never uses it. Same table, same errors (``FileNotFoundError``, ``ArrowInvalid``)."""
    schema = SCHEMAS[table]
    with pq.ParquetFile(source) as part:
        if columns is None:
            return conform(part.read(), schema)
        present = set(part.schema_arrow.names)
        read = part.read(columns=[c for c in columns if c in present])
    return conform(read, pa.schema([schema.field(c) for c in columns]))


def read_previous(out: Path | str, before: date) -> PreviousSnapshot | None:
    """The latest snapshot (complete or partial) strictly before ``before``; ``None`` if there is none.

    Its tables are read as bytes (each checked against the manifest's size and SHA-256 when the
    manifest has them, and its Parquet footer read), not decoded: see :class:`PreviousSnapshot`."""
    earlier = [d for d in list_snapshots(out) if d < before]
    if not earlier:
        return None
    day = earlier[-1]
    manifest = read_manifest(out, day)
    parts: dict[str, pa.Buffer] = {}
    for table in PREVIOUS_TABLES:
        data = _part_bytes(out, table, day, manifest)
        if data is not None:
            parts[table] = data
    return PreviousSnapshot(snapshot_date=day, parts=parts, partial=manifest.partial)


def _part_bytes(out: Path | str, table: str, day: date, manifest: Manifest) -> pa.Buffer | None:
    """The bytes of ``table``'s part file of ``day`` (``None``: written before the table existed),
    checked as :func:`read_previous` says."""
    if (url := remote_url(out)) is not None:
        from enrich import storage

        return storage.read_part_bytes(url, table, day, manifest)
    path = partition_path(Path(out), table, day) / PART_FILE
    try:
        data = _read_local(Path(out), table, day, Path.read_bytes)
    except FileNotFoundError as exc:
        if table not in manifest.files:
            return None  # written before the table existed (e.g. entities, 1.2)
        raise SnapshotError(f"{path}: missing although its manifest exists") from exc
    except OSError as exc:
        raise SnapshotError(f"{path}: unreadable ({exc})") from exc
    if not matches_entry(manifest.files.get(table, {}), data):
        raise SnapshotError(f"{path}: does not match its manifest (size or sha256)")
    buffer = pa.py_buffer(data)
    try:
        pq.ParquetFile(pa.BufferReader(buffer)).close()  # the footer: a file that is not Parquet fails now
    except (pa.ArrowInvalid, OSError) as exc:
        raise SnapshotError(f"{path}: unreadable Parquet ({exc})") from exc
    return buffer


def _root(root: str | Path | None) -> Path | str:
    if root is not None:
        return parse_root(root)
    return output_root()


def _dates_for(out: Path | str, snapshot: str) -> list[date]:
    available = list_snapshots(out)
    if not available:
        raise InputError(str(out), f"no snapshots found (no {MANIFESTS}/YYYY-MM-DD.json)")
    if snapshot == "latest":
        return [available[-1]]
    if snapshot == "all":
        return available
    if not DATE_PATTERN.match(snapshot):
        raise InputError(snapshot, 'not a snapshot: give "latest", "all" or a date YYYY-MM-DD')
    try:
        day = date.fromisoformat(snapshot)
    except ValueError as exc:
        raise InputError(snapshot, f"not a valid date ({exc})") from exc
    if day not in available:
        shown = ", ".join(d.isoformat() for d in available[-5:])
        where = (
            f"{out}/{MANIFESTS}/{day.isoformat()}.json"
            if isinstance(out, str)
            else str(manifest_path(out, day))
        )
        raise InputError(where, f"no snapshot for {day}; latest available: {shown}")
    return [day]


def load(
    table: str, snapshot: str = "latest", root: str | Path | None = None, *, columns: list[str] | None = None
) -> pd.DataFrame:
    """One snapshot table as a pandas DataFrame with nullable dtypes.

    ``snapshot``: ``"latest"``, ``"all"`` (every snapshot, stacked) or ``"YYYY-MM-DD"``.
    ``root``: the snapshot directory; default ``$ENRICH_OUT_DIR`` (alias ``$ENRICH_OUT``) or ``data/enriched``.
    Integers are pandas ``Int64``/``Int32`` (missing is ``<NA>``, not NaN), strings ``string``,
    booleans ``boolean``, dates and timestamps ``datetime64``; a ``snapshot_date`` column is added.
    """
    import pandas as pd

    if table not in SCHEMAS:
        raise InputError(table, f"unknown table; one of {', '.join(TABLE_NAMES)}")
    out = _root(root)
    if columns is not None:
        unknown = [c for c in columns if c not in SCHEMAS[table].names]
        if unknown:
            raise InputError(", ".join(unknown), f"not a column of {table}")
    parts = []
    for day in _dates_for(out, snapshot):
        data = read_table(out, table, day)
        if columns is not None:
            data = data.select(columns)
        parts.append(data.append_column("snapshot_date", pa.array([day] * data.num_rows, pa.date32())))
    combined = pa.concat_tables(parts)
    mapping = {
        pa.int64(): pd.Int64Dtype(),
        pa.int32(): pd.Int32Dtype(),
        pa.bool_(): pd.BooleanDtype(),
        pa.float64(): pd.Float64Dtype(),
        pa.string(): pd.StringDtype(),
    }
    return combined.to_pandas(types_mapper=mapping.get, date_as_object=False)
