"""The clients against the local API double (real HTTP on 127.0.0.1): batching, pacing, cache,
conditional requests, renames, budgets, every fault kind, and secrets kept out of the cache."""

from __future__ import annotations

import itertools
import logging
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from enrich.clients import Clients
from enrich.clients.arxiv import ArxivClient
from enrich.clients.crossref import CrossrefClient
from enrich.clients.github import GitHubClient, RepoState
from enrich.clients.hf import HfClient
from enrich.clients.openalex import OpenAlexClient
from enrich.clients.policy import RetryPolicy
from enrich.clients.s2 import S2Client
from enrich.config import Credentials
from enrich.http import CacheSettings, build_session, user_agent
from enrich.ratelimit import Pacing
from enrich.records import FetchStatus
from fakeapis import FakeApis, FaultProfile

CATALOG = Path(__file__).resolve().parents[1] / "data" / "catalog.jsonl"
FAST: dict[str, Any] = {
    "pacing": Pacing(min_interval=0.0),
    "retry": RetryPolicy(backoff_base=0.01, backoff_max=0.05),
    "timeout": 2.0,
}
GH_TOKEN = "ghp_" + "T0kenValue" * 4
S2_KEY = "s2key-Secret-0123456789"
OA_KEY = "oakey-Secret-9876543210"
HF_TOKEN = "hf_" + "SecretHfToken" * 3
KNOWN_ARXIV = ["2303.13375", "1901.08746", "2304.01097", "2212.13138", "2305.15075"]
KNOWN_REPOS = [
    "xionghonglin/DoctorGLM",
    "FreedomIntelligence/HuatuoGPT",
    "Kent0n-Li/ChatDoctor",
    "cambridgeltl/visual-med-alpaca",
    "AI-in-Health/MedLLMsPracticalGuide",
    "mingze-yuan/Awesome-LLM-Healthcare",
]


@contextmanager
def double(faults: dict[str, Any] | None = None, **kwargs: Any) -> Iterator[FakeApis]:
    profile = FaultProfile.from_dict(faults) if faults is not None else None
    with FakeApis(CATALOG, faults=profile, **kwargs) as apis:
        yield apis


def log(apis: FakeApis, source: str, path_end: str = "") -> list[dict[str, Any]]:
    """The access log once it has settled (the double writes an entry just after answering)."""
    count, deadline = -1, time.monotonic() + 2.0
    while time.monotonic() < deadline:
        time.sleep(0.03)
        now = len(apis.access_log())
        if now == count:
            break
        count = now
    return [e for e in apis.access_log(source) if e["path"].endswith(path_end)]


# ------------------------------------------------------------------------------------ batch sizes


