"""Every recorded arXiv / Semantic Scholar / OpenAlex / Crossref response, parsed with exact values.

Bodies are parsed by the pure ``parse_*`` functions; error statuses go through the real client over a
replaying transport adapter, so the status mapping is tested on the real bytes too.
"""

from __future__ import annotations

import pytest

from enrich.clients.arxiv import EMPTY_REASON, ArxivClient, parse_arxiv_feed
from enrich.clients.crossref import (
    CrossrefClient,
    parse_crossref_item,
    parse_crossref_list,
    strip_jats,
)
from enrich.clients.openalex import OpenAlexClient, parse_openalex_list, parse_openalex_work
from enrich.clients.policy import RetryPolicy
from enrich.clients.s2 import (
    NULL_REASON,
    S2Client,
    parse_s2_authors,
    parse_s2_batch,
    parse_s2_paper,
    parse_s2_search,
)
from enrich.clients.state import BadBody
from enrich.errors import SourceError
from enrich.ratelimit import Pacing
from enrich.records import Author, FetchStatus, WorkRecord

from .replay import T0, ReplayAdapter, recorded, replay_session, request_target

FAST = {"pacing": Pacing(min_interval=0.0), "retry": RetryPolicy(backoff_base=0.001, backoff_max=0.002)}

# ---------------------------------------------------------------------------------------------- arXiv


def arxiv_feed(name: str) -> tuple[WorkRecord, ...]:
    return parse_arxiv_feed(recorded("arxiv", name).body, fetched_at=T0).records


def test_arxiv_single_paper() -> None:
    (r,) = arxiv_feed("id_list_1605.08386")
    assert r == WorkRecord(
        source="arxiv",
        key="1605.08386",
        status=FetchStatus.OK,
        fetched_at=T0,
        title="Heat-bath random walks with Markov bases",
        abstract=r.abstract,
        authors=(Author("Caprice Stanley"), Author("Tobias Windisch")),
        year=2016,
        publication_date="2016-05-26",
        arxiv_id="1605.08386",
        arxiv_version=1,
        work_type="preprint",
    )
    assert r.abstract is not None
    assert r.abstract.startswith("Graphs on lattice points are studied whose edges come from a finite set")
    assert "\n" not in r.abstract


def test_arxiv_many_authors_and_partial_batch() -> None:
    (r,) = arxiv_feed("id_list_1707.08567_many_authors")
    assert r.title == "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications"
    assert len(r.authors) == 34
    assert r.authors[0].name == "Kees A. Schouhamer Immink"
    assert (r.arxiv_id, r.arxiv_version, r.publication_date) == ("1707.08567", 1, "2017-07-27")
    partial = parse_arxiv_feed(recorded("arxiv", "id_list_0808.05394_1707.08567_partial").body, fetched_at=T0)
    assert partial.total_results == 1
    assert [x.arxiv_id for x in partial.records] == ["1707.08567"]


def test_arxiv_versioned_old_style_affiliation_journal_ref() -> None:
    (v,) = arxiv_feed("id_list_2104.12255v1_versioned")
    assert (v.arxiv_id, v.arxiv_version, v.title, v.authors) == (
        "2104.12255",
        1,
        "0",
        (Author("Quan Thoi Minh Nguyen"),),
    )
    (old,) = arxiv_feed("id_list_quant-ph_0201082v1")
    assert (old.arxiv_id, old.arxiv_version, old.year) == ("quant-ph/0201082", 1, 2002)
    assert (
        old.title
        == "Quantum Computers and Quantum Computer Languages: Quantum Assembly Language and Quantum C Language"
    )
    (astro,) = arxiv_feed("id_list_astro-ph_0601001_affiliation_journalref")
    assert astro.arxiv_id == "astro-ph/0601001"
    assert astro.venue == "ActaAstron.56:1-50,2006"
    assert astro.authors[0] == Author("Andrew Gould", affiliation="Ohio State")
    assert len(astro.authors) == 4


