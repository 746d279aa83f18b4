"""Every fault kind, deterministic by seed, and the profile loader's errors."""

from __future__ import annotations

import http.client
import socket
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from enrich.errors import InputError
from fakeapis import FakeApis, FaultProfile, load_fault_profile
from fakeapis.faults import FaultPlan

DATA = Path(__file__).parent.parent / "data"
Make = Callable[..., FakeApis]
OS = "{http://a9.com/-/spec/opensearch/1.1/}"


def profile(**rules: Any) -> FaultProfile:
    return FaultProfile.from_dict(rules)


def test_429_with_then_without_retry_after_then_503_burst(make_fake_apis: Make) -> None:
    apis = make_fake_apis(faults=DATA / "faults_example.toml")
    url = apis.endpoints.s2 + "/graph/v1/paper/ARXIV:2303.13375"
    answers = [requests.get(url, timeout=5) for _ in range(7)]
    assert [r.status_code for r in answers] == [429, 429, 429, 503, 503, 503, 200]
    assert [r.headers.get("Retry-After") for r in answers[:3]] == ["1", "1", None]
    assert answers[0].json()["code"] == "429"
    assert answers[3].json() == {"message": "Service Unavailable"}
    assert [e["status"] for e in apis.access_log("s2")] == [429, 429, 429, 503, 503, 503, 200]


def test_500_502_truncated_malformed_and_reset(make_fake_apis: Make) -> None:
    apis = make_fake_apis(faults=DATA / "faults_bursts.json")
    url = apis.endpoints.crossref + "/works/10.1093/bioinformatics/btz682"
    assert requests.get(url, timeout=5).status_code == 500
    assert requests.get(url, timeout=5).status_code == 502
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(url, timeout=5)
    malformed = requests.get(url, timeout=5)
    assert malformed.status_code == 200
    with pytest.raises(requests.exceptions.JSONDecodeError):
        malformed.json()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url, timeout=5)
    assert requests.get(url, timeout=5).json()["message"]["DOI"] == "10.1093/bioinformatics/btz682"
    assert [e["status"] for e in apis.access_log()] == [500, 502, 200, 200, 0, 200]


def test_truncated_body_declares_more_than_it_sends(make_fake_apis: Make) -> None:
    apis = make_fake_apis(faults=profile(github=[{"fault": "truncate"}]))
    conn = http.client.HTTPConnection("127.0.0.1", apis.port, timeout=5)
    conn.request("GET", "/github/repos/xionghonglin/DoctorGLM")
    resp = conn.getresponse()
    declared = int(resp.getheader("Content-Length") or 0)
    with pytest.raises(http.client.IncompleteRead) as caught:
        resp.read()
    assert len(caught.value.partial) == declared // 2
    conn.close()


def test_reset_is_a_tcp_reset(make_fake_apis: Make) -> None:
    apis = make_fake_apis(faults=profile(arxiv=[{"fault": "reset"}]))
    with socket.create_connection(("127.0.0.1", apis.port), timeout=5) as sock:
        sock.sendall(b"GET /arxiv/api/query?id_list=2303.13375 HTTP/1.1\r\nHost: x\r\n\r\n")
        with pytest.raises(ConnectionResetError):
            sock.recv(100)


