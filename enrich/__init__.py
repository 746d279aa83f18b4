"""Enrichment pipeline for curated research lists: parse, resolve, fetch, snapshot.

Analysts: ``enrich.load("works", snapshot="latest")`` returns a pandas DataFrame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    import pandas as pd


def load(table: str, snapshot: str = "latest", root: str | None = None, **kwargs: Any) -> pd.DataFrame:
    """Load one snapshot table (``entries``, ``works``, ``repos``, ``hf_items``, ``metrics_history``...)."""
    from enrich.snapshot_read import load as _load

    return _load(table, snapshot=snapshot, root=root, **kwargs)


__all__ = ["__version__", "load"]
