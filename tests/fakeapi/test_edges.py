"""Paging, limits and malformed input at each API's edges."""

from __future__ import annotations

import http.client

import pytest
import requests

from fakeapis import FakeApis
from fakeapis.graphql import GraphQLSyntaxError, parse


def test_openalex_or_filter_cap_paging_and_cursor(fake_apis: FakeApis) -> None:
    base = fake_apis.endpoints.openalex + "/works"
    too_many = "|".join(f"10.1/{i}" for i in range(101))
    r = requests.get(base, params={"filter": f"doi:{too_many}"}, timeout=5)
    assert r.status_code == 400
    assert r.json()["message"].startswith("Maximum number of values exceeded for doi.")
    hundred = "|".join(f"10.1/{i}" for i in range(99)) + "|10.1093/bioinformatics/btz682"
    assert requests.get(base, params={"filter": f"doi:{hundred}"}, timeout=5).json()["meta"]["count"] == 1
    assert requests.get(base, params={"per_page": 201}, timeout=5).status_code == 400
    assert (
        requests.get(base + "/W1", params={"select": "nope"}, timeout=5).status_code == 400
    )  # before the look-up
    assert (
        requests.get(base, params={"filter": "doi:10.1/none", "select": "nope"}, timeout=5).status_code == 400
    )
    assert requests.get(base, params={"per_page": 100, "page": 101}, timeout=5).status_code == 400
    seen: list[str] = []
    cursor = "*"
    pages = 0
    while cursor:
        page = requests.get(base, params={"per_page": 5, "cursor": cursor, "select": "id"}, timeout=5).json()
        seen += [w["id"] for w in page["results"]]
        cursor = page["meta"]["next_cursor"]
        pages += 1
    everything = requests.get(base, params={"per_page": 200, "select": "id"}, timeout=5).json()
    assert seen == [w["id"] for w in everything["results"]]
    assert everything["meta"]["count"] == len(seen) == 17  # the merged work is not listed
    assert pages == 5  # four pages of results, then the empty last page


def test_openalex_search_ranks_candidates_with_relevance(fake_apis: FakeApis) -> None:
    r = requests.get(
        fake_apis.endpoints.openalex + "/works",
        params={
            "search": "large language models encode clinical knowledge",
            "select": "display_name,relevance_score",
        },
        timeout=5,
    ).json()
    titles = [w["display_name"] for w in r["results"]]
    # imperfect, like the real engine: the decoy holding the same phrase in a shorter title ranks first
    assert titles[:3] == [
        "Do large language models encode clinical knowledge? A replication",
        "Large Language Models Encode Clinical Knowledge",
        "Large language models encode clinical knowledge",
    ]
    scores = [w["relevance_score"] for w in r["results"]]
    assert scores == sorted(scores, reverse=True)


def test_s2_search_window_and_bad_batch_bodies(fake_apis: FakeApis) -> None:
    base = fake_apis.endpoints.s2 + "/graph/v1/paper"
    assert (
        requests.get(
            base + "/search", params={"query": "x", "offset": 990, "limit": 20}, timeout=5
        ).status_code
        == 400
    )
    assert requests.get(base + "/search", params={"query": "x", "limit": 101}, timeout=5).status_code == 400
    assert requests.get(base + "/search", timeout=5).status_code == 400
    assert requests.post(base + "/batch", data=b"not json", timeout=5).status_code == 400
    assert requests.post(base + "/batch", json={"ids": "ARXIV:1"}, timeout=5).status_code == 400
    assert requests.get(base + "/batch", timeout=5).status_code == 405


def test_crossref_cursor_rows_and_bad_cursor(fake_apis: FakeApis) -> None:
    base = fake_apis.endpoints.crossref + "/works"
    first = requests.get(base, params={"query": "language", "rows": 2, "cursor": "*"}, timeout=5).json()[
        "message"
    ]
    assert len(first["items"]) == 2
    second = requests.get(
        base, params={"query": "language", "rows": 2, "cursor": first["next-cursor"]}, timeout=5
    )
    assert second.json()["message"]["query"]["start-index"] == 2
    bad = requests.get(base, params={"query": "x", "cursor": "thing"}, timeout=5)
    assert bad.status_code == 404
    assert bad.json()["message"][0]["type"] == "cursor-invalid"
    assert requests.get(base, params={"rows": 1001}, timeout=5).status_code == 400
    title = "BioBERT: a pre-trained biomedical language representation model for biomedical text mining"
    selected = requests.get(
        base, params={"query.bibliographic": title, "rows": 1, "select": "DOI,title"}, timeout=5
    ).json()
    assert selected["message"]["items"] == [
        {
            "DOI": "10.1093/bioinformatics/btz682",
            "title": [
                "BioBERT: a pre-trained biomedical language representation model for biomedical text mining"
            ],
        }
    ]


