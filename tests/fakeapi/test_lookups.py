"""The double's catalog-backed lookups for every source, against tests/data/catalog.jsonl."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

import pytest
import requests

from enrich.config import ENV_VARS
from enrich.settings import Settings
from fakeapis import FakeApis

ATOM = "{http://www.w3.org/2005/Atom}"
OS = "{http://a9.com/-/spec/opensearch/1.1/}"
ARX = "{http://arxiv.org/schemas/atom}"


def _feed(text: str) -> ET.Element:
    return ET.fromstring(text)


def test_env_and_endpoints_point_at_the_double(fake_apis: FakeApis, monkeypatch: pytest.MonkeyPatch) -> None:
    env = fake_apis.env()
    assert set(env) == set(ENV_VARS.values())
    assert env["ENRICH_ARXIV_URL"] == f"http://127.0.0.1:{fake_apis.port}/arxiv"
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Settings().endpoints() == fake_apis.endpoints
    assert fake_apis.endpoints.github == f"http://127.0.0.1:{fake_apis.port}/github"


def test_arxiv_id_list_in_request_order_with_versions(fake_apis: FakeApis) -> None:
    url = fake_apis.endpoints.arxiv + "/api/query"
    r = requests.get(
        url, params={"id_list": "2303.13375,0000.0000,1901.08746v2", "max_results": 50}, timeout=5
    )
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = _feed(r.text)
    assert feed.findtext(OS + "totalResults") == "2"
    assert feed.findtext(OS + "itemsPerPage") == "50"
    entries = feed.findall(ATOM + "entry")
    assert [e.findtext(ATOM + "id") for e in entries] == [
        "http://arxiv.org/abs/2303.13375v2",
        "http://arxiv.org/abs/1901.08746v2",
    ]
    first = entries[0]
    assert first.findtext(ATOM + "title") == "Capabilities of GPT-4 on Medical Challenge Problems"
    assert first.findtext(ATOM + "published") == "2023-03-20T00:00:00Z"
    assert first.findtext(ATOM + "updated") == "2023-04-12T00:00:00Z"
    assert [a.findtext(ATOM + "name") for a in first.findall(ATOM + "author")][:2] == [
        "Harsha Nori",
        "Nicholas King",
    ]
    assert first.find(ATOM + "author").findtext(ARX + "affiliation") == "Microsoft"  # type: ignore[union-attr]
    assert first.find(ARX + "primary_category").get("term") == "cs.CL"  # type: ignore[union-attr]


def test_arxiv_default_max_results_silently_truncates(fake_apis: FakeApis) -> None:
    ids = "2303.13375,1901.08746,2304.01097,2212.13138,2305.15075,2303.14070,1904.03323,2304.14454,2304.08247,2305.09617,2404.00001"
    r = requests.get(fake_apis.endpoints.arxiv + "/api/query", params={"id_list": ids}, timeout=5)
    feed = _feed(r.text)
    assert feed.findtext(OS + "totalResults") == "11"
    assert len(feed.findall(ATOM + "entry")) == 10


def test_arxiv_malformed_id_is_a_400_error_feed(fake_apis: FakeApis) -> None:
    r = requests.get(
        fake_apis.endpoints.arxiv + "/api/query", params={"id_list": "2303.13375,abc"}, timeout=5
    )
    assert r.status_code == 400
    entry = _feed(r.text).find(ATOM + "entry")
    assert entry is not None
    assert entry.findtext(ATOM + "title") == "Error"
    assert entry.findtext(ATOM + "id") == "https://arxiv.org/api/errors#incorrect_id_format_for_abc"
    assert entry.findtext(ATOM + "summary") == "incorrect id format for abc"


def test_arxiv_long_get_is_414_but_post_form_works(fake_apis: FakeApis) -> None:
    ids = ",".join(f"2301.{i:05d}" for i in range(700)) + ",2303.13375"
    url = fake_apis.endpoints.arxiv + "/api/query"
    assert requests.get(url, params={"id_list": ids, "max_results": 1000}, timeout=5).status_code == 414
    r = requests.post(url, data={"id_list": ids, "max_results": 1000}, timeout=5)
    assert r.status_code == 200
    assert _feed(r.text).findtext(OS + "totalResults") == "1"


def test_arxiv_title_search_returns_decoys_ranked_below(fake_apis: FakeApis) -> None:
    r = requests.get(
        fake_apis.endpoints.arxiv + "/api/query",
        params={"search_query": 'ti:"DoctorGLM Fine-tuning your Chinese Doctor"', "max_results": 5},
        timeout=5,
    )
    titles = [e.findtext(ATOM + "title") for e in _feed(r.text).findall(ATOM + "entry")]
    assert titles[:2] == [
        "DoctorGLM: Fine-tuning your Chinese Doctor is not a Herculean Task",
        "DoctorGLM-2: Fine-tuning Chinese doctors, revisited",
    ]


def test_s2_paper_by_every_id_form(fake_apis: FakeApis) -> None:
    base = fake_apis.endpoints.s2 + "/graph/v1/paper/"
    forms = [
        "ARXIV:1901.08746",
        "DOI:10.1093/bioinformatics/btz682",
        "10.1093/bioinformatics/btz682",
        "CorpusId:59291975",
        "PMID:31501885",
        "1e43c7084bdcb6b3102afaf301cce10faead2702",
        "URL:https://arxiv.org/abs/1901.08746v3",
    ]
    for form in forms:
        r = requests.get(base + form, timeout=5)
        assert r.status_code == 200, form
        assert r.json() == {
            "paperId": "1e43c7084bdcb6b3102afaf301cce10faead2702",
            "title": "BioBERT: a pre-trained biomedical language representation model for biomedical text mining",
        }
    acl = requests.get(base + "ACL:W19-1909", params={"fields": "externalIds"}, timeout=5).json()
    assert acl["externalIds"]["ACL"] == "W19-1909"
    pmc = requests.get(base + "PMCID:10396962", params={"fields": "title"}, timeout=5).json()
    assert pmc["title"] == "Large language models encode clinical knowledge"


def test_s2_fields_and_errors(fake_apis: FakeApis) -> None:
    base = fake_apis.endpoints.s2 + "/graph/v1/paper/"
    r = requests.get(
        base + "ARXIV:2303.13375",
        params={"fields": "title,citationCount,influentialCitationCount,externalIds,tldr,year"},
        timeout=5,
    )
    assert r.json() == {
        "paperId": "348a1efa54376fa39053e5e25d52bd0eb6a0ba68",
        "externalIds": {"ArXiv": "2303.13375", "DOI": "10.48550/arXiv.2303.13375", "CorpusId": 257687695},
        "title": "Capabilities of GPT-4 on Medical Challenge Problems",
        "year": 2023,
        "citationCount": 812,
        "influentialCitationCount": 41,
        "tldr": {
            "model": "tldr@v2.0.0",
            "text": "GPT-4 exceeds the USMLE passing score by over 20 points without specialized prompting.",
        },
    }
    bad = requests.get(base + "ARXIV:2303.13375", params={"fields": "title,bogus"}, timeout=5)
    assert (bad.status_code, bad.json()) == (400, {"error": "Unrecognized or unsupported fields: [bogus]"})
    missing = requests.get(base + "DOI:10.1/none", timeout=5)
    assert (missing.status_code, missing.json()) == (404, {"error": "Paper with id DOI:10.1/none not found"})


def test_s2_batch_keeps_order_with_nulls_and_caps_at_500(fake_apis: FakeApis) -> None:
    url = fake_apis.endpoints.s2 + "/graph/v1/paper/batch"
    ids = ["ARXIV:2304.01097", "DOI:10.1/missing", "CorpusId:257687695"]
    r = requests.post(url, params={"fields": "externalIds"}, json={"ids": ids}, timeout=5)
    body = r.json()
    assert [None if p is None else p["externalIds"].get("ArXiv") for p in body] == [
        "2304.01097",
        None,
        "2303.13375",
    ]
    too_many = requests.post(url, json={"ids": [f"CorpusId:{i}" for i in range(501)]}, timeout=5)
    assert too_many.status_code == 400
    assert (
        requests.post(url, json={"ids": [f"CorpusId:{i}" for i in range(500)]}, timeout=5).status_code == 200
    )


def test_s2_search_and_match(fake_apis: FakeApis) -> None:
    base = fake_apis.endpoints.s2 + "/graph/v1/paper/search"
    r = requests.get(
        base, params={"query": "large language models clinical knowledge", "limit": 2}, timeout=5
    ).json()
    assert r["offset"] == 0
    assert r["next"] == 2
    assert [p["title"] for p in r["data"]][:1] == ["Large language models encode clinical knowledge"]
    assert requests.get(base, params={"query": "zzqx nothing"}, timeout=5).json() == {"total": 0, "offset": 0}
    match = requests.get(
        base + "/match", params={"query": "Capabilities of GPT-4 on medical challenge problems"}, timeout=5
    )
    data = match.json()["data"][0]
    assert data["title"] == "Capabilities of GPT-4 on Medical Challenge Problems"
    assert isinstance(data["matchScore"], float)
    miss = requests.get(base + "/match", params={"query": "askldjrq3rjaw938h"}, timeout=5)
    assert (miss.status_code, miss.json()) == (404, {"error": "Title match not found"})


def test_openalex_singletons_filters_and_merged(fake_apis: FakeApis) -> None:
    base = fake_apis.endpoints.openalex
    for form in [
        "W4384071683",
        "doi:10.1038/s41586-023-06291-2",
        "https://doi.org/10.1038/s41586-023-06291-2",
        "pmid:37438534",
    ]:
        r = requests.get(f"{base}/works/{form}", timeout=5)
        assert r.status_code == 200, form
        work = r.json()
        assert work["id"] == "https://openalex.org/W4384071683"
        assert work["cited_by_count"] == 2012  # OpenAlex's own count (S2 says 2303)
    merged = requests.get(f"{base}/works/W4385000001", allow_redirects=False, timeout=5)
    assert merged.status_code == 301
    assert merged.headers["Location"] == f"{base}/works/W4384071683"
    preprint = requests.get(
        f"{base}/works/doi:10.48550/arxiv.1901.08746", params={"select": "id,type"}, timeout=5
    )
    assert preprint.json() == {"id": "https://openalex.org/W2911489562", "type": "preprint"}
    listed = requests.get(
        f"{base}/works",
        params={
            "filter": "doi:10.1093/bioinformatics/btz682|10.48550/arxiv.2304.01097|10.1/none",
            "select": "id",
        },
        timeout=5,
    ).json()
    assert listed["meta"]["count"] == 2
    assert [w["id"] for w in listed["results"]] == [
        "https://openalex.org/W2972025066",
        f"https://openalex.org/{_oa_id(fake_apis, '2304.01097')}",
    ]
    r = requests.get(f"{base}/works/doi:10.1093/bioinformatics/btz682", timeout=5).json()
    assert r["counts_by_year"] == [
        {"year": 2025, "cited_by_count": 881},
        {"year": 2024, "cited_by_count": 1203},
    ]
    assert r["abstract_inverted_index"]["Biomedical"] == [0]
    assert requests.get(f"{base}/works/W1", timeout=5).status_code == 404


def _oa_id(apis: FakeApis, arxiv_id: str) -> str:
    work = apis.catalog.find("openalex", "arxiv", arxiv_id)
    assert work is not None
    return work.openalex_id


def test_crossref_single_and_query(fake_apis: FakeApis) -> None:
    base = fake_apis.endpoints.crossref
    r = requests.get(
        f"{base}/works/10.1038/S41586-023-06291-2", params={"mailto": "me@example.org"}, timeout=5
    )
    assert r.status_code == 200
    assert r.headers["x-rate-limit-limit"] == "10"
    assert r.headers["x-rate-limit-interval"] == "1s"
    body = r.json()
    assert (body["status"], body["message-type"]) == ("ok", "work")
    assert body["message"]["title"] == ["Large language models encode clinical knowledge"]
    assert body["message"]["is-referenced-by-count"] == 2303
    assert body["message"]["author"][0] == {
        "given": "Karan",
        "family": "Singhal",
        "sequence": "first",
        "affiliation": [],
        "role": [{"role": "author", "vocabulary": "crossref"}],
    }
    for datacite in ("10.48550/arxiv.2303.13375", "10.48550/arxiv.1901.08746"):
        missing = requests.get(f"{base}/works/{datacite}", timeout=5)
        assert (missing.status_code, missing.text) == (404, "Resource not found.")
    q = requests.get(
        f"{base}/works",
        params={
            "query.bibliographic": "BioBERT pre-trained biomedical language representation model",
            "rows": 2,
        },
        timeout=5,
    ).json()["message"]
    assert [i["DOI"] for i in q["items"]] == [
        "10.1093/bioinformatics/btz682",
        "10.5555/decoy.biobert.revisited",
    ]
    assert q["items-per-page"] == 2


def test_github_repo_case_insensitive_etag_renamed_and_missing(fake_apis: FakeApis) -> None:
    base = fake_apis.endpoints.github
    r = requests.get(f"{base}/repos/XIONGHONGLIN/doctorglm", timeout=5)
    assert r.status_code == 200
    repo = r.json()
    assert (repo["full_name"], repo["stargazers_count"], repo["forks_count"]) == (
        "xionghonglin/DoctorGLM",
        760,
        91,
    )
    assert repo["license"]["spdx_id"] == "Apache-2.0"
    assert r.headers["x-ratelimit-limit"] == "60"
    etag = r.headers["ETag"]
    again = requests.get(f"{base}/repos/xionghonglin/DoctorGLM", headers={"If-None-Match": etag}, timeout=5)
    assert (again.status_code, again.content, again.headers["ETag"]) == (304, b"", etag)
    moved = requests.get(f"{base}/repos/UCSD-AI4H/COVID-Dialogue", allow_redirects=False, timeout=5)
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"{base}/repositories/252009117"
    followed = requests.get(f"{base}/repos/UCSD-AI4H/COVID-Dialogue", timeout=5).json()
    assert followed["full_name"] == "UCSD-AI4H/Medical-Dialogue-System"
    assert requests.get(f"{base}/repos/tatsu-lab/stanford", timeout=5).status_code == 404
    assert requests.get(f"{base}/repos/yhydhx/ChatGPT-API", timeout=5).status_code == 451
    assert requests.get(f"{base}/repos/nobody/nothing", timeout=5).json()["message"] == "Not Found"


def test_github_readme_and_contents_serve_upstream_lists(fake_apis: FakeApis, catalog_path) -> None:  # type: ignore[no-untyped-def]
    base = fake_apis.endpoints.github + "/repos/AI-in-Health/MedLLMsPracticalGuide"
    expected = (catalog_path.parent / "lists" / "medllms-practical-guide-2023.md").read_bytes()
    readme = requests.get(base + "/readme", timeout=5)
    assert readme.json()["encoding"] == "base64"
    assert base64.b64decode(readme.json()["content"]) == expected
    raw = requests.get(
        base + "/contents/README.md", headers={"Accept": "application/vnd.github.raw"}, timeout=5
    )
    assert raw.content == expected
    cached = requests.get(
        base + "/contents/README.md", headers={"If-None-Match": readme.headers["ETag"]}, timeout=5
    )
    assert cached.status_code == 304
    assert requests.get(base + "/contents/NOPE.md", timeout=5).status_code == 404


def test_github_graphql_aliases_errors_and_auth(fake_apis: FakeApis) -> None:
    url = fake_apis.endpoints.github + "/graphql"
    query = """query {
      r0: repository(owner: "FreedomIntelligence", name: "HuatuoGPT") { nameWithOwner stargazerCount isArchived licenseInfo { spdxId } }
      r1: repository(owner: "tatsu-lab", name: "stanford") { stargazerCount }
      r2: repository(owner: "UCSD-AI4H", name: "COVID-Dialogue") { nameWithOwner }
      rateLimit { cost remaining resetAt }
    }"""
    assert requests.post(url, json={"query": query}, timeout=5).status_code == 401
    r = requests.post(url, json={"query": query}, headers={"Authorization": "bearer test"}, timeout=5)
    assert r.status_code == 200
    body = r.json()
    assert body["data"]["r0"] == {
        "nameWithOwner": "FreedomIntelligence/HuatuoGPT",
        "stargazerCount": 1290,
        "isArchived": False,
        "licenseInfo": {"spdxId": "Apache-2.0"},
    }
    assert body["data"]["r1"] is None
    assert body["data"]["r2"] == {"nameWithOwner": "UCSD-AI4H/Medical-Dialogue-System"}
    assert body["data"]["rateLimit"]["cost"] == 1
    assert body["errors"] == [
        {
            "type": "NOT_FOUND",
            "path": ["r1"],
            "locations": [{"line": 3, "column": 7}],
            "message": "Could not resolve to a Repository with the name 'tatsu-lab/stanford'.",
        }
    ]


def test_hf_models_datasets_spaces_redirect_and_missing(fake_apis: FakeApis) -> None:
    base = fake_apis.endpoints.hf + "/api"
    model = requests.get(f"{base}/models/emilyalsentzer/Bio_ClinicalBERT", timeout=5)
    assert (model.json()["likes"], model.json()["downloads"]) == (370, 2450000)
    assert model.headers["RateLimit"] == '"api";r=500;t=300'
    assert model.headers["RateLimit-Policy"] == '"fixed window";"api";q=500;w=300'
    assert (
        requests.get(f"{base}/datasets/medalpaca/medical_meadow_wikidoc", timeout=5).json()["downloads"]
        == 1800
    )
    assert requests.get(f"{base}/spaces/allen-eric/radiology-gpt", timeout=5).json()["likes"] == 12
    moved = requests.get(f"{base}/models/stanford-crfm/pubmedgpt", allow_redirects=False, timeout=5)
    assert (moved.status_code, moved.headers["Location"]) == (307, "/hf/api/models/stanford-crfm/BioMedLM")
    assert (
        requests.get(f"{base}/models/stanford-crfm/pubmedgpt", timeout=5).json()["id"]
        == "stanford-crfm/BioMedLM"
    )
    anon = requests.get(f"{base}/models/EMBO/BioMegatron345mUncased", timeout=5)
    assert (anon.status_code, anon.headers["X-Error-Code"]) == (401, "RepoNotFound")
    authed = requests.get(
        f"{base}/models/EMBO/BioMegatron345mUncased", headers={"Authorization": "Bearer hf_x"}, timeout=5
    )
    assert authed.status_code == 404
    # a model id is not a dataset id
    assert requests.get(f"{base}/datasets/emilyalsentzer/Bio_ClinicalBERT", timeout=5).status_code == 401


def test_openalex_id_filters_answer_exactly_what_a_scan_of_the_catalog_keeps(fake_apis: FakeApis) -> None:
    """The OR-filter goes through an index (no scan per request); every id kind, in every accepted
    form, combined with another filter, must keep the same works in the same (catalog) order."""
    from fakeapis.apis.openalex import _matches

    ctx_works = [w for w in fake_apis.catalog.works_in("openalex") if not w.merged_into]
    values: dict[str, list[str]] = {"doi": [], "openalex": [], "ids.pmid": [], "pmcid": [], "mag": []}
    for w in ctx_works:
        values["doi"] += [v for v in (w.doi and f"https://doi.org/{w.doi.upper()}", w.arxiv_doi) if v]
        values["openalex"].append(f"https://openalex.org/{w.openalex_id.lower()}")
        values["ids.pmid"] += [w.pmid] if w.pmid else []
        values["pmcid"] += [w.pmcid.removeprefix("PMC")] if w.pmcid else []
        values["mag"] += [w.mag_id] if w.mag_id else []
    checked = 0
    for key, vals in values.items():
        for chosen in (vals[:3], vals[1::2][:5], ["10.1/none"]):
            if not chosen:
                continue
            for extra in ("", ",has_abstract:true"):
                expected = [
                    w.openalex_id
                    for w in ctx_works
                    if _matches(None, w, key, chosen)  # type: ignore[arg-type]
                    and (not extra or w.abstract is not None)
                ]
                got = requests.get(
                    f"{fake_apis.endpoints.openalex}/works",
                    params={"filter": f"{key}:{'|'.join(chosen)}{extra}", "select": "id", "per_page": 100},
                    timeout=5,
                ).json()["results"]
                assert [r["id"].rsplit("/", 1)[1] for r in got] == expected, (key, chosen, extra)
                checked += bool(expected)
    assert checked >= 10
