"""Snapshots on an object store (``enrich.storage``): a real S3 API (moto in server mode) on loopback.

Written with ``enrich.snapshot.write_snapshot(s3://...)`` and read back by every reader the contract
names: ``enrich.load``, DuckDB (through the registered file system; the httpfs extension cannot be
downloaded here), Polars and pandas with ``storage_options``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from s3double import S3Double

import enrich
from enrich import storage
from enrich.errors import InputError, SnapshotError
from enrich.outroot import output_root, parse_root
from enrich.snapshot import list_snapshots, read_manifest, read_previous, read_table, recover, write_snapshot
from enrich.tables import Tables

from .helpers import D1, D2, T1, T2, build, lora_night, manifest

BUCKET = "enrich-test"
ROOT = f"s3://{BUCKET}/nightly/v1"


@pytest.fixture
def s3(s3_double: S3Double) -> object:
    return s3_double.client()


def _keys(client: object) -> list[str]:
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])  # type: ignore[attr-defined]
    return sorted(str(o["Key"]) for o in listed if not str(o["Key"]).endswith("/"))


def _two_nights() -> tuple[Tables, Tables]:
    first = build(lora_night(T1), D1)
    return first, build(lora_night(T2, s2_ok=False), D2)


# ------------------------------------------------------------------------------------ the roots


def test_parse_root_keeps_paths_and_normalises_urls(tmp_path: Path) -> None:
    assert parse_root("data/enriched") == Path("data/enriched")
    assert parse_root(tmp_path) == tmp_path
    assert parse_root(f"file://{tmp_path}/out") == tmp_path / "out"
    assert parse_root("s3://my-bucket/a/b/") == "s3://my-bucket/a/b"
    assert parse_root("s3://my-bucket") == "s3://my-bucket"
    assert output_root({"ENRICH_OUT_DIR": "s3://my-bucket/x"}) == "s3://my-bucket/x"
    assert output_root({"ENRICH_OUT_DIR": "file:///srv/snap"}) == Path("/srv/snap")


@pytest.mark.parametrize(
    ("value", "line"),
    [
        ("gs://b/x", "gs://b/x: unsupported URL scheme gs:// (a directory, or one of s3://, file://)"),
        (
            "s3://bkt/x?access_key=SECRET",
            "s3://bkt: may not hold a query or fragment; bucket settings come from AWS_* variables",
        ),
        (
            "s3://key:SECRET@bkt/x",
            "s3://key:SECRET@bkt: may not hold user info; credentials come from AWS_* variables",
        ),
        ("s3://B/x", "s3://B/x: not a valid bucket name (3-63 lower-case letters, digits, '.', '-')"),
        ("s3://bkt/a/../b", "s3://bkt/a/../b: prefix segment '..' is not allowed (letters, digits, '._=-')"),
        ("s3://bkt/a//b", "s3://bkt/a//b: prefix segment '' is not allowed (letters, digits, '._=-')"),
        ("file://host/x", "file://host/x: not a local file URL (expected file:///absolute/path)"),
    ],
)
def test_parse_root_refuses_urls_it_cannot_write_in_one_line(value: str, line: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_root(value)
    assert str(caught.value) == line


def test_a_query_never_reaches_the_message_with_its_secret() -> None:
    with pytest.raises(InputError) as caught:
        parse_root("s3://bkt/x?secret_key=TOPSECRET")
    assert "TOPSECRET" not in str(caught.value)


# ------------------------------------------------------------------------------ write and read


def test_round_trip_through_every_reader(s3: object, moto_endpoint: str) -> None:
    first, second = _two_nights()
    path1 = write_snapshot(ROOT, first, manifest(D1, "n1"))
    path2 = write_snapshot(ROOT, second, manifest(D2, "n2", partial=True))
    assert (path1, path2) == (f"{ROOT}/manifests/2026-11-20.json", f"{ROOT}/manifests/2026-11-21.json")

    # the same layout as on disk, one part file per table and night named by the run id
    keys = _keys(s3)
    assert "nightly/v1/manifests/2026-11-21.json" in keys
    assert "nightly/v1/works/snapshot_date=2026-11-21/part-n2.parquet" in keys
    assert not any(k.endswith("part-0.parquet") or ".staging-" in k or k.endswith(".lock") for k in keys)

    assert list_snapshots(ROOT) == [D1, D2]
    m2 = read_manifest(ROOT, D2)
    assert m2.partial is True
    assert m2.tables == second.row_counts()
    data = s3.get_object(Bucket=BUCKET, Key="nightly/v1/works/snapshot_date=2026-11-21/part-n2.parquet")  # type: ignore[attr-defined]
    body = data["Body"].read()
    assert m2.files["works"] == {
        "path": "works/snapshot_date=2026-11-21/part-n2.parquet",
        "rows": second.works.num_rows,
        "bytes": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    for name, table in second.items():
        assert read_table(ROOT, name, D2).equals(table.cast(read_table(ROOT, name, D2).schema)), name

    # enrich.load: the URL as root, or ENRICH_OUT_DIR
    works = enrich.load("works", root=ROOT)
    assert len(works) == second.works.num_rows
    assert set(works["snapshot_date"].dt.date) == {D2}
    assert (
        len(enrich.load("works", snapshot="all", root=ROOT)) == first.works.num_rows + second.works.num_rows
    )
    previous = read_previous(ROOT, D2)
    assert previous is not None and previous.snapshot_date == D1

    # DuckDB through the registered file system (no httpfs), on the files the manifests name
    urls = storage.table_urls(ROOT, "works")
    assert urls == [
        f"{ROOT}/works/snapshot_date=2026-11-20/part-n1.parquet",
        f"{ROOT}/works/snapshot_date=2026-11-21/part-n2.parquet",
    ]
    con = storage.duckdb_connect(ROOT)
    counted = con.sql(
        f"select snapshot_date, count(*) from read_parquet({urls!r}, hive_partitioning=true) group by all order by 1"
    ).fetchall()
    assert counted == [(D1, first.works.num_rows), (D2, second.works.num_rows)]
    one = con.sql(f"select count(*) from read_parquet('{urls[1]}')").fetchall()
    assert one == [(second.works.num_rows,)]

    # Polars (its own object-store client) and pandas (fsspec + s3fs) with storage_options
    polars_opts = {
        "aws_endpoint_url": moto_endpoint,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
        "aws_region": "us-east-1",
    }
    assert pl.read_parquet(urls[1], storage_options=polars_opts).height == second.works.num_rows
    pandas_opts = {"key": "testing", "secret": "testing", "client_kwargs": {"endpoint_url": moto_endpoint}}
    assert len(pd.read_parquet(urls[1], storage_options=pandas_opts)) == second.works.num_rows


def test_rewriting_a_date_replaces_it_whole_and_deletes_the_old_parts(s3: object) -> None:
    first, _ = _two_nights()
    write_snapshot(ROOT, first, manifest(D1, "n1"))
    other = build(lora_night(T1, github_ok=False), D1)
    write_snapshot(ROOT, other, manifest(D1, "n1-again"))
    keys = _keys(s3)
    assert not any("part-n1.parquet" in k for k in keys), keys
    assert sum("part-n1-again.parquet" in k for k in keys) == len(list(other.items()))
    assert read_manifest(ROOT, D1).run_id == "n1-again"
    assert read_table(ROOT, "repos", D1).num_rows == other.repos.num_rows


def test_readers_ignore_part_files_no_manifest_names_and_recover_deletes_old_ones(s3: object) -> None:
    first, _ = _two_nights()
    write_snapshot(ROOT, first, manifest(D1, "n1"))
    before = enrich.load("works", root=ROOT)
    # a crashed write of the same date and of a later one: part files, no manifest
    stray = "nightly/v1/works/snapshot_date=2026-11-20/part-crashed.parquet"
    later = "nightly/v1/works/snapshot_date=2026-11-21/part-crashed.parquet"
    garbage = pa.table({"x": [1, 2, 3]})
    sink = pa.BufferOutputStream()
    pa.parquet.write_table(garbage, sink)
    unit = "nightly/v1/_fleet/dead-night/hf.unit.pickle"  # a fleet night that died (enrich.fleet)
    for key in (stray, later, unit):
        s3.put_object(Bucket=BUCKET, Key=key, Body=sink.getvalue().to_pybytes())  # type: ignore[attr-defined]

    assert list_snapshots(ROOT) == [D1]
    pd.testing.assert_frame_equal(enrich.load("works", root=ROOT), before)
    assert storage.table_urls(ROOT, "works") == [f"{ROOT}/works/snapshot_date=2026-11-20/part-n1.parquet"]

    assert recover(ROOT) == []  # young leftovers may belong to a write in progress: kept
    assert stray in _keys(s3)
    storage.recover(ROOT, grace=0.0)
    keys = _keys(s3)
    assert stray not in keys and later not in keys and unit not in keys
    assert "nightly/v1/works/snapshot_date=2026-11-20/part-n1.parquet" in keys
    pd.testing.assert_frame_equal(enrich.load("works", root=ROOT), before)


def test_a_failed_write_changes_nothing_and_leaves_no_part_files(
    s3: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = _two_nights()
    write_snapshot(ROOT, first, manifest(D1, "n1"))
    keys = _keys(s3)
    real = storage.parquet_bytes
    calls: list[str] = []

    def third_table_fails(table: pa.Table, name: str) -> bytes:  # the store fails mid-write
        calls.append(name)
        if len(calls) == 3:
            raise OSError("connection reset by peer")
        return real(table, name)

    monkeypatch.setattr(storage, "parquet_bytes", third_table_fails)
    with pytest.raises(SnapshotError) as caught:
        write_snapshot(ROOT, build(lora_night(T2), D1), manifest(D1, "n2"))
    assert str(caught.value) == (
        f"{ROOT}: snapshot 2026-11-20 not written, nothing changed (connection reset by peer)"
    )
    assert len(calls) == 3
    assert _keys(s3) == keys  # the two part files written before the failure are gone again
    assert read_manifest(ROOT, D1).run_id == "n1"


def test_a_part_file_changed_behind_the_manifest_is_refused(s3: object) -> None:
    first, _ = _two_nights()
    write_snapshot(ROOT, first, manifest(D1, "n1"))
    key = "nightly/v1/repos/snapshot_date=2026-11-20/part-n1.parquet"
    other = build(lora_night(T2), D1)
    sink = pa.BufferOutputStream()
    pa.parquet.write_table(other.repos, sink)
    s3.put_object(Bucket=BUCKET, Key=key, Body=sink.getvalue().to_pybytes())  # type: ignore[attr-defined]
    with pytest.raises(SnapshotError) as caught:
        read_table(ROOT, "repos", D1)
    assert (
        str(caught.value)
        == f"{ROOT}/{key.removeprefix('nightly/v1/')}: does not match its manifest (size or sha256)"
    )


def test_no_bucket_and_no_snapshot_are_one_line(s3: object) -> None:
    with pytest.raises(InputError) as caught:
        storage.check_root("s3://no-such-bucket/x")
    assert (
        str(caught.value)
        == "s3://no-such-bucket/x: no bucket 'no-such-bucket' (create it first; this code never creates buckets)"
    )
    storage.check_root(ROOT)
    with pytest.raises(InputError) as none:
        enrich.load("works", root=ROOT)
    assert str(none.value) == f"{ROOT}: no snapshots found (no manifests/YYYY-MM-DD.json)"
    with pytest.raises(InputError) as missing:
        read_manifest(ROOT, D1)
    assert str(missing.value) == f"{ROOT}/manifests/2026-11-20.json: no snapshot for 2026-11-20"


def test_the_manifest_on_the_store_is_the_one_format(s3: object) -> None:
    first, _ = _two_nights()
    write_snapshot(ROOT, first, manifest(D1, "n1"))
    body = s3.get_object(Bucket=BUCKET, Key="nightly/v1/manifests/2026-11-20.json")["Body"].read()  # type: ignore[attr-defined]
    data = json.loads(body)
    assert data["snapshot_date"] == D1.isoformat()
    assert set(data["files"]) == {name for name, _ in first.items()}
    assert date.fromisoformat(data["snapshot_date"]) == D1
