"""``build_tables`` owns what is handed over to it (:class:`enrich.handoff.Handoff`): tonight's entries,
resolved works (and through their record views the night's record store), repo and Hugging Face
records are gone before the tables are made, and the tables are the ones plain sequences make."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import pytest

import enrich.tables.build as build_module
import enrich.tables.works as works_module
from enrich.handoff import Handoff, owned
from enrich.parsing import Entry
from enrich.records import HfRecord, RepoRecord, WorkRecord
from enrich.records_arrow import RecordView, WorkRecords
from enrich.resolve.types import LinkCheck, ResolvedWork
from enrich.tables import Tables, build_tables

from .helpers import D1, T1, hf, hf_entry, paper, repo, repo_entry, resolved, wrec

PAPERS = 7


class Night:
    """One night's inputs, the works' records in one store (as resolution leaves them)."""

    def __init__(self) -> None:
        self.entries: list[Entry] = [
            paper(f"papers:{i:04d}", "papers", i, f"Paper {i}", arxiv_id=f"2106.{i:05d}", work_key=f"arxiv:2106.{i:05d}")
            for i in range(PAPERS)
        ]  # fmt: skip
        self.entries += [
            repo_entry("code:0001", "code", 1, "Org/Repo"),
            hf_entry("models:0001", "models", 1, "model", "Org/Model"),
        ]
        records: list[WorkRecord] = []
        for i in range(PAPERS):
            records.append(wrec("arxiv", f"2106.{i:05d}", T1, title=f"Paper {i}", abstract=f"About {i}."))
            records.append(wrec("s2", f"ARXIV:2106.{i:05d}", T1, title=f"Paper {i}", citation_count=10 * i))
        self.store = WorkRecords.of(records)
        self.resolved: list[ResolvedWork] = [
            replace(
                resolved(f"arxiv:2106.{i:05d}", [f"papers:{i:04d}"]),
                records=RecordView(self.store, (2 * i, 2 * i + 1)),
                link_checks=((f"papers:{i:04d}", LinkCheck.OK if i % 2 else LinkCheck.UNCHECKED),),
            )
            for i in range(PAPERS)
        ]
        # a repeated work id (merged into one row); its entry's link check is still read
        self.resolved.append(
            replace(
                resolved("arxiv:2106.00003", ["papers:0003"]),
                records=RecordView(self.store, ()),
                link_checks=(("papers:0003", LinkCheck.TITLE_MISMATCH),),
            )
        )
        self.repos: list[RepoRecord] = [repo("org/repo", T1, full_name="Org/Repo", stars=5)]
        self.hf: list[HfRecord] = [hf("model", "Org/Model", T1, likes=3)]

    def plain(self) -> Tables:
        return build_tables(self.entries, self.resolved, self.repos, self.hf, snapshot_date=D1, previous=None)


def _alive(kind: type) -> int:
    return sum(1 for o in gc.get_objects() if type(o) is kind)


def _tables_equal(a: Tables, b: Tables) -> None:
    for (name, left), (_, right) in zip(a.items(), b.items(), strict=True):
        assert left.equals(right), name


@pytest.fixture(autouse=True)
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    """Works made again with their records 3 at a time: the store is read across slices."""
    monkeypatch.setattr(works_module, "_WORK_SLICE", 3)


def test_handed_over_inputs_make_the_tables_plain_sequences_make() -> None:
    expected = Night().plain()
    night = Night()
    handed = Handoff(night.entries), Handoff(night.resolved), Handoff(night.repos), Handoff(night.hf)
    got = build_tables(*handed, snapshot_date=D1, previous=None)
    _tables_equal(got, expected)
    assert all(h.taken for h in handed)
    by_entry = dict(
        zip(got.entries["entry_id"].to_pylist(), got.entries["link_check"].to_pylist(), strict=True)
    )
    assert by_entry["papers:0003"] == "title_mismatch"  # the repeated work id's check: the last one wins
    assert by_entry["papers:0001"] == "ok"
    assert got.works.num_rows == PAPERS


def test_plain_sequences_stay_the_callers_unchanged() -> None:
    night = Night()
    entries, works, repos, items = (
        list(night.entries),
        list(night.resolved),
        list(night.repos),
        list(night.hf),
    )
    first = night.plain()
    assert (night.entries, night.resolved, night.repos, night.hf) == (entries, works, repos, items)
    _tables_equal(night.plain(), first)  # the same inputs again: nothing was consumed
    as_tuples = build_tables(
        tuple(entries), tuple(works), tuple(repos), tuple(items), snapshot_date=D1, previous=None
    )
    _tables_equal(as_tuples, first)


def _watch_entities(monkeypatch: pytest.MonkeyPatch, check: Callable[[], None]) -> list[bool]:
    """Run ``check`` when the entities are made (after every other table's rows); returns a list
    that holds one ``True`` per call."""
    made: list[bool] = []
    real = build_module.build_entities

    def watched(*tables: Any) -> Any:
        check()
        made.append(True)
        return real(*tables)

    monkeypatch.setattr(build_module, "build_entities", watched)
    return made


def test_handed_over_inputs_are_gone_before_the_tables_are_made(monkeypatch: pytest.MonkeyPatch) -> None:
    gc.collect()
    before = {kind: _alive(kind) for kind in (Entry, ResolvedWork, RepoRecord, HfRecord, RecordView)}
    night = Night()
    store = weakref.ref(night.store.table)  # the Arrow table of the night's records
    handed = Handoff(night.entries), Handoff(night.resolved), Handoff(night.repos), Handoff(night.hf)
    del night  # the caller keeps nothing but the holders
    assert store() is not None
    assert _alive(Entry) == before[Entry] + PAPERS + 2

    def nothing_of_tonight_left() -> None:
        assert store() is None, "the record store outlived the works rows"
        assert _alive(RecordView) == before[RecordView]
        assert _alive(Entry) == before[Entry]
        assert _alive(RepoRecord) == before[RepoRecord]
        assert _alive(HfRecord) == before[HfRecord]
        # the works loop's last work, made again with its records (no view into the store) may remain
        assert _alive(ResolvedWork) <= before[ResolvedWork] + 1

    made = _watch_entities(monkeypatch, nothing_of_tonight_left)
    tables = build_tables(*handed, snapshot_date=D1, previous=None)
    assert made == [True]
    assert tables.entries.num_rows == PAPERS + 2
    assert _alive(ResolvedWork) == before[ResolvedWork]


def test_plain_sequences_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    night = Night()
    store = weakref.ref(night.store.table)
    made = _watch_entities(monkeypatch, lambda: None)
    night.plain()
    assert made == [True]
    assert store() is not None  # the caller's resolved works still read it
    assert [len(list(rw.records)) for rw in night.resolved] == [2] * PAPERS + [0]


def test_a_handoff_is_taken_once() -> None:
    value = [1, 2]
    box = Handoff(value)
    assert repr(box) == "Handoff(list)"
    assert owned(box) is value
    assert box.taken and repr(box) == "Handoff(taken)"
    with pytest.raises(RuntimeError, match="already taken"):
        box.take()
    plain: Sequence[int] = (3,)
    assert owned(plain) is plain


def test_with_records_empties_the_list_a_slice_at_a_time() -> None:
    night = Night()
    works = works_module.merge_resolved(night.resolved)
    expected = [(rw.work_id, tuple(rw.records)) for rw in works]
    made, left = [], []
    for rw in works_module.with_records(works):
        made.append((rw.work_id, rw.records))
        left.append(len(works))
    assert made == expected  # in order, each with its records as a tuple
    assert all(type(records) is tuple for _, records in made)
    assert left == [4, 4, 4, 1, 1, 1, 0]  # 7 works, 3 a slice: a slice leaves the list before it is made
    assert works == []


def test_the_heap_is_given_back_after_the_works_loop_and_each_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """glibc keeps what a step frees in its heap, and the next step's large buffers are mapped
    anew: the build gives the heap back after the works loop (the record store goes there) and
    after each table it makes, and the tables are the same."""
    expected = Night().plain()
    made: list[str] = []
    table = build_module._Builder.table

    def tracked(self: Any) -> Any:
        made.append(self.name)
        return table(self)

    def trim() -> bool:
        made.append("trim")
        return True

    monkeypatch.setattr(build_module._Builder, "table", tracked)
    monkeypatch.setattr(build_module, "trim_heap", trim)
    _tables_equal(Night().plain(), expected)
    # list changes and entities are computed on columns, not by a builder
    assert made == [
        "trim",  # after the works loop
        *(x for name in ("metrics_history", "entries", "works", "repos", "hf_items") for x in (name, "trim")),
    ]
