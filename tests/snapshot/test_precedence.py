"""Field precedence in the works table, one fall-back at a time.

For every work field with a documented source order (docs/snapshots.md, "How values are chosen"),
each source in turn is the first that has a value: every better-ranked source answered OK but without
that field. The row must take the value of exactly that source; when no source has it, the list's own
text (title, year) or null. Sources outside a field's order never supply it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from enrich.ids import Ids
from enrich.tables import build_tables

from .helpers import D1, author, paper, resolved, wrec

SOURCES = ("arxiv", "s2", "openalex", "crossref")
YEARS = {"arxiv": 2019, "s2": 2020, "openalex": 2021, "crossref": 2022}

# field of WorkRecord -> (the documented order, each source's value, the row value it becomes)
VALUES: dict[str, dict[str, Any]] = {
    "title": {s: f"Title from {s}" for s in SOURCES},
    "abstract": {s: f"Abstract from {s}." for s in SOURCES},
    "year": YEARS,
    "publication_date": {s: f"{y}-0{i + 1}-1{i}" for i, (s, y) in enumerate(YEARS.items())},
    "venue": {s: f"Venue of {s}" for s in SOURCES},
    "work_type": {s: f"type-{s}" for s in SOURCES},
    "reference_count": {s: 10 + i for i, s in enumerate(SOURCES)},
    "pmid": {s: str(900 + i) for i, s in enumerate(SOURCES)},
    "citation_count": {s: 100 + i for i, s in enumerate(SOURCES)},
}
ORDERS: dict[str, tuple[str, ...]] = {
    "title": ("s2", "openalex", "crossref", "arxiv"),
    "abstract": ("arxiv", "s2", "openalex", "crossref"),
    "year": ("s2", "openalex", "crossref", "arxiv"),
    "publication_date": ("s2", "crossref", "openalex", "arxiv"),
    "venue": ("s2", "openalex", "crossref", "arxiv"),
    "work_type": ("openalex", "crossref", "s2"),
    "reference_count": ("s2", "openalex", "crossref"),
    "pmid": ("s2", "openalex", "crossref", "arxiv"),
    "citation_count": ("s2", "openalex", "crossref"),
}
LOCAL_TITLE = "The title as the list writes it"
LOCAL_YEAR = 2018
# what the row holds when no source has the field
NOBODY: dict[str, Any] = {"title": LOCAL_TITLE, "year": LOCAL_YEAR}


def _row(field: str, having: tuple[str, ...]) -> dict[str, Any]:
    """The works row of one work whose four sources all answered OK, only ``having`` with ``field``."""
    records = [
        wrec(s, f"key-{s}", **({field: VALUES[field][s]} if s in having else {}))
        for s in SOURCES  # every source answered: status ok, field absent unless in ``having``
    ]
    work = resolved(
        "doi:10.1/p",
        ["l:1"],
        records,
        ids=Ids(doi="10.1/p"),
        local_title=LOCAL_TITLE,
        local_year=LOCAL_YEAR,
    )
    entry = paper("l:1", "l", 1, LOCAL_TITLE, doi="10.1/p", year=LOCAL_YEAR)
    (row,) = build_tables([entry], [work], [], [], snapshot_date=D1, previous=None).works.to_pylist()
    assert row["status_arxiv"] == row["status_s2"] == row["status_openalex"] == row["status_crossref"] == "ok"
    return row


def _expected(field: str, source: str) -> Any:
    value = VALUES[field][source]
    return date.fromisoformat(value) if field == "publication_date" else value


CASES = [(field, k) for field, order in ORDERS.items() for k in range(len(order) + 1)]


@pytest.mark.parametrize(("field", "k"), CASES, ids=[f"{f}-{k}" for f, k in CASES])
def test_the_first_source_in_order_that_has_the_field_wins(field: str, k: int) -> None:
    order = ORDERS[field]
    # sources outside the order always have a value: it must never be taken
    having = tuple(order[k:]) + tuple(s for s in SOURCES if s not in order)
    row = _row(field, having)
    if k < len(order):
        assert row[field] == _expected(field, order[k])
    else:
        assert row[field] == NOBODY.get(field)
    if field == "abstract":
        assert row["abstract_source"] == (order[k] if k < len(order) else None)
    if field == "citation_count":
        assert row["citation_count_source"] == (order[k] if k < len(order) else None)
        assert row["citation_count_as_of"] == (D1 if k < len(order) else None)


@pytest.mark.parametrize("k", range(5))
def test_authors_come_from_the_first_source_in_order_that_lists_any(k: int) -> None:
    order = ("s2", "arxiv", "openalex", "crossref")
    records = [
        wrec(s, f"key-{s}", **({"authors": (author(f"Author of {s}"),)} if s in order[k:] else {}))
        for s in SOURCES
    ]
    work = resolved("doi:10.1/p", ["l:1"], records, ids=Ids(doi="10.1/p"), local_authors=("Local Author",))
    entry = paper("l:1", "l", 1, "T", doi="10.1/p")
    (row,) = build_tables([entry], [work], [], [], snapshot_date=D1, previous=None).works.to_pylist()
    name = f"Author of {order[k]}" if k < len(order) else "Local Author"
    assert row["authors"] == [{"name": name, "s2_author_id": None, "orcid": None}]


def test_an_identifier_resolution_found_beats_every_source() -> None:
    records = [wrec(s, f"key-{s}", pmid=VALUES["pmid"][s]) for s in SOURCES]
    work = resolved("doi:10.1/p", ["l:1"], records, ids=Ids(doi="10.1/p", pmid="42"))
    entry = paper("l:1", "l", 1, "T", doi="10.1/p")
    (row,) = build_tables([entry], [work], [], [], snapshot_date=D1, previous=None).works.to_pylist()
    assert row["pmid"] == "42"