def test_batch_sizes() -> None:
    with double() as apis:
        ep = apis.endpoints
        s2 = S2Client(ep.s2, **FAST)
        records = s2.get_papers([f"CorpusId:{900_000 + i}" for i in range(1200)])
        assert len(records) == 1200
        assert len(log(apis, "s2", "/paper/batch")) == 3  # ceil(1200 / 500)

        openalex = OpenAlexClient(ep.openalex, **FAST)
        dois = [f"doi:10.48550/arxiv.{a}" for a in KNOWN_ARXIV] + [
            f"doi:10.9999/none.{i}" for i in range(245)
        ]
        openalex.get_works(dois)
        lists = [e for e in log(apis, "openalex") if e["path"] == "/works"]
        assert [len(e["query"]["filter"].split("|")) for e in lists] == [100, 100, 50]

        arxiv = ArxivClient(ep.arxiv, **FAST)
        ids = [f"2301.{i:05d}" for i in range(1, 4251)]
        for pos, known in zip((0, 2000, 4000), KNOWN_ARXIV, strict=False):
            ids[pos] = known
        out = arxiv.fetch(ids)
        queries = log(apis, "arxiv", "/api/query")
        # 2,000 + 2,000 + 250 ids, each list in a form body: far past the ~700 ids a GET takes (414)
        assert [(e["method"], e["status"], e["query"]) for e in queries] == [("POST", 200, {})] * 3
        assert Counter(r.status for r in out) == {FetchStatus.OK: 3, FetchStatus.NOT_FOUND: 4247}
        assert [r.key for r in out] == ids

        crossref = CrossrefClient(ep.crossref, **FAST)
        known = ["10.1093/bioinformatics/btz682", "10.7759/cureus.40895"]
        asked = [*known, "https://doi.org/10.1093/BIOINFORMATICS/btz682"] + [
            f"10.9999/none.{i}" for i in range(150)
        ]
        out_cr = crossref.get_works(asked)
        lists_cr = [e for e in log(apis, "crossref") if e["path"] == "/works"]
        # filter=doi:A,doi:B,... ORs the DOIs: 152 distinct DOIs in lists of 100 + 52, nothing single
        assert [len(e["query"]["filter"].split(",")) for e in lists_cr] == [100, 52]
        assert len(log(apis, "crossref")) == 2
        assert [r.key for r in out_cr] == asked
        assert [r.status for r in out_cr[:3]] == [FetchStatus.OK] * 3
        assert {r.status for r in out_cr[3:]} == {FetchStatus.NOT_FOUND}
        assert out_cr[0].doi == out_cr[2].doi == "10.1093/bioinformatics/btz682"

        github = GitHubClient(ep.github, token=SecretStr(GH_TOKEN), **FAST)
        github.get_repos([f"owner{i}/repo{i}" for i in range(120)])
        assert len(log(apis, "github", "/graphql")) == 2  # 100 + 20 aliases


# ----------------------------------------------------------------------------------------- pacing


def gaps(entries: list[dict[str, Any]]) -> list[float]:
    ts = [e["ts"] for e in entries]
    return [b - a for a, b in itertools.pairwise(ts)]


def test_no_request_faster_than_the_minimum_interval() -> None:
    with double() as apis:
        arxiv = ArxivClient(
            apis.endpoints.arxiv, **{**FAST, "pacing": Pacing(min_interval=0.05)}, chunk_size=1
        )
        arxiv.fetch(KNOWN_ARXIV)
        hf = HfClient(apis.endpoints.hf, **{**FAST, "pacing": Pacing(min_interval=0.03)})
        hf.get_items([("model", "microsoft/biogpt")] * 1 + [("model", f"x/y{i}") for i in range(4)])
        assert len(log(apis, "arxiv")) == 5
        assert min(gaps(log(apis, "arxiv"))) >= 0.05 - 0.005
        assert min(gaps(log(apis, "hf"))) >= 0.03 - 0.005


def test_documented_limits_on_a_fast_clock_are_never_exceeded() -> None:
    """The double enforces each API's documented limit 100x faster; clients scaled the same way
    never see a 429 and never send faster than the limit."""
    with double(rate_limits=0.01) as apis:
        clients = Clients.from_config(
            apis.endpoints, Credentials(mailto="team@example.org"), cache_dir=None, interval_scale=0.01
        )
        clients.arxiv.chunk_size = 1
        clients.arxiv.fetch(KNOWN_ARXIV)
        clients.s2.get_papers([f"ARXIV:{a}" for a in KNOWN_ARXIV])
        clients.crossref.get_works(["10.1093/bioinformatics/btz682", "10.7759/cureus.40895"] * 3)
        clients.hf.get_items([("model", "microsoft/biogpt"), ("model", "dmis-lab/biobert-v1.1")])
        statuses = Counter(e["status"] for e in log(apis, ""))
        assert 429 not in statuses
        assert min(gaps(log(apis, "arxiv"))) >= 3.0 * 0.01 - 0.005


# ---------------------------------------------------------------------------------------- caching


