"""Hostile identifiers from a list never shape a request beyond their value (issue 9, point 7).

Every assertion about what went over the wire is read from the API double's access log
(:meth:`fakeapis.FakeApis.access_log`): each request stays under its own source's prefix and
route, carries only the parameters the client means to send (each once), and an OpenAlex OR-filter
holds exactly the values it was built from. Ids that cannot be sent safely come back as items with an
error status and a reason; the session layer refuses any URL outside the configured base URL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import requests
from pydantic import SecretStr
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from enrich.clients import Clients
from enrich.clients.base import BaseClient, decode_json
from enrich.clients.safety import outside_reason
from enrich.config import Credentials
from enrich.errors import OutsideApiError
from enrich.records import FetchStatus
from fakeapis import FakeApis

HOSTILE_DOIS = (
    "10.1234/abc%3Fmailto%3Dx%26rows%3D1000",  # decodes to ?mailto=x&rows=1000
    "10.1234/../../../github/repos/evil/x",  # path traversal into another API of the double
    "10.1234/%2e%2e/%2e%2e/%2e%2e/github/repos/evil/x",  # the same, percent-encoded
    "10.1234/%252e%252e/%252e%252e/github/repos/evil/x",  # the same, encoded twice
    "10.1234/a|10.5555/b",  # OpenAlex OR operator
    "10.1234/a,doi:10.5555/b",  # OpenAlex filter separator
    "10.1234/a+b",  # OpenAlex AND within a filter value
    "10.1234/x#frag",
    "10.1234/x&api_key=stolen",
    "10.1234/a%0d%0aX-Injected:%201",  # CR/LF
    "10.1234/a\\..\\..\\github",
    "10.1234//..//github",
)
TRAVERSALS = (HOSTILE_DOIS[1], HOSTILE_DOIS[2], HOSTILE_DOIS[3])

ROUTES = {
    "arxiv": ("/api/query",),
    "s2": ("/graph/v1/paper/",),
    "openalex": ("/works",),
    "crossref": ("/works",),
    "github": ("/repos/", "/graphql"),
    "hf": ("/api/models/", "/api/datasets/", "/api/spaces/"),
}
PARAMS = {
    "arxiv": {"search_query", "id_list", "start", "max_results", "sortBy", "sortOrder"},
    "s2": {"fields", "query", "limit"},
    "openalex": {"filter", "per_page", "select", "mailto", "api_key", "search"},
    "crossref": {"mailto", "rows", "query.bibliographic", "filter"},
    "github": set(),
    "hf": set(),
}


MAILTO = "ops@example.org"


def clients_for(apis: FakeApis) -> Clients:
    credentials = Credentials(
        openalex_api_key=SecretStr("oa-key"), github_token=SecretStr("gh-token"), mailto=MAILTO
    )
    return Clients.from_config(apis.endpoints, credentials, cache_dir=None, rate_limits=False)


def assert_stayed_home(apis: FakeApis, source: str) -> list[dict[str, Any]]:
    """Every logged request is the source's own, on one of its routes, with only its parameters."""
    log = apis.access_log()
    assert log, "nothing was requested at all"
    assert {e["source"] for e in log} == {source}, [(e["source"], e["path"]) for e in log]
    for entry in log:
        path = entry["path"]
        for form in (path, unquote(path), unquote(unquote(path))):
            assert not {".", ".."} & set(form.split("/")), path
            assert "\\" not in form or form is not path, path
        assert path.startswith(ROUTES[source]), path
        query = entry["query"]
        assert set(query) <= PARAMS[source], (path, query)
        # an injected copy of a parameter would replace ours: each keeps the value the client set
        assert query.get("mailto", MAILTO) == MAILTO, query
        assert int(query.get("rows", 0)) <= 5 and int(query.get("per_page", 0)) <= 100, query
    return log


