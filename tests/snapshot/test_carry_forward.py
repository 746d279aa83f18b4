"""Carry-forward and history: a bad night never erases data, and staleness is visible."""

from __future__ import annotations

from pathlib import Path

import pytest

from enrich.ids import Ids
from enrich.records import FetchStatus
from enrich.snapshot import read_previous, write_snapshot
from enrich.tables import PreviousSnapshot, Tables, build_tables

from .helpers import (
    D1,
    D2,
    D3,
    LORA_ENTRIES,
    T1,
    T2,
    T3,
    blank_row,
    build,
    hf,
    hf_entry,
    lora_night,
    manifest,
    paper,
    repo,
    repo_entry,
    resolved,
    wrec,
)


def as_previous(tables: Tables, day: object) -> PreviousSnapshot:
    return PreviousSnapshot.of(
        day,  # type: ignore[arg-type]
        entries=tables.entries,
        works=tables.works,
        repos=tables.repos,
        hf_items=tables.hf_items,
    )


def test_failing_sources_on_night_two_keep_night_ones_values_with_as_of(tmp_path: Path) -> None:
    write_snapshot(tmp_path, build(lora_night(T1), D1), manifest(D1, "night-1"))
    previous = read_previous(tmp_path, D2)
    assert previous is not None and previous.snapshot_date == D1
    night2 = build(lora_night(T2, s2_ok=False, github_ok=False, hf_ok=False), D2, previous)

    (work,) = night2.works.to_pylist()
    assert work == blank_row(
        "works",
        work_id="arxiv:2106.09685",
        title="LoRA: Low-Rank Adaptation of Large Language Models",  # S2's title, kept from night one
        abstract="We propose LoRA.",
        abstract_source="arxiv",
        arxiv_id="2106.09685",
        citation_count=100,
        citation_count_source="s2",
        citation_count_as_of=D1,
        citation_count_s2=100,
        citation_count_s2_as_of=D1,
        citation_count_openalex=91,
        citation_count_openalex_as_of=D2,
        match_method="identifier",
        list_ids=["papers"],
        entry_ids=["papers:0001"],
        entry_count=1,
        sources=["arxiv", "openalex"],
        status_arxiv="ok",
        status_s2="error",
        status_openalex="ok",
        status_crossref="not_requested",
        status="stale",
        metadata_as_of=D2,
    )
    (gh,) = night2.repos.to_pylist()
    assert gh == blank_row(
        "repos",
        repo_id="microsoft/lora",
        full_name="microsoft/LoRA",
        stars=1000,
        stars_as_of=D1,
        forks=50,
        status="stale",
        fetch_status="rate_limited",
        fetch_reason="budget spent",
        fetched_at=T1,
        list_ids=["code"],
        entry_count=1,
    )
    (item,) = night2.hf_items.to_pylist()
    assert item == blank_row(
        "hf_items",
        hf_item_id="model:org/tiny-model",
        kind="model",
        hf_id="Org/Tiny-Model",
        likes=5,
        likes_as_of=D1,
        downloads=70,
        downloads_as_of=D1,
        status="stale",
        fetch_status="error",
        fetch_reason="HTTP 503",
        fetched_at=T1,
        list_ids=["models"],
        entry_count=1,
    )
    # history records only what was observed tonight
    assert [
        (r["entity_id"], r["metric"], r["source"], r["value"]) for r in night2.metrics_history.to_pylist()
    ] == [("arxiv:2106.09685", "citation_count", "openalex", 91)]

    # night three: everything answers again, values are fresh
    write_snapshot(tmp_path, night2, manifest(D2, "night-2", partial=True))
    night3 = build(lora_night(T3), D3, read_previous(tmp_path, D3))
    (work3,) = night3.works.to_pylist()
    assert (work3["citation_count_s2"], work3["citation_count_s2_as_of"], work3["status"]) == (102, D3, "ok")
    (gh3,) = night3.repos.to_pylist()
    assert (gh3["stars"], gh3["stars_as_of"], gh3["status"]) == (1002, D3, "ok")


