"""Enrichment pipeline for curated research lists: parse, resolve, fetch, snapshot.

Analysts: ``enrich.load("works", snapshot="latest")`` returns a pandas DataFrame.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Arrow's allocator for the whole process, set before pyarrow is first imported: Arrow reads this
# variable once, and only then does every C++ allocation (Parquet reads, compute kernels) come from
# one pool rather than the Python-level pool only (enrich.arrow_pool). A user's choice wins.
if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL", "").strip():
    os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "system"

if TYPE_CHECKING:
    import pandas as pd


def load(table: str, snapshot: str = "latest", root: str | None = None, **kwargs: Any) -> pd.DataFrame:
    """Load one snapshot table (``entries``, ``works``, ``repos``, ``hf_items``, ``metrics_history``...)."""
    from enrich.snapshot_read import load as _load

    return _load(table, snapshot=snapshot, root=root, **kwargs)


__all__ = ["__version__", "load"]
