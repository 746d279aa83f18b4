"""Every recorded GitHub (REST, GraphQL) and Hugging Face response, parsed with exact values."""

from __future__ import annotations

from pydantic import SecretStr

from enrich.clients.github import (
    GitHubClient,
    parse_github_repo,
    parse_graphql_batch,
)
from enrich.clients.hf import HfClient, parse_hf_item
from enrich.clients.policy import RetryPolicy
from enrich.ratelimit import Pacing, parse_rate_headers
from enrich.records import FetchStatus

from .replay import T0, ReplayAdapter, all_recorded, recorded, replay_session

FAST = {"pacing": Pacing(min_interval=0.0), "retry": RetryPolicy(backoff_base=0.001, backoff_max=0.002)}

# ------------------------------------------------------------------------------------------ GitHub REST


def test_github_repo_authenticated() -> None:
    rec = recorded("github_rest", "repo_PyGithub_PyGithub_authenticated_2025")
    r = parse_github_repo(rec.json(), key="pygithub/pygithub", fetched_at=T0)
    assert (r.status, r.full_name, r.moved_to, r.github_id) == (
        FetchStatus.OK,
        "PyGithub/PyGithub",
        None,
        3544490,
    )
    assert (r.stars, r.forks, r.open_issues, r.watchers) == (7122, 1793, 357, 111)
    assert (r.archived, r.license, r.language) == (False, "LGPL-3.0", "Python")
    assert (r.created_at, r.pushed_at) == ("2012-02-25T12:53:47Z", "2024-12-19T12:01:11Z")
    assert r.topics == ("github", "github-api", "pygithub", "python")
    assert r.description == "Typed interactions with the GitHub API v3"


def test_github_repo_unauthenticated_fork_and_fixture_org() -> None:
    anon = parse_github_repo(
        recorded("github_rest", "repo_PyGithub_PyGithub_unauthenticated_2026").json(),
        key="PyGithub/PyGithub",
        fetched_at=T0,
    )
    assert (anon.stars, anon.forks, anon.open_issues, anon.github_id, anon.status) == (
        7701,
        1874,
        393,
        3544490,
        FetchStatus.OK,
    )
    fork = parse_github_repo(
        recorded("github_rest", "repo_jacquev6_PyGithub_fork_with_parent_source_2025").json(),
        key="jacquev6/PyGithub",
        fetched_at=T0,
    )
    assert (fork.full_name, fork.stars, fork.license) == ("jacquev6/PyGithub", 0, "LGPL-3.0")
    hello = parse_github_repo(
        recorded("github_rest", "repo_octokit-fixture-org_hello-world_2022").json(),
        key="octokit-fixture-org/hello-world",
        fetched_at=T0,
    )
    assert (hello.full_name, hello.stars, hello.watchers, hello.github_id, hello.license, hello.language) == (
        "octokit-fixture-org/hello-world",
        0,
        1,
        103703892,
        None,
        None,
    )
    assert hello.topics == ("fixtures", "hello", "hello-world")


def test_github_renamed_repo_followed_to_numeric_id() -> None:
    adapter = ReplayAdapter()
    adapter.add("GET", r"/repos/EnricoMi/test$", recorded("github_rest", "repo_301_moved_permanently_2023"))
    adapter.add(
        "GET", r"/repositories/638123443$", recorded("github_rest", "repo_by_numeric_id_after_301_2023")
    )
    client = GitHubClient(
        "https://api.github.com", replay_session(adapter), token=SecretStr("ghp_" + "x" * 36), **FAST
    )
    client.use_graphql = False
    (r,) = client.get_repos(["EnricoMi/test"])
    assert (r.status, r.key, r.moved_to, r.full_name) == (
        FetchStatus.MOVED,
        "EnricoMi/test",
        "EnricoMi/test-renamed",
        "EnricoMi/test-renamed",
    )
    assert r.github_id == 638123443
    assert [p.path_url for p in adapter.sent] == ["/repos/EnricoMi/test", "/repositories/638123443"]


def test_github_client_sends_no_etag_of_its_own() -> None:
    # the HTTP cache is the one ETag mechanism (enrich.http revalidates /repos/ with If-None-Match);
    # the client never asks conditionally, so a bare 304 is an answer it did not ask for: not retried
    adapter = ReplayAdapter().add(
        "GET", r"/repos/", recorded("github_rest", "repo_304_not_modified_conditional_2023")
    )
    client = GitHubClient("https://api.github.com", replay_session(adapter), **FAST)
    (r,) = client.get_repos(["AndrewJDawes/PyGithub"])
    assert (r.status, r.reason) == (FetchStatus.ERROR, "HTTP 304")
    assert len(adapter.sent) == 1 and "If-None-Match" not in adapter.sent[0].headers
    assert client.remaining == 4755


