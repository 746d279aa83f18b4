"""Writing and reading snapshots: layout, manifest, determinism, atomicity under crashes, load()."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import enrich
import enrich.snapshot as snap
from enrich.atomic import atomic_write
from enrich.errors import InputError, SnapshotError
from enrich.records import SourceStats
from enrich.snapshot import (
    Manifest,
    list_snapshots,
    load,
    read_manifest,
    read_previous,
    read_table,
    recover,
    sources_from_stats,
    write_snapshot,
)

from .helpers import D1, D2, D3, T1, T2, build, lora_night, manifest, tree

TABLES = ("entities", "entries", "hf_items", "list_changes", "metrics_history", "repos", "works")


class Crash(BaseException):
    """Stands in for the process dying: nothing in the writer catches it."""


def two_nights(out: Path) -> None:
    write_snapshot(out, build(lora_night(T1), D1), manifest(D1, "night-1"))
    write_snapshot(out, build(lora_night(T2), D2), manifest(D2, "night-2"))


def test_layout_is_hive_partitioned_with_one_file_per_table(tmp_path: Path) -> None:
    path = write_snapshot(tmp_path, build(lora_night(T1), D1), manifest(D1))
    assert path == tmp_path / "manifests" / "2026-11-20.json"
    assert sorted(tree(tmp_path)) == [
        *(
            f"{t}/snapshot_date=2026-11-20/part-0.parquet"
            for t in ("entities", "entries", "hf_items", "list_changes")
        ),
        "manifests/2026-11-20.json",
        *(f"{t}/snapshot_date=2026-11-20/part-0.parquet" for t in ("metrics_history", "repos", "works")),
    ]


def test_manifest_records_run_tables_sources_and_files(tmp_path: Path) -> None:
    path = write_snapshot(tmp_path, build(lora_night(T1), D1), manifest(D1, "night-1"))
    data = json.loads(path.read_text())
    files = data.pop("files")
    assert data == {
        "snapshot_date": "2026-11-20",
        "partial": False,
        "tables": {
            "entries": 3,
            "works": 1,
            "repos": 1,
            "hf_items": 1,
            "metrics_history": 6,
            "list_changes": 3,
            "entities": 3,
        },
        "sources": {"github": {"requests": 1, "ok": 1, "not_found": 0, "errors": 0, "deferred": 0}},
        "run_id": "night-1",
        "code_version": "0.1.0",
        "started_at": "2026-11-20T02:00:00+00:00",
        "ended_at": "2026-11-20T02:30:00+00:00",
        "schema_version": "1.2",
        "notes": [],
    }
    assert sorted(files) == list(TABLES)
    for name, info in files.items():
        body = (tmp_path / info["path"]).read_bytes()
        assert info == {
            "path": f"{name}/snapshot_date=2026-11-20/part-0.parquet",
            "rows": data["tables"][name],
            "bytes": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
        }
    assert read_manifest(tmp_path, D1).files == files


def test_same_inputs_give_byte_identical_files(tmp_path: Path) -> None:
    write_snapshot(tmp_path / "a", build(lora_night(T1), D1), manifest(D1, "run-a"))
    write_snapshot(tmp_path / "b", build(lora_night(T1), D1), manifest(D1, "run-b"))
    a, b = tree(tmp_path / "a"), tree(tmp_path / "b")
    parquet = [k for k in a if k.endswith(".parquet")]
    assert len(parquet) == 7
    assert {k: a[k] for k in parquet} == {k: b[k] for k in parquet}


def test_rerunning_a_date_replaces_only_that_date(tmp_path: Path) -> None:
    two_nights(tmp_path)
    before = tree(tmp_path)
    night = build(lora_night(T2, github_ok=False), D2, read_previous(tmp_path, D2))
    write_snapshot(tmp_path, night, manifest(D2, "night-2-again", partial=True))
    after = tree(tmp_path)
    assert sorted(after) == sorted(before)
    assert {k: v for k, v in after.items() if "2026-11-20" in k} == {
        k: v for k, v in before.items() if "2026-11-20" in k
    }
    assert (
        after["repos/snapshot_date=2026-11-21/part-0.parquet"]
        != before["repos/snapshot_date=2026-11-21/part-0.parquet"]
    )
    assert read_manifest(tmp_path, D2).run_id == "night-2-again"
    assert load("repos", "2026-11-21", tmp_path)["status"].tolist() == ["stale"]


def test_failure_while_staging_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    two_nights(tmp_path)
    before = tree(tmp_path)
    real = snap.parquet_bytes
    calls = []

    def failing(table: Any, name: str) -> bytes:
        calls.append(name)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(table, name)

    monkeypatch.setattr(snap, "parquet_bytes", failing)
    with pytest.raises(SnapshotError, match="not written, nothing changed"):
        write_snapshot(tmp_path, build(lora_night(T2, s2_ok=False), D2), manifest(D2, "rerun"))
    assert tree(tmp_path) == before
    assert not list(tmp_path.glob(".staging-*"))


def test_crash_before_commit_is_invisible_and_cleaned_by_next_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_nights(tmp_path)
    before = tree(tmp_path)
    real = snap.parquet_bytes

    def dying(table: Any, name: str) -> bytes:
        if name == "repos":
            raise Crash
        return real(table, name)

    monkeypatch.setattr(snap, "parquet_bytes", dying)
    with pytest.raises(Crash):
        write_snapshot(tmp_path, build(lora_night(T2, s2_ok=False), D2), manifest(D2, "dies"))
    leftovers = [p.name for p in tmp_path.glob(".staging-*")]
    assert leftovers == [".staging-dies"]
    visible = {k: v for k, v in tree(tmp_path).items() if not k.startswith(".staging")}
    assert visible == before
    assert load("works", root=tmp_path)["citation_count_s2"].tolist() == [101]
    monkeypatch.setattr(snap, "parquet_bytes", real)
    assert recover(tmp_path) == []
    assert tree(tmp_path) == before


@pytest.mark.parametrize("crash_at", [1, 2, 5, 12])
def test_crash_after_commit_shows_the_new_version_then_recovery_completes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash_at: int
) -> None:
    two_nights(tmp_path)
    old_d1 = {k: v for k, v in tree(tmp_path).items() if "2026-11-20" in k}
    night = build(lora_night(T2, github_ok=False), D2, read_previous(tmp_path, D2))
    real_rename = Path.rename
    calls = []

    def dying_rename(self: Path, target: Any) -> Any:
        calls.append(self)
        if len(calls) == crash_at:
            raise Crash
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", dying_rename)
    with pytest.raises(Crash):
        write_snapshot(tmp_path, night, manifest(D2, "crashes", partial=True))
    monkeypatch.setattr(Path, "rename", real_rename)
    # the date never disappears: readers see the committed version, whole, through the journal
    assert list_snapshots(tmp_path) == [D1, D2]
    assert read_manifest(tmp_path, D2).run_id == "crashes"
    seen = load("repos", root=tmp_path)
    assert (seen["status"].tolist(), seen["stars"].tolist()) == (["stale"], [1000])
    assert (tmp_path / "manifests" / "2026-11-21.json").exists()
    assert recover(tmp_path) == [D2]
    assert list_snapshots(tmp_path) == [D1, D2]
    assert read_manifest(tmp_path, D2).run_id == "crashes"
    repos = load("repos", root=tmp_path)
    assert (repos["status"].tolist(), repos["stars"].tolist()) == (["stale"], [1000])
    assert repos["stars_as_of"].dt.date.tolist() == [D1]
    assert not list(tmp_path.glob(".staging-*"))
    assert {k: v for k, v in tree(tmp_path).items() if "2026-11-20" in k} == old_d1
    # every partition of the date holds exactly the new file
    for name, info in read_manifest(tmp_path, D2).files.items():
        body = (tmp_path / info["path"]).read_bytes()
        assert hashlib.sha256(body).hexdigest() == info["sha256"], name
        assert sorted(p.name for p in (tmp_path / info["path"]).parent.iterdir()) == ["part-0.parquet"]


def test_crash_before_the_manifest_is_written_is_rolled_forward_by_next_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_snapshot(tmp_path, build(lora_night(T1), D1), manifest(D1, "night-1"))
    real = atomic_write

    def dying(path: Path, data: bytes) -> None:
        if path.parent.name == "manifests":
            raise Crash
        real(path, data)

    monkeypatch.setattr("enrich.snapshot.atomic_write", dying)
    with pytest.raises(Crash):
        write_snapshot(tmp_path, build(lora_night(T2), D2), manifest(D2, "night-2"))
    monkeypatch.setattr("enrich.snapshot.atomic_write", real)
    assert not (tmp_path / "manifests" / "2026-11-21.json").exists()
    assert list_snapshots(tmp_path) == [D1, D2]  # committed: read through its journal
    assert read_manifest(tmp_path, D2).run_id == "night-2"
    write_snapshot(
        tmp_path, build(lora_night(D3_T := datetime(2026, 11, 22, 2, tzinfo=UTC)), D3), manifest(D3, "n3")
    )
    assert D3_T.date() == D3
    assert list_snapshots(tmp_path) == [D1, D2, D3]
    assert read_manifest(tmp_path, D2).run_id == "night-2"


def test_os_error_after_commit_is_reported_and_recoverable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    two_nights(tmp_path)
    real_rename = Path.rename

    def refusing(self: Path, target: Any) -> Any:
        raise PermissionError("read-only file system")

    monkeypatch.setattr(Path, "rename", refusing)
    with pytest.raises(SnapshotError, match="interrupted after its commit point"):
        write_snapshot(tmp_path, build(lora_night(T2, hf_ok=False), D2), manifest(D2, "again"))
    monkeypatch.setattr(Path, "rename", real_rename)
    assert recover(tmp_path) == [D2]
    assert read_manifest(tmp_path, D2).run_id == "again"


def test_unsafe_run_id_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="run_id"):
        write_snapshot(tmp_path, build(lora_night(T1), D1), manifest(D1, "../escape"))


def test_read_previous_is_strictly_before_and_includes_partial(tmp_path: Path) -> None:
    assert read_previous(tmp_path, D1) is None
    write_snapshot(tmp_path, build(lora_night(T1), D1), manifest(D1, "n1", partial=True))
    assert read_previous(tmp_path, D1) is None
    prev = read_previous(tmp_path, D3)
    assert prev is not None
    assert (prev.snapshot_date, prev.partial, prev.table("works").num_rows, prev.table("repos").num_rows) == (
        D1,
        True,
        1,
        1,
    )


def test_previous_snapshot_holds_bytes_and_decodes_what_is_asked(tmp_path: Path) -> None:
    write_snapshot(tmp_path, build(lora_night(T1), D1), manifest(D1, "n1"))
    prev = read_previous(tmp_path, D2)
    assert prev is not None and sorted(prev.parts) == ["entries", "hf_items", "repos", "works"]
    for name in prev.parts:
        assert prev.table(name).equals(read_table(tmp_path, name, D1)), name
    works = read_table(tmp_path, "works", D1)
    assert prev.table("works", ["title", "work_id", "title"]).equals(works.select(["title", "work_id"]))
    # the same date written again meanwhile: the night goes on reading what it started with
    write_snapshot(tmp_path, build(lora_night(T1, github_ok=False), D1), manifest(D1, "again"))
    assert not read_table(tmp_path, "repos", D1).equals(prev.table("repos"))
    assert prev.table("works").equals(works)


def test_previous_snapshot_not_matching_its_manifest_fails_when_read(tmp_path: Path) -> None:
    write_snapshot(tmp_path, build(lora_night(T1), D1), manifest(D1))
    part = tmp_path / "works" / "snapshot_date=2026-11-20" / "part-0.parquet"
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte flipped: the same size, another SHA-256
    part.write_bytes(bytes(data))
    with pytest.raises(
        SnapshotError, match=r"works/snapshot_date=2026-11-20/part-0\.parquet: does not match"
    ):
        read_previous(tmp_path, D2)


def test_manifest_of_another_major_schema_version_is_refused(tmp_path: Path) -> None:
    write_snapshot(tmp_path, build(lora_night(T1), D1), manifest(D1))
    path = tmp_path / "manifests" / "2026-11-20.json"
    data = json.loads(path.read_text())
    data["schema_version"] = "2.0"
    path.write_text(json.dumps(data))
    with pytest.raises(SnapshotError, match=r"schema_version 2\.0"):
        read_previous(tmp_path, D2)


def test_bad_manifest_is_an_input_error_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "2026-11-20.json").write_text('{"snapshot_date": "2026-11-20"}')
    with pytest.raises(InputError, match=r"2026-11-20\.json: not a valid snapshot manifest"):
        read_manifest(tmp_path, D1)


def test_manifest_create_from_source_stats() -> None:
    stats = [
        SourceStats("s2", requests=3, ok=2, not_found=1),
        SourceStats("github", requests=0, unreachable=True, message="github: unreachable"),
    ]
    m = Manifest.create(snapshot_date=D1, sources=stats, started_at=T1, ended_at=T1, run_id="r1")
    assert m.partial is True
    assert list(m.sources) == ["github", "s2"]
    assert m.sources["s2"] == {
        "requests": 3,
        "ok": 2,
        "not_found": 1,
        "errors": 0,
        "deferred": 0,
        "cache_hits": 0,
        "unreachable": False,
        "message": None,
        "auth_rejected": False,
        "stopped": None,
        "requested": 0,
        "served_share": 1.0,
        "min_served": 1.0,
        "served": True,
        "deadline_s": None,
        "reason": None,
    }
    assert m.code_version.startswith(enrich.__version__)
    assert sources_from_stats([]) == {}
    assert Manifest.from_dict(m.to_dict()) == m


# ------------------------------------------------------------------------------------- load()


def test_load_latest_date_and_all_with_nullable_dtypes(tmp_path: Path) -> None:
    two_nights(tmp_path)
    latest = load("repos", root=tmp_path)
    assert latest["stars"].tolist() == [1001]
    assert str(latest["stars"].dtype) == "Int64"
    assert str(latest["entry_count"].dtype) == "Int32"
    assert str(latest["archived"].dtype) == "boolean"
    assert str(latest["full_name"].dtype) == "string"
    assert str(latest["pushed_at"].dtype) == "datetime64[us, UTC]"
    assert latest["snapshot_date"].tolist() == [pd.Timestamp("2026-11-21")]
    assert latest["watchers"].isna().tolist() == [True]
    assert load("repos", "2026-11-20", tmp_path)["stars"].tolist() == [1000]
    history = load("metrics_history", "all", tmp_path, columns=["entity_id", "metric", "value"])
    stars = history[history["metric"] == "stars"]
    assert list(zip(stars["snapshot_date"].dt.date, stars["value"], strict=True)) == [(D1, 1000), (D2, 1001)]


def test_enrich_load_uses_enrich_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    two_nights(tmp_path)
    monkeypatch.setenv("ENRICH_OUT", str(tmp_path))
    works = enrich.load("works", snapshot="latest")
    assert works["work_id"].tolist() == ["arxiv:2106.09685"]
    assert works["citation_count"].tolist() == [101]


@pytest.mark.parametrize(
    ("table", "snapshot", "message"),
    [
        (
            "nope",
            "latest",
            "nope: unknown table; one of entries, works, repos, hf_items, metrics_history, list_changes",
        ),
        ("works", "2026-01-01", "no snapshot for 2026-01-01; latest available: 2026-11-20, 2026-11-21"),
        ("works", "yesterday", 'yesterday: not a snapshot: give "latest", "all" or a date YYYY-MM-DD'),
        ("works", "2026-02-30", "2026-02-30: not a valid date"),
    ],
)
def test_load_errors_are_clear(tmp_path: Path, table: str, snapshot: str, message: str) -> None:
    two_nights(tmp_path)
    with pytest.raises(InputError) as info:
        load(table, snapshot, tmp_path)
    assert message in str(info.value)


def test_load_with_no_snapshots_names_the_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no snapshots found"):
        load("works", root=tmp_path / "empty")


def test_load_unknown_column(tmp_path: Path) -> None:
    two_nights(tmp_path)
    with pytest.raises(InputError, match="stars: not a column of works"):
        load("works", root=tmp_path, columns=["stars"])


def test_partition_without_manifest_is_not_loaded(tmp_path: Path) -> None:
    two_nights(tmp_path)
    (tmp_path / "manifests" / "2026-11-21.json").unlink()
    assert load("works", root=tmp_path)["snapshot_date"].dt.date.tolist() == [D1]
    assert read_previous(tmp_path, date(2030, 1, 1)) is not None


def test_files_are_zstd_with_the_explicit_versioned_schema(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from enrich.schemas import SCHEMAS

    write_snapshot(tmp_path, build(lora_night(T1), D1), manifest(D1))
    for name, schema in SCHEMAS.items():
        path = tmp_path / name / "snapshot_date=2026-11-20" / "part-0.parquet"
        stored = pq.read_schema(path)
        assert stored.metadata == schema.metadata
        # Parquet's compliant nested types name a list's child "element" (Arrow's default: "item")
        as_arrow = str(stored).replace("<element:", "<item:").replace("child 0, element:", "child 0, item:")
        assert as_arrow == str(schema), name
        meta = pq.read_metadata(path)
        assert {meta.row_group(0).column(i).compression for i in range(meta.num_columns)} == {"ZSTD"}
