"""The entity builder's grouping without Acero (sorts, ``unique``/``index_in`` and numpy) gives
exactly what the ``group_by`` formulations it replaced gave, on random columns with repeats, nulls
and empty strings. The references below are those formulations (Acero allocates from Arrow's C++
default pool, outside the night's pool: ``enrich.arrow_pool``), kept here only as the oracle."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from enrich import entities
from enrich.entities import LINK_SOURCES, assign, work_keys

_KEYS = st.one_of(st.none(), st.sampled_from(["", "a", "A", "b", "ab", "é", "É", "z9", "10.1/X"]))
_SMALL = st.lists(_KEYS, max_size=30)


def _ref_last_rows(table: pa.Table, key: str) -> pa.Table:
    if pc.count_distinct(table.column(key)).as_py() == table.num_rows:
        return table
    rows = table.append_column("_row", pa.array(np.arange(table.num_rows), pa.int64()))
    last = rows.group_by(key, use_threads=False).aggregate([("_row", "max")]).column("_row_max")
    return table.take(pa.array(np.sort(last.to_numpy())))


def _ref_last_of_entry(entry_ids: pa.Array, values: pa.Array) -> pa.Array:
    if pc.count_distinct(entry_ids).as_py() == len(entry_ids):
        return values
    rows = pa.table({"entry_id": entry_ids, "row": pa.array(np.arange(len(entry_ids)), pa.int64())})
    last = (
        rows.filter(pc.is_valid(values)).group_by("entry_id", use_threads=False).aggregate([("row", "max")])
    )
    found = pc.fill_null(pc.index_in(entry_ids, value_set=last.column("entry_id").combine_chunks()), -1)
    index = found.to_numpy().astype(np.int64)
    row = last.column("row_max").combine_chunks().take(pa.array(index, pa.int64(), mask=index < 0))
    return values.take(row)


def _ref_work_keys(works: pa.Table) -> dict[str, str]:
    keys: list[pa.Array] = []
    rows: list[Any] = []
    for column, prefix in (("arxiv_id", "arxiv:"), ("doi", "doi:")):
        values = works.column(column).combine_chunks()
        has = np.flatnonzero(pc.fill_null(pc.not_equal(values, ""), False).to_numpy(zero_copy_only=False))
        lowered = [str(v).lower() for v in values.take(pa.array(has)).to_pylist()]
        keys.append(pa.array([prefix + v for v in lowered], pa.string()))
        rows.append(has.astype(np.int64))
    table = pa.table({"key": pa.concat_arrays(keys), "row": pa.array(np.concatenate(rows), pa.int64())})
    first = table.group_by("key", use_threads=False).aggregate([("row", "min")])
    work_ids = works.column("work_id").combine_chunks().take(first.column("row_min")).to_pylist()
    return dict(zip(first.column("key").to_pylist(), work_ids, strict=True))


def _ref_assign(links: pa.Table, counts: pa.Table, toolkit_min: int) -> list[dict[str, Any]]:
    toolkits = (
        counts.column("artefact")
        .combine_chunks()
        .filter(pc.greater_equal(counts.column("papers"), toolkit_min))
    )
    links = links.filter(pc.invert(pc.is_in(links.column("artefact"), value_set=toolkits)))
    distinct = links.group_by(["artefact", "work_id", "source"], use_threads=False).aggregate([])
    bits = pc.shift_left(pa.scalar(1, pa.int64()), distinct.column("source"))
    per_work = (
        distinct.append_column("bit", bits)
        .group_by(["artefact", "work_id"], use_threads=False)
        .aggregate([("bit", "sum")])
    )
    best: dict[str, list[tuple[float, str, int]]] = {}
    for row in per_work.to_pylist():
        score = entities.combined_confidence(row["bit_sum"])
        best.setdefault(row["artefact"], []).append((score, row["work_id"], row["bit_sum"]))
    out = []
    for artefact in sorted(best):
        ranked = sorted(best[artefact], key=lambda c: (-c[0], c[1]))
        if len(ranked) > 1 and ranked[0][0] == ranked[1][0]:
            continue
        out.append({"artefact": artefact, "work_id": ranked[0][1], "link_sources": ranked[0][2]})
    return out


@settings(max_examples=200, deadline=None)
@given(keys=_SMALL, values=st.lists(st.integers(-5, 5), max_size=30))
def test_last_rows_is_the_last_row_of_each_key(keys: list[str | None], values: list[int]) -> None:
    n = min(len(keys), len(values))
    table = pa.table({"k": pa.array(keys[:n], pa.string()), "v": pa.array(values[:n], pa.int64())})
    assert entities._last_rows(table, "k").equals(_ref_last_rows(table, "k"))


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(_KEYS, _KEYS), max_size=30))
def test_last_of_entry_is_the_last_non_null_value_of_each_entry(
    rows: list[tuple[str | None, str | None]],
) -> None:
    ids = pa.array([r[0] or "e" for r in rows], pa.string())  # entry ids are never null
    values = pa.array([r[1] for r in rows], pa.string())
    assert entities._last_of_entry(ids, values).equals(_ref_last_of_entry(ids, values))


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(_KEYS, _KEYS), max_size=30))
def test_work_keys_give_the_first_work_of_each_key(rows: list[tuple[str | None, str | None]]) -> None:
    works = pa.table(
        {
            "work_id": pa.array([f"w{i}" for i in range(len(rows))], pa.string()),
            "arxiv_id": pa.array([r[0] for r in rows], pa.string()),
            "doi": pa.array([r[1] for r in rows], pa.string()),
        }
    )
    got = work_keys(works)
    assert got.column("key").null_count == 0
    assert dict(zip(got.column("key").to_pylist(), got.column("work_id").to_pylist(), strict=True)) == (
        _ref_work_keys(works)
    )
    assert got.num_rows == len(set(got.column("key").to_pylist()))


_LINK = st.tuples(
    st.sampled_from(["o/a", "o/b", "model:x", "o/c"]),
    st.sampled_from(["arxiv:1", "arxiv:2", "doi:3", "w4"]),
    st.integers(0, len(LINK_SOURCES) - 1),
)


@settings(max_examples=200, deadline=None)
@given(
    links=st.lists(_LINK, max_size=40),
    counts=st.dictionaries(st.sampled_from(["o/a", "o/b", "model:x", "o/c"]), st.integers(0, 6)),
    toolkit_min=st.integers(1, 6),
)
def test_assign_is_the_best_supported_work_of_each_artefact_or_none_on_a_tie(
    links: list[tuple[str, str, int]], counts: dict[str, int], toolkit_min: int
) -> None:
    table = pa.table(
        {
            "artefact": pa.array([a for a, _, _ in links], pa.string()),
            "work_id": pa.array([w for _, w, _ in links], pa.string()),
            "source": pa.array([s for _, _, s in links], pa.int64()),
        }
    )
    paper_counts = pa.table(
        {
            "artefact": pa.array(list(counts), pa.string()),
            "papers": pa.array(list(counts.values()), pa.int64()),
        }
    )
    got = assign(table, paper_counts, toolkit_min=toolkit_min)
    assert got.to_pylist() == _ref_assign(table, paper_counts, toolkit_min)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 4),
            st.one_of(st.none(), st.integers(0, 10**12)),
            st.one_of(st.none(), st.integers(0, 40)),
        ),
        max_size=30,
    )
)
def test_summed_adds_values_and_takes_the_oldest_date_per_entity(
    rows: list[tuple[int, int | None, int | None]],
) -> None:
    day = date(2026, 11, 1)
    hf = pa.table(
        {
            "likes": pa.array([v for _, v, _ in rows], pa.int64()),
            "likes_as_of": pa.array(
                [None if d is None else day + timedelta(days=d) for _, _, d in rows], pa.date32()
            ),
        }
    )
    at = np.array([e for e, _, _ in rows], np.int64)
    value, as_of = entities._summed(hf, "likes", at, 5)
    table = pa.table(
        {"entity": pa.array(at, pa.int64()), "value": hf.column("likes"), "as_of": hf.column("likes_as_of")}
    )
    table = table.filter(pc.is_valid(table.column("value")))
    summed = table.group_by("entity", use_threads=False).aggregate([("value", "sum"), ("as_of", "min")])
    expected = {
        e: (v, d)
        for e, v, d in zip(
            *(summed.column(c).to_pylist() for c in ("entity", "value_sum", "as_of_min")), strict=True
        )
    }
    assert [(v, d) for v, d in zip(value.to_pylist(), as_of.to_pylist(), strict=True)] == [
        expected.get(e, (None, None)) for e in range(5)
    ]


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(_KEYS, _KEYS), max_size=40))
def test_sorted_groups_count_distinct_values_per_key_as_group_by(
    rows: list[tuple[str | None, str | None]],
) -> None:
    keys = pa.array([k for k, _ in rows], pa.string())
    values = pa.array([v for _, v in rows], pa.string())
    ordered, (new_key, new_pair) = entities._sorted_groups({"k": keys, "v": values})
    counted = entities._group_sums(
        (new_pair & entities._bools(pc.is_valid(ordered.column("v")))).astype(np.int64), new_key
    )
    got = dict(
        zip(
            ordered.column("k").combine_chunks().filter(pa.array(new_key)).to_pylist(),
            counted.tolist(),
            strict=True,
        )
    )
    table = pa.table({"k": keys, "v": values})
    ref = table.group_by("k", use_threads=False).aggregate([("v", "count_distinct")])
    assert got == dict(
        zip(ref.column("k").to_pylist(), ref.column("v_count_distinct").to_pylist(), strict=True)
    )
    assert len(got) == len(set(keys.to_pylist()))
