"""One call per client against the real APIs. Deselected by default; run with network:

    uv run --frozen pytest -m live tests/clients/test_live.py

Credentials (optional) come from GITHUB_TOKEN, S2_API_KEY, OPENALEX_API_KEY, HF_TOKEN, ENRICH_MAILTO.
Only long-settled facts are asserted (titles, ids), never counts.
"""

from __future__ import annotations

import pytest

from enrich.clients import Clients
from enrich.config import Endpoints
from enrich.records import FetchStatus
from enrich.settings import Settings

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def clients() -> Clients:
    return Clients.from_config(Endpoints(), Settings().credentials(), cache_dir=None, timeout=30.0)


def test_arxiv(clients: Clients) -> None:
    (r,) = clients.arxiv.fetch(["1706.03762"])
    assert (r.status, r.title, r.arxiv_id) == (FetchStatus.OK, "Attention Is All You Need", "1706.03762")


def test_semantic_scholar(clients: Clients) -> None:
    (r,) = clients.s2.get_papers(["ARXIV:1706.03762"])
    assert (r.status, r.title) == (FetchStatus.OK, "Attention is All you Need")
    assert r.arxiv_id == "1706.03762"


def test_openalex(clients: Clients) -> None:
    (r,) = clients.openalex.get_works(["doi:10.7717/peerj.4375"])
    assert (r.status, r.openalex_id) == (FetchStatus.OK, "W2741809807")


def test_crossref(clients: Clients) -> None:
    (r,) = clients.crossref.get_works(["10.1371/journal.pone.0033693"])
    assert (r.status, r.venue) == (FetchStatus.OK, "PLoS ONE")


def test_github(clients: Clients) -> None:
    (r,) = clients.github.get_repos(["PyGithub/PyGithub"])
    assert (r.status, r.full_name, r.github_id) == (FetchStatus.OK, "PyGithub/PyGithub", 3544490)


def test_hugging_face(clients: Clients) -> None:
    (r,) = clients.hf.get_items([("model", "bert-base-uncased")])
    assert (r.status, r.moved_to) == (FetchStatus.MOVED, "google-bert/bert-base-uncased")
