"""Dated Parquet snapshots: atomic writes, manifests, reading back (``enrich.load``).

Layout under ``<out>`` (Hive partitioning, one file per table and night)::

    <out>/<table>/snapshot_date=YYYY-MM-DD/part-0.parquet    zstd, explicit schema (enrich.schemas)
    <out>/manifests/YYYY-MM-DD.json                          written last: the date's commit record
    <out>/.lock                                              writers hold an exclusive flock on it
    <out>/.staging-<run_id>/                                 a write in progress (read only once committed)

Crash safety of :func:`write_snapshot` (a write-ahead protocol):

1. Every table file is written, fsynced and hashed under ``.staging-<run_id>/new/<table>/``.
   A crash here leaves only the staging directory; nothing visible changed, and the next writer
   deletes it.
2. ``COMMIT.json`` (the full manifest) is written atomically into the staging directory: the
   commit point. From here on the write is completed by whoever gets the lock next.
3. Each table's partition directory is swapped: the old one is renamed into the staging
   directory, the staged one renamed into place (renames within one file system are atomic, so a
   partition is always either the whole old file or the whole new one).
4. The manifest is replaced (temporary file + ``os.replace``), then the staging directory, holding
   the old partitions, is deleted. Other dates are never touched.

The date's manifest is never removed: until the commit point readers see the previous version,
whole. From the commit point until step 4 is done (or after a crash in between, until the next
writer or :func:`recover` completes it) the readers here (:func:`read_manifest`,
:func:`read_table`, :func:`list_snapshots`, :func:`read_previous`, :func:`load`) read *through*
the journal: the committed manifest from ``COMMIT.json`` and each table from the staging
directory while it is still there, so they see the new version, whole. There is no moment when a
date that had a snapshot has none. (A reader that only follows ``manifests/*.json`` to the
partition files can tell a write in progress by the ``sha256`` of each file in the manifest.)
The nightly run calls :func:`recover` before it reads the previous snapshot.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pyarrow as pa
import pyarrow.parquet as pq

from enrich.atomic import atomic_write, fsync_dir
from enrich.errors import InputError, SnapshotError
from enrich.outroot import DEFAULT_ROOT, output_root, parse_root
from enrich.records import SourceStats
from enrich.schemas import SCHEMA_VERSION, SCHEMAS, TABLE_NAMES, conform
from enrich.tables import PreviousSnapshot, Tables

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_ROOT",
    "Manifest",
    "code_version",
    "list_snapshots",
    "load",
    "new_run_id",
    "parquet_bytes",
    "partition_path",
    "read_manifest",
    "read_previous",
    "read_table",
    "recover",
    "sources_from_stats",
    "write_snapshot",
]

PART_FILE: Final = "part-0.parquet"
MANIFESTS: Final = "manifests"
_STAGING_PREFIX: Final = ".staging-"
_COMMIT: Final = "COMMIT.json"
_RUN_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Parquet writer options, fixed so the same table always gives the same bytes.
_PARQUET_OPTIONS: Final[dict[str, Any]] = {
    "compression": "zstd",
    "compression_level": 9,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
    "row_group_size": 1 << 20,
    "store_schema": True,
}


# -------------------------------------------------------------------------------------- manifest


@dataclass(frozen=True)
class Manifest:
    """One snapshot's commit record, stored as ``<out>/manifests/YYYY-MM-DD.json``.

    ``tables`` (name -> rows) and ``files`` (name -> path, rows, bytes, sha256) are filled in by
    :func:`write_snapshot` from what it actually wrote. ``sources`` maps a source name to its
    counters (requests, ok, not_found, errors, deferred, cache_hits, unreachable, message); build it
    with :func:`sources_from_stats`.
    """

    snapshot_date: date
    partial: bool
    tables: dict[str, int]
    sources: dict[str, dict[str, Any]]
    run_id: str
    code_version: str
    started_at: datetime
    ended_at: datetime
    schema_version: str = SCHEMA_VERSION
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["snapshot_date"] = self.snapshot_date.isoformat()
        data["started_at"] = _iso(self.started_at)
        data["ended_at"] = _iso(self.ended_at)
        data["notes"] = list(self.notes)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], origin: str = "manifest") -> Manifest:
        try:
            return cls(
                snapshot_date=date.fromisoformat(data["snapshot_date"]),
                partial=bool(data["partial"]),
                tables={str(k): int(v) for k, v in data["tables"].items()},
                sources={str(k): dict(v) for k, v in data["sources"].items()},
                run_id=str(data["run_id"]),
                code_version=str(data["code_version"]),
                started_at=datetime.fromisoformat(data["started_at"]),
                ended_at=datetime.fromisoformat(data["ended_at"]),
                schema_version=str(data.get("schema_version", SCHEMA_VERSION)),
                files={str(k): dict(v) for k, v in data.get("files", {}).items()},
                notes=tuple(str(n) for n in data.get("notes", ())),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(origin, f"not a valid snapshot manifest ({type(exc).__name__}: {exc})") from exc

    @classmethod
    def create(
        cls,
        *,
        snapshot_date: date,
        sources: Iterable[SourceStats] = (),
        started_at: datetime,
        ended_at: datetime,
        partial: bool | None = None,
        run_id: str | None = None,
        notes: Iterable[str] = (),
    ) -> Manifest:
        """A manifest for tonight; ``partial`` defaults to "some source was unreachable or deferred"."""
        stats = list(sources)
        if partial is None:
            partial = any(s.unreachable or s.deferred > 0 for s in stats)
        return cls(
            snapshot_date=snapshot_date,
            partial=partial,
            tables={},
            sources=sources_from_stats(stats),
            run_id=run_id or new_run_id(started_at),
            code_version=code_version(),
            started_at=started_at,
            ended_at=ended_at,
            notes=tuple(notes),
        )


def _iso(moment: datetime) -> str:
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)).isoformat()


def sources_from_stats(stats: Iterable[SourceStats]) -> dict[str, dict[str, Any]]:
    """The manifest's ``sources`` block: source name -> its counters (sorted by name)."""
    out: dict[str, dict[str, Any]] = {}
    for s in sorted(stats, key=lambda s: s.source):
        counters = asdict(s)
        del counters["source"]
        out[s.source] = counters
    return out


