"""``pipeline.fetch_source``: one source's batches in order, in one call (no engine)."""

from __future__ import annotations

from typing import Any

import pytest

from enrich import pipeline
from enrich.pipeline import Batch, BatchResult, fetching


def test_batches_run_in_order_and_a_batch_that_raises_twice_is_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batches = pipeline.chunk([f"m/{i}" for i in range(5)], 2, "hf")  # 3 batches
    calls: list[int] = []

    def fetch(clients: Any, batch: Batch, *, known: Any = None) -> BatchResult:
        calls.append(batch.index)
        if batch.index == 1:
            raise KeyError(f"unexpected payload ({len(calls)})")
        return BatchResult(batch)

    monkeypatch.setattr(fetching, "fetch_batch", fetch)  # where fetch_source looks it up
    done = pipeline.fetch_source(object(), batches, retry_delay=0)  # type: ignore[arg-type]
    assert calls == [0, 1, 1, 2]
    assert [r.batch.index for r in done.results] == [0, 2]
    assert done.failed == ("hf: batch 2/3 failed (KeyError)",)


def test_a_batch_that_raises_once_is_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    batches = pipeline.chunk(["a", "b"], 1, "s2")
    raised: list[int] = []

    def fetch(clients: Any, batch: Batch, *, known: Any = None) -> BatchResult:
        if batch.index == 0 and not raised:
            raised.append(0)
            raise ValueError("transient")
        return BatchResult(batch)

    monkeypatch.setattr(fetching, "fetch_batch", fetch)  # where fetch_source looks it up
    done = pipeline.fetch_source(object(), batches, retry_delay=0)  # type: ignore[arg-type]
    assert [r.batch.index for r in done.results] == [0, 1]
    assert done.failed == ()


def test_an_error_outside_the_expected_kinds_is_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    def fetch(clients: Any, batch: Batch, *, known: Any = None) -> BatchResult:
        raise RuntimeError("engine trouble")

    monkeypatch.setattr(fetching, "fetch_batch", fetch)  # where fetch_source looks it up
    with pytest.raises(RuntimeError, match="engine trouble"):
        pipeline.fetch_source(object(), pipeline.chunk(["a"], 1, "s2"), retry_delay=0)  # type: ignore[arg-type]
