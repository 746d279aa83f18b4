"""Rate-limit modes (off, real, FACTOR) answered as each API answers, and the access log."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from enrich.errors import InputError
from fakeapis import LOG_FIELDS, FakeApis, FaultProfile
from fakeapis.ratelimit import parse_mode

Make = Callable[..., FakeApis]


@pytest.mark.parametrize(("mode", "expected"), [("off", None), ("real", 1.0), ("0.01", 0.01), (0.5, 0.5)])
def test_modes(mode: str | float, expected: float | None) -> None:
    assert parse_mode(mode) == expected


@pytest.mark.parametrize("mode", ["fast", "0", "-1"])
def test_bad_modes(mode: str) -> None:
    with pytest.raises(InputError, match="--rate-limits"):
        parse_mode(mode)


def test_off_never_limits(make_fake_apis: Make) -> None:
    apis = make_fake_apis(rate_limits="off")
    url = apis.endpoints.arxiv + "/api/query"
    assert {requests.get(url, params={"id_list": "2303.13375"}, timeout=5).status_code for _ in range(5)} == {
        200
    }


def test_arxiv_one_request_per_3s_on_a_fast_clock(make_fake_apis: Make) -> None:
    apis = make_fake_apis(rate_limits=0.05)  # 3 s window -> 0.15 s
    url = apis.endpoints.arxiv + "/api/query"
    first = requests.get(url, params={"id_list": "2303.13375"}, timeout=5)
    second = requests.get(url, params={"id_list": "2303.13375"}, timeout=5)
    assert (first.status_code, second.status_code) == (200, 429)
    time.sleep(0.2)
    assert requests.get(url, params={"id_list": "2303.13375"}, timeout=5).status_code == 200


def test_s2_real_limit_is_1_per_second(make_fake_apis: Make) -> None:
    apis = make_fake_apis(rate_limits="real")
    url = apis.endpoints.s2 + "/graph/v1/paper/ARXIV:2303.13375"
    assert requests.get(url, headers={"x-api-key": "k"}, timeout=5).status_code == 200
    limited = requests.get(url, headers={"x-api-key": "k"}, timeout=5)
    assert limited.status_code == 429
    assert limited.json()["code"] == "429"


def test_github_budget_counts_down_and_304_is_free(make_fake_apis: Make) -> None:
    apis = make_fake_apis(
        rate_limits="real", faults=FaultProfile.from_dict({"limits": {"github": {"core_anonymous": 3}}})
    )
    url = apis.endpoints.github + "/repos/xionghonglin/DoctorGLM"
    first = requests.get(url, timeout=5)
    assert (first.headers["x-ratelimit-limit"], first.headers["x-ratelimit-remaining"]) == ("3", "2")
    assert first.headers["x-ratelimit-used"] == "1"
    assert first.headers["x-ratelimit-resource"] == "core"
    not_modified = requests.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=5)
    assert (not_modified.status_code, not_modified.headers["x-ratelimit-remaining"]) == (304, "2")
    assert requests.get(url, timeout=5).headers["x-ratelimit-remaining"] == "1"
    assert requests.get(url, timeout=5).headers["x-ratelimit-remaining"] == "0"
    spent = requests.get(url, timeout=5)
    assert spent.status_code == 403
    assert spent.headers["x-ratelimit-remaining"] == "0"
    assert int(spent.headers["x-ratelimit-reset"]) > time.time() + 3000
    assert spent.json()["message"].startswith("API rate limit exceeded for 127.0.0.1.")
    rate = requests.get(apis.endpoints.github + "/rate_limit", timeout=5).json()
    assert rate["rate"]["remaining"] == 0
    assert rate["resources"]["core"]["limit"] == 3


def test_github_secondary_limit_is_403_with_retry_after(make_fake_apis: Make) -> None:
    limits = {"limits": {"github": {"secondary_per_minute": 2, "core_anonymous": 100}}}
    apis = make_fake_apis(rate_limits=0.01, faults=FaultProfile.from_dict(limits))  # a minute lasts 0.6 s
    url = apis.endpoints.github + "/repos/xionghonglin/DoctorGLM"
    assert [requests.get(url, timeout=5).status_code for _ in range(2)] == [200, 200]
    limited = requests.get(url, timeout=5)
    assert (limited.status_code, limited.headers["retry-after"]) == (403, "1")
    assert "secondary rate limit" in limited.json()["message"]
    assert limited.headers["x-ratelimit-remaining"] == "98"
    time.sleep(0.7)
    assert requests.get(url, timeout=5).status_code == 200


def test_openalex_budget_headers_and_429(make_fake_apis: Make) -> None:
    profile = FaultProfile.from_dict({"limits": {"openalex": {"budget_usd_anonymous": 0.0002}}})
    apis = make_fake_apis(rate_limits="real", faults=profile)
    url = apis.endpoints.openalex + "/works"
    single = requests.get(apis.endpoints.openalex + "/works/W4384071683", timeout=5)
    assert single.headers["x-ratelimit-cost-usd"] == "0"
    first = requests.get(url, params={"filter": "doi:10.1093/bioinformatics/btz682"}, timeout=5)
    assert first.headers["x-ratelimit-cost-usd"] == "0.0001"
    assert first.headers["x-ratelimit-remaining-usd"] == "0.0001"
    assert (
        requests.get(url, params={"filter": "doi:10.1093/bioinformatics/btz682"}, timeout=5).status_code
        == 200
    )
    spent = requests.get(url, params={"filter": "doi:10.1093/bioinformatics/btz682"}, timeout=5)
    assert spent.status_code == 429
    assert spent.json()["error"] == "Rate limit exceeded"
    keyed = requests.get(
        url, params={"filter": "doi:10.1093/bioinformatics/btz682", "api_key": "k"}, timeout=5
    )
    assert (keyed.status_code, keyed.headers["x-ratelimit-limit-usd"]) == (200, "1")


def test_crossref_pools(make_fake_apis: Make) -> None:
    apis = make_fake_apis(rate_limits="real")
    url = apis.endpoints.crossref + "/works"
    public = requests.get(url, params={"query.bibliographic": "BioBERT"}, timeout=5)
    assert (public.headers["x-api-pool"], public.headers["x-rate-limit-limit"]) == ("public", "1")
    assert requests.get(url, params={"query.bibliographic": "BioBERT"}, timeout=5).status_code == 429
    polite = requests.get(url, params={"query.bibliographic": "BioBERT", "mailto": "a@b.org"}, timeout=5)
    assert (polite.status_code, polite.headers["x-api-pool"], polite.headers["x-rate-limit-limit"]) == (
        200,
        "polite",
        "3",
    )


def test_hf_ratelimit_headers_and_429(make_fake_apis: Make) -> None:
    profile = FaultProfile.from_dict({"limits": {"hf": {"anonymous": 2}}})
    apis = make_fake_apis(rate_limits="real", faults=profile)
    url = apis.endpoints.hf + "/api/models/microsoft/biogpt"
    assert requests.get(url, timeout=5).headers["RateLimit"].startswith('"api";r=1;t=')
    assert requests.get(url, timeout=5).status_code == 200
    limited = requests.get(url, timeout=5)
    assert limited.status_code == 429
    assert limited.headers["RateLimit-Policy"] == '"fixed window";"api";q=2;w=300'
    assert int(limited.headers["Retry-After"]) > 0
    assert requests.get(url, headers={"Authorization": "Bearer hf_x"}, timeout=5).status_code == 200


def test_graphql_budget_spent_is_http_200_with_error(make_fake_apis: Make) -> None:
    profile = FaultProfile.from_dict({"limits": {"github": {"graphql_points": 1}}})
    apis = make_fake_apis(rate_limits="real", faults=profile)
    url = apis.endpoints.github + "/graphql"
    query = {
        "query": '{ r: repository(owner: "xionghonglin", name: "DoctorGLM") { stargazerCount } rateLimit { remaining } }'
    }
    auth = {"Authorization": "bearer t"}
    ok = requests.post(url, json=query, headers=auth, timeout=5).json()
    assert ok["data"]["rateLimit"]["remaining"] == 0
    spent = requests.post(url, json=query, headers=auth, timeout=5)
    assert spent.status_code == 200
    assert spent.json()["errors"][0]["type"] == "RATE_LIMITED"
    assert spent.headers["x-ratelimit-remaining"] == "0"


def test_access_log_fields_and_redaction(make_fake_apis: Make, tmp_path: Path) -> None:
    log_path = tmp_path / "access.jsonl"
    apis = make_fake_apis(log_path=log_path)
    secret = "sk_live_abcdef123456"
    requests.get(apis.endpoints.openalex + "/works/W4384071683", params={"api_key": secret}, timeout=5)
    requests.get(
        apis.endpoints.s2 + "/graph/v1/paper/ARXIV:2303.13375", headers={"x-api-key": secret}, timeout=5
    )
    requests.get(
        apis.endpoints.github + "/repos/xionghonglin/DoctorGLM",
        headers={"Authorization": f"token {secret}"},
        timeout=5,
    )
    entries = apis.access_log()
    assert [tuple(e) for e in entries] == [LOG_FIELDS] * 3
    assert [(e["source"], e["method"], e["path"], e["status"]) for e in entries] == [
        ("openalex", "GET", "/works/W4384071683", 200),
        ("s2", "GET", "/graph/v1/paper/ARXIV:2303.13375", 200),
        ("github", "GET", "/repos/xionghonglin/DoctorGLM", 200),
    ]
    assert entries[0]["query"] == {"api_key": "***"}
    assert all(e["bytes"] > 0 and e["latency_ms"] >= 0 and e["ts"] > 1.7e9 for e in entries)
    apis.stop()
    text = log_path.read_text()
    assert secret not in text
    assert [json.loads(line) for line in text.splitlines()] == entries
    assert apis.access_log("s2") == [entries[1]]