def test_item_missing_tonight_from_every_source_keeps_its_row_flagged() -> None:
    night1 = build(lora_night(T1), D1)
    nothing = resolved("arxiv:2106.09685", ["papers:0001"], ids=Ids(arxiv_id="2106.09685"))
    night2 = build_tables(
        list(LORA_ENTRIES), [nothing], [], [], snapshot_date=D2, previous=as_previous(night1, D1)
    )
    (work,) = night2.works.to_pylist()
    before = night1.works.to_pylist()[0]
    same = {k: v for k, v in work.items() if not k.startswith("status") and k not in {"sources"}}
    assert same == {k: v for k, v in before.items() if not k.startswith("status") and k not in {"sources"}}
    assert (work["status"], work["sources"], work["status_s2"]) == ("stale", [], "not_requested")
    (gh,) = night2.repos.to_pylist()
    assert (gh["stars"], gh["stars_as_of"], gh["status"], gh["fetch_status"]) == (
        1000,
        D1,
        "stale",
        "not_requested",
    )
    (item,) = night2.hf_items.to_pylist()
    assert (item["likes"], item["status"], item["fetch_status"]) == (5, "stale", "not_requested")
    assert night2.metrics_history.num_rows == 0


def test_not_found_keeps_earlier_values_and_says_so() -> None:
    night1 = build(lora_night(T1), D1)
    night = lora_night(T2)
    night["repos"] = [repo("microsoft/lora", T2, FetchStatus.NOT_FOUND, reason="HTTP 404")]
    (gh,) = build(night, D2, as_previous(night1, D1)).repos.to_pylist()
    assert (gh["stars"], gh["stars_as_of"], gh["status"], gh["fetch_reason"]) == (
        1000,
        D1,
        "not_found",
        "HTTP 404",
    )


def test_rename_learned_on_night_one_still_applies_when_github_fails() -> None:
    entries = [repo_entry("l:1", "l", 1, "old/tool")]
    moved = repo("old/tool", T1, FetchStatus.MOVED, moved_to="new/tool", full_name="new/tool", stars=9)
    night1 = build_tables(entries, [], [moved], [], snapshot_date=D1, previous=None)
    failed = repo("old/tool", T2, FetchStatus.ERROR, reason="timeout")
    night2 = build_tables(entries, [], [failed], [], snapshot_date=D2, previous=as_previous(night1, D1))
    (row,) = night2.repos.to_pylist()
    assert (row["repo_id"], row["previous_names"], row["stars"], row["stars_as_of"], row["status"]) == (
        "new/tool",
        ["old/tool"],
        9,
        D1,
        "stale",
    )
    assert night2.entries.column("repo_id").to_pylist() == ["new/tool"]


def test_reused_name_after_a_rename_is_its_own_repo_again() -> None:
    entries = [repo_entry("l:1", "l", 1, "old/tool")]
    moved = repo("old/tool", T1, FetchStatus.MOVED, moved_to="new/tool", full_name="new/tool", stars=9)
    night1 = build_tables(entries, [], [moved], [], snapshot_date=D1, previous=None)
    fresh = repo("old/tool", T2, full_name="old/tool", stars=1, github_id=7)
    night2 = build_tables(entries, [], [fresh], [], snapshot_date=D2, previous=as_previous(night1, D1))
    assert [(r["repo_id"], r["stars"]) for r in night2.repos.to_pylist()] == [("old/tool", 1)]


def test_previous_work_found_by_identifier_when_its_work_id_changes() -> None:
    entry = paper("l:1", "l", 1, "X", arxiv_id="2101.00001")
    night1 = build_tables(
        [entry],
        [
            resolved(
                "arxiv:2101.00001",
                ["l:1"],
                [wrec("s2", "ARXIV:2101.00001", citation_count=5)],
                ids=Ids(arxiv_id="2101.00001"),
            )
        ],
        [],
        [],
        snapshot_date=D1,
        previous=None,
    )
    renamed = resolved(
        "doi:10.1/x",
        ["l:1"],
        [wrec("s2", "ARXIV:2101.00001", T2, FetchStatus.RATE_LIMITED)],
        ids=Ids(arxiv_id="2101.00001", doi="10.1/x"),
    )
    (row,) = build_tables(
        [entry], [renamed], [], [], snapshot_date=D2, previous=as_previous(night1, D1)
    ).works.to_pylist()
    assert (row["work_id"], row["citation_count_s2"], row["citation_count_s2_as_of"], row["status_s2"]) == (
        "doi:10.1/x",
        5,
        D1,
        "rate_limited",
    )


