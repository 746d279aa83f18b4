"""A night allocates Arrow's buffers from glibc's malloc unless ARROW_DEFAULT_MEMORY_POOL says otherwise."""

from __future__ import annotations

import ctypes.util
import os
import subprocess
import sys
from collections.abc import Iterator

import pyarrow as pa
import pytest

from enrich import arrow_pool
from enrich.arrow_pool import (
    MMAP_ENV,
    NIGHT_POOL,
    POOL_ENV,
    trim_heap,
    use_mmap_threshold,
    use_night_pool,
)


@pytest.fixture(autouse=True)
def _restore_pool() -> Iterator[None]:
    before = pa.default_memory_pool()
    yield
    pa.set_memory_pool(before)


def test_a_night_uses_the_system_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(POOL_ENV, raising=False)
    pa.set_memory_pool(pa.mimalloc_memory_pool())
    assert use_night_pool() == NIGHT_POOL == "system"
    assert pa.default_memory_pool().backend_name == "system"
    assert pa.array(["allocated", "after", "the", "switch"]).to_pylist()[0] == "allocated"


@pytest.mark.parametrize("chosen", ["mimalloc", "jemalloc"])
def test_the_users_choice_wins(monkeypatch: pytest.MonkeyPatch, chosen: str) -> None:
    monkeypatch.setenv(POOL_ENV, chosen)
    pool = getattr(pa, f"{chosen}_memory_pool")()  # what Arrow would have made the default
    pa.set_memory_pool(pool)
    assert use_night_pool() == chosen
    assert pa.default_memory_pool().backend_name == chosen


def test_an_empty_variable_is_no_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(POOL_ENV, " ")
    assert use_night_pool() == "system"


def test_prepare_night_leaves_no_import_for_the_fetch_threads() -> None:
    # in a fresh interpreter: after prepare_night, an array from Python values imports nothing more
    # (the fetch stage's threads would otherwise all wait on pyarrow's first-array pandas import)
    code = (
        "import sys\n"
        "from enrich.arrow_pool import prepare_night\n"
        "backend = prepare_night()\n"
        "before = set(sys.modules)\n"
        "import pyarrow as pa\n"
        "pa.array([{'a': 1}]); pa.array(['x'], pa.string())\n"
        "print(backend, sorted(set(sys.modules) - before))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != POOL_ENV}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.split() == ["system", "[]"]


def test_trim_heap_gives_free_memory_back_and_changes_nothing() -> None:
    kept = pa.array([str(k) for k in range(1000)])
    garbage = [bytes(4096) for _ in range(20_000)]  # ~80 MB through malloc, then freed
    del garbage
    assert isinstance(trim_heap(), bool)
    assert kept.to_pylist()[999] == "999"


@pytest.fixture
def _no_libc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A C library without glibc's functions (musl, macOS): nothing is found by name."""
    arrow_pool._glibc.cache_clear()
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    yield
    arrow_pool._glibc.cache_clear()


@pytest.mark.usefixtures("_no_libc")
def test_trim_heap_without_glibc_is_a_no_op() -> None:
    assert trim_heap() is False


def _fresh(code: str, **env: str) -> str:
    base = {k: v for k, v in os.environ.items() if k not in (POOL_ENV, MMAP_ENV)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**base, **env}, check=True
    )
    return done.stdout.strip()


def test_import_enrich_makes_system_every_arrow_allocations_pool() -> None:
    # set before pyarrow is imported, so Arrow's C++ default pool (Parquet reads, kernels) is system too
    code = (
        "import os, enrich, pyarrow as pa\n"
        f"print(os.environ[{POOL_ENV!r}], pa.default_memory_pool().backend_name)\n"
    )
    assert _fresh(code) == "system system"
    assert _fresh(code, **{POOL_ENV: "mimalloc"}) == "mimalloc mimalloc"  # the user's choice wins


def test_the_mmap_threshold_is_fixed_unless_the_user_set_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MMAP_ENV, "65536")
    assert use_mmap_threshold() is False
    monkeypatch.delenv(MMAP_ENV)
    assert use_mmap_threshold() is (arrow_pool._mallopt() is not None)


@pytest.mark.usefixtures("_no_libc")
def test_the_mmap_threshold_without_glibc_is_a_no_op() -> None:
    assert use_mmap_threshold() is False
