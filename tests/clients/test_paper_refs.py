"""Paper references of artefacts: README text in the batched GraphQL stars query, Hub tags and cardData.

Against the local API double (real HTTP on 127.0.0.1) with a small catalog of real repos and Hub ids.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from pydantic import SecretStr

from enrich.clients.github import GitHubClient, graphql_query
from enrich.clients.hf import HfClient, parse_hf_item
from enrich.clients.policy import RetryPolicy
from enrich.links import card_refs, paper_refs, repo_refs
from enrich.ratelimit import Pacing
from enrich.records import FetchStatus
from fakeapis import FakeApis

FAST: dict[str, Any] = {
    "pacing": Pacing(min_interval=0.0),
    "retry": RetryPolicy(backoff_base=0.01, backoff_max=0.05),
    "timeout": 2.0,
}
GH_TOKEN = "ghp_" + "T0kenValue" * 4
README = """# DoctorGLM
Code of [DoctorGLM](https://arxiv.org/abs/2304.01097v2). Data from ChatDoctor (arXiv:2303.14070).
Also see https://doi.org/10.48550/arXiv.2303.13375 and doi:10.1038/s41586-023-06291-2.
"""
CATALOG: list[dict[str, Any]] = [
    {
        "type": "repo",
        "full_name": "xionghonglin/DoctorGLM",
        "stars": 700,
        "homepage": "https://arxiv.org/abs/2304.01097",
    },
    {
        "type": "repo",
        "full_name": "Kent0n-Li/ChatDoctor",
        "stars": 3700,
        "description": "ChatDoctor (Cureus 2023)",
    },
    {"type": "file", "repo": "xionghonglin/DoctorGLM", "path": "README.md", "content": README},
    {
        "type": "hf",
        "id": "zhaozh/DoctorGLM",
        "kind": "model",
        "likes": 12,
        "tags": ["medical", "arxiv:2304.01097"],
        "hub": {"cardData": {"license": "apache-2.0", "citation": "@article{x, journal={arXiv:2303.14070}}"}},
    },
]


def _log(apis: FakeApis, source: str) -> list[dict[str, Any]]:
    count, deadline = -1, time.monotonic() + 2.0
    while time.monotonic() < deadline:
        time.sleep(0.03)
        now = len(apis.access_log())
        if now == count:
            break
        count = now
    return [e for e in apis.access_log() if e.get("source") == source]


def test_paper_refs_read_arxiv_ids_and_dois_as_work_keys() -> None:
    assert paper_refs(README) == (
        "arxiv:2304.01097",
        "arxiv:2303.14070",
        "arxiv:2303.13375",
        "doi:10.1038/s41586-023-06291-2",
    )
    assert paper_refs("no ids here, 10.5 percent, arXiv is great") == ()
    assert repo_refs("https://arxiv.org/abs/2304.01097", "see arXiv:2304.01097", README)[:2] == (
        ("arxiv:2303.13375", "readme"),
        ("arxiv:2303.14070", "readme"),
    )
    assert dict(repo_refs("https://arxiv.org/abs/2304.01097", None, README))["arxiv:2304.01097"] == "homepage"
    assert card_refs({"arxiv": "2304.01097", "tags": ["x"], "cite": "doi: 10.1234/ABC."}) == (
        "arxiv:2304.01097",
        "doi:10.1234/abc",
    )


def test_the_readme_comes_in_the_same_graphql_query_as_the_stars() -> None:
    query, _ = graphql_query(["a/b"])
    assert 'readme: object(expression: "HEAD:README.md") { ... on Blob { text } }' in query
    with FakeApis(CATALOG) as apis:
        github = GitHubClient(apis.endpoints.github, token=SecretStr(GH_TOKEN), use_graphql=True, **FAST)
        doctor, chat = github.get_repos(["xionghonglin/DoctorGLM", "Kent0n-Li/ChatDoctor"])
        calls = _log(apis, "github")
    assert [c["path"] for c in calls] == ["/graphql"]  # one request for both repos, READMEs included
    assert (doctor.status, doctor.stars, doctor.homepage) == (
        FetchStatus.OK,
        700,
        "https://arxiv.org/abs/2304.01097",
    )
    assert doctor.paper_refs == (
        ("arxiv:2303.13375", "readme"),
        ("arxiv:2303.14070", "readme"),
        ("arxiv:2304.01097", "homepage"),
        ("doi:10.1038/s41586-023-06291-2", "readme"),
    )
    assert (chat.status, chat.paper_refs) == (FetchStatus.OK, ())  # no README.md: null blob, no error


def test_rest_reads_homepage_and_description_but_never_fetches_the_readme() -> None:
    with FakeApis(CATALOG) as apis:
        (doctor,) = GitHubClient(apis.endpoints.github, use_graphql=False, **FAST).get_repos(
            ["xionghonglin/DoctorGLM"]
        )
        calls = _log(apis, "github")
    assert len(calls) == 1 and "readme" not in calls[0]["path"]
    assert doctor.paper_refs == (("arxiv:2304.01097", "homepage"),)


def test_hub_arxiv_tags_and_card_data_are_read() -> None:
    with FakeApis(CATALOG) as apis:
        (model,) = HfClient(apis.endpoints.hf, **FAST).get_items([("model", "zhaozh/DoctorGLM")])
    assert (model.status, model.arxiv_ids, model.card_refs) == (
        FetchStatus.OK,
        ("2304.01097",),
        ("arxiv:2303.14070",),
    )


@pytest.mark.parametrize("card", [None, "text", 3, ["arXiv:2304.01097"]])
def test_card_data_of_any_shape_is_read_without_error(card: object) -> None:
    from datetime import UTC, datetime

    record = parse_hf_item(
        {"id": "o/m", "cardData": card},
        kind="model",
        hf_id="o/m",
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert record.card_refs == (("arxiv:2304.01097",) if isinstance(card, list) else ())
