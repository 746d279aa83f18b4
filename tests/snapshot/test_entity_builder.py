"""``build_entities`` on hand-made Arrow tables: exact entity rows and entries' ``entity_id``.

Each test builds the four input tables (only the columns ``ENTITY_INPUTS`` names) from a few rows
and checks every column of every entity row, for the edge cases of the rules in
``enrich/entities.py``: entries with no work or an unknown one, a repo shared by two works, Hub
items linked by tag, card or the repo beside them, repeated keys, nulls and empty strings,
toolkits, and entries carried from an unreadable list.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from enrich.entities import (
    ENTITY_INPUTS,
    LINK_CONFIDENCE,
    LINK_SOURCES,
    TOOLKIT_MIN_PAPERS,
    assign,
    build_entities,
    candidate_links,
    combined_confidence,
)
from enrich.schemas import ENTITIES_SCHEMA, SCHEMAS
from enrich.tables import PreviousSnapshot, build_tables

from .helpers import D1, D2, T2, blank_row, paper, repo, repo_entry, resolved, wrec

ARXIV = "2304.01097"
A = f"arxiv:{ARXIV}"
B = "doi:10.1/x"


def _inputs(
    entries: Sequence[dict[str, Any]] = (),
    works: Sequence[dict[str, Any]] = (),
    repos: Sequence[dict[str, Any]] = (),
    hf_items: Sequence[dict[str, Any]] = (),
) -> tuple[pa.Table, pa.Table, pa.Table, pa.Table]:
    """The four tables of :func:`build_entities` (absent values null; Hub items' arxiv_ids empty)."""
    tables = []
    for name, rows in (("entries", entries), ("works", works), ("repos", repos), ("hf_items", hf_items)):
        schema = pa.schema([SCHEMAS[name].field(c) for c in ENTITY_INPUTS[name]])
        if name == "hf_items":
            rows = [{"arxiv_ids": [], **r} for r in rows]
        tables.append(pa.Table.from_pylist(list(rows), schema=schema))
    entries_t, works_t, repos_t, hf_t = tables
    return entries_t, works_t, repos_t, hf_t


def _entity(**values: Any) -> dict[str, Any]:
    return blank_row("entities", **values)


def _link(artefact: str, source: str) -> dict[str, Any]:
    return {"id": artefact, "link_source": source, "confidence": LINK_CONFIDENCE[source]}


def _build(
    *tables: pa.Table, toolkit_min: int = TOOLKIT_MIN_PAPERS
) -> tuple[list[dict[str, Any]], list[Any]]:
    entities, entity_ids = build_entities(*tables, toolkit_min=toolkit_min)
    assert entities.schema.equals(ENTITIES_SCHEMA, check_metadata=True)
    assert len(entity_ids) == tables[0].num_rows
    return entities.to_pylist(), entity_ids.to_pylist()


def test_entries_with_no_work_an_unknown_work_or_empty_ids() -> None:
    rows, ids = _build(
        *_inputs(
            entries=[
                {"entry_id": "e:1", "list_id": "a", "work_id": A},
                # its work has no row: the repo beside it is linked to nothing that exists
                {"entry_id": "e:2", "list_id": "b", "work_id": "arxiv:9999.00001", "repo_id": "o/code"},
                {"entry_id": "e:3", "list_id": "b", "work_id": "", "repo_id": "", "hf_item_id": ""},
                {"entry_id": "e:4", "list_id": "c"},
                {"entry_id": "e:5", "list_id": "c", "hf_item_id": "model:gone"},
            ],
            works=[
                {
                    "work_id": A,
                    "arxiv_id": ARXIV,
                    "title": "DoctorGLM",
                    "citation_count_s2": 80,
                    "citation_count_s2_as_of": D1,
                },
                {"work_id": B, "doi": "10.1/X", "title": ""},
            ],
            repos=[{"repo_id": "o/code", "full_name": "O/Code", "stars": 7, "stars_as_of": D1}],
        )
    )
    assert ids == [A, "repo:o/code", None, None, None]
    assert rows == [
        _entity(
            entity_id=A,
            entity_type="work",
            display_name="DoctorGLM",
            work_id=A,
            links=[],
            list_ids=["a"],
            entry_ids=["e:1"],
            entry_count=1,
            citation_count_s2=80,
            citation_count_s2_as_of=D1,
        ),
        # a work no entry names (a carried one) is still an entity; no title: its id
        _entity(entity_id=B, entity_type="work", display_name=B, work_id=B, links=[], entry_count=0),
        _entity(
            entity_id="repo:o/code",
            entity_type="repo",
            display_name="O/Code",
            repo_ids=["o/code"],
            links=[],
            list_ids=["b"],
            entry_ids=["e:2"],
            entry_count=1,
            stars=7,
            stars_repo_id="o/code",
            stars_as_of=D1,
        ),
    ]


def test_a_repo_shared_by_two_works_goes_to_the_better_supported_or_to_neither() -> None:
    rows, ids = _build(
        *_inputs(
            entries=[
                {"entry_id": "a:1", "list_id": "a", "work_id": A, "repo_id": "o/shared"},
                {"entry_id": "a:2", "list_id": "a", "work_id": B, "repo_id": "o/shared"},
                {"entry_id": "a:3", "list_id": "b", "work_id": B, "repo_id": "o/code"},
                {"entry_id": "a:4", "list_id": "b", "work_id": A, "repo_id": "o/both"},
            ],
            works=[{"work_id": A, "arxiv_id": ARXIV}, {"work_id": B, "doi": "10.1/x"}],
            repos=[
                # named beside both papers: 0.9 each, a tie: neither
                {"repo_id": "o/shared", "full_name": "o/shared", "paper_refs": None},
                # README cites A (0.7, upper case), named beside B (0.9): B
                {
                    "repo_id": "o/code",
                    "full_name": "o/code",
                    "stars": 10,
                    "stars_as_of": D2,
                    "paper_refs": [{"ref": f"ARXIV:{ARXIV}", "found_in": "readme"}],
                },
                # README and description cite B: 1 - 0.3 * 0.2 = 0.94 beats the 0.9 beside A
                {
                    "repo_id": "o/both",
                    "full_name": "o/both",
                    "stars": 10,
                    "stars_as_of": D1,
                    "paper_refs": [
                        {"ref": "DOI:10.1/X", "found_in": "readme"},
                        {"ref": "doi:10.1/x", "found_in": "description"},
                        {"ref": "doi:10.1/x", "found_in": "readme"},
                    ],
                },
            ],
        )
    )
    assert ids == [A, B, B, A]
    assert rows == [
        _entity(
            entity_id=A,
            entity_type="work",
            display_name=A,
            work_id=A,
            links=[],
            list_ids=["a", "b"],
            entry_ids=["a:1", "a:4"],
            entry_count=2,
        ),
        _entity(
            entity_id=B,
            entity_type="work",
            display_name=B,
            work_id=B,
            repo_ids=["o/both", "o/code"],
            links=[
                _link("o/both", "repo_description"),
                _link("o/both", "repo_readme"),
                _link("o/code", "same_entry"),
            ],
            list_ids=["a", "b"],
            entry_ids=["a:2", "a:3"],
            entry_count=2,
            # equal stars: the first repo id
            stars=10,
            stars_repo_id="o/both",
            stars_as_of=D1,
        ),
        _entity(
            entity_id="repo:o/shared",
            entity_type="repo",
            display_name="o/shared",
            repo_ids=["o/shared"],
            links=[],
            entry_count=0,
        ),
    ]


def test_hub_items_by_tag_by_card_and_beside_a_repo() -> None:
    rows, ids = _build(
        *_inputs(
            entries=[
                {"entry_id": "h:1", "list_id": "h", "hf_item_id": "model:two"},
                {"entry_id": "m:1", "list_id": "m", "repo_id": "o/code", "hf_item_id": "model:beside-code"},
                {"entry_id": "m:2", "list_id": "m", "repo_id": "o/alone", "hf_item_id": "model:beside-alone"},
                {"entry_id": "m:3", "list_id": "m", "repo_id": "o/alone", "hf_item_id": "model:two"},
                {"entry_id": "m:4", "list_id": "n", "repo_id": "o/other", "hf_item_id": "model:two"},
                {"entry_id": "p:1", "list_id": "p", "work_id": A},
            ],
            works=[{"work_id": A, "arxiv_id": ARXIV, "title": "DoctorGLM"}],
            repos=[
                {"repo_id": "o/alone", "full_name": "O/Alone"},
                {
                    "repo_id": "o/code",
                    "full_name": "o/code",
                    "paper_refs": [{"ref": A, "found_in": "readme"}],
                },
                {"repo_id": "o/other", "full_name": ""},
            ],
            hf_items=[
                {
                    "hf_item_id": "dataset:carded",
                    "hf_id": "org/carded",
                    "card_refs": [f"ARXIV:{ARXIV}"],
                    "downloads": 5,
                    "downloads_as_of": D1,
                },
                {
                    "hf_item_id": "model:beside-alone",
                    "hf_id": "org/beside-alone",
                    "likes": 1,
                    "likes_as_of": D2,
                },
                # its repo's paper is its paper too
                {
                    "hf_item_id": "model:beside-code",
                    "hf_id": "org/beside-code",
                    "likes": 3,
                    "likes_as_of": D2,
                },
                {
                    "hf_item_id": "model:tagged",
                    "hf_id": "org/tagged",
                    "arxiv_ids": [ARXIV],
                    "card_refs": None,
                    "likes": 12,
                    "likes_as_of": D1,
                    "downloads": 30,
                    "downloads_as_of": D2,
                },
                # beside two repos of two entities: an entity of its own
                {"hf_item_id": "model:two", "hf_id": "", "downloads": 0, "downloads_as_of": D2},
            ],
        )
    )
    assert ids == ["hf:model:two", A, "repo:o/alone", "repo:o/alone", "repo:o/other", A]
    assert rows == [
        _entity(
            entity_id=A,
            entity_type="work",
            display_name="DoctorGLM",
            work_id=A,
            repo_ids=["o/code"],
            hf_item_ids=["dataset:carded", "model:beside-code", "model:tagged"],
            links=[
                _link("o/code", "repo_readme"),
                _link("dataset:carded", "hf_card"),
                _link("model:beside-code", "same_entry"),
                _link("model:tagged", "hf_arxiv_tag"),
            ],
            list_ids=["m", "p"],
            entry_ids=["m:1", "p:1"],
            entry_count=2,
            likes=15,
            likes_as_of=D1,
            downloads=35,
            downloads_as_of=D1,
        ),
        _entity(
            entity_id="hf:model:two",
            entity_type="hf_item",
            display_name="model:two",  # no Hub id: the item id
            hf_item_ids=["model:two"],
            links=[],
            list_ids=["h"],
            entry_ids=["h:1"],
            entry_count=1,
            downloads=0,
            downloads_as_of=D2,
        ),
        _entity(
            entity_id="repo:o/alone",
            entity_type="repo",
            display_name="O/Alone",
            repo_ids=["o/alone"],
            hf_item_ids=["model:beside-alone"],
            links=[_link("model:beside-alone", "same_entry")],
            list_ids=["m"],
            entry_ids=["m:2", "m:3"],
            entry_count=2,
            likes=1,
            likes_as_of=D2,
        ),
        _entity(
            entity_id="repo:o/other",
            entity_type="repo",
            display_name="o/other",  # empty full_name: the repo id
            repo_ids=["o/other"],
            links=[],
            list_ids=["n"],
            entry_ids=["m:4"],
            entry_count=1,
        ),
    ]


def test_repeated_keys_the_last_row_counts_and_the_first_work_owns_a_shared_arxiv_id() -> None:
    rows, ids = _build(
        *_inputs(
            entries=[
                {"entry_id": "e:1", "list_id": "a", "work_id": "s2:a"},
                {"entry_id": "e:1", "list_id": "b", "hf_item_id": "model:x"},
                {"entry_id": "e:2", "list_id": "c", "work_id": "s2:a"},
                {"entry_id": "e:2", "list_id": "d"},  # no entity: the other row's stands
                {"entry_id": "e:3", "list_id": "d", "repo_id": "o/r"},
            ],
            works=[
                {"work_id": "s2:b", "arxiv_id": "2301.00001", "title": "B"},
                {"work_id": "s2:a", "arxiv_id": "2301.00001", "title": "A first", "citation_count_s2": 1},
                {
                    "work_id": "s2:a",
                    "title": "A last",
                    "citation_count_openalex": 5,
                    "citation_count_openalex_as_of": D2,
                },
            ],
            repos=[
                {"repo_id": "o/r", "full_name": "o/r", "stars": 1, "stars_as_of": D1},
                {"repo_id": "o/r", "full_name": "O/R", "stars": 9, "stars_as_of": D2},
            ],
            hf_items=[
                {
                    "hf_item_id": "model:x",
                    "hf_id": "x",
                    "arxiv_ids": ["2301.00001"],
                    "likes": 1,
                    "likes_as_of": D1,
                },
                {
                    "hf_item_id": "model:x",
                    "hf_id": "X",
                    "arxiv_ids": ["2301.00001"],
                    "likes": 4,
                    "likes_as_of": D2,
                },
            ],
        )
    )
    # an entry id on two rows: both say the last row's entity
    assert ids == ["s2:b", "s2:b", "s2:a", "s2:a", "repo:o/r"]
    assert rows == [
        _entity(
            entity_id="repo:o/r",
            entity_type="repo",
            display_name="O/R",
            repo_ids=["o/r"],
            links=[],
            list_ids=["d"],
            entry_ids=["e:3"],
            entry_count=1,
            stars=9,
            stars_repo_id="o/r",
            stars_as_of=D2,
        ),
        _entity(
            entity_id="s2:a",
            entity_type="work",
            display_name="A last",
            work_id="s2:a",
            links=[],
            list_ids=["a", "c"],
            entry_ids=["e:1", "e:2"],
            entry_count=2,
            citation_count_openalex=5,
            citation_count_openalex_as_of=D2,
        ),
        _entity(
            entity_id="s2:b",
            entity_type="work",
            display_name="B",
            work_id="s2:b",
            hf_item_ids=["model:x"],
            links=[_link("model:x", "hf_arxiv_tag")],
            list_ids=["b"],
            entry_ids=["e:1"],
            entry_count=1,
            likes=4,
            likes_as_of=D2,
        ),
    ]


def test_a_toolkit_counts_distinct_papers_known_or_not() -> None:
    refs = [{"ref": A, "found_in": "readme"}] + [
        {"ref": f"arxiv:2301.0000{i}", "found_in": "readme"} for i in range(3)
    ]
    entries = [
        {"entry_id": "t:1", "list_id": "t", "work_id": A, "repo_id": "o/list"},
        {"entry_id": "t:2", "list_id": "t", "work_id": A, "repo_id": "o/toolkit"},
        {"entry_id": "t:3", "list_id": "t", "repo_id": "o/toolkit"},
    ]
    works = [{"work_id": A, "arxiv_id": ARXIV}]
    repos = [
        # A named beside it and cited by it is one paper: 4 in all
        {"repo_id": "o/list", "full_name": "o/list", "paper_refs": refs},
        {
            "repo_id": "o/toolkit",
            "full_name": "o/toolkit",
            "paper_refs": [*refs, {"ref": "doi:10.9/unknown", "found_in": "homepage"}],
        },
    ]
    tables = _inputs(entries=entries, works=works, repos=repos)
    _, counts = candidate_links(*tables)
    assert sorted(counts.to_pylist(), key=lambda c: c["artefact"]) == [
        {"artefact": "o/list", "papers": 4},
        {"artefact": "o/toolkit", "papers": 5},
    ]
    rows, ids = _build(*tables)
    assert ids == [A, A, "repo:o/toolkit"]
    assert rows == [
        _entity(
            entity_id=A,
            entity_type="work",
            display_name=A,
            work_id=A,
            repo_ids=["o/list"],
            links=[_link("o/list", "repo_readme"), _link("o/list", "same_entry")],
            list_ids=["t"],
            entry_ids=["t:1", "t:2"],
            entry_count=2,
        ),
        _entity(
            entity_id="repo:o/toolkit",
            entity_type="repo",
            display_name="o/toolkit",
            repo_ids=["o/toolkit"],
            links=[],
            list_ids=["t"],
            entry_ids=["t:3"],
            entry_count=1,
        ),
    ]
    # with a lower threshold o/list is a toolkit too
    rows, _ = _build(*tables, toolkit_min=4)
    assert [(r["entity_id"], r["repo_ids"], r["links"]) for r in rows] == [
        (A, [], []),
        ("repo:o/list", ["o/list"], []),
        ("repo:o/toolkit", ["o/toolkit"], []),
    ]


def test_no_rows_at_all() -> None:
    rows, ids = _build(*_inputs())
    assert (rows, ids) == ([], [])


def test_two_papers_equally_supported_get_neither_and_evidence_adds_up() -> None:
    tables = _inputs(
        entries=[
            {"entry_id": "a:1", "list_id": "a", "work_id": A, "repo_id": "o/shared"},
            {"entry_id": "a:2", "list_id": "a", "work_id": B, "repo_id": "o/shared"},
            {"entry_id": "a:3", "list_id": "a", "work_id": B, "repo_id": "o/code"},
        ],
        works=[{"work_id": A, "arxiv_id": ARXIV}, {"work_id": B, "doi": "10.1/x"}],
        repos=[
            {"repo_id": "o/shared", "full_name": "o/shared"},
            {"repo_id": "o/code", "full_name": "o/code", "paper_refs": [{"ref": A, "found_in": "readme"}]},
        ],
    )
    links, counts = candidate_links(*tables)
    assert sorted(counts.to_pylist(), key=lambda c: c["artefact"]) == [
        {"artefact": "o/code", "papers": 2},
        {"artefact": "o/shared", "papers": 2},
    ]
    owners = assign(links, counts).to_pylist()
    # o/shared: 0.9 for each paper, a tie; o/code: 0.9 (same entry) for B against 0.7 (README) for A
    assert owners == [
        {"artefact": "o/code", "work_id": B, "link_sources": 1 << LINK_SOURCES.index("same_entry")}
    ]


def test_combined_confidence_does_not_depend_on_the_order_of_the_evidence() -> None:
    # the rounding to 6 decimals makes the product order-free for the policy's confidences
    for size in range(1, len(LINK_SOURCES) + 1):
        for sources in itertools.combinations(LINK_SOURCES, size):
            mask = sum(1 << LINK_SOURCES.index(s) for s in sources)
            for order in itertools.permutations(sources):
                miss = 1.0
                for s in order:
                    miss *= 1.0 - LINK_CONFIDENCE[s]
                assert round(1.0 - miss, 6) == combined_confidence(mask)
    assert combined_confidence(0) == 0.0
    mask = (1 << LINK_SOURCES.index("repo_readme")) | (1 << LINK_SOURCES.index("repo_description"))
    assert combined_confidence(mask) == 0.94


def test_entries_carried_from_an_unreadable_list_keep_their_entities() -> None:
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
    previous = PreviousSnapshot.of(
        D1, entries=night1.entries, works=night1.works, repos=night1.repos, hf_items=night1.hf_items
    )
    night2 = build_tables(
        [a1],
        [resolved("arxiv:1", ["a:1"], [wrec("s2", "ARXIV:1", T2, citation_count=6)])],
        [],
        [],
        snapshot_date=D2,
        previous=previous,
        unreadable_lists={"b"},
    )
    assert night2.entries.select(["entry_id", "entity_id"]).to_pylist() == [
        {"entry_id": "a:1", "entity_id": "arxiv:1"},
        {"entry_id": "b:1", "entity_id": "repo:o/r"},
        {"entry_id": "b:2", "entity_id": "arxiv:1"},
        {"entry_id": "b:3", "entity_id": "arxiv:2"},
    ]
    assert night2.entities.to_pylist() == [
        _entity(
            entity_id="arxiv:1",
            entity_type="work",
            display_name="arxiv:1",
            work_id="arxiv:1",
            links=[],
            list_ids=["a", "b"],
            entry_ids=["a:1", "b:2"],
            entry_count=2,
            citation_count_s2=6,
            citation_count_s2_as_of=D2,
        ),
        # carried from night one with its values and their dates
        _entity(
            entity_id="arxiv:2",
            entity_type="work",
            display_name="Two",
            work_id="arxiv:2",
            links=[],
            list_ids=["b"],
            entry_ids=["b:3"],
            entry_count=1,
            citation_count_s2=9,
            citation_count_s2_as_of=D1,
        ),
        _entity(
            entity_id="repo:o/r",
            entity_type="repo",
            display_name="o/r",
            repo_ids=["o/r"],
            links=[],
            list_ids=["b"],
            entry_ids=["b:1"],
            entry_count=1,
            stars=5,
            stars_repo_id="o/r",
            stars_as_of=D1,
        ),
    ]