def test_down_closes_without_answering(make_fake_apis: Make) -> None:
    apis = make_fake_apis(faults=DATA / "faults_example.toml")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(apis.endpoints.hf + "/api/models/microsoft/biogpt", timeout=5)
    with socket.create_connection(("127.0.0.1", apis.port), timeout=5) as sock:
        sock.sendall(b"GET /hf/api/models/microsoft/biogpt HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(100) == b""
    assert [e["status"] for e in apis.access_log("hf")] == [0, 0]


def test_slow_response_outlasts_the_client_timeout(make_fake_apis: Make) -> None:
    apis = make_fake_apis(faults=profile(openalex=[{"fault": "slow", "delay": 0.6, "first": 1}]))
    url = apis.endpoints.openalex + "/works/W4384071683"
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(url, timeout=0.2)
    started = time.perf_counter()
    assert requests.get(url, timeout=5).status_code == 200
    assert time.perf_counter() - started < 0.5


def test_arxiv_valid_but_empty_page(make_fake_apis: Make) -> None:
    apis = make_fake_apis(faults=profile(arxiv=[{"fault": "empty_page", "first": 1}]))
    url = apis.endpoints.arxiv + "/api/query"
    empty = requests.get(url, params={"id_list": "2303.13375"}, timeout=5)
    feed = ET.fromstring(empty.text)
    assert (empty.status_code, feed.findtext(OS + "totalResults")) == (200, "0")
    assert feed.find("{http://www.w3.org/2005/Atom}entry") is None
    again = ET.fromstring(requests.get(url, params={"id_list": "2303.13375"}, timeout=5).text)
    assert again.findtext(OS + "totalResults") == "1"


def test_s2_batch_nulls_on_every_second_batch(make_fake_apis: Make) -> None:
    apis = make_fake_apis(faults=DATA / "faults_example.toml")
    url = apis.endpoints.s2 + "/graph/v1/paper/batch"
    ids = [
        f"ARXIV:{a}"
        for a in ("2303.13375", "2304.01097", "2305.15075", "2304.14454", "2304.08247", "2305.09617")
    ]
    apis.set_faults(profile(s2=[{"fault": "batch_nulls", "every": 2, "fraction": 0.5}]))
    first = requests.post(url, json={"ids": ids}, timeout=5).json()
    second = requests.post(url, json={"ids": ids}, timeout=5).json()
    assert None not in first
    nulls = [p is None for p in second]
    assert 0 < sum(nulls) < len(ids)
    assert [p["paperId"] for p in second if p is not None] == [
        p["paperId"] for p, n in zip(first, nulls, strict=True) if not n
    ]
    # same seed, same holes
    apis.set_faults(profile(s2=[{"fault": "batch_nulls", "every": 2, "fraction": 0.5}]))
    requests.post(url, json={"ids": ids}, timeout=5)
    assert [p is None for p in requests.post(url, json={"ids": ids}, timeout=5).json()] == nulls


def test_graphql_partial_errors(make_fake_apis: Make) -> None:
    apis = make_fake_apis(faults=DATA / "faults_bursts.json")
    aliases = "\n".join(
        f'r{i}: repository(owner: "xionghonglin", name: "DoctorGLM") {{ stargazerCount }}' for i in range(8)
    )
    r = requests.post(
        apis.endpoints.github + "/graphql",
        json={"query": "{" + aliases + "}"},
        headers={"Authorization": "bearer t"},
        timeout=5,
    )
    assert r.status_code == 200
    body = r.json()
    failed = sorted(k for k, v in body["data"].items() if v is None)
    assert failed == sorted(e["path"][0] for e in body["errors"])
    assert 0 < len(failed) < 8
    assert all(v == {"stargazerCount": 760} for v in body["data"].values() if v is not None)


def test_github_quota_spent_until_reset(make_fake_apis: Make) -> None:
    apis = make_fake_apis(
        faults=profile(github=[{"fault": "quota", "after": 2, "first": 1, "reset_after": 0.5}])
    )
    url = apis.endpoints.github + "/repos/xionghonglin/DoctorGLM"
    auth = {"Authorization": "token t"}
    assert [requests.get(url, headers=auth, timeout=5).status_code for _ in range(2)] == [200, 200]
    spent = requests.get(url, headers=auth, timeout=5)
    assert spent.status_code == 403
    assert spent.headers["x-ratelimit-remaining"] == "0"
    assert spent.json()["message"] == "API rate limit exceeded for user ID 1."
    gql = requests.post(
        apis.endpoints.github + "/graphql",
        json={"query": "{ rateLimit { remaining } }"},
        headers=auth,
        timeout=5,
    )
    assert gql.status_code == 200
    assert gql.json()["errors"][0]["type"] == "RATE_LIMITED"
    time.sleep(0.6)
    assert requests.get(url, headers=auth, timeout=5).status_code == 200


def test_openalex_and_hf_quota_answers(make_fake_apis: Make) -> None:
    apis = make_fake_apis(
        faults=profile(
            openalex=[{"fault": "quota", "first": 1, "reset_after": 30}],
            hf=[{"fault": "quota", "first": 1, "reset_after": 30}],
        )
    )
    oa = requests.get(
        apis.endpoints.openalex + "/works", params={"filter": "doi:10.1093/bioinformatics/btz682"}, timeout=5
    )
    assert oa.status_code == 429
    assert oa.headers["x-ratelimit-remaining-usd"] == "0"
    hf = requests.get(apis.endpoints.hf + "/api/models/microsoft/biogpt", timeout=5)
    assert hf.status_code == 429
    assert hf.headers["RateLimit"].startswith('"api";r=0;t=')


def test_403_secondary_limit_with_retry_after(make_fake_apis: Make) -> None:
    apis = make_fake_apis(
        faults=profile(github=[{"fault": "status", "status": 403, "retry_after": 60, "first": 1}])
    )
    r = requests.get(apis.endpoints.github + "/repos/xionghonglin/DoctorGLM", timeout=5)
    assert (r.status_code, r.headers["Retry-After"]) == (403, "60")
    assert "secondary rate limit" in r.json()["message"]


def test_rate_draws_are_deterministic_by_seed() -> None:
    rules = profile(s2=[{"fault": "status", "status": 500, "rate": 0.3}])
    fired = [FaultPlan(rules, seed=1).pick("s2", n, "/x") is not None for n in range(1, 201)]
    again = [FaultPlan(rules, seed=1).pick("s2", n, "/x") is not None for n in range(1, 201)]
    other = [FaultPlan(rules, seed=2).pick("s2", n, "/x") is not None for n in range(1, 201)]
    assert fired == again
    assert fired != other
    assert 40 <= sum(fired) <= 80


def test_times_and_every_and_path_filters() -> None:
    rules = profile(
        s2=[{"fault": "status", "status": 500, "every": 3, "times": 2, "path": "/graph/v1/paper/batch"}]
    )
    plan = FaultPlan(rules, seed=0)
    picked = [n for n in range(1, 20) if plan.pick("s2", n, "/graph/v1/paper/batch") is not None]
    assert picked == [3, 6]
    assert FaultPlan(rules, seed=0).pick("s2", 3, "/graph/v1/paper/ARXIV:1") is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[[s3]]\nfault = "status"\n', "unknown key 's3'"),
        ('[[s2]]\nfault = "explode"\n', "'fault' must be one of"),
        ('[[s2]]\nfault = "empty_page"\n', "fault 'empty_page' applies to arxiv only"),
        ('[[s2]]\nfault = "status"\nrate = 2\n', "'rate' is a probability"),
        ('[[s2]]\nfault = "status"\nstatus = 200\n', "'status' must be >= 400"),
        ('[[s2]]\nfault = "status"\nwhen = 1\n', "unknown key(s) ['when']"),
        ("seed = 'x'\n", "'seed' must be an integer"),
        ("[[s2]\n", "not valid TOML"),
    ],
)
def test_bad_profiles_name_the_file_and_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_fault_profile(path)
    assert caught.value.path == str(path)
    assert problem in caught.value.problem


