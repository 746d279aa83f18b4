"""``list_changes`` rows: the entries each list gained, lost or edited versus the previous snapshot
(ids follow edited entries across versions: ``enrich.parsing.carry_ids.carry_entry_ids``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from enrich.schemas import ENTRIES_SCHEMA, LIST_CHANGES_SCHEMA, TABLE_KEYS
from enrich.tables.common import Row

EDIT_COLUMNS: Final = ("name", "title", "authors_raw", "year", "venue_raw", "urls", "description")
"""The entry columns whose change makes an entry ``edited`` in ``list_changes``: the entry's own text.
``line`` and ``section`` are where it stands (a move or a renamed heading is not an edit); the
identifier columns and ``kind`` follow from the URLs and text; the rest come from resolution."""

CHANGE_COLUMNS: Final = tuple(
    dict.fromkeys(
        ("list_id", "entry_id", "kind", "title", "name", "work_id", "repo_id", "hf_item_id", *EDIT_COLUMNS)
    )
)
"""The entries' columns :func:`changes_table` reads."""

CHANGE_SCHEMA: Final = pa.schema([ENTRIES_SCHEMA.field(c) for c in CHANGE_COLUMNS])
"""Those columns with their ``entries`` types."""

_Ints = npt.NDArray[np.int64]
_Bools = npt.NDArray[np.bool_]