def test_second_run_is_served_from_cache_for_immutable_data(tmp_path: Path) -> None:
    creds = Credentials(s2_api_key=SecretStr(S2_KEY), mailto="team@example.org")
    with double() as apis:
        first = Clients.from_config(apis.endpoints, creds, cache_dir=tmp_path, rate_limits=False)
        a1 = first.arxiv.fetch(KNOWN_ARXIV[:3])
        m1 = first.s2.match_title("BioBERT: a pre-trained biomedical language representation model")
        sent = len(log(apis, ""))
        second = Clients.from_config(apis.endpoints, creds, cache_dir=tmp_path, rate_limits=False)
        a2 = second.arxiv.fetch(KNOWN_ARXIV[:3])
        m2 = second.s2.match_title("BioBERT: a pre-trained biomedical language representation model")
        assert len(log(apis, "")) == sent  # nothing went over the wire
        assert [(r.key, r.title, r.abstract) for r in a2] == [(r.key, r.title, r.abstract) for r in a1]
        assert m1 is not None and m2 is not None and m2.s2_paper_id == m1.s2_paper_id
        assert (second.arxiv.stats.cache_hits, second.arxiv.stats.requests) == (1, 0)
        assert second.s2.stats.cache_hits == 1


def test_volatile_counts_are_refetched_when_their_night_is_over(tmp_path: Path) -> None:
    settings = CacheSettings(tmp_path, volatile_ttl=timedelta(0))
    with double() as apis:
        for _ in range(2):
            session = build_session(user_agent=user_agent(), cache=settings, name="s2")
            S2Client(apis.endpoints.s2, session, **FAST).get_papers(["ARXIV:2303.13375"])
            session = build_session(user_agent=user_agent(), cache=settings, name="arxiv")
            ArxivClient(apis.endpoints.arxiv, session, **FAST).fetch(["2303.13375"])
        assert len(log(apis, "s2", "/paper/batch")) == 2  # counts: asked again
        assert len(log(apis, "arxiv")) == 1  # abstracts: kept


# ----------------------------------------------------------------------- GitHub: ETags and renames


def test_cache_revalidates_github_with_the_stored_etag(tmp_path: Path) -> None:
    # the one ETag mechanism for repos: the HTTP cache revalidates with If-None-Match; a 304 is free
    settings = CacheSettings(tmp_path)
    remaining: list[int | None] = []
    with double() as apis:
        for _ in range(2):
            session = build_session(user_agent=user_agent(), cache=settings, name="github")
            github = GitHubClient(apis.endpoints.github, session, **FAST)
            (repo,) = github.get_repos(["Kent0n-Li/ChatDoctor"])
            assert (repo.status, repo.stars) == (FetchStatus.OK, 3700)
            remaining.append(github.remaining)
        assert [e["status"] for e in log(apis, "github")] == [200, 304]
        assert remaining[0] is not None and remaining[1] in (remaining[0], None)  # the 304 was free


@pytest.mark.parametrize("graphql", [False, True])
def test_renamed_repos_are_followed(graphql: bool) -> None:
    with double() as apis:
        github = GitHubClient(apis.endpoints.github, token=SecretStr(GH_TOKEN), use_graphql=graphql, **FAST)
        moved, gone, blocked = github.get_repos(
            ["UCSD-AI4H/COVID-Dialogue", "tatsu-lab/stanford", "yhydhx/ChatGPT-API"]
        )
        assert (moved.status, moved.moved_to, moved.full_name, moved.stars) == (
            FetchStatus.MOVED,
            "UCSD-AI4H/Medical-Dialogue-System",
            "UCSD-AI4H/Medical-Dialogue-System",
            580,
        )
        assert gone.status == FetchStatus.NOT_FOUND
        expected = FetchStatus.NOT_FOUND if graphql else FetchStatus.ERROR
        assert blocked.status == expected
        if not graphql:
            assert blocked.reason == "unavailable for legal reasons (HTTP 451)"


def test_renamed_hf_and_merged_openalex_are_followed() -> None:
    with double() as apis:
        (hf,) = HfClient(apis.endpoints.hf, **FAST).get_items([("model", "stanford-crfm/pubmedgpt")])
        assert (hf.status, hf.moved_to, hf.likes) == (FetchStatus.MOVED, "stanford-crfm/BioMedLM", 420)
        (work,) = OpenAlexClient(apis.endpoints.openalex, **FAST).get_works(["W4385000001"])
        assert (work.status, work.moved_to, work.openalex_id) == (
            FetchStatus.MOVED,
            "W4384071683",
            "W4384071683",
        )


