"""The report's Vega bundle kept in the cache directory (``enrich.report_bundle``): built once per
vl-convert version by a child process, read back on later runs, the report's bytes unchanged."""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import pytest

from enrich import report_bundle as bundle
from enrich.report import build_report

from .world import write_lists, write_night


def _files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bundle")
    out = root / "out"
    write_night(write_lists(root / "lists"), out, 1)
    return out


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundle, "_known", {})  # what this process read from cache files


def test_the_child_builds_the_cache_file_and_the_report_is_the_same(snapshot: Path, tmp_path: Path) -> None:
    bundle.built_here.cache_clear()  # as in a night's process: nothing built here yet
    cache = tmp_path / "cache"
    cached = build_report(snapshot, to=tmp_path / "with-cache", cache_dir=cache)
    assert bundle.built_here.cache_info().currsize == 0  # the child built it, not this process
    kept = bundle.bundle_file(cache)
    assert kept.parent == cache / "report"
    assert kept.name.startswith("vega-") and kept.name.endswith(".js")
    plain = build_report(snapshot, to=tmp_path / "without-cache")  # built in this process, as before
    assert kept.read_text(encoding="utf-8") == bundle.built_here()
    assert _files(cached.parent) == _files(plain.parent)
    assert sorted(p.name for p in kept.parent.iterdir()) == [kept.name]  # no temporary file left


def test_a_kept_bundle_is_read_not_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kept = bundle.bundle_file(tmp_path)
    bundle.write_bundle(kept, "/* kept */")

    def no_build(*args: object) -> bool:
        raise AssertionError("built although the cache file is there")

    monkeypatch.setattr(bundle, "_built_by_child", no_build)
    monkeypatch.setattr(bundle, "built_here", no_build)
    assert bundle.vega_bundle(tmp_path) == "/* kept */"


def test_a_child_that_cannot_start_falls_back_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python-here"))
    bundle.built_here.cache_clear()
    text = bundle.vega_bundle(tmp_path)
    assert bundle.built_here.cache_info().currsize == 1  # the fallback: built here
    assert text == bundle.built_here() == bundle.bundle_file(tmp_path).read_text(encoding="utf-8")


def test_built_here_already_means_no_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = bundle.built_here()

    def no_child(path: Path) -> bool:
        raise AssertionError("a child was started although this process has the bundle")

    monkeypatch.setattr(bundle, "_built_by_child", no_child)
    assert bundle.vega_bundle(tmp_path / "c") == built


def test_a_second_cache_directory_needs_no_second_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle.write_bundle(bundle.bundle_file(tmp_path / "first"), "/* kept */")
    assert bundle.vega_bundle(tmp_path / "first") == "/* kept */"

    def no_build(*args: object) -> bool:
        raise AssertionError("built although this process has the bundle")

    monkeypatch.setattr(bundle, "_built_by_child", no_build)
    assert bundle.vega_bundle(tmp_path / "second") == "/* kept */"
    assert bundle.bundle_file(tmp_path / "second").read_text(encoding="utf-8") == "/* kept */"


def test_the_module_writes_the_file_it_is_given(tmp_path: Path) -> None:
    assert bundle.main([]) == 2
    target = tmp_path / "deep" / "vega.js"
    assert bundle.main([str(target)]) == 0
    assert target.read_text(encoding="utf-8") == bundle.built_here()
    shutil.rmtree(target.parent)