def test_better_abstract_kept_while_its_source_is_down() -> None:
    entry = paper("l:1", "l", 1, "X", arxiv_id="1")
    night1 = build_tables(
        [entry],
        [resolved("arxiv:1", ["l:1"], [wrec("arxiv", "1", abstract="Author's own.")])],
        [],
        [],
        snapshot_date=D1,
        previous=None,
    )
    tonight = resolved(
        "arxiv:1",
        ["l:1"],
        [wrec("arxiv", "1", T2, FetchStatus.MISSING), wrec("s2", "ARXIV:1", T2, abstract="S2's copy.")],
    )
    (row,) = build_tables(
        [entry], [tonight], [], [], snapshot_date=D2, previous=as_previous(night1, D1)
    ).works.to_pylist()
    assert (row["abstract"], row["abstract_source"], row["status_arxiv"]) == (
        "Author's own.",
        "arxiv",
        "missing",
    )


def test_list_changes_versus_previous_snapshot() -> None:
    a1 = paper("a:1", "a", 1, "Kept", arxiv_id="1")
    a2 = paper("a:2", "a", 2, "Dropped", arxiv_id="2")
    b1 = repo_entry("b:1", "b", 1, "o/r")
    a3 = paper("a:3", "a", 3, "New", arxiv_id="3")
    night1 = build_tables(
        [a1, a2, b1],
        [resolved("arxiv:1", ["a:1"]), resolved("arxiv:2", ["a:2"])],
        [],
        [],
        snapshot_date=D1,
        previous=None,
    )
    assert [(r["list_id"], r["entry_id"], r["change"]) for r in night1.list_changes.to_pylist()] == [
        ("a", "a:1", "gained"),
        ("a", "a:2", "gained"),
        ("b", "b:1", "gained"),
    ]
    night2 = build_tables(
        [a1, a3],
        [resolved("arxiv:1", ["a:1"]), resolved("arxiv:3", ["a:3"])],
        [],
        [],
        snapshot_date=D2,
        previous=as_previous(night1, D1),
    )
    assert night2.list_changes.to_pylist() == [
        {
            "list_id": "a",
            "entry_id": "a:3",
            "change": "gained",
            "kind": "paper",
            "label": "New",
            "work_id": "arxiv:3",
            "repo_id": None,
            "hf_item_id": None,
            "previous_label": None,
            "edited_columns": None,
        },
        {
            "list_id": "a",
            "entry_id": "a:2",
            "change": "lost",
            "kind": "paper",
            "label": "Dropped",
            "work_id": "arxiv:2",
            "repo_id": None,
            "hf_item_id": None,
            "previous_label": None,
            "edited_columns": None,
        },
        {
            "list_id": "b",
            "entry_id": "b:1",
            "change": "lost",
            "kind": "repo",
            "label": "r",
            "work_id": None,
            "repo_id": "o/r",
            "hf_item_id": None,
            "previous_label": None,
            "edited_columns": None,
        },
    ]
    # a list that could not be read tonight loses nothing
    quiet = build_tables(
        [a1, a3],
        [resolved("arxiv:1", ["a:1"]), resolved("arxiv:3", ["a:3"])],
        [],
        [],
        snapshot_date=D2,
        previous=as_previous(night1, D1),
        unreadable_lists={"b"},
    )
    assert [(r["entry_id"], r["change"]) for r in quiet.list_changes.to_pylist()] == [
        ("a:3", "gained"),
        ("a:2", "lost"),
    ]


def test_previous_must_be_before_tonight() -> None:
    night1 = build(lora_night(T1), D1)
    with pytest.raises(ValueError, match="not before"):
        build(lora_night(T1), D1, as_previous(night1, D1))


def test_hf_carry_forward_uses_previous_spelling() -> None:
    night1 = build(lora_night(T1), D1)
    night = lora_night(T2, hf_ok=False)
    night["hf"] = [hf("model", "org/tiny-model", T2, FetchStatus.RATE_LIMITED)]
    (item,) = build(night, D2, as_previous(night1, D1)).hf_items.to_pylist()
    assert (item["hf_id"], item["likes"], item["likes_as_of"], item["fetch_status"]) == (
        "Org/Tiny-Model",
        5,
        D1,
        "rate_limited",
    )