def test_contents_for_readme_refresh() -> None:
    with double() as apis:
        github = GitHubClient(apis.endpoints.github, **FAST)
        readme = github.get_contents("AI-in-Health", "MedLLMsPracticalGuide", "README.md")
        raw = (
            Path(__file__).resolve().parents[1] / "data" / "lists" / "medllms-practical-guide-2023.md"
        ).read_text()
        assert (readme.status, readme.text) == (FetchStatus.OK, raw)
        same = github.get_contents("AI-in-Health", "MedLLMsPracticalGuide", "README.md", etag=readme.etag)
        assert (same.status, same.not_modified, same.text) == (FetchStatus.OK, True, None)


# ------------------------------------------------------------------------------------------ budgets


def test_spent_github_budget_defers_the_freshest_and_refreshes_the_stalest() -> None:
    now = datetime(2026, 11, 21, tzinfo=UTC)
    known = {name: RepoState(fetched_at=now - timedelta(days=i)) for i, name in enumerate(KNOWN_REPOS)}
    # stalest: the last names (fetched i days ago)
    with double({"limits": {"github": {"core_anonymous": 3}}}, rate_limits="real") as apis:
        github = GitHubClient(
            apis.endpoints.github, **{**FAST, "pacing": Pacing(min_interval=0.0, max_wait=5.0)}
        )
        out = github.get_repos(KNOWN_REPOS, known)
        by_name = {r.key: r.status for r in out}
        assert by_name == {
            **dict.fromkeys(KNOWN_REPOS[3:], FetchStatus.OK),
            **dict.fromkeys(KNOWN_REPOS[:3], FetchStatus.DEFERRED),
        }
        assert [r.key for r in out] == KNOWN_REPOS  # input order kept
        assert github.stats.deferred == 3
        assert len(log(apis, "github")) == 3  # nothing was sent for the deferred ones


def test_spent_openalex_budget_defers_list_calls() -> None:
    with double() as apis:
        openalex = OpenAlexClient(apis.endpoints.openalex, **FAST)
        openalex.budget_usd = 0.00005  # as if the last answer said the day's dollars are gone
        out = openalex.get_works(["doi:10.1093/bioinformatics/btz682", "W2972025066"])
        assert {r.status for r in out} == {FetchStatus.DEFERRED}
        assert openalex.stats.deferred == 2


# ------------------------------------------------------------------------------------------- faults


FAULT_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "429 with Retry-After": ("s2", {"fault": "status", "status": 429, "retry_after": 0.05, "first": 2}),
    "429 without Retry-After": ("openalex", {"fault": "status", "status": 429, "first": 2}),
    "500/502/503 burst": ("crossref", {"fault": "status", "status": 503, "first": 3}),
    "502 burst": ("hf", {"fault": "status", "status": 502, "first": 2}),
    "slower than the timeout": ("github", {"fault": "slow", "delay": 2.5, "first": 1}),
    "connection reset": ("hf", {"fault": "reset", "first": 2}),
    "truncated body": ("github", {"fault": "truncate", "first": 2}),
    "malformed body": ("arxiv", {"fault": "malformed", "first": 2}),
    "malformed JSON": ("s2", {"fault": "malformed", "first": 1}),
    "S2 batch nulls": ("s2", {"fault": "batch_nulls", "fraction": 0.5, "first": 1}),
    "GraphQL partial errors": ("github", {"fault": "graphql_errors", "fraction": 0.5, "first": 1}),
    "dropped connection": ("openalex", {"fault": "down", "first": 1}),
}


