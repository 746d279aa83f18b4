"""Snapshots on an object store (``s3://bucket/prefix``): the same layout, committed by the manifest.

An object store has no rename, so the local protocol of :mod:`enrich.snapshot` (stage, commit
record, swap directories) cannot be used. Here the manifest is the commit:

1. Every table is written as ``<root>/<table>/snapshot_date=YYYY-MM-DD/part-<run_id>.parquet`` (a new
   name per write, so the files of the snapshot readers see now are never overwritten). A crash here
   leaves part files that no manifest names: readers never see them.
2. ``<root>/manifests/YYYY-MM-DD.json`` is written last, in one PUT (an object is visible whole or not
   at all), naming each table's part file with its rows, bytes and ``sha256``. This is the commit.
3. The part files the replaced manifest named are deleted. A reader still holding the old manifest
   finds its file gone, reads the manifest again and gets the new version.

Readers go through the manifest (:func:`read_table` checks size and ``sha256``); a part file that no
manifest names is ignored, and :func:`recover` deletes those older than ``ORPHAN_GRACE`` (a write
younger than that may still be in progress). One writer per date at a time is the deployment's job
(the nightly run writes its date once); two writers of the same date leave the last manifest whole.

The file system is pyarrow's (``pyarrow.fs.S3FileSystem``, part of the pyarrow wheel: no new
dependency). It is configured the way every AWS tool is: ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``, ``AWS_ENDPOINT_URL`` (an S3-compatible server: MinIO,
Ceph, moto), or the instance's role. The URL carries no settings (:func:`enrich.outroot.parse_root`).
Other readers: :func:`duckdb_connect` (DuckDB through fsspec's wrapper of the same file system: the
``httpfs`` extension is not needed), :func:`table_urls` (the committed files, for DuckDB, Polars,
pandas with ``storage_options``).
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Final

import pyarrow as pa
import pyarrow.fs as pafs

from enrich.errors import InputError, SnapshotError
from enrich.manifest import (
    DATE_PATTERN,
    MANIFESTS,
    Manifest,
    check_run_id,
    file_entry,
    matches_entry,
    parquet_bytes,
)
from enrich.outroot import parse_root
from enrich.schemas import SCHEMAS
from enrich.snapshot_read import read_part
from enrich.tables import Tables

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "ORPHAN_GRACE",
    "Bucket",
    "check_root",
    "duckdb_connect",
    "list_snapshots",
    "open_root",
    "read_manifest",
    "read_table",
    "recover",
    "table_urls",
    "write_snapshot",
]

FLEET_DIR: Final = "_fleet"
"""Where a fleet's night keeps its work units (:mod:`enrich.fleet`); never part of a snapshot."""
ORPHAN_GRACE: Final = 6 * 3600.0
"""Seconds after which a part file no manifest names is taken for the leftover of a crashed write."""
_PART: Final = re.compile(r"^part-[A-Za-z0-9._-]+\.parquet$")
_NOT_FOUND: Final = (FileNotFoundError,)


@dataclass(frozen=True)
class Bucket:
    """An object-store snapshot root: its URL, pyarrow file system and path inside it (``bucket/prefix``)."""

    url: str
    fs: pafs.FileSystem
    base: str

    def path(self, rel: str | PurePosixPath) -> str:
        return f"{self.base}/{PurePosixPath(rel).as_posix()}"

    def url_of(self, rel: str | PurePosixPath) -> str:
        return f"{self.url}/{PurePosixPath(rel).as_posix()}"


def _filesystem(url: str) -> tuple[pafs.FileSystem, str]:
    fs, path = pafs.FileSystem.from_uri(url)
    return fs, path.rstrip("/")


def open_root(url: str) -> Bucket:
    """The :class:`Bucket` of ``url`` (parsed by :func:`enrich.outroot.parse_root`)."""
    root = parse_root(url)
    if not isinstance(root, str):
        raise InputError(url, "not an object-store URL")
    try:
        fs, base = _filesystem(root)
    except (pa.ArrowInvalid, OSError, ValueError) as exc:
        raise InputError(root, f"cannot open the object store ({_short(exc)})") from exc
    return Bucket(root, fs, base)


