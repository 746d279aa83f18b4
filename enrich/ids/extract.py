"""Every identifier of an entry read off its URLs (:func:`extract_ids`), badges included."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final
from urllib.parse import parse_qs, unquote, urlsplit

from enrich.ids._url import _MAX_LEN, _split_url
from enrich.ids.model import Ids
from enrich.ids.papers import (
    _ACL_HOSTS,
    _ARXIV_HOSTS,
    doi_from_url,
    normalize_acl_id,
    normalize_arxiv_id,
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
    s2_corpus_id_from_url,
)
from enrich.ids.repos import _HF_HOSTS, normalize_github_repo, normalize_hf_id

# ---------------------------------------------------------------- ids from URLs

_S2_API_PATH: Final = re.compile(r"/paper/(arxiv|doi|pmid|pmcid|acl):([^?&#]+)", re.IGNORECASE)
_ARXIV_MIRRORS: Final = frozenset({"huggingface.co", "hf.co", "alphaxiv.org", "paperswithcode.com"})
_PUBMED_HOSTS: Final = frozenset(
    {"ncbi.nlm.nih.gov", "pmc.ncbi.nlm.nih.gov", "pubmed.ncbi.nlm.nih.gov", "europepmc.org"}
)
_ID_URL: Final = re.compile(r"^(?:https?://|www\.|arxiv:|doi:)", re.IGNORECASE)


def _badge_inner_url(url: str) -> str | None:
    """The ``url=`` a shields.io dynamic badge reads from (decoded), if any."""
    try:
        values = parse_qs(urlsplit(url).query).get("url")
    except ValueError:
        return None
    return values[0] if values else None


def _s2_prefixed(prefix: str, value: str) -> tuple[str, str | None]:
    """(field, normalised value) for an id in an S2 API path such as ``paper/arXiv:2106.09685``."""
    if prefix == "arxiv":
        found = normalize_arxiv_id(value)
        return "arxiv_id", found[0] if found else None
    if prefix == "doi":
        return "doi", normalize_doi(value)
    if prefix == "pmid":
        return "pmid", normalize_pmid(value)
    if prefix == "pmcid":
        return "pmcid", normalize_pmcid(value)
    return "acl_id", normalize_acl_id(value)


def extract_ids(urls: Iterable[str]) -> Ids:
    """Every identifier found in ``urls``; for each kind the first URL that carries one wins.

    Only absolute URLs (and ``arXiv:``/``doi:`` references) are read: relative links are the
    list's own files. shields.io badges are looked into: the ``url=`` of a dynamic badge (a
    Semantic Scholar ``CorpusID:``, a Hugging Face ``api/models/<id>``) and
    ``/github/stars/<owner>/<repo>``. An arXiv DataCite DOI (``10.48550/arXiv.<id>``) counts as
    the arXiv id, not as a DOI.
    """
    found: dict[str, Any] = {}

    def put(key: str, value: object) -> None:
        if value is not None and key not in found:
            found[key] = value

    queue = [u.strip() for u in urls if u and _ID_URL.match(u.strip())]
    seen: set[str] = set()
    while queue:
        url = queue.pop(0)
        if url in seen or len(url) > _MAX_LEN:
            continue
        seen.add(url)
        low = url.lower()
        if "shields.io" in low:
            put("corpus_id", s2_corpus_id_from_url(url))
            put("github_repo", normalize_github_repo(url))
            inner = _badge_inner_url(url)
            if inner and _ID_URL.match(inner):
                queue.insert(0, inner)
            continue
        if "semanticscholar.org" in low:
            put("corpus_id", s2_corpus_id_from_url(url))
            m = _S2_API_PATH.search(unquote(url))
            if m:
                put(*_s2_prefixed(m.group(1).lower(), m.group(2)))
            continue
        parts = _split_url(url)
        host = parts[0] if parts is not None else ""
        if host in _ARXIV_HOSTS or host in _ARXIV_MIRRORS or low.startswith("arxiv:"):
            arxiv = normalize_arxiv_id(url)
            if arxiv is not None:
                if "arxiv_id" not in found:
                    found["arxiv_id"], found["arxiv_version"] = arxiv
                continue
        if host in {"doi.org", "dx.doi.org"}:
            arxiv = normalize_arxiv_id(url)  # the arXiv DataCite DOI
            if arxiv is not None:
                if "arxiv_id" not in found:
                    found["arxiv_id"], found["arxiv_version"] = arxiv
                continue
        if host in {"github.com", "raw.githubusercontent.com"} or low.startswith("git@"):
            put("github_repo", normalize_github_repo(url))
            continue
        if host in _HF_HOSTS:
            hf = normalize_hf_id(url)
            if hf is not None and "hf_id" not in found:
                found["hf_kind"], found["hf_id"] = hf
            continue
        if host in _PUBMED_HOSTS:
            pmcid = normalize_pmcid(url)
            if pmcid is not None:
                put("pmcid", pmcid)
            else:
                put("pmid", normalize_pmid(url))
            continue
        if host in _ACL_HOSTS:
            put("acl_id", normalize_acl_id(url))
            continue
        put("doi", doi_from_url(url) if parts is not None else normalize_doi(url))
    return Ids(**found)
