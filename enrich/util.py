"""Small generic tools used across stages: :func:`chunked`, :class:`UnionFind` and :func:`components`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np
import numpy.typing as npt

__all__ = ["UnionFind", "chunked", "components"]

T = TypeVar("T")
Ints = npt.NDArray[np.int64]


def chunked(items: Sequence[T], size: int) -> list[list[T]]:
    """``items`` in consecutive lists of at most ``size`` (order kept; ``[]`` for no items).

    >>> chunked([1, 2, 3], 2)
    [[1, 2], [3]]
    """
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


class UnionFind:
    """Disjoint sets of strings with path compression; the smaller string is the root of a union, so
    roots (and every grouping built on them) do not depend on the order of the unions."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def add(self, x: str) -> None:
        self.parent.setdefault(x, x)

    def find(self, x: str) -> str:
        parent = self.parent
        root = x
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def union(self, a: str, b: str) -> str:
        """Join the sets of ``a`` and ``b``; returns the root of the joined set."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = sorted((ra, rb))
            self.parent[hi] = lo
            return lo
        return ra


def components(n: int, a: Ints, b: Ints) -> Ints:
    """The connected components of the graph on nodes ``0..n-1`` with the edges ``(a[i], b[i])``, all
    at once: per node a label, a node of its component; two nodes have the same label exactly when
    they are connected (which node is the label is not part of the contract).

    Forest hooking over arrays: every round each tree's root goes under the smallest root an edge
    leads it to, then every node points straight at its root; settled edges are dropped.

    >>> components(5, np.array([0, 3]), np.array([1, 4])).tolist()
    [0, 0, 2, 3, 3]
    """
    label: Ints = np.arange(n, dtype=np.int64)
    while True:
        la, lb = label[a], label[b]
        apart = la != lb
        if not apart.any():
            return label
        a, b, la, lb = a[apart], b[apart], la[apart], lb[apart]
        np.minimum.at(label, np.maximum(la, lb), np.minimum(la, lb))
        while True:  # point every node at its root
            up = label[label]
            if np.array_equal(up, label):
                break
            label = up
