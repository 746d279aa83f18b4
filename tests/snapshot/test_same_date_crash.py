"""A crash while re-running a date, at every step of the write protocol, costs the next night nothing.

Night one (every source answers) is written; the same date is re-run and the process "dies" (an
exception nothing in the writer catches) before the k-th file-system step of the write, for every
k; then night two runs with every source down. Night two must carry every value night one got,
and ``list_changes`` must not report the entries as gained. Between the crash and the recovery the
date is never without a snapshot: readers see either the old version or the committed new one.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import enrich.snapshot as snap
from enrich import pipeline
from enrich.atomic import atomic_write, fsync_dir
from enrich.clients import Clients
from enrich.config import SOURCES, Credentials, Endpoints
from enrich.records import HfRecord, RepoRecord
from enrich.resolve.types import ResolvedWork
from enrich.schemas import SCHEMAS
from enrich.snapshot import list_snapshots, read_manifest, read_previous, read_table, write_snapshot
from enrich.tables import PreviousSnapshot, Tables, build_tables
from fakeapis import FakeApis

from .helpers import manifest
from .test_from_double import LIST, closed_port

N1, N2 = date(2026, 11, 21), date(2026, 11, 22)
CATALOG = Path(__file__).parents[1] / "data" / "catalog.jsonl"
# columns that say how tonight's fetch and match went rather than what a value is
NOT_VALUES = {"fetched_at", "status", "fetch_status", "fetch_reason", "metadata_as_of", "sources"}
NOT_VALUES |= {"match_method", "match_source", "match_score"}
KEYS = {"works": "work_id", "repos": "repo_id", "hf_items": "hf_item_id"}


class Crash(BaseException):
    """Stands in for the process dying: nothing in the writer catches it."""


@dataclasses.dataclass(frozen=True)
class Fetched:
    entries: tuple[Any, ...]
    resolved: list[ResolvedWork]
    repos: list[RepoRecord]
    hf: list[HfRecord]


def fetch(lists: Path, endpoints: Endpoints) -> Fetched:
    clients = Clients.from_config(endpoints, Credentials(), cache_dir=None, rate_limits=False)
    parsed = pipeline.parse_lists(lists)
    items = pipeline.source_items(parsed.entries)
    results = [pipeline.fetch_batch(clients, b) for bs in pipeline.plan_batches(items).values() for b in bs]
    works, repos, hf = pipeline.collect(results)
    resolved = pipeline.resolve(parsed.entries, works, {})
    return Fetched(parsed.entries, resolved, repos, hf)


def build(f: Fetched, day: date, previous: PreviousSnapshot | None) -> Tables:
    return build_tables(f.entries, f.resolved, f.repos, f.hf, snapshot_date=day, previous=previous)


@contextmanager
def dying_at(step: int | None, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Count the writer's file-system steps (writes, fsyncs, renames, deletes); raise Crash before step ``step``."""
    steps: list[str] = []

    def wrap(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def step_then(*args: Any, **kwargs: Any) -> Any:
            steps.append(name)
            if step is not None and len(steps) == step:
                raise Crash(name)
            return real(*args, **kwargs)

        return step_then

    with monkeypatch.context() as m:
        m.setattr(snap, "parquet_bytes", wrap("parquet", snap.parquet_bytes))
        m.setattr("enrich.snapshot.atomic_write", wrap("write", atomic_write))
        m.setattr("enrich.snapshot.fsync_dir", wrap("fsync", fsync_dir))
        m.setattr(shutil, "rmtree", wrap("rmtree", shutil.rmtree))
        m.setattr(Path, "rename", wrap("rename", Path.rename))
        yield steps


def values(out: Path, table: str, day: date) -> dict[str, dict[str, Any]]:
    rows = read_table(out, table, day).to_pylist()
    return {
        str(r[KEYS[table]]): {
            k: v
            for k, v in r.items()
            if k not in NOT_VALUES and not k.startswith("status_") and v is not None
        }
        for r in rows
    }


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Fetched, Fetched]:
    """Night one written under ``out``; what a re-run of night one and a night with every source down fetch."""
    root = tmp_path_factory.mktemp("same-date")
    lists, out = root / "lists", root / "out"
    lists.mkdir()
    (lists / "test-list.md").write_text(LIST, encoding="utf-8")
    with FakeApis(CATALOG) as apis:
        up = fetch(lists, apis.endpoints)
    dead = f"http://127.0.0.1:{closed_port()}"
    down = fetch(lists, Endpoints(dict.fromkeys(SOURCES, dead)))
    write_snapshot(out, build(up, N1, None), manifest(N1, "night-1"))
    return out, up, down