def test_graphql_syntax_and_unknown_fields(fake_apis: FakeApis) -> None:
    url = fake_apis.endpoints.github + "/graphql"
    auth = {"Authorization": "bearer t"}
    broken = requests.post(url, json={"query": "{ repository(owner: "}, headers=auth, timeout=5)
    assert broken.status_code == 200
    assert "data" not in broken.json()
    unknown = requests.post(
        url, json={"query": '{ r: repository(owner: "a", name: "b") { bogus } }'}, headers=auth, timeout=5
    ).json()
    assert unknown == {
        "errors": [
            {
                "path": ["query", "r", "bogus"],
                "extensions": {"code": "undefinedField", "typeName": "Repository", "fieldName": "bogus"},
                "locations": [{"line": 1, "column": 42}],
                "message": "Field 'bogus' doesn't exist on type 'Repository'",
            }
        ]
    }
    variables = requests.post(
        url,
        json={
            "query": "query($o: String!, $n: String!) { repository(owner: $o, name: $n) { stargazerCount } }",
            "variables": {"o": "Kent0n-Li", "n": "ChatDoctor"},
        },
        headers=auth,
        timeout=5,
    ).json()
    assert variables == {"data": {"repository": {"stargazerCount": 3700}}}
    assert requests.post(url, data=b"{", headers=auth, timeout=5).status_code == 400


def test_graphql_parser_handles_fragments_and_comments() -> None:
    fields = parse(
        """# a comment
        query Q($id: ID = "x") {
          node(id: $id) { __typename ... on Repository { name } }
          a: rateLimit { cost }
        }"""
    )
    assert [(f.key, f.name, f.args) for f in fields] == [
        ("node", "node", {"id": "x"}),
        ("a", "rateLimit", {}),
    ]
    assert [(s.name, s.on_type) for s in fields[0].selections] == [
        ("__typename", None),
        ("name", "Repository"),
    ]
    for bad in ("mutation { x }", "{ a } { b }", "{ ... Named }"):
        try:
            parse(bad)
        except GraphQLSyntaxError:
            continue
        raise AssertionError(f"accepted {bad!r}")


def test_head_unknown_prefix_and_unknown_paths(fake_apis: FakeApis) -> None:
    head = requests.head(fake_apis.endpoints.github + "/repos/xionghonglin/DoctorGLM", timeout=5)
    assert (head.status_code, head.content) == (200, b"")
    assert int(head.headers["Content-Length"]) > 0
    assert requests.get(fake_apis.url + "/nowhere/x", timeout=5).status_code == 404
    assert requests.get(fake_apis.endpoints.arxiv + "/api/other", timeout=5).status_code == 404
    assert requests.get(fake_apis.endpoints.hf + "/api/papers/x", timeout=5).status_code == 404
    conn = http.client.HTTPConnection("127.0.0.1", fake_apis.port, timeout=5)
    conn.request("GET", "/s2/graph/v1/paper/ARXIV:2303.13375")
    first = conn.getresponse()
    first.read()
    conn.request("GET", "/s2/graph/v1/paper/ARXIV:2304.01097")  # same connection: keep-alive
    assert conn.getresponse().status == first.status == 200
    conn.close()
    assert [e["source"] for e in fake_apis.access_log()][-3:] == ["hf", "s2", "s2"]


def test_a_bug_in_the_double_is_a_visible_500(fake_apis: FakeApis, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr("fakeapis.apis.hf.handle", broken)
    r = requests.get(fake_apis.endpoints.hf + "/api/models/microsoft/biogpt", timeout=5)
    assert (r.status_code, r.text) == (500, "fake-apis internal error: KeyError: 'boom'\n")
    assert (
        requests.get(fake_apis.endpoints.s2 + "/graph/v1/paper/ARXIV:2303.13375", timeout=5).status_code
        == 200
    )
