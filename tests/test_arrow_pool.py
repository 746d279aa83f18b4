"""A night allocates Arrow's buffers from glibc's malloc unless ARROW_DEFAULT_MEMORY_POOL says otherwise."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest

from enrich.arrow_pool import NIGHT_POOL, POOL_ENV, use_night_pool


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