def test_missing_profile_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="fault profile does not exist"):
        load_fault_profile(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("source", "path", "body_429"),
    [
        ("arxiv", "/api/query?id_list=2303.13375", "Too Many Requests\n"),
        ("s2", "/graph/v1/paper/ARXIV:2303.13375", '"code":"429"'),
        ("openalex", "/works/W4384071683", '"error":"Rate limit exceeded"'),
        ("crossref", "/works/10.1093/bioinformatics/btz682", "Too Many Requests\n"),
        ("github", "/repos/xionghonglin/DoctorGLM", "secondary rate limit"),
        ("hf", "/api/models/microsoft/biogpt", '"error":"Too many requests'),
    ],
)
def test_each_source_answers_faults_in_its_own_format(
    make_fake_apis: Make, source: str, path: str, body_429: str
) -> None:
    rules = [
        {"fault": "status", "status": 429, "first": 1},
        {"fault": "status", "status": 502, "after": 1, "first": 1},
    ]
    apis = make_fake_apis(faults=profile(**{source: rules}))
    url = apis.url + "/" + source + path
    limited = requests.get(url, timeout=5)
    assert (limited.status_code, limited.headers.get("Retry-After")) == (429, None)
    assert body_429 in limited.text
    bad_gateway = requests.get(url, timeout=5)
    assert bad_gateway.status_code == 502
    assert "Bad Gateway" in bad_gateway.text
    assert requests.get(url, timeout=5).status_code == 200