def _short(exc: BaseException) -> str:
    """The first line of an Arrow/AWS error (they run to several lines of request details)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def check_root(url: str) -> None:
    """Before a run spends any quota: the bucket exists and answers (:class:`InputError`, one line)."""
    bucket = open_root(url)
    name = bucket.base.split("/")[0]
    try:
        info = bucket.fs.get_file_info(name)
    except OSError as exc:
        raise InputError(bucket.url, f"the object store does not answer ({_short(exc)})") from exc
    if info.type == pafs.FileType.NotFound:
        raise InputError(bucket.url, f"no bucket {name!r} (create it first; this code never creates buckets)")


# ------------------------------------------------------------------------------------------ bytes


def _get(bucket: Bucket, rel: str | PurePosixPath) -> bytes:
    with bucket.fs.open_input_stream(bucket.path(rel)) as stream:
        return bytes(stream.read())


def _put(bucket: Bucket, rel: str | PurePosixPath, data: bytes) -> None:
    """One object, visible whole or not at all once the stream is closed."""
    with bucket.fs.open_output_stream(bucket.path(rel)) as stream:
        stream.write(data)


def put_bytes(url: str, rel: str, data: bytes) -> str:
    """Write one object under the root (run summaries, a fleet's work units); return its URL."""
    bucket = open_root(url)
    try:
        _put(bucket, rel, data)
    except OSError as exc:
        raise SnapshotError(f"{bucket.url_of(rel)}: cannot write ({_short(exc)})") from exc
    return bucket.url_of(rel)


def put_text(url: str, rel: str, text: str) -> str:
    return put_bytes(url, rel, text.encode("utf-8"))


def get_bytes(url: str, rel: str) -> bytes | None:
    """One object under the root; ``None`` when it does not exist."""
    bucket = open_root(url)
    try:
        return _get(bucket, rel)
    except _NOT_FOUND:
        return None
    except OSError as exc:
        raise SnapshotError(f"{bucket.url_of(rel)}: unreadable ({_short(exc)})") from exc


def delete_prefix(url: str, rel: str) -> None:
    """Delete everything under ``<root>/<rel>/`` (a night's fleet work units once it is written)."""
    bucket = open_root(url)
    try:
        bucket.fs.delete_dir(bucket.path(rel))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise SnapshotError(f"{bucket.url_of(rel)}: cannot delete ({_short(exc)})") from exc


def read_text(object_url: str) -> str:
    """A small text object by its full URL (a manifest or summary this code wrote)."""
    try:
        fs, path = pafs.FileSystem.from_uri(object_url)
        with fs.open_input_stream(path) as stream:
            return bytes(stream.read()).decode("utf-8")
    except (OSError, pa.ArrowInvalid) as exc:
        raise SnapshotError(f"{object_url}: unreadable ({_short(exc)})") from exc


# ------------------------------------------------------------------------------------------ write


def _manifest_rel(day: date) -> str:
    return f"{MANIFESTS}/{day.isoformat()}.json"


def write_snapshot(url: str, tables: Tables, manifest: Manifest) -> str:
    """Write ``tables`` as the snapshot of ``manifest.snapshot_date`` under ``url``; return the manifest's URL.

    The part files first, the manifest last (the commit), then the replaced version's part files are
    deleted. A failure before the manifest is written leaves the previous snapshot as it was
    (:class:`~enrich.errors.SnapshotError`, and the part files written so far are deleted).
    """
    check_run_id(manifest.run_id)
    bucket = open_root(url)
    day = manifest.snapshot_date
    written: list[str] = []
    try:
        replaced = _try_manifest(bucket, day)
        files: dict[str, dict[str, Any]] = {}
        for name, table in tables.items():
            data = parquet_bytes(table, name)
            rel = f"{name}/snapshot_date={day.isoformat()}/part-{manifest.run_id}.parquet"  # partition_path's layout
            written.append(rel)
            _put(bucket, rel, data)
            files[name] = file_entry(rel, table.num_rows, data)
        final = manifest.written(tables.row_counts(), files)
        _put(bucket, _manifest_rel(day), final.to_json().encode())
    except (OSError, pa.ArrowException) as exc:
        for rel in written:
            with contextlib.suppress(OSError):  # left behind, it is an orphan no reader sees
                bucket.fs.delete_file(bucket.path(rel))
        raise SnapshotError(
            f"{bucket.url}: snapshot {day} not written, nothing changed ({_short(exc)})"
        ) from exc
    if replaced is not None:
        keep = {str(f["path"]) for f in files.values()}
        for entry in replaced.files.values():
            rel = str(entry.get("path", ""))
            if rel and rel not in keep:
                with contextlib.suppress(OSError):  # an orphan now: recover() deletes it later
                    bucket.fs.delete_file(bucket.path(rel))
    return bucket.url_of(_manifest_rel(day))


# ------------------------------------------------------------------------------------------- read


def _parse_manifest(bucket: Bucket, day: date, data: bytes) -> Manifest:
    where = bucket.url_of(_manifest_rel(day))
    try:
        parsed = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(where, f"not valid JSON ({exc})") from exc
    return Manifest.from_dict(parsed, where)


def _try_manifest(bucket: Bucket, day: date) -> Manifest | None:
    try:
        data = _get(bucket, _manifest_rel(day))
    except _NOT_FOUND:
        return None
    return _parse_manifest(bucket, day, data)


def read_manifest(url: str, day: date) -> Manifest:
    """The date's manifest (:class:`InputError` when there is none)."""
    bucket = open_root(url)
    try:
        manifest = _try_manifest(bucket, day)
    except OSError as exc:
        raise SnapshotError(f"{bucket.url_of(_manifest_rel(day))}: unreadable ({_short(exc)})") from exc
    if manifest is None:
        raise InputError(bucket.url_of(_manifest_rel(day)), f"no snapshot for {day}")
    return manifest


def list_snapshots(url: str) -> list[date]:
    """Dates with a manifest, oldest first."""
    bucket = open_root(url)
    selector = pafs.FileSelector(bucket.path(MANIFESTS), allow_not_found=True, recursive=False)
    try:
        infos = bucket.fs.get_file_info(selector)
    except OSError as exc:
        raise SnapshotError(f"{bucket.url}: cannot list the manifests ({_short(exc)})") from exc
    days: set[date] = set()
    for info in infos:
        stem = info.base_name.removesuffix(".json")
        if info.type == pafs.FileType.File and info.base_name.endswith(".json") and DATE_PATTERN.match(stem):
            with contextlib.suppress(ValueError):
                days.add(date.fromisoformat(stem))
    return sorted(days)


def _committed_bytes(bucket: Bucket, manifest: Manifest, table: str) -> bytes:
    entry = manifest.files[table]  # the caller checked it is named
    rel = str(entry["path"])
    data = _get(bucket, rel)
    if not matches_entry(entry, data):
        raise SnapshotError(f"{bucket.url_of(rel)}: does not match its manifest (size or sha256)")
    return data


def read_table(url: str, table: str, day: date, manifest: Manifest | None = None) -> pa.Table:
    """One committed table, checked against the manifest's size and ``sha256``, conformed to the schema.

    A part file gone since the manifest was read (replaced by a newer write of the date) costs one
    more read of the manifest.
    """
    data = read_part_bytes(url, table, day, manifest)
    if data is None:
        raise SnapshotError(f"{open_root(url).url_of(_manifest_rel(day))}: names no file for {table}")
    try:
        return read_part(pa.BufferReader(data), table)
    except pa.ArrowInvalid as exc:
        raise SnapshotError(f"{open_root(url).url}: {table} of {day}: unreadable Parquet ({exc})") from exc


def read_part_bytes(url: str, table: str, day: date, manifest: Manifest | None = None) -> pa.Buffer | None:
    """The bytes of one committed part file, checked against the manifest's size and ``sha256``
    (``None`` when the manifest names no file for ``table``: written before the table existed)."""
    bucket = open_root(url)
    for attempt in (1, 2):
        current = manifest if manifest is not None and attempt == 1 else read_manifest(url, day)
        if table not in current.files:
            return None
        try:
            return pa.py_buffer(_committed_bytes(bucket, current, table))
        except _NOT_FOUND as exc:
            if attempt == 2:
                raise SnapshotError(
                    f"{bucket.url}: {table} of {day} missing although its manifest names it"
                ) from exc
            continue
        except OSError as exc:
            raise SnapshotError(f"{bucket.url}: {table} of {day} unreadable ({_short(exc)})") from exc
    raise AssertionError("unreachable")  # pragma: no cover


def table_urls(url: str, table: str, days: list[date] | None = None) -> list[str]:
    """URLs of the committed part files of ``table`` (every snapshot, or ``days``), oldest first.

    For readers that take a list of files: ``duckdb_connect(url).read_parquet(table_urls(...))``,
    ``polars.read_parquet(..., storage_options=...)``, ``pandas.read_parquet(..., storage_options=...)``.
    A glob over the prefix would also match part files of writes in progress or crashed: go through this.
    """
    bucket = open_root(url)
    chosen = list_snapshots(url) if days is None else days
    urls: list[str] = []
    for day in chosen:
        entry = read_manifest(url, day).files.get(table)
        if entry is not None:
            urls.append(bucket.url_of(str(entry["path"])))
    return urls


def duckdb_connect(url: str, con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that reads ``s3://`` URLs through the same file system (no ``httpfs`` needed)."""
    import duckdb
    from fsspec.implementations.arrow import ArrowFSWrapper  # type: ignore[import-untyped]

    bucket = open_root(url)
    con = con if con is not None else duckdb.connect()
    con.register_filesystem(ArrowFSWrapper(bucket.fs))
    return con


# ---------------------------------------------------------------------------------------- recover


def _part_files(bucket: Bucket) -> Iterator[pafs.FileInfo]:
    for table in SCHEMAS:
        selector = pafs.FileSelector(bucket.path(table), allow_not_found=True, recursive=True)
        for info in bucket.fs.get_file_info(selector):
            if info.type == pafs.FileType.File and _PART.match(info.base_name):
                yield info


def recover(url: str, *, grace: float = ORPHAN_GRACE, now: float | None = None) -> list[date]:
    """Delete part files no manifest names, and fleet work units, older than ``grace`` seconds.

    Returns ``[]``: on an object store a write is either committed (its manifest exists) or invisible.
    """
    bucket = open_root(url)
    moment = time.time() if now is None else now
    try:
        named = {
            bucket.path(str(f["path"]))
            for day in list_snapshots(url)
            for f in read_manifest(url, day).files.values()
        }
        for info in _part_files(bucket):
            mtime = info.mtime.timestamp() if info.mtime is not None else moment
            if info.path not in named and moment - mtime > grace:
                bucket.fs.delete_file(info.path)
        # a fleet's work units (enrich.fleet) left by a night that died, or written late by a unit
        # started twice after the night cleared them
        units = pafs.FileSelector(bucket.path(FLEET_DIR), allow_not_found=True, recursive=True)
        for info in bucket.fs.get_file_info(units):
            mtime = info.mtime.timestamp() if info.mtime is not None else moment
            if info.type == pafs.FileType.File and moment - mtime > grace:
                bucket.fs.delete_file(info.path)
    except OSError as exc:
        raise SnapshotError(f"{bucket.url}: cannot clean up after earlier writes ({_short(exc)})") from exc
    return []