def test_as_of_is_the_snapshot_date_even_when_fetched_on_another_day() -> None:
    # a --date backfill: fetched on the 22nd for the snapshot of the 20th, then the 21st fails
    night1 = build(lora_night(T3), D1)
    (gh,) = night1.repos.to_pylist()
    assert (gh["stars_as_of"], gh["fetched_at"]) == (D1, T3)
    night2 = build(lora_night(T3, s2_ok=False, github_ok=False), D2, as_previous(night1, D1))
    (gh2,) = night2.repos.to_pylist()
    (work2,) = night2.works.to_pylist()
    assert (gh2["stars_as_of"], gh2["status"]) == (D1, "stale")
    assert (work2["citation_count_s2_as_of"], work2["citation_count_openalex_as_of"]) == (D1, D2)


def test_unreadable_list_keeps_its_entries_and_what_only_it_links() -> None:
    a1 = paper("a:1", "a", 1, "One", arxiv_id="1")
    b1 = repo_entry("b:1", "b", 1, "o/r")
    b2 = paper("b:2", "b", 2, "One", arxiv_id="1")
    b3 = paper("b:3", "b", 3, "Two", arxiv_id="2")
    night1 = build_tables(
        [a1, b1, b2, b3],
        [
            resolved("arxiv:1", ["a:1", "b:2"], [wrec("s2", "ARXIV:1", citation_count=4)]),
            resolved("arxiv:2", ["b:3"], [wrec("s2", "ARXIV:2", title="Two", citation_count=9)]),
        ],
        [repo("o/r", stars=5)],
        [],
        snapshot_date=D1,
        previous=None,
    )
    night2 = build_tables(
        [a1],
        [resolved("arxiv:1", ["a:1"], [wrec("s2", "ARXIV:1", T2, citation_count=6)])],
        [],
        [],
        snapshot_date=D2,
        previous=as_previous(night1, D1),
        unreadable_lists={"b"},
    )
    assert night2.entries.to_pylist() == night1.entries.to_pylist()
    assert night2.list_changes.num_rows == 0
    one, two = night2.works.to_pylist()
    assert (one["entry_ids"], one["list_ids"], one["entry_count"], one["citation_count"], one["status"]) == (
        ["a:1", "b:2"],
        ["a", "b"],
        2,
        6,
        "ok",
    )
    assert two == {
        **night1.works.to_pylist()[1],
        "sources": [],
        "status_s2": "not_requested",
        "status": "stale",
    }
    (kept,) = night2.repos.to_pylist()
    assert kept == {**night1.repos.to_pylist()[0], "status": "stale", "fetch_status": "not_requested"}
    assert night2.metrics_history.to_pylist()[0]["entity_id"] == "arxiv:1"
    assert night2.metrics_history.num_rows == 1


def test_rename_seen_tonight_without_data_carries_the_old_names_row() -> None:
    entries = [repo_entry("l:1", "l", 1, "old/tool")]
    night1 = build_tables(entries, [], [repo("old/tool", stars=9)], [], snapshot_date=D1, previous=None)
    moved = repo("old/tool", T2, FetchStatus.MOVED, moved_to="new/tool")
    night2 = build_tables(entries, [], [moved], [], snapshot_date=D2, previous=as_previous(night1, D1))
    (row,) = night2.repos.to_pylist()
    assert (row["repo_id"], row["previous_names"], row["stars"], row["stars_as_of"], row["status"]) == (
        "new/tool",
        ["old/tool"],
        9,
        D1,
        "stale",
    )
    assert (row["full_name"], row["fetch_status"]) == ("new/tool", "moved")


def test_hf_rename_seen_tonight_without_data_carries_the_old_row_under_the_new_id() -> None:
    entries = [hf_entry("l:1", "l", 1, "model", "Org/Old")]
    night1 = build_tables(entries, [], [], [hf("model", "Org/Old", likes=3)], snapshot_date=D1, previous=None)
    moved = hf("model", "Org/Old", T2, FetchStatus.MOVED, moved_to="Org/New")
    (row,) = build_tables(
        entries, [], [], [moved], snapshot_date=D2, previous=as_previous(night1, D1)
    ).hf_items.to_pylist()
    assert (row["hf_item_id"], row["hf_id"], row["previous_ids"], row["likes"], row["likes_as_of"]) == (
        "model:org/new",
        "Org/New",
        ["model:org/old"],
        3,
        D1,
    )
    assert (row["status"], row["fetch_status"]) == ("stale", "moved")