def test_openalex_hostile_dois_never_leave_works_nor_inject(fake_apis: FakeApis) -> None:
    client = clients_for(fake_apis).openalex
    good = "10.1093/bioinformatics/btz682"
    records = client.get_works([good, *HOSTILE_DOIS])
    log = assert_stayed_home(fake_apis, "openalex")
    filters = [e["query"] for e in log if "filter" in e["query"]]
    assert filters
    for query in filters:
        values = query["filter"].removeprefix("doi:").split("|")
        # the OR-list holds exactly what was meant: per_page values, none of them hostile
        assert len(values) == int(query["per_page"])
        assert "," not in query["filter"] and "+" not in query["filter"]
        assert not {"10.1234/a", "10.5555/b"} & set(values)
    assert [r.key for r in records] == [good, *HOSTILE_DOIS]
    by_key = {r.key: r for r in records}
    for doi in TRAVERSALS:
        assert by_key[doi].status == FetchStatus.ERROR
        assert by_key[doi].reason == "malformed DOI (DOI has a '.' or '..' path segment): not sent"
    # a DOI holding '?' is a value: sent percent-encoded as one path segment, not as parameters
    assert any("%3Fmailto%3Dx%26rows%3D1000" in e["path"] for e in log)
    # '|' never split a filter: that DOI went alone, encoded in its path
    assert any(e["path"] == "/works/doi:10.1234/a%7C10.5555/b" for e in log)
    assert by_key[good].status == FetchStatus.OK


def test_crossref_hostile_dois_stay_under_works(fake_apis: FakeApis) -> None:
    client = clients_for(fake_apis).crossref
    records = client.get_works(list(HOSTILE_DOIS))
    log = assert_stayed_home(fake_apis, "crossref")
    assert all(e["query"].get("mailto") == MAILTO for e in log)
    # only DOIs matching Crossref's own DOI pattern travel in a filter=doi:A,doi:B list; every hostile
    # one goes alone to works/{doi} (quoted), so none can add a filter or a value of its own
    assert [e["query"] for e in log if "filter" in e["query"]] == []
    by_key = {r.key: r for r in records}
    for doi in TRAVERSALS:
        assert (by_key[doi].status, by_key[doi].reason) == (
            FetchStatus.ERROR,
            "malformed DOI (DOI has a '.' or '..' path segment): not sent",
        )
    assert by_key["10.1234//..//github"].status == FetchStatus.ERROR
    assert by_key["10.1234/a%0d%0aX-Injected:%201"].reason == "malformed DOI: not sent"


def test_s2_hostile_ids_stay_in_the_batch_body(fake_apis: FakeApis) -> None:
    client = clients_for(fake_apis).s2
    hostile = [f"DOI:{d}" for d in HOSTILE_DOIS] + ["CorpusId:1&limit=5", "ARXIV:2101.00001\n", "URL:\x00x"]
    records = client.get_papers(["DOI:10.1093/bioinformatics/btz682", *hostile])
    assert_stayed_home(fake_apis, "s2")
    by_key = {r.key: r for r in records}
    for doi in TRAVERSALS:
        assert by_key[f"DOI:{doi}"].reason == "malformed S2 id (DOI has a '.' or '..' path segment): not sent"
    assert by_key["CorpusId:1&limit=5"].status == FetchStatus.ERROR
    assert by_key["URL:\x00x"].status == FetchStatus.ERROR


def test_github_hostile_names_stay_under_repos(fake_apis: FakeApis) -> None:
    clients = clients_for(fake_apis)
    hostile = [
        "../..",
        "evil/..",
        "./x",
        "owner/repo?per_page=100",
        "owner/repo#x",
        "a/b%2F..",
        "a/b/../../c",
    ]
    for use_graphql in (True, False):
        fake_apis.clear_log()
        clients.github.use_graphql = use_graphql
        records = clients.github.get_repos(["karpathy/nanogpt", *hostile])
        assert_stayed_home(fake_apis, "github")
        assert all(r.status == FetchStatus.ERROR for r in records[1:])
        assert {r.reason for r in records[1:]} == {"malformed owner/repo: not sent"}
    fake_apis.clear_log()
    assert clients.github.get_contents("a", "..", "README.md").reason == "malformed owner/repo: not sent"
    traversal = clients.github.get_contents("karpathy", "nanogpt", "../../../hf/api/models/x")
    assert (traversal.status, traversal.reason) == (FetchStatus.ERROR, "malformed file path: not sent")
    clients.github.get_contents("karpathy", "nanogpt", "docs/a?ref=evil#x.md")
    assert_stayed_home(fake_apis, "github")


