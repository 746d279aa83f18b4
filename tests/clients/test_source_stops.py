"""A client stops asking its source when the night cannot be served: deadline, deferral, refused keys.

The per-source deadline bounds every send, wait and retry; a ``Retry-After`` past it, a quota spent or
a 429 storm defers the rest of the night at once; a key the source refuses is named as such.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import SecretStr

from enrich.clients.base import decode_json
from enrich.clients.openalex import OpenAlexClient
from enrich.clients.s2 import S2Client
from enrich.errors import AuthRejectedError, RateLimitedError, SourceDeferredError
from enrich.records import FetchStatus
from fakeapis import FakeApis

from .test_base import answer, probe
from .test_double import CATALOG, FAST


def test_deadline_bounds_every_retry_and_defers_the_rest() -> None:
    # 503s with 1-8 s backoff on a fake clock; the source's deadline is 5 s: no retry runs past it
    client, script, slept = probe(answer(503), deadline=5.0)
    with pytest.raises(SourceDeferredError, match="its deadline of 5 s"):
        client.request("GET", "/x", decode=decode_json)
    assert sum(slept) <= 5.0
    sent = len(script.sent)
    with pytest.raises(SourceDeferredError):  # later calls: nothing sent
        client.request("GET", "/y", decode=decode_json)
    assert len(script.sent) == sent
    stats = client.stats
    assert (stats.stopped, stats.deadline_s) == ("deferred", 5.0)
    assert re.fullmatch(
        r"probe: a \d+ s wait would pass its deadline of 5 s; the rest deferred to the next night",
        stats.message or "",
    )


def test_retry_after_past_the_deadline_defers_without_sleeping() -> None:
    client, script, slept = probe(answer(429, headers={"Retry-After": "3600"}), deadline=600.0)
    with pytest.raises(SourceDeferredError) as err:
        client.request("GET", "/x", decode=decode_json)
    assert isinstance(err.value, RateLimitedError) and err.value.retry_after == 3600.0
    assert (len(script.sent), slept) == (1, [])
    assert client.stats.stopped == "deferred"


def test_a_429_storm_defers_the_source_after_one_call() -> None:
    client, script, _ = probe(answer(429))
    with pytest.raises(SourceDeferredError, match="still rate limited"):
        client.request("GET", "/x", decode=decode_json)
    sent = len(script.sent)
    with pytest.raises(SourceDeferredError):
        client.request("GET", "/y", decode=decode_json)
    assert len(script.sent) == sent  # the storm costs one call's retries, not one per item


def test_401_with_a_key_is_named_and_stops_the_source() -> None:
    client, script, _ = probe(answer(401))
    client._secrets = lambda: ["k"]  # type: ignore[method-assign]
    type(client).AUTH_REJECTED_STATUSES = frozenset({401})
    try:
        with pytest.raises(AuthRejectedError, match="rejected the API key: HTTP 401"):
            client.request("GET", "/x", decode=decode_json)
        with pytest.raises(AuthRejectedError):
            client.request("GET", "/y", decode=decode_json)
        assert len(script.sent) == 1
        assert (client.stats.auth_rejected, client.stats.stopped) == (True, "auth_rejected")
    finally:
        type(client).AUTH_REJECTED_STATUSES = frozenset()


def test_without_a_key_a_401_is_an_answer_not_a_rejected_key() -> None:
    client, _, _ = probe(answer(401))
    type(client).AUTH_REJECTED_STATUSES = frozenset({401})
    try:
        assert client.request("GET", "/x", decode=decode_json).status == 401
        assert client.stats.auth_rejected is False
    finally:
        type(client).AUTH_REJECTED_STATUSES = frozenset()


@pytest.mark.parametrize(
    ("make", "call", "line"),
    [
        (
            lambda url: S2Client(url, api_key=SecretStr("invalid-key"), **FAST),
            lambda c: c.get_papers(["ARXIV:2303.13375", "ARXIV:1901.08746"]),
            "s2: S2 rejected the API key: HTTP 403",
        ),
        (
            lambda url: OpenAlexClient(url, api_key=SecretStr("invalid-key"), **FAST),
            lambda c: c.get_works(["doi:10.1093/bioinformatics/btz682", "W2972025066"]),
            "openalex: OpenAlex rejected the API key: HTTP 401",
        ),
    ],
)
def test_keys_the_double_refuses_are_named(make: Any, call: Any, line: str) -> None:
    with FakeApis(CATALOG) as apis:
        source = "s2" if "s2" in line[:3] else "openalex"
        client = make(getattr(apis.endpoints, source))
        records = call(client)
        assert {r.status for r in records} == {FetchStatus.ERROR}
        assert (client.stats.auth_rejected, client.stats.message) == (True, line)
        assert "invalid-key" not in repr(records)
        sent = len(apis.access_log(source))
        call(client)
        assert len(apis.access_log(source)) == sent  # not asked again tonight


def test_a_pace_longer_than_the_wait_cap_defers_the_rest() -> None:
    # ENRICH_INTERVAL_SCALE=1e9: the first request goes, the next would wait for years: deferred
    client, script, slept = probe(answer(200, b"{}"), min_interval=1e9)
    assert client.request("GET", "/x", decode=decode_json).status == 200
    with pytest.raises(SourceDeferredError, match="more than the 120 s cap"):
        client.request("GET", "/y", decode=decode_json)
    assert (len(script.sent), slept, client.stats.stopped) == (1, [], "deferred")


def test_policy_is_data_with_env_overrides() -> None:
    from pydantic import ValidationError

    from enrich.config import SOURCE_POLICY, SourcePolicy
    from enrich.settings import Settings

    assert set(SOURCE_POLICY) == {"arxiv", "s2", "openalex", "crossref", "github", "hf"}
    assert Settings().source_policy()["s2"] == SOURCE_POLICY["s2"] == SourcePolicy(0.95, 2700.0)
    custom = Settings(source_deadline=60, min_served=0.5).source_policy()
    assert {p for p in custom.values()} == {SourcePolicy(min_served=0.5, deadline_s=60.0)}
    with pytest.raises(ValidationError):
        Settings(min_served=1.5)
    with pytest.raises(ValidationError):
        Settings(source_deadline=0)
