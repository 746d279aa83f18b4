"""The night hands tonight's inputs over to the build (``enrich.handoff``) and keeps no other reference:
when the entities are made (after every other table's rows) no entry, repo or Hugging Face record
and no record view of the night is alive any more, and the night's record store is freed. Checked
on the ``nightly`` flow (under Prefect, whose task engine holds a task's parameters while it runs)
and on ``benchmarks/bench_nightly.py``'s ``run_stages`` (the stages without Prefect, which the
memory benchmarks measure)."""

from __future__ import annotations

import gc
import importlib
import weakref
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from flows_testdata import CATALOG, point_at

import enrich.tables.build as build_module
from enrich import pipeline
from enrich.parsing import Entry
from enrich.records import HfRecord, RepoRecord
from enrich.records_arrow import RecordView
from fakeapis import FakeApis

KINDS: tuple[type, ...] = (Entry, RepoRecord, HfRecord, RecordView)
BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _alive(kind: type) -> int:
    return sum(1 for o in gc.get_objects() if type(o) is kind)


class Watch:
    """Counts, when the entities are made, what of tonight's inputs is alive beyond what was before
    the lists were parsed, and whether the record store resolution read is freed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.before: dict[type, int] = {}
        self.parsed = 0
        self.store: Callable[[], object] = lambda: None
        self.seen: list[tuple[bool, dict[str, int]]] = []
        parse, resolve, entities = pipeline.parse_lists, pipeline.resolve, build_module.build_entities

        def parsing(*args: Any, **kwargs: Any) -> Any:
            gc.collect()
            self.before = {kind: _alive(kind) for kind in KINDS}
            parsed = parse(*args, **kwargs)
            self.parsed = len(parsed.entries)
            return parsed

        def resolving(entries: Any, works: Any, *args: Any, **kwargs: Any) -> Any:
            self.store = weakref.ref(works.table)  # the WorkRecords the record views read
            return resolve(entries, works, *args, **kwargs)

        def making_entities(*tables: Any) -> Any:
            left = {kind.__name__: _alive(kind) - self.before[kind] for kind in KINDS}
            self.seen.append((self.store() is None, left))
            return entities(*tables)

        monkeypatch.setattr(pipeline, "parse_lists", parsing)
        monkeypatch.setattr(pipeline, "resolve", resolving)
        monkeypatch.setattr(build_module, "build_entities", making_entities)

    def assert_nothing_left(self) -> None:
        assert self.parsed > 0
        assert self.seen == [(True, dict.fromkeys((k.__name__ for k in KINDS), 0))]


def _bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("bench_nightly")


def test_run_stages_hands_the_inputs_over(
    monkeypatch: pytest.MonkeyPatch, lists_dir: Path, tmp_path: Path
) -> None:
    bench = _bench(monkeypatch)
    watch = Watch(monkeypatch)
    argv = ["--lists", str(lists_dir), "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache")]
    with FakeApis(CATALOG) as apis:
        point_at(monkeypatch, apis.env())
        assert bench.run_stages([*argv, "--date", "2026-11-21"]) == 0
    watch.assert_nothing_left()


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.timeout(900)
def test_the_nightly_flow_hands_the_inputs_over(
    monkeypatch: pytest.MonkeyPatch, lists_dir: Path, tmp_path: Path
) -> None:
    from flows.nightly import nightly

    watch = Watch(monkeypatch)
    monkeypatch.chdir(tmp_path)
    with FakeApis(CATALOG) as apis:
        point_at(monkeypatch, apis.env())
        night = nightly(
            lists_dir=lists_dir,
            out_dir=tmp_path / "out",
            snapshot_date=date(2026, 11, 21),
            cache_dir=tmp_path / "cache",
            refresh=False,
        )
    assert night.partial is False
    watch.assert_nothing_left()