def run_source(source: str, apis: FakeApis) -> tuple[list[Any], int]:
    """Records and the number of HTTP requests the client sent."""
    ep = apis.endpoints
    client: Any
    if source == "arxiv":
        client = ArxivClient(ep.arxiv, **FAST)
        out = client.fetch(KNOWN_ARXIV[:3])
    elif source == "s2":
        client = S2Client(ep.s2, **FAST)
        out = client.get_papers([f"ARXIV:{a}" for a in ("2303.13375", "1901.08746", "1904.03323")])
    elif source == "openalex":
        client = OpenAlexClient(ep.openalex, **FAST)
        out = client.get_works(["doi:10.1093/bioinformatics/btz682", "W2972025066"])
    elif source == "crossref":
        client = CrossrefClient(ep.crossref, **FAST)
        out = client.get_works(["10.1093/bioinformatics/btz682"])
    elif source == "github":
        client = GitHubClient(ep.github, token=SecretStr(GH_TOKEN), **FAST)
        out = client.get_repos(KNOWN_REPOS[:4])
    else:
        client = HfClient(ep.hf, **FAST)
        out = client.get_items(
            [("model", "microsoft/biogpt"), ("dataset", "medalpaca/medical_meadow_wikidoc")]
        )
    return out, client.stats.requests


@pytest.mark.parametrize("case", list(FAULT_CASES))
def test_every_fault_is_survived(case: str) -> None:
    source, rule = FAULT_CASES[case]
    with double() as clean:
        records, clean_requests = run_source(source, clean)
        expected = [
            (r.key, r.status, getattr(r, "title", None) or getattr(r, "stars", None)) for r in records
        ]
    with double({"seed": 3, source: [rule]}) as apis:
        got, requests_sent = run_source(source, apis)
        assert [
            (r.key, r.status, getattr(r, "title", None) or getattr(r, "stars", None)) for r in got
        ] == expected
        assert {s for _, s, _ in expected} <= {FetchStatus.OK, FetchStatus.MOVED}
        assert requests_sent > clean_requests  # the fault really fired and was retried around


def test_arxiv_empty_pages_mean_missing_not_absent_and_are_not_retried() -> None:
    # an empty feed is an answer that proves nothing: missing at once, no blind retries (the run
    # decides with earlier evidence: enrich.pipeline.settle_missing)
    with double({"arxiv": [{"fault": "empty_page"}]}) as apis:
        out = ArxivClient(apis.endpoints.arxiv, **FAST).fetch(KNOWN_ARXIV[:2])
        assert [(r.status, r.reason) for r in out] == [
            (FetchStatus.MISSING, "empty feed for these ids (suspect, not proof of absence)")
        ] * 2
        assert len(log(apis, "arxiv")) == 1


def test_github_quota_fault_defers_the_rest() -> None:
    with double({"github": [{"fault": "quota", "reset_after": 3600, "after": 2}]}, rate_limits="off") as apis:
        github = GitHubClient(
            apis.endpoints.github, **{**FAST, "pacing": Pacing(min_interval=0.0, max_wait=5.0)}
        )
        out = github.get_repos(KNOWN_REPOS)
        assert [r.status for r in out[:2]] == [FetchStatus.OK] * 2
        assert {r.status for r in out[2:]} <= {FetchStatus.RATE_LIMITED, FetchStatus.DEFERRED}
        assert out[2].status == FetchStatus.RATE_LIMITED
        assert github.stats.deferred == 3


# -------------------------------------------------------------------------------------------- secrets