def test_arxiv_empty_and_error_feeds() -> None:
    for name in ("id_list_0000.0000_empty_feed", "id_list_0808.05394_empty_feed"):
        feed = parse_arxiv_feed(recorded("arxiv", name).body, fetched_at=T0)
        assert (feed.records, feed.total_results, feed.error) == ((), 0, None)
    error = parse_arxiv_feed(recorded("arxiv", "id_list_abc_400_error_feed").body, fetched_at=T0)
    assert error.records == ()
    assert error.error == "incorrect id format for abc"


def test_arxiv_search_pages() -> None:
    first = parse_arxiv_feed(recorded("arxiv", "search_query_testing_start0_max10").body, fetched_at=T0)
    assert first.total_results == 214881
    assert len(first.records) == 10
    top = first.records[0]
    assert (top.arxiv_id, top.arxiv_version, top.doi) == ("2202.12139", 1, "10.1109/icstw55395.2022.00035")
    assert (
        top.title == "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques"
    )
    second = parse_arxiv_feed(recorded("arxiv", "search_query_testing_start10_max10").body, fetched_at=T0)
    assert [r.arxiv_id for r in second.records[:2]] == ["2403.16981", "2004.03322"]
    legacy0 = parse_arxiv_feed(
        recorded("arxiv", "legacy2017_search_query_deep_dream_start0_max10").body, fetched_at=T0
    )
    legacy1 = parse_arxiv_feed(
        recorded("arxiv", "legacy2017_search_query_deep_dream_start1_max10").body, fetched_at=T0
    )
    assert legacy0.total_results == legacy1.total_results == 24617
    assert [r.arxiv_id for r in legacy0.records[:2]] == ["1611.09520", "1511.08339"]
    assert legacy0.records[1].doi == "10.3847/0004-637x/820/2/107"
    # start=1 shifts the page by one result
    assert [r.arxiv_id for r in legacy1.records[:1]] == ["1511.08339"]