def test_hf_hostile_ids_stay_under_api(fake_apis: FakeApis) -> None:
    client = clients_for(fake_apis).hf
    hostile = [
        ("model", "../../github/repos/evil/x"),
        ("model", "a/b?full=true"),
        ("dataset", "%2e%2e/x"),
        ("model", "a/b/../../../github"),
        ("space", "a/b#x"),
    ]
    records = client.get_items([("model", "bert-base-uncased"), *hostile])
    assert_stayed_home(fake_apis, "hf")
    assert all(
        (r.status, r.reason) == (FetchStatus.ERROR, "malformed Hugging Face id: not sent")
        for r in records[1:]
    )


def test_arxiv_hostile_ids_never_reach_the_query(fake_apis: FakeApis) -> None:
    client = clients_for(fake_apis).arxiv
    hostile = [
        "2101.00001&max_results=1000",
        "../../github/repos/x",
        "2101.00001%26start%3D5",
        "2101.00001,x",
    ]
    records = client.fetch(["1901.08746", *hostile])
    log = assert_stayed_home(fake_apis, "arxiv")
    for entry in log:
        id_list = entry["query"].get("id_list", "")
        assert set(id_list.split(",")) <= {"1901.08746", ""}, id_list
    assert all(r.status == FetchStatus.ERROR for r in records[1:])


# -- the session-layer guard ---------------------------------------------------------------------


class Recorder(BaseAdapter):
    """Answers every request with ``answer(request)`` and remembers what was sent."""

    def __init__(self, answer: Callable[[requests.PreparedRequest], requests.Response]) -> None:
        super().__init__()
        self.answer = answer
        self.sent: list[str] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.sent.append(request.url or "")
        return self.answer(request)

    def close(self) -> None:
        return None


def reply(
    status: int, headers: dict[str, str] | None = None
) -> Callable[[requests.PreparedRequest], requests.Response]:
    def answer(request: requests.PreparedRequest) -> requests.Response:
        r = requests.Response()
        r.status_code, r._content, r.url, r.request = status, b"{}", request.url or "", request
        r.headers = CaseInsensitiveDict(headers or {})
        return r

    return answer


class Probe(BaseClient):
    source = "probe"
    DEFAULT_MIN_INTERVAL = 0.0


def probe(answer: Callable[[requests.PreparedRequest], requests.Response]) -> tuple[Probe, Recorder]:
    adapter = Recorder(answer)
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return Probe("http://api.test:8080/v1", session, 5.0), adapter


@pytest.mark.parametrize(
    "path",
    [
        "/works/../../github/repos/x",
        "/works/%2e%2e/%2E%2E/github",
        "/works/a\\..\\b",
        "/works/a?api_key=x",
        "/works/a#b",
        "http://api.test:8080/v2/works",
        "http://api.test:8080/v10",
        "http://evil.test:8080/v1/works",
        "http://api.test:9999/v1/works",
        "https://api.test:8080/v1/works",
        "http://user:token@api.test:8080/v1/works",
        "/works/a%0d%0aHost:%20evil",
    ],
)
def test_session_layer_refuses_urls_outside_the_base(path: str) -> None:
    client, adapter = probe(reply(200))
    with pytest.raises(OutsideApiError, match="refused to send"):
        client.request("GET", path, decode=decode_json)
    assert adapter.sent == []
    assert client.stats.requests == 0


def test_session_layer_accepts_its_own_prefix() -> None:
    client, adapter = probe(reply(200))
    client.request("GET", "/works/10.1/a%3Fb", params={"q": "x&y=1"}, decode=decode_json)
    client.request("GET", "http://API.test:8080/v1", decode=decode_json)
    assert adapter.sent == ["http://api.test:8080/v1/works/10.1/a%3Fb?q=x%26y%3D1", "http://api.test:8080/v1"]


@pytest.mark.parametrize(
    ("location", "followed"),
    [
        ("/v1/works/W2", True),
        ("http://api.test:8080/v1/works/W2", True),
        ("/github/repos/evil/x", False),
        ("http://evil.test/v1/works/W2", False),
        ("../../elsewhere", False),
    ],
)
def test_redirects_outside_the_base_are_not_followed(location: str, followed: bool) -> None:
    def answer(request: requests.PreparedRequest) -> requests.Response:
        first = request.url == "http://api.test:8080/v1/works/W1"
        return reply(301, {"Location": location})(request) if first else reply(200)(request)

    client, adapter = probe(answer)
    if followed:
        assert client.request("GET", "/works/W1", decode=decode_json).status == 200
        assert len(adapter.sent) == 2
    else:
        with pytest.raises(OutsideApiError):
            client.request("GET", "/works/W1", decode=decode_json)
        assert adapter.sent == ["http://api.test:8080/v1/works/W1"]