def test_night_one_has_values_to_lose(nights: tuple[Path, Fetched, Fetched]) -> None:
    out, _, down = nights
    assert all(r.status.value == "error" for r in down.repos)
    assert all(h.status.value == "error" for h in down.hf)
    for table in KEYS:
        assert values(out, table, N1), table
    assert any("citation_count" in row for row in values(out, "works", N1).values())


def test_every_crash_point_of_a_same_date_rerun_loses_nothing(
    nights: tuple[Path, Fetched, Fetched], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    night_one, up, down = nights
    before = {t: values(night_one, t, N1) for t in KEYS}
    rerun = build(up, N1, read_previous(night_one, N1))
    with dying_at(None, monkeypatch) as steps:
        write_snapshot(tmp_path / "count", rerun, manifest(N1, "rerun"))
    assert len(steps) > 20, steps  # every table staged, committed, swapped, manifest, cleanup

    for k in range(1, len(steps) + 1):
        out = tmp_path / f"crash-{k}"
        shutil.copytree(night_one, out)
        with dying_at(k, monkeypatch), pytest.raises(Crash):
            write_snapshot(out, rerun, manifest(N1, "rerun"))
        where = f"crash before step {k} ({steps[k - 1]})"
        # never a moment without night one's date, and what is seen is one whole version
        assert list_snapshots(out) == [N1], where
        assert read_manifest(out, N1).run_id in {"night-1", "rerun"}, where
        for table in KEYS:
            assert values(out, table, N1) == before[table], (where, table)

        previous = pipeline.previous_snapshot(out, N2)  # recovery first, then the read
        assert previous is not None and previous.snapshot_date == N1, where
        assert not list(out.glob(".staging-*")), where
        write_snapshot(out, build(down, N2, previous), manifest(N2, "all-down", partial=True))
        for table in KEYS:
            assert values(out, table, N2) == before[table], (where, table)
        changes = read_table(out, "list_changes", N2)
        assert changes.num_rows == 0, (where, changes.to_pylist())


def test_readers_see_the_committed_version_before_recovery(
    nights: tuple[Path, Fetched, Fetched], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Crash between two partition swaps: old manifest file, mixed partitions on disk; readers still
    see the new version whole (through the journal), and recovery makes the disk agree."""
    night_one, up, _ = nights
    out = tmp_path / "out"
    shutil.copytree(night_one, out)
    rerun = dataclasses.replace(build(up, N1, None), repos=SCHEMAS["repos"].empty_table())
    with dying_at(None, monkeypatch) as steps:
        write_snapshot(tmp_path / "count", rerun, manifest(N1, "rerun"))
    second_swap = [i for i, s in enumerate(steps, 1) if s == "rename"][3]
    with dying_at(second_swap, monkeypatch), pytest.raises(Crash):
        write_snapshot(out, rerun, manifest(N1, "rerun"))
    assert read_manifest(out, N1).run_id == "rerun"
    assert read_table(out, "repos", N1).num_rows == 0
    assert (out / "manifests" / "2026-11-21.json").exists()
    assert snap.recover(out) == [N1]
    assert read_manifest(out, N1).run_id == "rerun"
    assert read_table(out, "repos", N1).num_rows == 0
