"""Arrow at the start of a night: which allocator its buffers come from, and its one slow first call.

pyarrow's wheels default to mimalloc. Measured on the nightly benchmark (``docs/performance.md``,
"Allocator and report pass": 20,000 papers, medians of three runs), glibc's malloc (Arrow's
``system`` pool) peaked 10 % lower on the cold night and 13 % lower on the warm one, for 10-12 %
more CPU (the spreads of the runs overlap), so a night switches to it before its first Arrow
allocation. ``ARROW_DEFAULT_MEMORY_POOL`` set by the user (``system``, ``mimalloc``,
``jemalloc``) wins: the switch is then left to Arrow, which reads that variable itself.

pyarrow imports pandas the first time it makes an array from Python values (its check for pandas
objects; ~1.2 s of CPU, +40 MB). The fetch stage makes such arrays in every source's thread at once
(:mod:`enrich.records_arrow`), and the other threads then wait on that one import: a 10,000-paper
cold night measured 79.6 ms per batch inside ``fetch_source`` outside requests with the import in
the threads, 25.2 ms with it made first. So :func:`prepare_night` makes that first array on the
flow's own thread, before any fetch starts.

Neither glibc nor pymalloc gives freed memory back to the system on its own between the stages of a
night (the nine fetch threads' malloc arenas, the freed Arrow buffers of the system pool): at 20,000
papers glibc held 60-110 MB free at the stage marks of a warm night. :func:`trim_heap` asks glibc to
return it (``malloc_trim(0)``); a night calls it once at each stage boundary.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
from collections.abc import Callable
from typing import Final

import pyarrow as pa

POOL_ENV: Final = "ARROW_DEFAULT_MEMORY_POOL"
NIGHT_POOL: Final = "system"


def use_night_pool() -> str:
    """Make ``system`` Arrow's default pool unless :data:`POOL_ENV` names another; the backend in use.

    ``import enrich`` sets :data:`POOL_ENV` to ``system`` when it is unset, so that a pyarrow imported
    after it puts every C++ allocation in that pool; this switch covers a pyarrow imported earlier
    (only the Python-level default changes then). Buffers allocated before the switch stay with
    their pool and are freed there."""
    if os.environ.get(POOL_ENV, "").strip() in ("", NIGHT_POOL):
        pa.set_memory_pool(pa.system_memory_pool())
    backend: str = pa.default_memory_pool().backend_name
    return backend


def prepare_night() -> str:
    """:func:`use_night_pool`, glibc's fixed mmap threshold (:func:`use_mmap_threshold`), then
    pyarrow's one-time import behind its first array from Python values, on this thread (see the
    module docstring); the pool's backend."""
    backend = use_night_pool()
    use_mmap_threshold()
    pa.array([""], pa.string())
    return backend


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (it has ``malloc_trim``), else ``None`` (musl, macOS)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or ``None`` without glibc."""
    libc = _glibc()
    if libc is None:
        return None
    trim = libc.malloc_trim
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    found: Callable[[int], int] = trim
    return found


def _mallopt() -> Callable[[int, int], int] | None:
    """glibc's ``mallopt``, or ``None`` without glibc (musl's ``mallopt`` is a stub)."""
    libc = _glibc()
    if libc is None:
        return None
    opt = libc.mallopt
    opt.argtypes = [ctypes.c_int, ctypes.c_int]
    opt.restype = ctypes.c_int
    found: Callable[[int, int], int] = opt
    return found


M_MMAP_THRESHOLD: Final = -3  # glibc's malloc.h
MMAP_THRESHOLD: Final = 128 * 1024
"""Blocks from this size up are their own mappings, given back to the system when freed. glibc
starts at this value but raises it to the largest block freed so far (up to 32 MiB), after which
Arrow's freed buffers stay in the heap; setting it fixes it (``mallopt(3)``)."""
MMAP_ENV: Final = "MALLOC_MMAP_THRESHOLD_"


def use_mmap_threshold() -> bool:
    """Fix glibc's mmap threshold at :data:`MMAP_THRESHOLD` unless :data:`MMAP_ENV` sets one; True
    when it was set here."""
    opt = _mallopt()
    if opt is None or os.environ.get(MMAP_ENV, "").strip():
        return False
    return bool(opt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def trim_heap() -> bool:
    """Give the C heap's free memory back to the system (glibc ``malloc_trim(0)``) at a stage boundary.

    Changes no value: only how much free memory the process keeps mapped. True when glibc released
    something; False when it had nothing to release or the C library has no ``malloc_trim``."""
    trim = _malloc_trim()
    return trim is not None and bool(trim(0))


__all__ = [
    "MMAP_ENV",
    "MMAP_THRESHOLD",
    "NIGHT_POOL",
    "POOL_ENV",
    "prepare_night",
    "trim_heap",
    "use_mmap_threshold",
    "use_night_pool",
]