def test_github_404_and_rate_limits() -> None:
    adapter = ReplayAdapter()
    adapter.add(
        "GET", r"/repos/jacquev6/Xxx$", recorded("github_rest", "repo_404_not_found_2012_legacy_body")
    )
    adapter.add(
        "GET", r"/repos/a/spent$", recorded("github_rest", "primary_rate_limit_403_exceeded_2013_legacy")
    )
    adapter.add("GET", r"/repos/b/abuse$", recorded("github_rest", "secondary_rate_limit_403_abuse_2018"))
    client = GitHubClient(
        "https://api.github.com",
        replay_session(adapter),
        **{**FAST, "pacing": Pacing(min_interval=0.0, max_wait=5.0)},
    )
    (gone,) = client.get_repos(["jacquev6/Xxx"])
    assert gone.status == FetchStatus.NOT_FOUND
    # a 403 with x-ratelimit-remaining: 0 is retried, then rate_limited; later repos are deferred
    spent, later = client.get_repos(["a/spent", "c/later"])
    assert (spent.status, later.status, later.reason) == (
        FetchStatus.RATE_LIMITED,
        FetchStatus.DEFERRED,
        "rate limited",
    )
    # the abuse 403 asks for Retry-After: 60 s, beyond the 5 s cap: rate_limited at once, no sleep
    (abuse,) = GitHubClient(
        "https://api.github.com",
        replay_session(adapter),
        **{**FAST, "pacing": Pacing(min_interval=0.0, max_wait=5.0)},
    ).get_repos(["b/abuse"])
    assert abuse.status == FetchStatus.RATE_LIMITED
    assert abuse.reason == "rate limited: told to retry after 60 s (cap 5 s) (HTTP 403)"


def test_github_rate_limit_headers() -> None:
    rec = recorded("github_rest", "rate_limit_endpoint")
    info = parse_rate_headers({k.lower(): v for k, v in rec.headers.items()}, now=1684195041 - 100)
    assert (info.remaining, info.limit, info.reset_after) == (4904.0, 5000.0, 100.0)


def test_github_contents_redirect_is_followed() -> None:
    adapter = ReplayAdapter()
    adapter.add(
        "GET",
        r"/repos/twbs/bootstrap/contents/js",
        recorded("github_rest", "contents_302_redirect_renamed_repo_2025"),
    )
    adapter.add(
        "GET",
        r"/repositories/2126244/contents/js",
        recorded("github_rest", "repo_404_not_found_2012_legacy_body"),
    )
    client = GitHubClient("https://api.github.com", replay_session(adapter), **FAST)
    result = client.get_contents("twbs", "bootstrap", "js")
    assert result.status == FetchStatus.NOT_FOUND
    assert [p.path_url for p in adapter.sent] == [
        "/repos/twbs/bootstrap/contents/js",
        "/repositories/2126244/contents/js",
    ]


# --------------------------------------------------------------------------------------- GitHub GraphQL


def test_graphql_repository_answers() -> None:
    full = parse_graphql_batch(
        recorded("github_graphql", "graphql_repository_stargazerCount_alamofire_full_2021").json(),
        {"repository": "Alamofire/Alamofire"},
        fetched_at=T0,
    )
    r = full.records["Alamofire/Alamofire"]
    assert (r.status, r.stars, r.topics[:2]) == (FetchStatus.OK, 35831, ("networking", "urlsession"))
    small = parse_graphql_batch(
        recorded("github_graphql", "graphql_repository_stargazerCount_alamofire_2020").json(),
        {"repository": "alamofire/alamofire"},
        fetched_at=T0,
    )
    s = small.records["alamofire/alamofire"]
    assert (s.stars, s.open_issues, s.archived, s.license, s.created_at) == (
        34400,
        32,
        False,
        None,
        "2014-07-31T05:56:19Z",
    )
    assert s.description == "Elegant HTTP Networking in Swift"
    assert small.remaining == 4988
    url_only = parse_graphql_batch(
        recorded("github_graphql", "graphql_repository_url_query_2024").json(),
        {"repository": "PyGithub/PyGithub"},
        fetched_at=T0,
    )
    assert (url_only.records["PyGithub/PyGithub"].status, url_only.records["PyGithub/PyGithub"].stars) == (
        FetchStatus.OK,
        None,
    )


def test_graphql_not_found_and_non_repository_answers() -> None:
    missing = parse_graphql_batch(
        recorded("github_graphql", "graphql_node_not_found_error_http200_2024").json(),
        {"node": "x/y"},
        fetched_at=T0,
    )
    assert missing.records["x/y"].status == FetchStatus.NOT_FOUND
    for name in (
        "graphql_node_discussion_typename_2024",
        "graphql_repository_discussions_page_first_2024",
        "graphql_repository_discussions_page_last_2024",
    ):
        batch = parse_graphql_batch(recorded("github_graphql", name).json(), {"r0": "a/b"}, fetched_at=T0)
        assert (batch.records["a/b"].status, batch.records["a/b"].reason, batch.error) == (
            FetchStatus.ERROR,
            "no data",
            None,
        )


