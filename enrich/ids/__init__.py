"""Identifiers read off list entries: recognised, validated and normalised.

Every function here is pure, never raises on arbitrary text (it returns ``None`` instead; only
:func:`arxiv_datacite_doi` raises, for a non-arXiv id), is idempotent on its own output, and never fetches anything: lists are untrusted, so their URLs are
only *read*. Regexes are compiled once at import.

Normalised forms (what the rest of the pipeline stores and joins on):

========== ============================================ =========================================
kind       form                                         examples of accepted input
========== ============================================ =========================================
arXiv      ``2106.09685`` + version ``2`` (or ``None``) ``arxiv.org/abs|pdf|html/...``, ``arXiv:``,
           old style ``hep-th/9901001`` (subject class  bare ids; ``math.CA/0611800`` becomes
           dropped)                                     ``math/0611800``
DOI        ``10.1038/s41586-023-06291-2`` (lower case)  ``doi.org``/``dx.doi.org`` URLs, ``doi:``,
                                                        publisher URLs (:func:`doi_from_url`)
PMCID      ``PMC10020064``                              ``ncbi.nlm.nih.gov/pmc/articles/PMC...``
PMID       ``37438534``                                 ``pubmed.ncbi.nlm.nih.gov/37438534``
ACL        ``2022.bionlp-1.9`` / ``P18-1001``           ``aclanthology.org``, ``aclweb.org/anthology``
GitHub     ``owner/repo`` lower-cased                   repo URLs (``.git``, ``/tree/..`` stripped)
HF         ``(kind, id)``, kind model|dataset|space     ``huggingface.co/...`` and its ``api/`` paths
S2         ``CorpusId`` as an ``int``                   shields.io badges, ``api.semanticscholar.org``
========== ============================================ =========================================

The code is split by family (issue 11), every name above still importable from here:
:mod:`enrich.ids.papers` (arXiv, DOI, PubMed, ACL, S2), :mod:`enrich.ids.repos` (GitHub, Hugging
Face), :mod:`enrich.ids.title`, :mod:`enrich.ids.model` (:class:`Ids`, :class:`Lookup`) and
:mod:`enrich.ids.extract` (:func:`extract_ids`).
"""

from __future__ import annotations

from enrich.ids.extract import extract_ids
from enrich.ids.model import ENTRY_ID_COLUMNS, ID_ORDER, ID_PREFIX, WORK_ID_COLUMNS, Ids, Lookup, id_keys
from enrich.ids.papers import (
    ARXIV_DOI_PREFIX,
    arxiv_datacite_doi,
    datacite_arxiv_id,
    doi_from_url,
    normalize_acl_id,
    normalize_arxiv_id,
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
    pmcid_from,
    pmid_from,
    s2_corpus_id_from_url,
    split_doi,
)
from enrich.ids.repos import normalize_github_repo, normalize_hf_id
from enrich.ids.title import normalize_title

__all__ = [
    "ARXIV_DOI_PREFIX",
    "ENTRY_ID_COLUMNS",
    "ID_ORDER",
    "ID_PREFIX",
    "WORK_ID_COLUMNS",
    "Ids",
    "Lookup",
    "arxiv_datacite_doi",
    "datacite_arxiv_id",
    "doi_from_url",
    "extract_ids",
    "id_keys",
    "normalize_acl_id",
    "normalize_arxiv_id",
    "normalize_doi",
    "normalize_github_repo",
    "normalize_hf_id",
    "normalize_pmcid",
    "normalize_pmid",
    "normalize_title",
    "pmcid_from",
    "pmid_from",
    "s2_corpus_id_from_url",
    "split_doi",
]