def list_changes(
    tonight: Sequence[Mapping[str, Any]],
    before: Sequence[Mapping[str, Any]],
    unreadable: Collection[str] = (),
) -> list[Row]:
    """The ``list_changes`` rows: entries gained, lost or edited since ``before``, per list.

    ``tonight`` and ``before`` are ``entries`` rows (dicts with at least ``list_id``, ``entry_id``,
    ``kind``, ``title``, ``name`` and :data:`EDIT_COLUMNS`; ``work_id``, ``repo_id``, ``hf_item_id``
    when known). An entry is ``gained``/``lost`` when its id appears/disappears, ``edited`` when its
    id stays and any of :data:`EDIT_COLUMNS` differs (named in ``edited_columns``). Lists in
    ``unreadable`` record nothing. Where a ``(list_id, entry_id)`` repeats, its last row counts.
    Rows sorted by ``list_id``, ``change``, ``entry_id`` (see :func:`changes_table`).
    """

    def table(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
        return pa.Table.from_pylist(
            [{c: r.get(c) for c in CHANGE_COLUMNS} for r in rows], schema=CHANGE_SCHEMA
        )

    rows: list[Row] = changes_table(table(tonight), table(before), unreadable).to_pylist()
    return rows


def _bools(values: pa.Array | pa.ChunkedArray) -> _Bools:
    out: _Bools = pc.fill_null(values, False).to_numpy(zero_copy_only=False)
    return out


def _last_of_each(key: _Ints) -> tuple[_Ints, _Ints]:
    """The distinct keys, sorted, and the row of the last of each."""
    distinct, first_from_end = np.unique(key[::-1], return_index=True)
    last: _Ints = (len(key) - 1 - first_from_end).astype(np.int64)
    return distinct.astype(np.int64), last


def _keys(now: pa.Table, then: pa.Table) -> tuple[_Ints, _Ints]:
    """``(list_id, entry_id)`` of each row of ``now`` and of ``then`` as one integer (equal pairs, equal
    integers), without a Python object per row."""
    codes: list[_Ints] = []
    sizes: list[int] = []
    for name in ("list_id", "entry_id"):
        both = pa.chunked_array([*now.column(name).chunks, *then.column(name).chunks], pa.string())
        distinct = pc.unique(both)
        codes.append(pc.index_in(both, value_set=distinct).to_numpy(zero_copy_only=False).astype(np.int64))
        sizes.append(len(distinct))
        del both, distinct
    key = codes[0] * max(sizes[1], 1) + codes[1]
    return key[: now.num_rows], key[now.num_rows :]


def _differ(after: pa.Array, before: pa.Array) -> _Bools:
    """Row by row, whether the values differ as Python's ``!=`` says (lists as tuples, None == None)."""
    valid_a, valid_b = _bools(pc.is_valid(after)), _bools(pc.is_valid(before))
    same: _Bools = ~valid_a & ~valid_b
    if not pa.types.is_list(after.type):
        return ~(same | _bools(pc.equal(after, before)))
    length_a = pc.fill_null(pc.list_value_length(after), 0).to_numpy(zero_copy_only=False)
    length_b = pc.fill_null(pc.list_value_length(before), 0).to_numpy(zero_copy_only=False)
    shaped = np.flatnonzero(valid_a & valid_b & (length_a == length_b))
    at = pa.array(shaped, pa.int64())
    lists_a, lists_b = after.take(at), before.take(at)
    items_a, items_b = pc.list_flatten(lists_a), pc.list_flatten(lists_b)
    equal = _bools(pc.equal(items_a, items_b)) | (
        ~_bools(pc.is_valid(items_a)) & ~_bools(pc.is_valid(items_b))
    )
    parent = pc.list_parent_indices(lists_a).to_numpy(zero_copy_only=False)
    same[shaped] = np.bincount(parent[~equal], minlength=len(shaped)) == 0
    return ~same


_SLICE: Final = 8192  # rows of both nights compared at a time


def changes_table(now: pa.Table, then: pa.Table, unreadable: Collection[str] = ()) -> pa.Table:
    """The ``list_changes`` table between two ``entries`` tables (at least :data:`CHANGE_COLUMNS`),
    sorted by its key, in one chunk per column; computed on the columns (no row is made a dict), the
    entries in both nights compared ``_SLICE`` at a time, and only the columns a change row reads
    copied for the rows that make one.

    A ``(list_id, entry_id)`` of ``now`` not in ``then`` is ``gained``, of ``then`` not in ``now``
    ``lost``; in both, ``edited`` when one of :data:`EDIT_COLUMNS` differs (Python's ``!=``, lists
    compared item by item). A repeated pair counts its last row. Lists in ``unreadable`` record nothing.
    """
    now = now.select(list(CHANGE_COLUMNS)).combine_chunks()  # a take from many chunks copies them all
    then = then.select(list(CHANGE_COLUMNS)).combine_chunks()
    key_now, key_then = _keys(now, then)
    now_keys, now_last = _last_of_each(key_now)
    then_keys, then_last = _last_of_each(key_then)
    del key_now, key_then
    skipped = pa.array(sorted(set(unreadable)), pa.string())
    readable_now = ~_bools(pc.is_in(now.column("list_id"), value_set=skipped))[now_last]
    readable_then = ~_bools(pc.is_in(then.column("list_id"), value_set=skipped))[then_last]
    at = np.searchsorted(then_keys, now_keys)
    found = np.zeros(len(now_keys), np.bool_)
    inside = at < len(then_keys)
    found[inside] = then_keys[at[inside]] == now_keys[inside]
    lost = readable_then & ~np.isin(then_keys, now_keys, assume_unique=True)

    def label(table: pa.Table) -> pa.Array:
        title = table.column("title").combine_chunks()
        return pc.if_else(_bools(pc.not_equal(title, "")), title, table.column("name").combine_chunks())

    parts: list[pa.Table] = []

    def add(
        change: str, table: pa.Table, index: _Ints, previous_label: pa.Array | None, edited: pa.Array | None
    ) -> None:
        r = table.select(["list_id", "entry_id", "kind", "title", "name", "work_id", "repo_id", "hf_item_id"])
        r = r.take(pa.array(index, pa.int64()))
        n = r.num_rows
        parts.append(
            pa.table(
                {
                    "list_id": r.column("list_id"),
                    "entry_id": r.column("entry_id"),
                    "change": pa.array([change] * n, pa.string()),
                    "kind": r.column("kind"),
                    "label": label(r),
                    "work_id": r.column("work_id"),
                    "repo_id": r.column("repo_id"),
                    "hf_item_id": r.column("hf_item_id"),
                    "previous_label": previous_label
                    if previous_label is not None
                    else pa.nulls(n, pa.string()),
                    "edited_columns": edited if edited is not None else pa.nulls(n, pa.list_(pa.string())),
                }
            )
        )

    add("gained", now, now_last[readable_now & ~found], None, None)
    both = readable_now & found
    now_rows, then_rows = now_last[both], then_last[at[both]]
    edited_at: list[_Ints] = []
    names: list[list[str]] = []
    for start in range(0, len(now_rows), _SLICE):
        take_now = pa.array(now_rows[start : start + _SLICE], pa.int64())
        take_then = pa.array(then_rows[start : start + _SLICE], pa.int64())
        differs = np.stack(
            [_differ(now.column(c).take(take_now), then.column(c).take(take_then)) for c in EDIT_COLUMNS]
        )
        hit = np.flatnonzero(differs.any(axis=0))
        edited_at.append(start + hit)
        names.extend([c for c, d in zip(EDIT_COLUMNS, differs[:, i], strict=True) if d] for i in hit)
    edited = np.concatenate(edited_at) if edited_at else np.zeros(0, np.int64)
    before = then.select(["title", "name"]).take(pa.array(then_rows[edited], pa.int64()))
    add("edited", now, now_rows[edited], label(before), pa.array(names, pa.list_(pa.string())))
    del before
    add("lost", then, then_last[lost], None, None)
    del now, then
    table = pa.concat_tables(parts)
    parts.clear()
    order = pc.sort_indices(table, sort_keys=[(k, "ascending") for k in TABLE_KEYS["list_changes"]])
    return pa.Table.from_arrays(
        [table.column(f.name).take(order).combine_chunks().cast(f.type) for f in LIST_CHANGES_SCHEMA],
        schema=LIST_CHANGES_SCHEMA,
    )
