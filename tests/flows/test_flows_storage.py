"""The nightly run with its snapshot root on an object store (moto's S3 server on loopback)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flows_testdata import CATALOG
from s3double import S3Double

import enrich
from enrich.cli import main
from enrich.snapshot import list_snapshots, read_manifest, read_table
from fakeapis import FakeApis

ROOT = f"s3://{S3Double.BUCKET}/nightly"


def test_bad_bucket_is_one_line_exit_2_before_any_request(
    s3_double: S3Double, capsys: pytest.CaptureFixture[str], lists_dir: Path, tmp_path: Path
) -> None:
    args = ["run", "--lists", str(lists_dir), "--cache", str(tmp_path / "cache")]
    assert main([*args, "--out", "s3://no-such-bucket/x"]) == 2
    assert capsys.readouterr().err == (
        "enrich run: error: s3://no-such-bucket/x: no bucket 'no-such-bucket' "
        "(create it first; this code never creates buckets)\n"
    )
    with pytest.raises(SystemExit) as exc:
        main([*args, "--out", "s3://bkt/x?secret_key=abc"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "s3://bkt: may not hold a query or fragment" in err
    assert "abc" not in err


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.timeout(900)
def test_two_nights_on_the_object_store(
    s3_double: S3Double, monkeypatch: pytest.MonkeyPatch, lists_dir: Path, tmp_path: Path
) -> None:
    from flows.nightly import nightly

    monkeypatch.chdir(tmp_path)
    d1, d2 = date(2026, 11, 21), date(2026, 11, 22)
    with FakeApis(CATALOG) as apis:
        for name, value in apis.env().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("ENRICH_INTERVAL_SCALE", "0")
        monkeypatch.setenv("ENRICH_OUT_DIR", ROOT)  # from the environment, like a worker's
        for name in ("GITHUB_TOKEN", "S2_API_KEY", "OPENALEX_API_KEY", "HF_TOKEN", "ENRICH_SOURCES"):
            monkeypatch.delenv(name, raising=False)
        first = nightly(lists_dir=lists_dir, snapshot_date=d1, cache_dir=tmp_path / "cache", refresh=False)
        second = nightly(lists_dir=lists_dir, snapshot_date=d2, cache_dir=tmp_path / "cache", refresh=False)
    assert first.partial is False and second.partial is False
    assert first.manifest_path == f"{ROOT}/manifests/2026-11-21.json"
    assert second.report is not None and second.report.index is None
    assert second.report.summary_md == f"{ROOT}/manifests/2026-11-22/summary.md"
    assert second.report.problem is not None and "object-store root" in second.report.problem

    from flows.terminal import summary_lines  # what `enrich run` prints at the end

    lines = summary_lines(second)
    assert lines[0] == ("ok", "snapshot 2026-11-22 complete: 4 entries, 2 works, 1 repos, 1 hf_items")
    assert ("ok", f"summary: {ROOT}/manifests/2026-11-22/summary.md (and summary.json)") in lines
    assert list_snapshots(ROOT) == [d1, d2]
    manifest = read_manifest(ROOT, d2)
    assert manifest.tables["entries"] == 4
    assert manifest.files["works"]["path"].startswith("works/snapshot_date=2026-11-22/part-")
    works = read_table(ROOT, "works", d2).to_pylist()
    assert {w["arxiv_id"]: w["citation_count"] for w in works if w["arxiv_id"]} == {"1903.10676": 3000}
    assert len(enrich.load("entries", snapshot="all")) == 8  # ENRICH_OUT_DIR is the URL

    keys = s3_double.object_keys()
    assert "nightly/manifests/2026-11-22/summary.json" in keys
    assert not (tmp_path / "data").exists()  # nothing went to the local default root
    assert sum(k.startswith("nightly/works/") for k in keys) == 2  # one part file per night


def test_settings_read_an_object_store_root_and_the_fleet_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from enrich.settings import Settings

    monkeypatch.setenv("ENRICH_OUT_DIR", "s3://my-bucket/snapshots/")
    monkeypatch.setenv("ENRICH_FETCH_DEPLOYMENT", "fetch-unit/fetch-unit")
    settings = Settings()
    assert settings.out_dir == "s3://my-bucket/snapshots"
    assert settings.fetch_deployment == "fetch-unit/fetch-unit"
    assert settings.unit_timeout == 3600.0
    monkeypatch.setenv("ENRICH_OUT_DIR", "data/elsewhere")
    assert Settings().out_dir == Path("data/elsewhere")
    monkeypatch.setenv("ENRICH_FETCH_DEPLOYMENT", "just-a-name")
    with pytest.raises(ValidationError, match="is not <flow name>/<deployment name>"):
        Settings()


def test_an_unusable_out_url_in_the_environment_is_one_line_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], lists_dir: Path
) -> None:
    monkeypatch.setenv("ENRICH_OUT_DIR", "gs://bucket/x")
    assert main(["run", "--lists", str(lists_dir)]) == 2
    assert capsys.readouterr().err == (
        "enrich run: error: ENRICH_OUT_DIR: unsupported URL scheme gs:// (a directory, or one of s3://, file://)\n"
    )