def test_outside_reason_names_what_is_wrong() -> None:
    base = "https://api.openalex.org"
    cases: Sequence[tuple[str, str | None]] = [
        ("https://api.openalex.org/works", None),
        ("https://api.openalex.org:443/works", None),
        ("https://api.openalex.org/works/../x", "path has a '.' or '..' segment"),
        ("https://evil.org/works", "host evil.org is not api.openalex.org"),
        ("http://api.openalex.org/works", "scheme http is not https"),
    ]
    assert [(url, outside_reason(url, base)) for url, _ in cases] == list(cases)


HOSTILE_LIST = """# Hostile

- [A](https://doi.org/10.1234/abc%3Fmailto%3Dx%26rows%3D1000)
- [B](https://doi.org/10.1234/../../../github/repos/evil/x)
- [C](https://doi.org/10.1234/evil%7C10.5555/evil2)
- [D](https://doi.org/10.1234/evil,doi:10.5555/evil3)
- [E](https://github.com/evil/..)
- [F](https://huggingface.co/evil/..%2F..%2Fgithub)
- [G](https://arxiv.org/abs/1901.08746&max_results=1000)
- [H](https://doi.org/10.1234/%252e%252e/%252e%252e/github/repos/evil/y)
- [BioBERT](https://doi.org/10.1093/bioinformatics/btz682)
- [nanoGPT](https://github.com/karpathy/nanoGPT)
- [biogpt](https://huggingface.co/microsoft/biogpt)
"""


def test_a_hostile_list_through_the_fetch_stage_stays_home(fake_apis: FakeApis, tmp_path: Path) -> None:
    """From a list file to the wire, as the nightly does it (parse, plan, fetch every batch)."""
    from enrich import pipeline

    (tmp_path / "hostile.md").write_text(HOSTILE_LIST)
    parsed = pipeline.parse_lists(tmp_path)
    batches = pipeline.plan_batches(pipeline.source_items(parsed.entries))
    results = [pipeline.fetch_batch(clients_for(fake_apis), b) for bs in batches.values() for b in bs]
    log = fake_apis.access_log()
    assert {e["source"] for e in log} <= set(ROUTES)
    for entry in log:
        source, path = entry["source"], entry["path"]
        decoded = unquote(unquote(path))
        assert path.startswith(ROUTES[source]), entry
        assert not {".", ".."} & set(decoded.split("/")), entry
        assert "evil" not in path or source in {"openalex", "crossref", "s2"}, entry  # values only
        assert set(entry["query"]) <= PARAMS[source], entry
        assert entry["query"].get("mailto", MAILTO) == MAILTO
        if "filter" in entry["query"]:
            assert "evil" not in entry["query"]["filter"], entry
    assert not [e for e in fake_apis.access_log("github") if "evil" in e["path"]]
    refused = [r.reason for res in results for r in res.works if r.reason and "'.' or '..'" in r.reason]
    assert len(refused) == 6  # B and H, each refused by S2, OpenAlex and Crossref before sending


def test_redirects_out_are_refused_through_the_http_cache_too(tmp_path: Path) -> None:
    from enrich.http import CacheSettings, build_session

    def answer(request: requests.PreparedRequest) -> requests.Response:
        first = request.url == "http://api.test:8080/v1/works/W1"
        return reply(301, {"Location": "http://evil.test/x"})(request) if first else reply(200)(request)

    adapter = Recorder(answer)
    session = build_session(user_agent="t", cache=CacheSettings(directory=tmp_path), name="probe")
    session.mount("http://", adapter)
    client = Probe("http://api.test:8080/v1", session, 5.0)
    with pytest.raises(OutsideApiError, match=r"host evil\.test is not api\.test"):
        client.request("GET", "/works/W1", decode=decode_json)
    assert adapter.sent == ["http://api.test:8080/v1/works/W1"]
