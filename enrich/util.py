"""Two small generic tools used across stages: :func:`chunked` and :class:`UnionFind`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

__all__ = ["UnionFind", "chunked"]

T = TypeVar("T")


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
