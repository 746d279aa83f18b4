"""The snapshot root: one variable for writers and readers.

``ENRICH_OUT_DIR`` names it (``enrich run``, ``enrich report``, ``enrich.load``); ``ENRICH_OUT``, the
name ``enrich.load`` used first, is still read as an alias when ``ENRICH_OUT_DIR`` is not set.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final

OUT_ENV: Final = "ENRICH_OUT_DIR"
OUT_ENV_ALIAS: Final = "ENRICH_OUT"
DEFAULT_ROOT: Final = Path("data/enriched")


def output_root(environ: Mapping[str, str] | None = None) -> Path:
    """``$ENRICH_OUT_DIR``, else ``$ENRICH_OUT``, else ``data/enriched``."""
    env = os.environ if environ is None else environ
    for name in (OUT_ENV, OUT_ENV_ALIAS):
        value = env.get(name)
        if value:
            return Path(value)
    return DEFAULT_ROOT