def test_graphql_spent_budget_http200_error() -> None:
    body = {
        "data": None,
        "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}],
    }
    batch = parse_graphql_batch(body, {"r0": "a/b", "r1": "c/d"}, fetched_at=T0)
    assert batch.rate_limited
    assert [(r.status, r.reason) for r in batch.records.values()] == [
        (FetchStatus.RATE_LIMITED, "API rate limit exceeded for user ID 1.")
    ] * 2


# ---------------------------------------------------------------------------------------- Hugging Face


def test_hf_models() -> None:
    bert = parse_hf_item(
        recorded("huggingface", "model_google-bert_bert-base-uncased").json(),
        kind="model",
        hf_id="google-bert/bert-base-uncased",
        fetched_at=T0,
    )
    assert (bert.key, bert.status, bert.likes, bert.downloads, bert.gated) == (
        "model:google-bert/bert-base-uncased",
        FetchStatus.OK,
        2065,
        72376843,
        False,
    )
    assert (bert.last_modified, bert.arxiv_ids) == ("2024-02-19T11:06:12.000Z", ("1810.04805",))
    llama = parse_hf_item(
        recorded("huggingface", "model_meta-llama_Llama-3.1-8B-Instruct_gated_manual").json(),
        kind="model",
        hf_id="meta-llama/Llama-3.1-8B-Instruct",
        fetched_at=T0,
    )
    assert (llama.gated, llama.likes, llama.downloads) == (True, 3763, 5795728)
    gpt2 = parse_hf_item(
        recorded("huggingface", "model_gpt2_legacy_id_no_redirect").json(),
        kind="model",
        hf_id="gpt2",
        fetched_at=T0,
    )
    assert (gpt2.status, gpt2.likes, gpt2.downloads, gpt2.moved_to) == (FetchStatus.OK, 2630, 17272637, None)
    expected = {
        "model_HuggingFaceH4_zephyr-7b-beta_safetensors": "HuggingFaceH4/zephyr-7b-beta",
        "model_deepset_roberta-base-squad2_model_index": "deepset/roberta-base-squad2",
        "model_sentence-transformers_paraphrase-albert-small-v2": "sentence-transformers/paraphrase-albert-small-v2",
        "model_speechbrain_sepformer-wham_sparse": "speechbrain/sepformer-wham",
        "model_stabilityai_stable-diffusion-2-1_diffusers": "stabilityai/stable-diffusion-2-1",
    }
    # an ``expand=`` answer carries only the expanded field: identity, no counts
    flux = parse_hf_item(
        recorded("huggingface", "model_black-forest-labs_FLUX.1-dev_expand_inferenceProviderMapping").json(),
        kind="model",
        hf_id="black-forest-labs/FLUX.1-dev",
        fetched_at=T0,
    )
    assert (flux.status, flux.likes, flux.downloads, flux.tags) == (FetchStatus.OK, None, None, ())
    got = {}
    for name, hf_id in expected.items():
        rec = parse_hf_item(recorded("huggingface", name).json(), kind="model", hf_id=hf_id, fetched_at=T0)
        got[name] = (rec.status, rec.likes is not None)
    assert got == dict.fromkeys(expected, (FetchStatus.OK, True))


def test_hf_307_renamed_models_are_followed() -> None:
    adapter = ReplayAdapter()
    adapter.add(
        "GET",
        r"/api/models/bert-base-uncased$",
        recorded("huggingface", "model_bert-base-uncased_307_redirect"),
    )
    adapter.add(
        "GET",
        r"/api/models/google-bert/bert-base-uncased$",
        recorded("huggingface", "model_google-bert_bert-base-uncased"),
    )
    adapter.add(
        "GET",
        r"/api/models/meta-llama/Meta-Llama-3.1-8B-Instruct$",
        recorded("huggingface", "model_meta-llama_Meta-Llama-3.1-8B-Instruct_307_redirect"),
    )
    adapter.add(
        "GET",
        r"/api/models/meta-llama/Llama-3.1-8B-Instruct$",
        recorded("huggingface", "model_meta-llama_Llama-3.1-8B-Instruct_gated_manual"),
    )
    client = HfClient("https://huggingface.co", replay_session(adapter), **FAST)
    bert, llama = client.get_items(
        [("model", "bert-base-uncased"), ("model", "meta-llama/Meta-Llama-3.1-8B-Instruct")]
    )
    assert (bert.status, bert.key, bert.moved_to, bert.likes) == (
        FetchStatus.MOVED,
        "model:bert-base-uncased",
        "google-bert/bert-base-uncased",
        2065,
    )
    assert (llama.status, llama.moved_to) == (FetchStatus.MOVED, "meta-llama/Llama-3.1-8B-Instruct")
    assert client.stats.ok == 2


# ------------------------------------------------------------------------------------------ coverage


def test_every_recorded_response_is_used_by_a_test() -> None:
    import pathlib

    here = pathlib.Path(__file__).parent
    sources = "".join(p.read_text() for p in here.glob("test_recorded_*.py"))
    unused = [f"{s}/{n}" for s, n in all_recorded() if f'"{n}"' not in sources]
    assert unused == []
