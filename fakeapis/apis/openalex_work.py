"""OpenAlex's work object (the 2026 shape) rendered from a catalog work: ids, primary location,
authorships with institutions, open access, biblio and the abstract as an inverted index."""

from __future__ import annotations

from typing import Any, Final

from fakeapis.catalog import Work, stable_int

Json = Any
ARXIV_SOURCE: Final = {
    "id": "https://openalex.org/S4306400194",
    "display_name": "arXiv (Cornell University)",
    "issn_l": None,
    "issn": None,
    "is_oa": True,
    "is_in_doaj": False,
    "is_core": False,
    "host_organization": "https://openalex.org/I205783295",
    "host_organization_name": "Cornell University",
    "host_organization_lineage": ["https://openalex.org/I205783295"],
    "host_organization_lineage_names": ["Cornell University"],
    "type": "repository",
}


def _oa(id_: str) -> str:
    return "https://openalex.org/" + id_


def _date_parts(work: Work) -> tuple[int | None, str | None]:
    date = work.publication_date
    if date and len(date) == 4:
        date = date + "-01-01"
    elif date and len(date) == 7:
        date = date + "-01"
    return work.year, date


def inverted_index(text: str | None) -> dict[str, list[int]] | None:
    if not text:
        return None
    index: dict[str, list[int]] = {}
    for position, word in enumerate(text.split()):
        index.setdefault(word, []).append(position)
    return index


def work_type(work: Work) -> str:
    """The ``type`` OpenAlex gives ``work``: its own, else a preprint without a DOI, else an article."""
    return work.work_type or ("preprint" if work.arxiv_id and not work.doi else "article")


def render_work(work: Work, relevance: float | None = None) -> dict[str, Json]:
    """OpenAlex's full work object for ``work`` (the 2026 shape)."""
    year, date = _date_parts(work)
    doi = work.doi or work.arxiv_doi
    doi_url = f"https://doi.org/{doi}" if doi else None
    preprint_only = bool(work.arxiv_id and not work.doi)
    if preprint_only:
        source: dict[str, Json] | None = dict(ARXIV_SOURCE)
    elif work.venue:
        sid = stable_int("source:" + work.venue, 10)
        source = {
            "id": f"https://openalex.org/S{sid}",
            "display_name": work.venue,
            "issn_l": None,
            "issn": None,
            "is_oa": False,
            "is_in_doaj": False,
            "is_core": True,
            "host_organization": None,
            "host_organization_name": None,
            "host_organization_lineage": [],
            "host_organization_lineage_names": [],
            "type": "journal",
        }
    else:
        source = None
    is_oa = bool(work.arxiv_id)
    landing = f"https://arxiv.org/abs/{work.arxiv_id}" if preprint_only else doi_url
    location = {
        "id": f"doi:{doi}" if doi else f"mag:{work.openalex_id[1:]}",
        "is_oa": is_oa,
        "landing_page_url": landing,
        "pdf_url": f"https://arxiv.org/pdf/{work.arxiv_id}" if preprint_only else None,
        "source": source,
        "license": None,
        "license_id": None,
        "version": "submittedVersion" if preprint_only else "publishedVersion",
        "is_accepted": not preprint_only,
        "is_published": not preprint_only,
        "raw_source_name": source["display_name"] if source else None,
        "raw_type": "posted-content" if preprint_only else "journal-article",
    }
    ids: dict[str, Json] = {"openalex": _oa(work.openalex_id)}
    if doi_url:
        ids["doi"] = doi_url
    if work.mag_id:
        ids["mag"] = work.mag_id
    if work.pmid:
        ids["pmid"] = f"https://pubmed.ncbi.nlm.nih.gov/{work.pmid}"
    if work.pmcid:
        ids["pmcid"] = f"https://www.ncbi.nlm.nih.gov/pmc/articles/{work.pmcid.upper().removeprefix('PMC')}"
    authorships = []
    institutions: list[dict[str, Json]] = []
    n = len(work.authors)
    for i, a in enumerate(work.authors):
        insts = []
        if a.affiliation:
            inst = {
                "id": f"https://openalex.org/I{stable_int('inst:' + a.affiliation, 9)}",
                "display_name": a.affiliation,
                "ror": f"https://ror.org/0{stable_int('ror:' + a.affiliation, 8)}",
                "country_code": None,
                "type": "education",
                "lineage": [f"https://openalex.org/I{stable_int('inst:' + a.affiliation, 9)}"],
            }
            insts.append(inst)
            if inst not in institutions:
                institutions.append(inst)
        authorships.append(
            {
                "author_position": "first" if i == 0 else ("last" if i == n - 1 else "middle"),
                "author": {
                    "id": _oa(str(a.openalex_author_id)),
                    "display_name": a.name,
                    "orcid": f"https://orcid.org/{a.orcid}" if a.orcid else None,
                },
                "institutions": insts,
                "countries": [],
                "is_corresponding": False,
                "raw_author_name": a.name,
                "raw_affiliation_strings": [a.affiliation] if a.affiliation else [],
                "affiliations": (
                    [{"raw_affiliation_string": a.affiliation, "institution_ids": [insts[0]["id"]]}]
                    if a.affiliation
                    else []
                ),
            }
        )
    wtype = work_type(work)
    abstract = inverted_index(work.abstract)
    counts = [{"year": y, "cited_by_count": c} for y, c in sorted(work.counts_by_year, reverse=True) if c]
    out: dict[str, Json] = {
        "id": _oa(work.openalex_id),
        "doi": doi_url,
        "title": work.title,
        "display_name": work.title,
    }
    if relevance is not None:
        out["relevance_score"] = round(relevance, 6)
    out.update(
        {
            "publication_year": year,
            "publication_date": date,
            "ids": ids,
            "language": "en",
            "primary_location": location,
            "type": wtype,
            "indexed_in": ["arxiv", "datacite"] if preprint_only else ["crossref"],
            "open_access": {
                "is_oa": is_oa,
                "oa_status": "green" if is_oa else "closed",
                "oa_url": location["pdf_url"] if is_oa else None,
                "any_repository_has_fulltext": is_oa,
            },
            "authorships": authorships,
            "institutions": [],
            "countries_distinct_count": 0,
            "institutions_distinct_count": len(institutions),
            "corresponding_author_ids": [],
            "corresponding_institution_ids": [],
            "apc_list": None,
            "apc_paid": None,
            "fwci": None,
            "has_fulltext": is_oa,
            "cited_by_count": work.citation_count,
            "citation_normalized_percentile": None,
            "cited_by_percentile_year": None,
            "biblio": {
                "volume": work.volume,
                "issue": work.issue,
                "first_page": (work.pages or "").split("-")[0].strip() or None,
                "last_page": (work.pages or "").split("-")[-1].strip() or None,
            },
            "is_retracted": False,
            "is_paratext": False,
            "is_xpac": False,
            "primary_topic": None,
            "topics": [],
            "keywords": [],
            "concepts": [],
            "mesh": [],
            "locations_count": 1,
            "locations": [location],
            "best_oa_location": location if is_oa else None,
            "sustainable_development_goals": [],
            "awards": [],
            "funders": [],
            "has_content": {"pdf": False, "grobid_xml": False},
            "content_urls": None,
            "referenced_works_count": work.reference_count,
            "referenced_works": [],
            "related_works": [],
            "abstract_inverted_index": abstract,
            "counts_by_year": counts,
            "updated_date": "2026-01-01T00:00:00.000000",
            "created_date": f"{year or 2000}-01-01",
        }
    )
    return out