def test_secrets_never_reach_cache_logs_or_records(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    creds = Credentials(
        github_token=SecretStr(GH_TOKEN),
        s2_api_key=SecretStr(S2_KEY),
        openalex_api_key=SecretStr(OA_KEY),
        hf_token=SecretStr(HF_TOKEN),
        mailto="team@example.org",
    )
    with (
        caplog.at_level(logging.DEBUG),
        double({"s2": [{"fault": "status", "status": 500, "first": 1}]}) as apis,
    ):
        clients = Clients.from_config(apis.endpoints, creds, cache_dir=tmp_path, rate_limits=False)
        records: list[Any] = []
        records += clients.s2.get_papers(["ARXIV:2303.13375"])
        records += clients.openalex.get_works(
            ["doi:10.1093/bioinformatics/btz682", "W4385000001"]
        )  # incl. a 301
        records += clients.github.get_repos(["UCSD-AI4H/COVID-Dialogue"])  # GraphQL
        clients.github.use_graphql = False
        records += clients.github.get_repos(
            ["UCSD-AI4H/COVID-Dialogue", "xionghonglin/DoctorGLM"]
        )  # REST 301
        records += clients.hf.get_items([("model", "stanford-crfm/pubmedgpt")])  # 307
        assert {r.status for r in records} <= {FetchStatus.OK, FetchStatus.MOVED}
        # the double saw the credentials (so they were really sent) ...
        assert any(e["query"].get("api_key") == "***" for e in log(apis, "openalex"))
    files = list(tmp_path.rglob("*.sqlite*"))
    assert files
    blob = b"".join(f.read_bytes() for f in files)
    assert b"DoctorGLM" in blob or b"Medical-Dialogue" in blob  # the cache holds responses ...
    for secret in (GH_TOKEN, S2_KEY, OA_KEY, HF_TOKEN):
        assert secret.encode() not in blob  # ... but no credential
        assert secret not in caplog.text
        assert all(secret not in repr(r) for r in records)
    assert all(secret not in str(clients.stats()) for secret in (GH_TOKEN, S2_KEY, OA_KEY, HF_TOKEN))


# ----------------------------------------------------------------------- the double's sample profiles


def run_all(apis: FakeApis) -> dict[str, list[tuple[str, FetchStatus]]]:
    ep = apis.endpoints
    fast = {**FAST, "pacing": Pacing(min_interval=0.0, max_wait=5.0)}
    return {
        "arxiv": [(r.key, r.status) for r in ArxivClient(ep.arxiv, **fast).fetch(KNOWN_ARXIV)],
        "s2": [
            (r.key, r.status) for r in S2Client(ep.s2, **fast).get_papers([f"ARXIV:{a}" for a in KNOWN_ARXIV])
        ],
        "openalex": [
            (r.key, r.status)
            for r in OpenAlexClient(ep.openalex, **fast).get_works([f"arxiv:{a}" for a in KNOWN_ARXIV])
        ],
        "crossref": [
            (r.key, r.status)
            for r in CrossrefClient(ep.crossref, **fast).get_works(
                ["10.1093/bioinformatics/btz682", "10.7759/cureus.40895", "10.1038/s41586-023-06291-2"]
            )
        ],
        "github": [
            (r.key, r.status)
            for r in GitHubClient(ep.github, token=SecretStr(GH_TOKEN), **fast).get_repos(KNOWN_REPOS)
        ],
    }


@pytest.mark.parametrize("profile", ["faults_example.toml", "faults_bursts.json"])
def test_the_sample_fault_profiles_are_survived(profile: str) -> None:
    with double() as clean:
        expected = run_all(clean)
    path = CATALOG.parent / profile
    with FakeApis(CATALOG, faults=path) as apis:
        assert run_all(apis) == expected
        if profile == "faults_example.toml":  # Hugging Face is down for the whole run
            hf = HfClient(apis.endpoints.hf, **FAST)
            started = time.monotonic()
            out = hf.get_items([("model", f"org/m{i}") for i in range(50)])
            assert time.monotonic() - started < 5.0
            assert {r.status for r in out} == {FetchStatus.ERROR}
            assert hf.stats.unreachable
            assert hf.stats.requests == 6  # one call of six attempts with no HTTP answer, then nothing
            assert hf.stats.message == (
                f"hf: unreachable (connection failed (ConnectionError) on all 6 attempts at 127.0.0.1:{apis.port})"
            )


def test_openalex_dollar_budget_read_from_headers_defers_what_it_cannot_pay() -> None:
    limits = {"limits": {"openalex": {"budget_usd_anonymous": 0.0002}}}  # two list calls a day
    with double(limits, rate_limits="real") as apis:
        # the double enforces the real 100 req/s too: the client keeps its documented pace
        openalex = OpenAlexClient(apis.endpoints.openalex, **{**FAST, "pacing": Pacing(min_interval=0.011)})
        dois = [f"doi:10.9999/none.{i}" for i in range(300)]
        out = openalex.get_works(dois)
        lists = [e for e in log(apis, "openalex") if e["path"] == "/works"]
        assert len(lists) == 2
        assert Counter(r.status for r in out) == {FetchStatus.NOT_FOUND: 200, FetchStatus.DEFERRED: 100}
        assert openalex.budget_usd == 0.0
        assert openalex.stats.deferred == 100
