"""``list_changes`` computed on the columns (``changes_table``) gives exactly the rows of the
row-by-row definition (kept below as the oracle: dicts keyed by ``(list_id, entry_id)``, the last row
of a repeated key counting), on random entries with repeats, nulls, empty strings and list values."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from enrich.schemas import LIST_CHANGES_SCHEMA, TABLE_KEYS
from enrich.tables import EDIT_COLUMNS, list_changes
from enrich.tables.changes import CHANGE_SCHEMA, changes_table


def _oracle(
    tonight: Sequence[Mapping[str, Any]], before: Sequence[Mapping[str, Any]], unreadable: Collection[str]
) -> list[dict[str, Any]]:
    def comparable(value: Any) -> Any:
        return tuple(value) if isinstance(value, list | tuple) else value

    def change_row(
        change: str, r: Mapping[str, Any], old: Mapping[str, Any] | None, edited: Any
    ) -> dict[str, Any]:
        return {
            "list_id": r["list_id"],
            "entry_id": r["entry_id"],
            "change": change,
            "kind": r["kind"],
            "label": r["title"] or r["name"],
            "work_id": r.get("work_id"),
            "repo_id": r.get("repo_id"),
            "hf_item_id": r.get("hf_item_id"),
            "previous_label": (old["title"] or old["name"]) if old is not None else None,
            "edited_columns": edited,
        }

    now = {(r["list_id"], r["entry_id"]): r for r in tonight}
    then = {(r["list_id"], r["entry_id"]): r for r in before}
    out = []
    for key, r in now.items():
        if r["list_id"] in unreadable:
            continue
        old = then.get(key)
        if old is None:
            out.append(change_row("gained", r, None, None))
            continue
        edited = [c for c in EDIT_COLUMNS if comparable(r.get(c)) != comparable(old.get(c))]
        if edited:
            out.append(change_row("edited", r, old, edited))
    for key, r in then.items():
        if key not in now and r["list_id"] not in unreadable:
            out.append(change_row("lost", r, None, None))
    keys = TABLE_KEYS["list_changes"]
    return sorted(out, key=lambda r: tuple(r[k] for k in keys))


_TEXT = st.one_of(st.none(), st.sampled_from(["", "a", "b", "é", "A"]))
_ROW = st.fixed_dictionaries(
    {
        "list_id": st.sampled_from(["l1", "l2", "l3"]),
        "entry_id": st.sampled_from([f"e{i}" for i in range(6)]),
        "kind": st.sampled_from(["paper", "repo"]),
        "title": _TEXT,
        "name": _TEXT,
        "work_id": _TEXT,
        "repo_id": _TEXT,
        "hf_item_id": _TEXT,
        "authors_raw": _TEXT,
        "year": st.one_of(st.none(), st.integers(2000, 2002)),
        "venue_raw": _TEXT,
        "urls": st.lists(_TEXT, max_size=3),
        "description": _TEXT,
    }
)


@settings(max_examples=400, deadline=None)
@given(
    now=st.lists(_ROW, max_size=12),
    then=st.lists(_ROW, max_size=12),
    unreadable=st.sets(st.sampled_from(["l1", "l2", "x"])),
)
def test_changes_on_the_columns_are_the_row_by_row_changes(
    now: list[dict[str, Any]], then: list[dict[str, Any]], unreadable: set[str]
) -> None:
    expected = _oracle(now, then, unreadable)
    assert list_changes(now, then, unreadable) == expected
    table = changes_table(
        pa.Table.from_pylist(now, schema=CHANGE_SCHEMA),
        pa.Table.from_pylist(then, schema=CHANGE_SCHEMA),
        unreadable,
    )
    assert table.schema.equals(LIST_CHANGES_SCHEMA)
    assert {table.column(i).num_chunks for i in range(table.num_columns)} <= {1}
    assert table.to_pylist() == expected
