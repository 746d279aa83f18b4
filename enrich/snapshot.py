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

The code: this module is the local write protocol (:func:`write_snapshot`, :func:`recover`);
:mod:`enrich.manifest` the layout and the :class:`Manifest` that writers and readers share;
:mod:`enrich.snapshot_read` the readers; :mod:`enrich.storage` object stores. Every public name
is importable from here.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from enrich.atomic import atomic_write, fsync_dir
from enrich.errors import SnapshotError
from enrich.manifest import (
    COMMIT_FILE,
    MANIFESTS,
    PART_FILE,
    STAGING_PREFIX,
    Manifest,
    check_run_id,
    code_version,
    file_entry,
    manifest_path,
    new_run_id,
    parquet_bytes,
    partition_path,
    remote_url,
    sources_from_stats,
)
from enrich.outroot import DEFAULT_ROOT
from enrich.snapshot_read import list_snapshots, load, read_manifest, read_previous, read_table
from enrich.tables import Tables

__all__ = [
    "DEFAULT_ROOT",
    "PART_FILE",
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


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    with open(out / ".lock", "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


# ------------------------------------------------------------------------------------------ write


def write_snapshot(out: Path | str, tables: Tables, manifest: Manifest) -> Path | str:
    """Write ``tables`` as the snapshot of ``manifest.snapshot_date`` under ``out``; return the manifest path.

    Atomic per date (see the module docstring): an earlier snapshot of the same date is replaced
    whole, other dates are untouched, and a failure before the commit point leaves everything as it
    was (:class:`~enrich.errors.SnapshotError`). ``manifest.tables``/``files`` are filled in here.
    An object-store URL (``s3://...``) is written by :func:`enrich.storage.write_snapshot` (the
    manifest is the commit); its manifest's URL is returned.
    """
    if (url := remote_url(out)) is not None:
        from enrich import storage

        return storage.write_snapshot(url, tables, manifest)
    out = Path(out)
    check_run_id(manifest.run_id)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SnapshotError(f"{out}: cannot create the snapshot directory ({exc})") from exc
    with _locked(out):
        try:
            _recover_locked(out)
        except OSError as exc:
            raise SnapshotError(f"{out}: cannot complete an earlier interrupted write ({exc})") from exc
        staging = out / f"{STAGING_PREFIX}{manifest.run_id}"
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
                fsync_dir(target.parent)
                rel = partition_path(Path(), name, manifest.snapshot_date) / PART_FILE
                files[name] = file_entry(rel.as_posix(), table.num_rows, data)
            final = manifest.written(tables.row_counts(), files)
            journal = {"snapshot_date": final.snapshot_date.isoformat(), "manifest": final.to_dict()}
            fsync_dir(staging / "new")
            atomic_write(staging / COMMIT_FILE, json.dumps(journal, sort_keys=True).encode())
            fsync_dir(out)
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
    return manifest_path(out, manifest.snapshot_date)


def _apply(out: Path, staging: Path) -> date:
    """Roll a committed staging directory forward (idempotent: safe to repeat after a crash)."""
    journal = json.loads((staging / COMMIT_FILE).read_text(encoding="utf-8"))
    manifest = Manifest.from_dict(journal["manifest"], str(staging / COMMIT_FILE))
    day = manifest.snapshot_date
    new_root, old_root = staging / "new", staging / "old"
    pending = sorted(p.name for p in new_root.iterdir()) if new_root.exists() else []
    manifest_file = manifest_path(out, day)
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
        fsync_dir(directory)
    manifest_file.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(manifest_file, manifest.to_json().encode())  # step 4
    shutil.rmtree(staging)
    return day


def _recover_locked(out: Path) -> list[date]:
    done: list[date] = []
    for staging in sorted(out.glob(f"{STAGING_PREFIX}*")):
        if not staging.is_dir():
            continue
        if (staging / COMMIT_FILE).exists():
            done.append(_apply(out, staging))
        else:
            shutil.rmtree(staging)
    # a manifest's temporary file left by a crash inside atomic_write (never visible as a snapshot:
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
    if (url := remote_url(out)) is not None:
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