def test_arxiv_truncated_feed_is_a_bad_body() -> None:
    body = recorded("arxiv", "id_list_1605.08386").body
    with pytest.raises(BadBody, match="malformed Atom feed"):
        parse_arxiv_feed(body[: len(body) // 2], fetched_at=T0)


def test_arxiv_client_over_recorded_400_and_empty_feeds() -> None:
    # the client POSTs id_lists (a form body: the same parameters as the recorded GETs, which the
    # API documents as equivalent), so the routes match the body
    adapter = ReplayAdapter()
    adapter.add("POST", r"id_list=abc", recorded("arxiv", "id_list_abc_400_error_feed"))
    adapter.add("POST", r"id_list=1605\.08386(&|$)", recorded("arxiv", "id_list_1605.08386"))
    # 0808.05394 itself is malformed (5 digits before 2015) and never sent; its real empty feed
    # stands in for arXiv's anomalous empty answer to a valid id
    adapter.add("POST", r"id_list=1501\.00001(&|$)", recorded("arxiv", "id_list_0808.05394_empty_feed"))
    # a batch that fails as a whole (arXiv answers 400 to the whole id_list) is split in halves
    adapter.add("POST", r"id_list=1605\.08386%2C1501\.00001", recorded("arxiv", "id_list_abc_400_error_feed"))
    client = ArxivClient("https://export.arxiv.org", replay_session(adapter), **FAST)
    good, empty, malformed = client.fetch(["1605.08386", "1501.00001", "0808.05394"])
    assert (good.status, good.title) == (FetchStatus.OK, "Heat-bath random walks with Markov bases")
    # the lone empty answer is suspect, not proof: missing at once (the run decides with earlier evidence)
    assert (empty.status, empty.reason) == (FetchStatus.MISSING, EMPTY_REASON)
    assert empty.key == "1501.00001"
    assert (malformed.status, malformed.reason) == (FetchStatus.ERROR, "malformed arXiv id: not sent")
    # not retried blindly (five backed-off retries cost a clean night ~28 s per empty chunk)
    empty_requests = [r for r in adapter.sent if "id_list=1501.00001&" in request_target(r)]
    assert len(empty_requests) == 1
    assert len(adapter.sent) == 1 + 1 + 1  # whole batch (400), then each half
    # the server's 400 for a malformed id is an error with arXiv's own message (validation skips 'abc')
    (bad,) = client.fetch(["abc"])
    assert (bad.status, bad.reason) == (FetchStatus.ERROR, "malformed arXiv id: not sent")
    assert client._get_feed.__func__  # the package client is routed through our loop
    with pytest.raises(SourceError, match="incorrect id format for abc"):
        client._get_feed("https://export.arxiv.org/api/query?id_list=abc&max_results=1", first_page=True)


# ------------------------------------------------------------------------------------ Semantic Scholar


def test_s2_batch_with_null_entry() -> None:
    rec = recorded("semanticscholar", "paper_batch_many_fields_with_null_entry")
    keys = ["CorpusId:211530585", "CorpusId:470667", "DOI:10.2139/ssrn.2250500", "0f40b1f0"]
    records = parse_s2_batch(rec.json(), keys, fetched_at=T0)
    # a null is not proof the paper is gone: missing (the run decides with earlier evidence)
    assert [r.status for r in records] == [FetchStatus.MISSING, *[FetchStatus.OK] * 3]
    assert records[0].reason == NULL_REASON
    assert [r.key for r in records] == keys
    did = records[1]
    assert did.title == "How Much Should We Trust Differences-in-Differences Estimates?"
    assert did.authors == (
        Author("Marianne Bertrand", s2_author_id="81141608"),
        Author("E. Duflo", s2_author_id="2259683"),
        Author("S. Mullainathan", s2_author_id="2062143"),
    )
    assert (did.year, did.publication_date, did.doi, did.corpus_id) == (
        2001,
        "2001-10-01",
        "10.2139/ssrn.288970",
        470667,
    )
    assert (did.citation_count, did.influential_citation_count, did.reference_count) == (10670, 578, 30)
    assert did.venue == "Experimental & Empirical Studies eJournal"  # venue "" -> journal name
    assert did.work_type == "Review"
    assert did.s2_paper_id == "c31c87c591a25c64fbaa82e8ac6a81831b6ac7ce"
    assert (records[3].publication_date, records[3].venue, records[3].citation_count) == (None, None, 0)


def test_s2_single_papers() -> None:
    full = parse_s2_paper(
        recorded("semanticscholar", "paper_by_doi_full_fields_citationStyles").json(), key="k", fetched_at=T0
    )
    assert full.title == "Augmenting large language models with chemistry tools"
    assert (full.arxiv_id, full.doi, full.pmid, full.pmcid) == (
        "2304.05376",
        "10.1038/s42256-024-00832-8",
        "38799228",
        "PMC11116106",
    )
    assert (full.corpus_id, full.citation_count, full.influential_citation_count) == (258059792, 500, 20)
    assert (full.venue, full.year, full.publication_date) == ("Nat. Mac. Intell.", 2023, "2023-04-11")
    assert len(full.authors) == 6
    assert full.authors[0] == Author("Andrés M Bran", s2_author_id="2216007369")
    empty = parse_s2_paper(
        recorded("semanticscholar", "paper_by_doi_empty_authors_null_oa_status").json(),
        key="k",
        fetched_at=T0,
    )
    assert (empty.title, empty.authors, empty.venue) == (
        "Convalescent-anti-sars-cov-2-plasma/immune-globulin",
        (),
        "Reactions weekly",
    )
    title_only = parse_s2_paper(
        recorded("semanticscholar", "paper_by_doi_fields_title").json(), key="k", fetched_at=T0
    )
    assert (title_only.title, title_only.s2_paper_id, title_only.authors, title_only.year) == (
        "Computing Machinery and Intelligence",
        "2d5673caa9e6af3a7b82a43f19ee920992db07ad",
        (),
        None,
    )


def test_s2_search_and_match() -> None:
    turing = parse_s2_search(
        recorded("semanticscholar", "paper_search_turing_offset0_limit100").json(), fetched_at=T0
    )
    assert len(turing) == 100
    assert turing[0].title == (
        "Using DeepSpeed and Megatron to Train Megatron-Turing NLG 530B, A Large-Scale Generative Language Model"
    )
    assert turing[0].key == "7cbc2a7843411a1768ab762930707af0a3c33a19"
    assert parse_s2_search(recorded("semanticscholar", "paper_search_no_results").json(), fetched_at=T0) == []
    bulk = parse_s2_search(
        recorded("semanticscholar", "paper_search_bulk_sorted_last_page").json(), fetched_at=T0
    )
    assert len(bulk) == 27
    assert (bulk[0].key, bulk[0].citation_count, bulk[0].title) == (
        "048f5933dc36b0b9125a11bad24c6826226ec383",
        0,
        None,
    )
    (match,) = parse_s2_search(
        recorded("semanticscholar", "paper_search_match_fields_title").json(), fetched_at=T0
    )
    assert (match.title, match.score) == (
        "Mining association rules between sets of items in large databases",
        109.55098,
    )
    (full,) = parse_s2_search(
        recorded("semanticscholar", "paper_search_match_full_fields").json(), fetched_at=T0
    )
    assert (full.doi, full.score, full.venue, full.corpus_id) == (
        "10.1063/1.4938384",
        210.5452,
        "Journal of Applied Physics",
        124514389,
    )


def test_s2_authors() -> None:
    (one,) = parse_s2_authors([recorded("semanticscholar", "author_by_id_fields_name").json()])
    assert one == Author("A. Turing", s2_author_id="2262347")
    batch = parse_s2_authors(recorded("semanticscholar", "author_batch_with_null_entry").json())
    assert batch == [
        None,
        Author("E. Dijkstra", s2_author_id="3234559"),
        Author("D. Parnas", s2_author_id="1726629"),
        Author("I. Sommerville", s2_author_id="1711844"),
    ]


def test_s2_client_over_recorded_errors() -> None:
    adapter = ReplayAdapter()
    adapter.add(
        "GET",
        r"/search/match\?query=askldjrq3rjaw938h",
        recorded("semanticscholar", "paper_search_match_404_title_match_not_found"),
    )
    adapter.add("GET", r"/search/match", recorded("semanticscholar", "paper_search_match_full_fields"))
    adapter.add("POST", r"/paper/batch", recorded("semanticscholar", "paper_batch_403_forbidden"))
    client = S2Client("https://api.semanticscholar.org", replay_session(adapter), **FAST)
    assert client.match_title("askldjrq3rjaw938h") is None
    hit = client.match_title("Effect of native oxide layers on copper thin-film tensile properties: A study")
    assert hit is not None
    assert hit.s2_paper_id == "4187800ac995ae172c88b83f8c2c4da990d02934"
    forbidden = client.get_papers(["CorpusId:470667", "DOI:10.2139/ssrn.2250500"])
    assert [(r.status, r.reason) for r in forbidden] == [(FetchStatus.ERROR, "HTTP 403: Forbidden")] * 2
    assert client.stats.not_found == 1
    # the recorded 400 and 404 bodies' messages are what the client reports
    from enrich.clients.s2 import _error_message

    assert _error_message(recorded("semanticscholar", "paper_400_unrecognized_fields").body.decode()) == (
        "Unrecognized or unsupported fields: [unknown]"
    )
    assert _error_message(recorded("semanticscholar", "paper_by_doi_404_not_found").body.decode()) == (
        "Paper with id DOI:10.1101/2024.04.01.587366 not found"
    )


# -------------------------------------------------------------------------------------------- OpenAlex


def test_openalex_work_with_abstract_and_counts() -> None:
    w = parse_openalex_work(
        recorded("openalex", "work_by_doi_url_abstract_inverted_index").json(), key="doi:x", fetched_at=T0
    )
    assert w.title == (
        "Developing functional musculoskeletal tissues through hypoxia and lysyl oxidase-induced collagen cross-linking"
    )
    assert (w.openalex_id, w.doi, w.pmid, w.pmcid) == (
        "W2109415576",
        "10.1073/pnas.1414271111",
        "25349395",
        "PMC4234579",
    )
    assert (w.year, w.publication_date, w.citation_count, w.work_type) == (2014, "2014-10-27", 138, "article")
    assert w.venue == "Proceedings of the National Academy of Sciences"
    assert w.counts_by_year[:3] == ((2014, 1), (2015, 4), (2016, 12))
    assert len(w.counts_by_year) == 12
    assert w.authors[0] == Author("Eleftherios Makris", orcid="0000-0003-4136-4620")
    assert w.authors[-1] == Author(
        "Kyriacos A. Athanasiou", orcid="0000-0001-5387-8405", affiliation="University of California, Davis"
    )
    assert w.abstract is not None
    assert w.abstract.startswith("Significance The inadequate mechanical properties of engineered tissues")
    assert w.abstract.endswith("and are clinically applicable.")


def test_openalex_other_works() -> None:
    saved = parse_openalex_work(
        recorded("openalex", "work_W2741809807_saved_output").json(), key="W", fetched_at=T0
    )
    assert (saved.openalex_id, saved.doi, saved.pmcid, saved.citation_count, saved.venue) == (
        "W2741809807",
        "10.7717/peerj.4375",
        "PMC5815332",
        962,
        "PeerJ",
    )
    assert len(saved.authors) == 9
    paratext = parse_openalex_work(
        recorded("openalex", "work_W4234567890_paratext_null_title").json(), key="W", fetched_at=T0
    )
    assert (paratext.title, paratext.work_type, paratext.abstract) == (None, "paratext", None)
    assert paratext.authors == (
        Author("Bakhtiyor Rasulev", affiliation="North Dakota State University; Dakota State University"),
    )
    nullabs = parse_openalex_work(
        recorded("openalex", "work_by_doi_url_null_abstract_inverted_index").json(), key="k", fetched_at=T0
    )
    assert (nullabs.abstract, nullabs.doi, nullabs.counts_by_year) == (
        None,
        "10.1016/j.xgen.2025.100814",
        ((2025, 3),),
    )
    review = parse_openalex_work(
        recorded("openalex", "work_by_doi_url_type_review").json(), key="k", fetched_at=T0
    )
    assert (review.work_type, review.citation_count, review.openalex_id) == ("review", 750, "W2033425827")
    selected = parse_openalex_work(
        recorded("openalex", "work_by_doi_url_select_open_access_doi").json(), key="k", fetched_at=T0
    )
    assert (selected.doi, selected.title, selected.openalex_id) == ("10.1021/acs.jctc.5b00178", None, None)


def test_openalex_lists() -> None:
    first = parse_openalex_list(
        recorded("openalex", "works_filter_openalex_ids_cursor_first_page").json(), fetched_at=T0
    )
    assert [(r.key, r.doi, r.arxiv_id) for r in first] == [
        ("W3046863325", "10.1145/3383583.3398584", None),
        ("W3045921891", None, "2007.14454"),  # the arXiv DataCite DOI becomes the arXiv id
    ]
    assert first[1].venue == "arXiv (Cornell University)"
    assert (
        parse_openalex_list(
            recorded("openalex", "works_filter_openalex_ids_cursor_last_page_empty").json(), fetched_at=T0
        )
        == []
    )
    (ids_only,) = parse_openalex_list(
        recorded("openalex", "works_filter_select_ids_per_page1_cost_usd").json(), fetched_at=T0
    )
    assert (ids_only.doi, ids_only.pmid, ids_only.title) == ("10.1038/35002501", "10706275", None)
    search = parse_openalex_list(
        recorded("openalex", "works_filter_title_search_2_results").json(), fetched_at=T0
    )
    assert [(r.openalex_id, r.work_type, r.score) for r in search] == [
        ("W4396723768", "article", 1878.3909),
        ("W4365597205", "preprint", 1262.3989),
    ]
    assert search[1].arxiv_id == "2304.05376"
    # a group_by answer has no results: nothing to parse, not an error
    assert parse_openalex_list(recorded("openalex", "works_group_by_type").json(), fetched_at=T0) == []


def test_openalex_client_over_recorded_errors() -> None:
    adapter = ReplayAdapter()
    adapter.add("GET", r"/works/doi:10\.1046", recorded("openalex", "work_by_doi_url_404_not_found"))
    adapter.add("GET", r"/works\?filter=", recorded("openalex", "works_400_invalid_filter_field"))
    adapter.add("GET", r"/works/W1775749144", recorded("openalex", "work_400_invalid_select_field"))
    adapter.add("GET", r"/works/doi:10\.1073", recorded("openalex", "rate_limit_401_invalid_api_key"))
    client = OpenAlexClient("https://api.openalex.org", replay_session(adapter), **FAST)
    gone, bad_select, bad_key = client.get_works(
        ["doi:10.1046/j.1365-2699.2003.00795", "W1775749144", "doi:10.1073/pnas.1414271111"]
    )
    # the OR-list got 400 (split, still 400), then each miss went singleton: 404 -> not_found
    assert (gone.status, gone.key) == (FetchStatus.NOT_FOUND, "doi:10.1046/j.1365-2699.2003.00795")
    assert (bad_select.status, bad_select.reason) == (FetchStatus.ERROR, "HTTP 400")
    assert (bad_key.status, bad_key.reason) == (FetchStatus.ERROR, "HTTP 401")
    assert client.stats.not_found == 1


# -------------------------------------------------------------------------------------------- Crossref


def test_crossref_works() -> None:
    posted = parse_crossref_item(
        recorded("crossref", "work_by_doi_10.1101_2024.04.01.587366_posted_content").json(),
        key="k",
        fetched_at=T0,
    )
    assert (posted.doi, posted.work_type, posted.venue, posted.publication_date) == (
        "10.1101/2024.04.01.587366",
        "posted-content",
        "bioRxiv",
        "2024-04-01",
    )
    assert posted.abstract is not None
    assert posted.abstract.startswith(
        "Understanding the effects of rare genetic variants remains challenging"
    )
    assert "<" not in posted.abstract and "ABSTRACT" not in posted.abstract
    assert (posted.citation_count, posted.reference_count) == (2, 50)
    assert posted.authors[0] == Author("Michael Herger")
    assert posted.authors[-1] == Author("Gregory M. Findlay", orcid="0000-0002-7767-8608")
    plos = parse_crossref_item(
        recorded("crossref", "work_by_doi_10.1371_journal.pone.0033693").json(), key="k", fetched_at=T0
    )
    assert plos.title == (
        "Methylphenidate Exposure Induces Dopamine Neuron Loss and Activation of Microglia in the Basal Ganglia of Mice"
    )
    assert (plos.venue, plos.citation_count, plos.reference_count, plos.year, plos.abstract) == (
        "PLoS ONE",
        72,
        70,
        2012,
        None,
    )
    assert plos.authors[:2] == (Author("Shankar Sadasivan"), Author("Brooks B. Pond"))
    proc = parse_crossref_item(
        recorded("crossref", "work_by_doi_10.1109_icdcsw.2003.1203662_proceedings").json(),
        key="k",
        fetched_at=T0,
    )
    assert (proc.work_type, proc.publication_date, proc.authors) == (
        "proceedings-article",
        "2004-06-22",
        (Author("V. Arya"), Author("T. Turletti")),
    )
    sparse = parse_crossref_item(
        recorded("crossref", "work_by_doi_10.3892_ijo_00000353_sparse").json(), key="k", fetched_at=T0
    )
    assert sparse.authors == (Author("Stravopodis"),)  # family name only
    assert (sparse.venue, sparse.year) == ("International Journal of Oncology", 2009)


def test_crossref_queries() -> None:
    (shaw,) = parse_crossref_list(
        recorded("crossref", "works_query_title_author_rows1").json(), fetched_at=T0
    )
    assert (shaw.key, shaw.title, shaw.publication_date, shaw.citation_count, shaw.score) == (
        "10.18653/v1/n18-2074",
        "Self-Attention with Relative Position Representations",
        "2018",
        1197,
        53.94458,
    )
    assert [a.name for a in shaw.authors] == ["Peter Shaw", "Jakob Uszkoreit", "Ashish Vaswani"]
    (oxide,) = parse_crossref_list(recorded("crossref", "works_query_title_rows1").json(), fetched_at=T0)
    assert (oxide.doi, oxide.citation_count, oxide.reference_count) == ("10.1063/1.4938384", 9, 57)
    assert (
        parse_crossref_list(recorded("crossref", "works_query_title_no_results").json(), fetched_at=T0) == []
    )
    eco = parse_crossref_list(recorded("crossref", "works_query_ecology_rows2").json(), fetched_at=T0)
    assert [(r.title, r.work_type) for r in eco] == [
        ("Communicating Ecology", "reference-entry"),
        ("Chemical Ecology", "reference-entry"),
    ]
    select = parse_crossref_list(
        recorded("crossref", "works_query_ecology_select_DOI_title").json(), fetched_at=T0
    )
    assert len(select) == 20
    assert (select[1].doi, select[1].title, select[1].year) == (
        "10.1093/obo/9780199830060-0202",
        "Ecosystem Ecology",
        None,
    )
    widget = parse_crossref_list(recorded("crossref", "works_query_widget_cursor_star").json(), fetched_at=T0)
    assert (len(widget), widget[0].title, widget[0].work_type) == (
        20,
        "Widget Mania: Using a GUI Widget Framework",
        "book-chapter",
    )
    sample = parse_crossref_list(recorded("crossref", "works_sample2").json(), fetched_at=T0)
    assert [(r.doi, r.title) for r in sample] == [
        ("10.3917/mult.095.0001", "Icônes"),
        ("10.7752/jpes.2018.03256", None),
    ]


def test_strip_jats_keeps_inline_text() -> None:
    assert strip_jats("<jats:p>a &amp; b<jats:sup>2</jats:sup></jats:p>") == "a & b2"
    assert strip_jats(None) is None


def test_crossref_client_over_recorded_errors() -> None:
    adapter = ReplayAdapter()
    adapter.add(
        "GET",
        r"/works/10\.1101%2F2024|/works/10\.1101/2024",
        recorded("crossref", "work_by_doi_404_resource_not_found"),
    )
    adapter.add("GET", r"/works/10\.1371", recorded("crossref", "work_by_doi_10.1371_journal.pone.0033693"))
    adapter.add("GET", r"/works/10\.9999", recorded("crossref", "work_by_doi_400_field_query_not_allowed"))
    # a DOI list the API refuses (a recorded 400 validation failure) is halved down to single look-ups
    adapter.add("GET", r"/works\?filter=doi", recorded("crossref", "work_by_doi_400_field_query_not_allowed"))
    adapter.add("GET", r"/works\?", recorded("crossref", "works_cursor_invalid_404"))
    client = CrossrefClient(
        "https://api.crossref.org", replay_session(adapter), mailto="team@example.org", **FAST
    )
    missing, plos, bad = client.get_works(
        ["10.1101/2024.04.01.587366", "https://doi.org/10.1371/journal.pone.0033693", "10.9999/x"]
    )
    lists = [r.url or "" for r in adapter.sent if "filter=doi" in (r.url or "")]
    assert [u.count("doi%3A") for u in lists] == [3, 2]  # 3 DOIs, then the list of 2; lone DOIs go single
    assert missing.status == FetchStatus.NOT_FOUND
    assert (plos.status, plos.key, plos.citation_count) == (
        FetchStatus.OK,
        "https://doi.org/10.1371/journal.pone.0033693",
        72,
    )
    assert (bad.status, bad.reason) == (FetchStatus.ERROR, "HTTP 400")
    with pytest.raises(SourceError) as err:
        client.query_bibliographic("anything")
    assert err.value.status == 404
    assert all("mailto=team%40example.org" in (r.url or "") for r in adapter.sent)
