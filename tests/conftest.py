"""Shared fixtures: the local API double (``fakeapis``) over the test catalog.

``fake_apis``       a running FakeApis over tests/data/catalog.jsonl, rate limits off, no faults;
                    ``fake_apis.endpoints`` / ``fake_apis.env()`` point clients at it,
                    ``fake_apis.access_log()`` lists the requests it served.
``make_fake_apis``  a factory: ``make_fake_apis(faults=..., rate_limits="real", catalog=[...])``;
                    every double it starts is stopped at the end of the test.
``catalog_path``    the path of tests/data/catalog.jsonl.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from s3double import S3Double

from fakeapis import FakeApis

# CI (CI=true) draws the same examples on every run, so a green main stays green; locally each run
# explores new examples. A failure found locally is pinned as an explicit example in its test.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

DATA = Path(__file__).parent / "data"
CATALOG = DATA / "catalog.jsonl"


@pytest.fixture
def catalog_path() -> Path:
    return CATALOG


@pytest.fixture
def make_fake_apis() -> Iterator[Callable[..., FakeApis]]:
    started: list[FakeApis] = []

    def make(**kwargs: Any) -> FakeApis:
        catalog = kwargs.pop("catalog", CATALOG)
        apis = FakeApis(catalog, **kwargs).start()
        started.append(apis)
        return apis

    yield make
    for apis in started:
        apis.stop()


@pytest.fixture
def fake_apis(make_fake_apis: Callable[..., FakeApis]) -> FakeApis:
    return make_fake_apis()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """``moto`` in server mode (real HTTP, the S3 REST API) on a free loopback port, one per session."""
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_double(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Double]:
    """A fresh bucket ``enrich-test`` and the AWS_* variables of this process pointing at it."""
    double = S3Double(moto_endpoint)
    for name, value in double.env().items():
        monkeypatch.setenv(name, value)
    client = double.client()
    client.create_bucket(Bucket=S3Double.BUCKET)
    try:
        yield double
    finally:
        for obj in client.list_objects_v2(Bucket=S3Double.BUCKET).get("Contents", []):
            client.delete_object(Bucket=S3Double.BUCKET, Key=obj["Key"])
        client.delete_bucket(Bucket=S3Double.BUCKET)
