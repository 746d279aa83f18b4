"""Which allocator Arrow's buffers come from during a night (one switch, at the start of a run).

pyarrow's wheels default to mimalloc. Measured on the nightly benchmark (``docs/performance.md``,
"Allocator and report pass": 20,000 papers, medians of three runs), glibc's malloc (Arrow's
``system`` pool) peaked 10 % lower on the cold night and 13 % lower on the warm one, for 10-12 %
more CPU (the spreads of the runs overlap), so a night switches to it before its first Arrow
allocation. ``ARROW_DEFAULT_MEMORY_POOL`` set by the user (``system``, ``mimalloc``,
``jemalloc``) wins: the switch is then left to Arrow, which reads that variable itself.
"""

from __future__ import annotations

import os
from typing import Final

import pyarrow as pa

POOL_ENV: Final = "ARROW_DEFAULT_MEMORY_POOL"
NIGHT_POOL: Final = "system"


def use_night_pool() -> str:
    """Make ``system`` Arrow's default pool unless :data:`POOL_ENV` names one; the backend in use.

    Buffers allocated before the switch stay with their pool and are freed there."""
    if not os.environ.get(POOL_ENV, "").strip():
        pa.set_memory_pool(pa.system_memory_pool())
    backend: str = pa.default_memory_pool().backend_name
    return backend


__all__ = ["NIGHT_POOL", "POOL_ENV", "use_night_pool"]
