"""Shared fixtures for the flow tests: one Prefect test harness per test session (it is slow to start),
a small list directory and a catalog for the API double that answers for it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flows_testdata import LIST_TEXT


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server and database for every flow test in this process."""
    from prefect.testing.utilities import prefect_test_harness

    # no telemetry: its session write races the harness's first requests on SQLite ("database is locked")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    with prefect_test_harness(server_startup_timeout=600):
        yield


@pytest.fixture
def lists_dir(tmp_path: Path) -> Path:
    d = tmp_path / "lists"
    d.mkdir()
    (d / "test-list.md").write_text(LIST_TEXT, encoding="utf-8")
    return d