def new_run_id(now: datetime | None = None) -> str:
    """``YYYYmmddTHHMMSSZ-<8 hex>``: sortable and unique enough for staging directory names."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def code_version() -> str:
    """``enrich.__version__``, plus ``+git.<describe>`` when the package sits in a git checkout."""
    from enrich import __version__

    here = Path(__file__).resolve().parent
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return __version__
    describe = done.stdout.strip()
    if done.returncode != 0 or not describe:
        return __version__
    return f"{__version__}+git.{describe}"


# ------------------------------------------------------------------------------------------ paths


def partition_path(out: Path, table: str, snapshot_date: date) -> Path:
    """``<out>/<table>/snapshot_date=YYYY-MM-DD``."""
    return out / table / f"snapshot_date={snapshot_date.isoformat()}"


def _manifest_path(out: Path, snapshot_date: date | str) -> Path:
    text = snapshot_date if isinstance(snapshot_date, str) else snapshot_date.isoformat()
    return out / MANIFESTS / f"{text}.json"


def _remote(out: Path | str) -> str | None:
    """The object-store URL ``out`` names (written through :mod:`enrich.storage`), else ``None``."""
    root = parse_root(out)
    return root if isinstance(root, str) else None


def _fsync_dir(path: Path) -> None:
    fsync_dir(path)


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically and durably (:func:`enrich.atomic.atomic_write`)."""
    atomic_write(path, data)


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    with open(out / ".lock", "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def parquet_bytes(table: pa.Table, name: str) -> bytes:
    """``table`` as Parquet bytes with ``name``'s schema and the fixed writer options."""
    table = table.cast(SCHEMAS[name])
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **_PARQUET_OPTIONS)
    return bytes(sink.getvalue().to_pybytes())


