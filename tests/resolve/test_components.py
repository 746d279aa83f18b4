"""``enrich.util.components`` (connected components over arrays) groups nodes exactly as the
string :class:`~enrich.util.UnionFind` does, on random graphs (Hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from enrich.util import UnionFind, components


def _groups(labels: list[object]) -> set[frozenset[int]]:
    by: dict[object, set[int]] = {}
    for node, label in enumerate(labels):
        by.setdefault(label, set()).add(node)
    return {frozenset(g) for g in by.values()}


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 40).flatmap(
        lambda n: st.tuples(
            st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=80)
        )
    )
)
def test_components_group_as_the_union_find(graph: tuple[int, list[tuple[int, int]]]) -> None:
    n, edges = graph
    uf = UnionFind()
    for i in range(n):
        uf.add(f"n{i}")
    for a, b in edges:
        uf.union(f"n{a}", f"n{b}")
    a = np.array([a for a, _ in edges], np.int64)
    b = np.array([b for _, b in edges], np.int64)
    labels = components(n, a, b)
    assert _groups(labels.tolist()) == _groups([uf.find(f"n{i}") for i in range(n)])
    assert all(labels[labels[i]] == labels[i] for i in range(n))  # a label is a node of its group


def test_components_of_a_long_chain_in_any_order() -> None:
    n = 1000
    order = np.random.default_rng(7).permutation(n - 1)
    labels = components(n, order, order + 1)
    assert set(labels.tolist()) == {int(labels[0])}
    assert components(3, np.zeros(0, np.int64), np.zeros(0, np.int64)).tolist() == [0, 1, 2]
