"""The snapshot layout and its commit record, shared by the writers and the readers.

Paths (:func:`partition_path`, :func:`manifest_path`), the fixed Parquet writer options
(:func:`parquet_bytes`), the :class:`Manifest` and what goes in it (:func:`file_entry`,
:func:`sources_from_stats`, :func:`new_run_id`, :func:`code_version`). The local write protocol is
:mod:`enrich.snapshot`, reading back :mod:`enrich.snapshot_read`, object stores :mod:`enrich.storage`.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import pyarrow.parquet as pq

from enrich.errors import InputError
from enrich.outroot import parse_root
from enrich.records import SourceStats
from enrich.schemas import SCHEMA_VERSION, SCHEMAS

__all__ = [
    "COMMIT_FILE",
    "DATE_PATTERN",
    "MANIFESTS",
    "PART_FILE",
    "STAGING_PREFIX",
    "Manifest",
    "check_run_id",
    "code_version",
    "file_entry",
    "manifest_path",
    "matches_entry",
    "new_run_id",
    "parquet_bytes",
    "partition_path",
    "remote_url",
    "sources_from_stats",
]

PART_FILE: Final = "part-0.parquet"
MANIFESTS: Final = "manifests"
STAGING_PREFIX: Final = ".staging-"
COMMIT_FILE: Final = "COMMIT.json"
_RUN_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
DATE_PATTERN: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
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

    def written(self, tables: dict[str, int], files: dict[str, dict[str, Any]]) -> Manifest:
        """This manifest as committed: the row counts and files actually written, today's schema."""
        return replace(self, tables=tables, files=files, schema_version=SCHEMA_VERSION)

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


def check_run_id(run_id: str) -> None:
    """:class:`InputError` unless ``run_id`` is safe in a file name (letters, digits, ``. _ -``)."""
    if not _RUN_ID.match(run_id):
        raise InputError("run_id", f"{run_id!r} is not a safe run id (letters, digits, . _ -)")


def file_entry(path: str, rows: int, data: bytes) -> dict[str, Any]:
    """A manifest's ``files`` entry for one table file: its path, rows, bytes and ``sha256``."""
    return {"path": path, "rows": rows, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def matches_entry(entry: Mapping[str, Any], data: bytes) -> bool:
    """Whether ``data`` is the file a ``files`` entry (:func:`file_entry`) names: its size and
    ``sha256``; an entry that records neither (an older manifest) is not checked."""
    if "bytes" not in entry or "sha256" not in entry:
        return True
    return len(data) == int(entry["bytes"]) and hashlib.sha256(data).hexdigest() == entry["sha256"]


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


def manifest_path(out: Path, snapshot_date: date | str) -> Path:
    text = snapshot_date if isinstance(snapshot_date, str) else snapshot_date.isoformat()
    return out / MANIFESTS / f"{text}.json"


def remote_url(out: Path | str) -> str | None:
    """The object-store URL ``out`` names (written through :mod:`enrich.storage`), else ``None``."""
    root = parse_root(out)
    return root if isinstance(root, str) else None


def parquet_bytes(table: pa.Table, name: str) -> bytes:
    """``table`` as Parquet bytes with ``name``'s schema and the fixed writer options."""
    table = table.cast(SCHEMAS[name])
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **_PARQUET_OPTIONS)
    return bytes(sink.getvalue().to_pybytes())