# ------------------------------------------------------------------------------------------ write


def write_snapshot(out: Path | str, tables: Tables, manifest: Manifest) -> Path | str:
    """Write ``tables`` as the snapshot of ``manifest.snapshot_date`` under ``out``; return the manifest path.

    Atomic per date (see the module docstring): an earlier snapshot of the same date is replaced
    whole, other dates are untouched, and a failure before the commit point leaves everything as it
    was (:class:`~enrich.errors.SnapshotError`). ``manifest.tables``/``files`` are filled in here.
    An object-store URL (``s3://...``) is written by :func:`enrich.storage.write_snapshot` (the
    manifest is the commit); its manifest's URL is returned.
    """
    if (url := _remote(out)) is not None:
        from enrich import storage

        return storage.write_snapshot(url, tables, manifest)
    out = Path(out)
    if not _RUN_ID.match(manifest.run_id):
        raise InputError("run_id", f"{manifest.run_id!r} is not a safe run id (letters, digits, . _ -)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SnapshotError(f"{out}: cannot create the snapshot directory ({exc})") from exc
    with _locked(out):
        try:
            _recover_locked(out)
        except OSError as exc:
            raise SnapshotError(f"{out}: cannot complete an earlier interrupted write ({exc})") from exc
        staging = out / f"{_STAGING_PREFIX}{manifest.run_id}"
        try:
            if staging.exists():
                shutil.rmtree(staging)
            files: dict[str, dict[str, Any]] = {}
            for name, table in tables.items():
                data = parquet_bytes(table, name)
                target = staging / "new" / name / PART_FILE
                target.parent.mkdir(parents=True)
                with open(target, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                _fsync_dir(target.parent)
                rel = partition_path(Path(), name, manifest.snapshot_date) / PART_FILE
                files[name] = {
                    "path": rel.as_posix(),
                    "rows": table.num_rows,
                    "bytes": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            final = replace(manifest, tables=tables.row_counts(), files=files, schema_version=SCHEMA_VERSION)
            journal = {"snapshot_date": final.snapshot_date.isoformat(), "manifest": final.to_dict()}
            _fsync_dir(staging / "new")
            _write_atomic(staging / _COMMIT, json.dumps(journal, sort_keys=True).encode())
            _fsync_dir(out)
        except Exception as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise SnapshotError(
                f"{out}: snapshot {manifest.snapshot_date} not written, nothing changed ({exc})"
            ) from exc
        try:
            _apply(out, staging)
        except OSError as exc:
            raise SnapshotError(
                f"{out}: snapshot {manifest.snapshot_date} interrupted after its commit point ({exc}); "
                "the next write or enrich.snapshot.recover() completes it"
            ) from exc
    return _manifest_path(out, manifest.snapshot_date)


def _apply(out: Path, staging: Path) -> date:
    """Roll a committed staging directory forward (idempotent: safe to repeat after a crash)."""
    journal = json.loads((staging / _COMMIT).read_text(encoding="utf-8"))
    manifest = Manifest.from_dict(journal["manifest"], str(staging / _COMMIT))
    day = manifest.snapshot_date
    new_root, old_root = staging / "new", staging / "old"
    pending = sorted(p.name for p in new_root.iterdir()) if new_root.exists() else []
    manifest_path = _manifest_path(out, day)
    touched: set[Path] = set()
    for name in pending:  # step 3 (the old manifest stays: readers read through the journal)
        final = partition_path(out, name, day)
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            old_root.mkdir(exist_ok=True)
            parked = old_root / name
            if parked.exists():
                shutil.rmtree(parked)
            final.rename(parked)
        (new_root / name).rename(final)
        touched.add(final.parent)
    for directory in sorted(touched):
        _fsync_dir(directory)
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(manifest_path, manifest.to_json().encode())  # step 4
    shutil.rmtree(staging)
    return day


def _recover_locked(out: Path) -> list[date]:
    done: list[date] = []
    for staging in sorted(out.glob(f"{_STAGING_PREFIX}*")):
        if not staging.is_dir():
            continue
        if (staging / _COMMIT).exists():
            done.append(_apply(out, staging))
        else:
            shutil.rmtree(staging)
    # a manifest's temporary file left by a crash inside _write_atomic (never visible as a snapshot:
    # readers only see *.json); writes hold the lock, so none of these belongs to a live write
    manifests = out / MANIFESTS
    if manifests.is_dir():
        for leftover in manifests.glob(".*.json.tmp-*"):
            leftover.unlink(missing_ok=True)
    return done


def recover(out: Path | str) -> list[date]:
    """Finish writes interrupted after their commit point and delete uncommitted staging; return dates completed.

    Raises :class:`~enrich.errors.SnapshotError` when the directory cannot be changed.
    """
    if (url := _remote(out)) is not None:
        from enrich import storage

        return storage.recover(url)
    out = Path(out)
    if not out.exists():
        return []
    try:
        with _locked(out):
            return _recover_locked(out)
    except OSError as exc:
        raise SnapshotError(f"{out}: cannot complete an earlier interrupted write ({exc})") from exc


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
    for journal in sorted(out.glob(f"{_STAGING_PREFIX}*/{_COMMIT}")):
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
    if (url := _remote(out)) is not None:
        from enrich import storage

        return storage.list_snapshots(url)
    directory = Path(out) / MANIFESTS
    days = set(_committed(Path(out)))
    if directory.is_dir():
        for path in directory.glob("*.json"):
            if _DATE.match(path.stem):
                with contextlib.suppress(ValueError):
                    days.add(date.fromisoformat(path.stem))
    return sorted(days)


def read_manifest(out: Path | str, snapshot_date: date) -> Manifest:
    """The date's manifest; a write committed but not completed yet is read from its journal."""
    if (url := _remote(out)) is not None:
        from enrich import storage

        return _readable(storage.read_manifest(url, snapshot_date), f"{url}/{MANIFESTS}/{snapshot_date}.json")
    path = _manifest_path(Path(out), snapshot_date)
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
    if (url := _remote(out)) is not None:
        from enrich import storage

        return storage.read_table(url, table, snapshot_date, read_manifest(url, snapshot_date))
    path = partition_path(Path(out), table, snapshot_date) / PART_FILE
    committed = _committed(Path(out)).get(snapshot_date)
    if committed is not None:  # read through the journal while the staged file is not in place
        with contextlib.suppress(FileNotFoundError):  # moved into place meanwhile: read it there
            return conform(pq.read_table(committed.staging / "new" / table / PART_FILE), SCHEMAS[table])
    try:
        data = pq.read_table(path)
    except FileNotFoundError as exc:
        if table not in read_manifest(out, snapshot_date).files:
            return SCHEMAS[table].empty_table()  # written before the table existed (e.g. entities, 1.2)
        raise SnapshotError(f"{path}: missing although its manifest exists") from exc
    except (pa.ArrowInvalid, OSError) as exc:
        raise SnapshotError(f"{path}: unreadable Parquet ({exc})") from exc
    return conform(data, SCHEMAS[table])


def read_previous(out: Path | str, before: date) -> PreviousSnapshot | None:
    """The latest snapshot (complete or partial) strictly before ``before``; ``None`` if there is none."""
    earlier = [d for d in list_snapshots(out) if d < before]
    if not earlier:
        return None
    day = earlier[-1]
    manifest = read_manifest(out, day)
    return PreviousSnapshot(
        snapshot_date=day,
        entries=read_table(out, "entries", day),
        works=read_table(out, "works", day),
        repos=read_table(out, "repos", day),
        hf_items=read_table(out, "hf_items", day),
        partial=manifest.partial,
    )


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
    if not _DATE.match(snapshot):
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
            else str(_manifest_path(out, day))
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
