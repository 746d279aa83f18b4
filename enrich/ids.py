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
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = [
    "ARXIV_DOI_PREFIX",
    "ID_ORDER",
    "ID_PREFIX",
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

_MAX_LEN: Final = 2048  # longer "identifiers" are not identifiers; bounds the regex work on junk

# ---------------------------------------------------------------- URLs


_URL_PARTS: Final = re.compile(
    r"^(?:(?:https?:)?//)?([^/?#\s]*)([^?#\s]*)(?:\?([^#\s]*))?(?:#\S*)?$", re.IGNORECASE
)
_SCHEME: Final = re.compile(r"^https?://", re.IGNORECASE)
_HOST: Final = re.compile(r"^(?:[^@]*@)?([a-z0-9.-]+)(?::\d*)?$")


@functools.lru_cache(maxsize=8192)
def _split_url(text: str) -> tuple[str, str, str] | None:
    """(host without www., path, query) of an http(s) URL or a scheme-less ``host/path``; else None.

    Cached: :func:`extract_ids` asks several normalisers about the same URL.
    """
    text = text.strip()
    if not text or len(text) > _MAX_LEN:
        return None
    if not _SCHEME.match(text) and ("/" not in text or "." not in text.split("/", 1)[0]):
        return None
    m = _URL_PARTS.match(text.replace("\\", ""))
    if m is None:
        return None
    host_m = _HOST.match(m.group(1).lower())
    if host_m is None:
        return None
    host = host_m.group(1)
    if host.startswith("www."):
        host = host[4:]
    return host, m.group(2), m.group(3) or ""


# ---------------------------------------------------------------- arXiv

_ARXIV_NEW: Final = re.compile(r"(?<![\w.])(\d{2})(\d{2})\.(\d{4,5})(?:v(\d{1,3}))?(?![\w])")
_ARXIV_OLD: Final = re.compile(
    r"(?<![\w.-])([a-z]+(?:-[a-z]+)?)(?:\.[A-Za-z]{2})?/(\d{2})(\d{2})(\d{3})(?:v(\d{1,3}))?(?![\w])"
)
_ARXIV_PREFIX: Final = re.compile(r"^\s*arxiv\s*:\s*", re.IGNORECASE)
_ARXIV_HOSTS: Final = frozenset(
    {"arxiv.org", "export.arxiv.org", "browse.arxiv.org", "ar5iv.org", "ar5iv.labs.arxiv.org"}
)
_ARXIV_MIRROR_PATH: Final = re.compile(r"^/(?:papers|abs|paper)/([^/]+)/?$")
_ARXIV_PATH: Final = re.compile(r"^/(?:abs|pdf|html|format|ps|src|ftp/arxiv/papers/\d{4}|papers)/(.+)$")
# the old-style archives (https://arxiv.org/help/arxiv_identifier): a bare "abc/1234567" matches only these
_ARXIV_ARCHIVES: Final = frozenset(
    [
        "acc-phys",
        "adap-org",
        "alg-geom",
        "ao-sci",
        "astro-ph",
        "atom-ph",
        "bayes-an",
        "chao-dyn",
        "chem-ph",
        "cmp-lg",
        "comp-gas",
        "cond-mat",
        "cs",
        "dg-ga",
        "funct-an",
        "gr-qc",
        "hep-ex",
        "hep-lat",
        "hep-ph",
        "hep-th",
        "math",
        "math-ph",
        "mtrl-th",
        "nlin",
        "nucl-ex",
        "nucl-th",
        "patt-sol",
        "physics",
        "plasm-ph",
        "q-alg",
        "q-bio",
        "quant-ph",
        "solv-int",
        "supr-con",
    ]
)


def _arxiv_match(text: str, *, whole: bool) -> tuple[str, int | None] | None:
    m = _ARXIV_NEW.fullmatch(text) if whole else _ARXIV_NEW.match(text)
    if m:
        yy, mm, num, ver = m.group(1), m.group(2), m.group(3), m.group(4)
        if not 1 <= int(mm) <= 12:
            return None
        # 4-digit numbers until 1412, 5-digit from 1501 (https://arxiv.org/help/arxiv_identifier)
        if (len(num) == 5) != (int(yy + mm) >= 1501) or int(yy) < 7:
            return None
        return f"{yy}{mm}.{num}", _version(ver)
    m = _ARXIV_OLD.fullmatch(text) if whole else _ARXIV_OLD.match(text)
    if m:
        archive, yy, mm, num, ver = m.groups()
        if archive not in _ARXIV_ARCHIVES or not 1 <= int(mm) <= 12:
            return None
        return f"{archive}/{yy}{mm}{num}", _version(ver)
    return None


def _version(ver: str | None) -> int | None:
    if ver is None:
        return None
    value = int(ver)
    return value if value >= 1 else None


def normalize_arxiv_id(text: str) -> tuple[str, int | None] | None:
    """``(id, version)`` from an arXiv URL, an ``arXiv:`` reference or a bare id; else ``None``.

    >>> normalize_arxiv_id("https://arxiv.org/pdf/2106.09685v2.pdf")
    ('2106.09685', 2)
    >>> normalize_arxiv_id("math.CA/0611800")
    ('math/0611800', None)
    """
    if not text or len(text) > _MAX_LEN:
        return None
    text = text.strip()
    bare = _arxiv_match(text, whole=True)
    if bare is not None:
        return bare
    stripped = _ARXIV_PREFIX.sub("", text, count=1)
    if stripped != text:
        return _arxiv_match(stripped.strip().removesuffix(".pdf"), whole=True)
    if "/" in text and ("." in text.split("/", 1)[0] or text.lower().startswith("http")):
        parts = _split_url(text)
        if parts is None:
            return None
        host, path, _ = parts
        if host in _ARXIV_HOSTS:
            m = _ARXIV_PATH.match(path)
            if m is None:
                return None
            rest = m.group(1).removesuffix("/").removesuffix(".pdf")
            return _arxiv_match(rest, whole=True)
        if host in {"huggingface.co", "hf.co", "alphaxiv.org", "paperswithcode.com"}:
            m2 = _ARXIV_MIRROR_PATH.match(path)
            return _arxiv_match(m2.group(1), whole=True) if m2 else None
        if host in {"doi.org", "dx.doi.org"}:
            doi = normalize_doi(text)
            if doi and doi.startswith(ARXIV_DOI_PREFIX):
                found = _arxiv_match(doi.removeprefix(ARXIV_DOI_PREFIX), whole=True)
                return (found[0], None) if found else None
        return None
    return _arxiv_match(text, whole=True)


ARXIV_DOI_PREFIX: Final = "10.48550/arxiv."
"""arXiv's DataCite DOIs, lower case: ``10.48550/arxiv.<id>`` names the arXiv paper ``<id>``."""


def arxiv_datacite_doi(arxiv_id: str) -> str:
    """The DataCite DOI arXiv registers for every paper: ``10.48550/arxiv.<id>`` (no version).

    Raises ``ValueError`` if ``arxiv_id`` is not an arXiv id.
    """
    found = normalize_arxiv_id(arxiv_id)
    if found is None:
        raise ValueError(f"not an arXiv id: {arxiv_id!r}")
    return f"{ARXIV_DOI_PREFIX}{found[0]}".lower()


# ---------------------------------------------------------------- DOI

_DOI: Final = re.compile(r"10\.\d{4,9}/[\x21-\x7e]+")
_DOI_PREFIX: Final = re.compile(
    r"^(?:doi\s*:\s*|(?:https?://)?(?:www\.|dx\.)?doi\.org/|https?://[a-z0-9.-]*\.doi\.org/)",
    re.IGNORECASE,
)
_DOI_TRAILING: Final = ".,;:'\"]>}"


def _clean_doi(text: str) -> str | None:
    text = text.strip()
    for _ in range(8):  # decode to a fixed point so that the result is idempotent
        prev = text
        text = unquote(text).strip().lower().rstrip(_DOI_TRAILING)
        while text.endswith(")") and text.count("(") < text.count(")"):
            text = text[:-1].rstrip(_DOI_TRAILING)
        if text == prev:
            break
    else:
        return None
    return text if _DOI.fullmatch(text) else None


def normalize_doi(text: str) -> str | None:
    """A lower-cased, URL-decoded DOI from a bare DOI, a ``doi:`` reference or a doi.org URL."""
    if not text or len(text) > _MAX_LEN:
        return None
    text = text.strip()
    m = _DOI_PREFIX.match(text)
    if m:
        text = text[m.end() :]
        text = text.split("#", 1)[0]
        if "?" in text:
            text = text.split("?", 1)[0]
    return _clean_doi(text)


def split_doi(raw: str | None) -> tuple[str | None, str | None]:
    """``(publisher_doi, arxiv_id)``: an arXiv DataCite DOI (``10.48550/arXiv.<id>``) becomes an arXiv id.

    The one place an arXiv DataCite DOI is told from a publisher DOI (entries, records, resolution).

    >>> split_doi("https://doi.org/10.48550/arXiv.2106.09685")
    (None, '2106.09685')
    >>> split_doi("10.1038/Nature14539")
    ('10.1038/nature14539', None)
    """
    if not raw:
        return None, None
    doi = normalize_doi(raw)
    if doi is None:
        return None, None
    if doi.startswith(ARXIV_DOI_PREFIX):
        return None, datacite_arxiv_id(doi)
    return doi, None


def datacite_arxiv_id(doi: str) -> str | None:
    """The arXiv id (no version) an arXiv DataCite DOI names; ``None`` for any other DOI."""
    if not doi.lower().startswith(ARXIV_DOI_PREFIX):
        return None
    found = _arxiv_match(doi[len(ARXIV_DOI_PREFIX) :].strip(), whole=True)
    return found[0] if found else None


# host -> path regex whose group 1 is the DOI (or the Nature/JMIR/Lancet suffix, see below)
_DOI_PATH_HOSTS: Final[tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]] = (
    # Atypon-style publishers (ACM, Science, PNAS, RSNA, Wiley, T&F, SAGE, NEJM, AHA, ...): /doi/[view/]10...
    (
        re.compile(r".*"),
        re.compile(
            r"^/doi/(?:(?:abs|full|pdf|epdf|pdfdirect|fullHtml|reader|book|epub|suppl)/)?(10\.\d{4,9}/.+)$"
        ),
    ),
    # bioRxiv / medRxiv: /content/10.1101/2022.08.04.502811v3(.abstract|.full|.full.pdf|.full-text)
    (
        re.compile(r"^(?:biorxiv|medrxiv)\.org$"),
        re.compile(
            r"^/content/(?:early/\d{4}/\d{2}/\d{2}/)?(10\.1101/[\d.]+?)(?:v\d+)?(?:\.full|\.abstract|\.full-text|\.full\.pdf|\.article-info|\.article-metrics|\.supplementary-material)*/?$"
        ),
    ),
    # Springer: /article/10..., /chapter/10..., /content/pdf/10....pdf
    (
        re.compile(r"^link\.springer\.com$"),
        re.compile(r"^/(?:article|chapter|book|referenceworkentry|content/pdf)/(10\.\d{4,9}/.+?)(?:\.pdf)?$"),
    ),
    # Frontiers: /articles/10.3389/fmed.2023.1234/full
    (
        re.compile(r"^frontiersin\.org$"),
        re.compile(r"^/articles?/(10\.\d{4,9}/[^/]+)(?:/.*)?$"),
    ),
    # OUP: /<journal>/article[-abstract|-pdf]/doi/10.1093/<journal>/<id>/<article number>
    (
        re.compile(r"^academic\.oup\.com$"),
        re.compile(r"^/[a-z0-9-]+/article(?:-abstract|-pdf)?/doi/(10\.\d{4,9}/[^/]+/[^/]+)(?:/.*)?$"),
    ),
    # BMC / SpringerOpen: /articles/10.1186/s12859-019-3119-4 (a "?ref=" query is ignored)
    (
        re.compile(r"^(?:[a-z0-9-]+\.)*(?:biomedcentral|springeropen)\.com$"),
        re.compile(r"^/articles/(10\.\d{4,9}/[^/]+)/?$"),
    ),
    # DataCite search / commons: /works/10.5061/dryad.abc
    (
        re.compile(r"^(?:search|commons)\.datacite\.org$"),
        re.compile(r"^/(?:works|doi\.org)/(10\.\d{4,9}/.+?)/?$"),
    ),
    # IOS/IOP/BMJ-style "/doi/" already covered
)
# Zenodo mints 10.5281/zenodo.<record id> for every record
_ZENODO: Final = re.compile(r"^/records?/(\d{1,12})/?(?:files/.*)?$")
# Dataverse installations: /dataset.xhtml?persistentId=doi:10.34894/AECRSD (also /citation?persistentId=)
_DATAVERSE_PATH: Final = re.compile(r"^/(?:dataset\.xhtml|citation|api/datasets/:persistentId/?)$")
_NATURE: Final = re.compile(r"^/articles/([a-z0-9][a-z0-9.\-]*?)(?:\.pdf)?/?$", re.IGNORECASE)
# Scientific Data and npj journals print the DOI's dots out of the URL slug (10.1038/sdata.2016.35)
_NATURE_DOTTED: Final = re.compile(r"^(sdata|npj[a-z]+)((?:19|20)\d{2})(\d+)$", re.IGNORECASE)
_JMIR_HOST: Final = re.compile(r"^(?:[a-z]+\.)?jmir\.org$")
_JMIR: Final = re.compile(r"^/\d{4}/\d+/e(\d+)/?$")
_LANCET: Final = re.compile(r"^/journals/[a-z-]+/article/PII(S[\dX()-]+)/", re.IGNORECASE)


def doi_from_url(url: str) -> str | None:
    """The DOI a publisher URL carries, by known URL patterns; ``None`` for URLs without one.

    doi.org/dx.doi.org, ``/doi/[abs|full|pdf|epdf]/10...`` paths (ACM, Science, PNAS, RSNA, Wiley,
    ...), nature.com/articles/<slug> (``10.1038/<slug>``), bioRxiv/medRxiv ``content/10.1101/...``
    (version and ``.full``/``.abstract`` dropped), Springer, Frontiers, PLOS ``?id=10...``, JMIR
    (``10.2196/<n>``), The Lancet (``PII`` -> ``10.1016/...``), OUP ``article/doi/10.1093/...``,
    BMC/SpringerOpen ``articles/10.1186/...`` (query ignored), Zenodo records (``10.5281/zenodo.<n>``),
    Dataverse ``persistentId=doi:...``, DataCite ``works/10...``. ScienceDirect, MDPI, IEEE and arXiv
    URLs carry no DOI and give ``None``.
    """
    parts = _split_url(url)
    if parts is None:
        return None
    host, path, query = parts
    if host in {"doi.org", "dx.doi.org"}:
        return normalize_doi("https://doi.org" + path)
    if host in _ARXIV_HOSTS:
        return None
    if host == "nature.com":
        m = _NATURE.match(path)
        if m is None:
            return None
        slug = m.group(1)
        dotted = _NATURE_DOTTED.match(slug)  # sdata201635 -> sdata.2016.35
        return _clean_doi("10.1038/" + (".".join(dotted.groups()) if dotted else slug))
    if _JMIR_HOST.match(host):
        m = _JMIR.match(path)
        return _clean_doi("10.2196/" + m.group(1)) if m else None
    if host == "thelancet.com":
        m = _LANCET.match(path)
        return _clean_doi("10.1016/" + m.group(1)) if m else None
    if host == "journals.plos.org":
        ids = parse_qs(query).get("id")
        return _clean_doi(ids[0]) if ids else None
    if host == "zenodo.org":
        m = _ZENODO.match(path)
        if m:
            return _clean_doi(f"10.5281/zenodo.{m.group(1)}")
    if "persistentId=" in query and _DATAVERSE_PATH.match(path):
        persistent = parse_qs(query).get("persistentId")
        return (
            normalize_doi(persistent[0]) if persistent and persistent[0].lower().startswith("doi:") else None
        )
    for host_re, path_re in _DOI_PATH_HOSTS:
        if host_re.match(host):
            m = path_re.match(path)
            if m:
                return _clean_doi(m.group(1))
    return None


# ---------------------------------------------------------------- PubMed

_PMCID: Final = re.compile(r"^PMC(\d{1,9})$", re.IGNORECASE)
_PMCID_PATH: Final = re.compile(
    r"/(?:pmc/articles/|articles/|article/PMC/)(PMC\d{1,9})(?:/|$)", re.IGNORECASE
)
_PMID: Final = re.compile(r"^(?:PMID\s*:?\s*)?(\d{1,9})$", re.IGNORECASE)
_EUROPEPMC_MED: Final = re.compile(r"^/(?:article|abstract)/MED/(\d{1,9})/?$", re.IGNORECASE)
_PMID_PATH: Final = re.compile(r"^/(?:pubmed/|article/MED/)?(\d{1,9})/?$", re.IGNORECASE)


def normalize_pmcid(text: str) -> str | None:
    """``"PMC1234567"`` from a bare PMCID or a PMC / Europe PMC article URL."""
    if not text or len(text) > _MAX_LEN:
        return None
    text = text.strip()
    m = _PMCID.match(text)
    if m is None:
        parts = _split_url(text)
        if parts is None:
            return None
        host, path, _ = parts
        if host not in {"ncbi.nlm.nih.gov", "pmc.ncbi.nlm.nih.gov", "europepmc.org"}:
            return None
        found = _PMCID_PATH.search(path)
        if found is None:
            return None
        m = _PMCID.match(found.group(1))
        if m is None:  # pragma: no cover - the path regex already matched the same shape
            return None
    value = int(m.group(1))
    return f"PMC{value}" if value > 0 else None


def normalize_pmid(text: str) -> str | None:
    """``"12345678"`` from a bare PMID, ``PMID: 123`` or a PubMed / Europe PMC URL."""
    if not text or len(text) > _MAX_LEN:
        return None
    text = text.strip()
    m = _PMID.match(text)
    if m is None:
        parts = _split_url(text)
        if parts is None:
            return None
        host, path, _ = parts
        if host == "pubmed.ncbi.nlm.nih.gov" or (host == "ncbi.nlm.nih.gov" and path.startswith("/pubmed/")):
            m = _PMID_PATH.match(path)
        elif host == "europepmc.org" and path.lower().startswith(("/article/med/", "/abstract/med/")):
            m = _EUROPEPMC_MED.match(path)
        if m is None:
            return None
    value = int(m.group(1))
    return str(value) if value > 0 else None


def pmcid_from(raw: str | int | None) -> str | None:
    """:func:`normalize_pmcid` of an API's value, which may also end in the bare number (S2's
    ``PubMedCentral`` is ``"4234579"``, OpenAlex's ``pmcid`` a PMC URL ending ``/articles/4234579``)."""
    if raw is None:
        return None
    text = str(raw).strip()
    head, _, tail = text.rstrip("/").rpartition("/")
    if tail.isdigit():
        text = f"{head}/PMC{tail}" if head else f"PMC{tail}"
    return normalize_pmcid(text)


def pmid_from(raw: str | int | None) -> str | None:
    """:func:`normalize_pmid` of an API's value (a number, a string, a PubMed URL)."""
    return None if raw is None else normalize_pmid(str(raw))


# ---------------------------------------------------------------- ACL Anthology

_ACL_NEW: Final = re.compile(r"^(\d{4})\.([a-z0-9]+(?:-[a-z0-9]+)*)\.(\d{1,4})$", re.IGNORECASE)
_ACL_OLD: Final = re.compile(r"^([A-Z])(\d{2})-(\d{4})$", re.IGNORECASE)
_ACL_HOSTS: Final = frozenset({"aclanthology.org", "aclweb.org", "aclanthology.info"})


def normalize_acl_id(text: str) -> str | None:
    """An ACL Anthology id (``"2020.acl-main.447"``, ``"P18-1001"``) from a bare id or an Anthology URL."""
    if not text or len(text) > _MAX_LEN:
        return None
    text = text.strip()
    if "/" in text:
        parts = _split_url(text)
        if parts is None:
            return None
        host, path, _ = parts
        if host not in _ACL_HOSTS:
            return None
        segments = [s for s in path.split("/") if s]
        if host == "aclweb.org":
            if segments[:1] != ["anthology"]:
                return None
            segments = segments[1:]
        elif host == "aclanthology.info" and segments[:1] == ["papers"]:
            segments = segments[1:]
        if not segments:
            return None
        last = segments[-1]
        for suffix in (".pdf", ".bib", ".xml"):
            last = last.removesuffix(suffix)
        # <id> or the old aclweb layout <letter>/<letter><yy>/<id> (aclweb.org/anthology/P/P18/P18-1001.pdf)
        old_layout = len(segments) == 3 and _ACL_OLD.match(last) and segments[0].upper() == last[:1].upper()
        if len(segments) != 1 and not old_layout:
            return None
        text = last
    m = _ACL_NEW.match(text)
    if m:
        return f"{m.group(1)}.{m.group(2).lower()}.{int(m.group(3))}"
    m = _ACL_OLD.match(text)
    if m:
        return f"{m.group(1).upper()}{m.group(2)}-{m.group(3)}"
    return None


# ---------------------------------------------------------------- GitHub

_GH_OWNER: Final = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_GH_REPO: Final = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
# first path segments of github.com that are site pages, not users (https://github.com/<these>)
_GH_RESERVED: Final = frozenset(
    [
        "about",
        "account",
        "apps",
        "blog",
        "business",
        "codespaces",
        "collections",
        "contact",
        "customer-stories",
        "dashboard",
        "developer",
        "enterprise",
        "events",
        "explore",
        "features",
        "gist",
        "github-copilot",
        "issues",
        "join",
        "login",
        "logout",
        "marketplace",
        "mobile",
        "new",
        "nonprofit",
        "notifications",
        "orgs",
        "organizations",
        "pricing",
        "pulls",
        "readme",
        "resources",
        "search",
        "security",
        "settings",
        "site",
        "sitemap",
        "solutions",
        "sponsors",
        "stars",
        "team",
        "topics",
        "trending",
        "users",
        "watching",
        "education",
        "premium-support",
        "partners",
    ]
)
_GH_BADGE: Final = re.compile(
    r"^/github/(?:stars|forks|watchers|issues|issues-raw|issues-pr|license|last-commit|"
    r"commit-activity/[a-z]+|contributors|release|v/release|languages/top|repo-size|downloads/[^/]+)"
    r"/([^/]+)/([^/?#]+)"
)


def _gh_pair(owner: str, repo: str) -> str | None:
    repo = repo.removesuffix(".git")
    if owner.lower() in _GH_RESERVED or not _GH_OWNER.match(owner) or not _GH_REPO.match(repo):
        return None
    if repo in {".", ".."}:
        return None
    return f"{owner}/{repo}".lower()


def normalize_github_repo(text: str) -> str | None:
    """Lower-cased ``owner/repo`` from a repository URL, a shields.io GitHub badge or ``owner/repo``.

    ``.git``, ``/tree/...``, ``/blob/...``, queries and fragments are dropped. Site pages
    (``github.com/features``, ``github.com/orgs/x``) and user pages (``github.com/<user>``) are not
    repositories and give ``None``.
    """
    if not text or len(text) > _MAX_LEN:
        return None
    text = text.strip()
    if text.startswith("git@github.com:"):
        text = "https://github.com/" + text.removeprefix("git@github.com:")
    bare = text.split("/")
    if len(bare) == 2 and "." not in bare[0] and ":" not in text:
        return _gh_pair(bare[0], bare[1])
    parts = _split_url(text)
    if parts is None:
        return None
    host, path, _ = parts
    if host == "img.shields.io":
        m = _GH_BADGE.match(path)
        return _gh_pair(m.group(1), m.group(2)) if m else None
    if host not in {"github.com", "raw.githubusercontent.com"}:
        return None
    segments = [s for s in path.split("/") if s]
    if len(segments) < 2:
        return None
    return _gh_pair(unquote(segments[0]), unquote(segments[1]))


# ---------------------------------------------------------------- Hugging Face

_HF_NAME: Final = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$")
_HF_HOSTS: Final = frozenset({"huggingface.co", "hf.co"})
_HF_KINDS: Final = {"datasets": "dataset", "spaces": "space", "models": "model"}
# site pages at huggingface.co/<segment>; never model ids
_HF_RESERVED: Final = frozenset(
    [
        "docs",
        "blog",
        "papers",
        "learn",
        "tasks",
        "pricing",
        "login",
        "join",
        "settings",
        "organizations",
        "collections",
        "chat",
        "enterprise",
        "new",
        "posts",
        "support",
        "privacy",
        "terms-of-service",
        "changelog",
        "inference-endpoints",
        "welcome",
        "api",
        "models",
        "datasets",
        "spaces",
        "search",
        "notifications",
        "hub",
        "mcp",
    ]
)
# canonical models from before the org/name scheme (bert-base-uncased, gpt2, t5-base, ...): a bare
# huggingface.co/<name> is taken as a model only when it is one of these, since it is usually a user
_HF_LEGACY_MODEL: Final = re.compile(
    r"^(?:albert|bert|camembert|ctrl|distilbert|distilgpt2|distilroberta|flaubert|gpt2|openai-gpt|"
    r"roberta|t5|transfo-xl|xlm|xlnet)(?:-[a-z0-9-]+)?$"
)


def normalize_hf_id(url: str) -> tuple[str, str] | None:
    """``(kind, id)`` for a Hugging Face model, dataset or space URL (also ``/api/<kind>s/<id>``).

    Models are ``org/name``, or a legacy single name (``gpt2``, ``bert-base-uncased``); datasets
    may be a single legacy name; spaces are always ``owner/name``. ``/tree/...``, ``/blob/...``,
    ``/resolve/...``, queries and fragments are dropped; case is kept (the Hub id is as written).
    """
    parts = _split_url(url)
    if parts is None:
        return None
    host, path, _ = parts
    if host not in _HF_HOSTS:
        return None
    segments = [s for s in path.split("/") if s]
    if segments[:1] == ["api"]:
        segments = segments[1:]
        if not segments or segments[0] not in _HF_KINDS:
            return None
    kind = "model"
    if segments and segments[0] in _HF_KINDS:
        kind = _HF_KINDS[segments[0]]
        segments = segments[1:]
    elif segments and segments[0] in _HF_RESERVED:
        return None
    if not segments:
        return None
    first = segments[0]
    second = segments[1] if len(segments) > 1 else None
    if second in {None, "tree", "blob", "resolve", "discussions", "commits", "raw", "viewer", "discussion"}:
        second = None
    if second is not None:
        if not (_HF_NAME.match(first) and _HF_NAME.match(second)):
            return None
        return kind, f"{first}/{second}"
    if not _HF_NAME.match(first):
        return None
    if kind == "dataset" or (kind == "model" and _HF_LEGACY_MODEL.match(first)):
        return kind, first
    return None


# ---------------------------------------------------------------- Semantic Scholar

_CORPUS: Final = re.compile(r"CorpusId:(\d{1,12})(?!\d)", re.IGNORECASE)


def s2_corpus_id_from_url(url: str) -> int | None:
    """The Semantic Scholar CorpusId in a shields.io badge or S2 URL (URL-decoded first)."""
    if not url or len(url) > _MAX_LEN:
        return None
    parts = _split_url(url)
    if parts is None:
        return None
    host = parts[0]
    if host != "img.shields.io" and not host.endswith("semanticscholar.org"):
        return None
    m = _CORPUS.search(unquote(unquote(url)))
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------- titles

_NON_WORD: Final = re.compile(r"[\W_]+")
# a quick test for combining marks (accents after NFKD); the exact removal uses unicodedata
_COMBINING: Final = re.compile(
    r"[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f"
    r"\u0900-\u0903\u093a-\u094f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff"
    r"\u3099\u309a\ufe20-\ufe2f]"
)


@functools.lru_cache(maxsize=65536)
def normalize_title(text: str) -> str:
    """A matching key for titles: NFKC, case-folded, accents and punctuation removed, spaces collapsed.

    Cached: parsing asks for the same title's key several times (entry id, work keys).
    """
    if text.isascii():
        return _NON_WORD.sub(" ", text.lower()).strip()
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    if _COMBINING.search(text):
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", text).strip()


# ---------------------------------------------------------------- all ids of an entry


@dataclass(frozen=True, slots=True)
class Ids:
    """Every identifier known for one entry or one work, each normalised (``None`` when absent).

    The one identifier model: parsing fills it from an entry's URLs (:func:`extract_ids`), an
    ``Entry`` and a ``WorkRecord`` expose theirs as ``.ids`` (their flat columns are its fields),
    resolution clusters on :func:`id_keys`. Works carry no ``arxiv_version`` (versions collapse) and
    no repo or Hub ids; an arXiv DataCite DOI is never a ``doi`` (it is the ``arxiv_id``,
    :func:`split_doi`).
    """

    arxiv_id: str | None = None  # no version
    arxiv_version: int | None = None  # the version an entry's link names
    doi: str | None = None  # lower-case publisher DOI
    pmid: str | None = None
    pmcid: str | None = None  # "PMC123"
    acl_id: str | None = None
    corpus_id: int | None = None  # Semantic Scholar CorpusId
    s2_paper_id: str | None = None
    openalex_id: str | None = None  # "W123"
    github_repo: str | None = None
    hf_kind: str | None = None
    hf_id: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, object]) -> Ids:
        """The scholarly ids held in a mapping by their field names (a ``works`` row, say)."""

        def text(name: str) -> str | None:
            value = row.get(name)
            return None if value is None else str(value)

        corpus = row.get("corpus_id")
        return cls(
            arxiv_id=text("arxiv_id"),
            doi=text("doi"),
            pmid=text("pmid"),
            pmcid=text("pmcid"),
            acl_id=text("acl_id"),
            corpus_id=None if corpus is None else int(str(corpus)),
            s2_paper_id=text("s2_paper_id"),
            openalex_id=text("openalex_id"),
        )

    def scholarly(self) -> Ids:
        """The work-level view: scholarly ids only (no version, repo or Hub id), the DOI lower case,
        an arXiv DataCite DOI folded into ``arxiv_id``."""
        arxiv_id, doi = self.arxiv_id, self.doi
        if doi is not None and doi.lower().startswith(ARXIV_DOI_PREFIX):
            arxiv_id, doi = arxiv_id or datacite_arxiv_id(doi), None
        return Ids(
            arxiv_id=arxiv_id,
            doi=doi.lower() if doi else None,
            pmid=self.pmid,
            pmcid=self.pmcid,
            acl_id=self.acl_id,
            corpus_id=self.corpus_id,
            s2_paper_id=self.s2_paper_id,
            openalex_id=self.openalex_id,
        )


ID_ORDER: Final = ("arxiv_id", "doi", "pmid", "pmcid", "acl_id", "corpus_id", "openalex_id")
"""Scholarly identifiers, strongest first (a derived ``work_id`` takes the first present)."""
ID_PREFIX: Final = {
    "arxiv_id": "arxiv",
    "doi": "doi",
    "pmid": "pmid",
    "pmcid": "pmcid",
    "acl_id": "acl",
    "corpus_id": "corpus",
    "openalex_id": "openalex",
    "s2_paper_id": "s2",
}
"""The prefix of each identifier's key (``arxiv:2106.09685``, ``corpus:123``)."""


def id_keys(ids: Ids) -> list[str]:
    """Every scholarly identifier of ``ids`` as ``prefix:value`` keys, in :data:`ID_ORDER` (then s2)."""
    keys = []
    for name in (*ID_ORDER, "s2_paper_id"):
        value = getattr(ids, name)
        if value is not None:
            keys.append(f"{ID_PREFIX[name]}:{value}")
    return keys


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


# ---------------------------------------------------------------- lookups

LookupKind = Literal[
    "arxiv", "doi", "pmid", "pmcid", "acl", "corpus", "openalex", "repo", "model", "dataset", "space"
]
_S2_WIRE: Final = {
    "arxiv": "ARXIV",
    "doi": "DOI",
    "pmid": "PMID",
    "pmcid": "PMCID",
    "acl": "ACL",
    "corpus": "CorpusId",
}
_WIRE_KIND: Final[dict[str, LookupKind]] = {
    "arxiv": "arxiv",
    "doi": "doi",
    "pmid": "pmid",
    "pmcid": "pmcid",
    "acl": "acl",
    "corpusid": "corpus",
}
_OPENALEX_WORK: Final = re.compile(r"W\d+")


@dataclass(frozen=True, slots=True)
class Lookup:
    """One item to ask a source for: a kind of identifier and its normalised value.

    Planning and batching carry these; :meth:`wire` is the one place the string each client takes is
    written (``ARXIV:2106.09685`` for S2, ``doi:10.48550/arxiv.2106.09685`` for OpenAlex,
    ``model:org/x`` for the Hub, ...) and :meth:`from_wire` the one place a record's ``key`` (that
    string, as the client echoes it) is read back; :attr:`node` is the identifier key resolution
    joins on (:func:`id_keys` form; an arXiv DataCite DOI is the arXiv id).
    """

    kind: LookupKind
    value: str

    def wire(self, source: str) -> str:
        """The id as ``source``'s client takes it (and keys its record by)."""
        if source == "s2":
            return f"{_S2_WIRE[self.kind]}:{self.value}"
        if source == "openalex":
            return f"{self.kind}:{self.value}"
        if source == "hf":
            return f"{self.kind}:{self.value}"
        return self.value  # arxiv: the arXiv id; crossref: the DOI; github: owner/name

    @classmethod
    def from_wire(cls, source: str, key: str) -> Lookup | None:
        """The lookup a record of ``source`` was requested by, from its ``key``; None if unreadable."""
        key = key.strip()
        if source == "arxiv":
            found = normalize_arxiv_id(key)
            return cls("arxiv", found[0]) if found else None
        if source == "crossref":
            doi = normalize_doi(key)
            return cls("doi", doi) if doi else None
        if source == "openalex" and _OPENALEX_WORK.fullmatch(key):
            return cls("openalex", key)
        prefix, sep, value = key.partition(":")
        kind = _WIRE_KIND.get(prefix.lower()) if sep else None
        if kind == "arxiv":
            found = normalize_arxiv_id(value)
            return cls("arxiv", found[0]) if found else None
        if kind == "doi":
            doi = normalize_doi(value)
            return cls("doi", doi) if doi else None
        if kind == "pmcid":
            return cls("pmcid", value.upper() if value.upper().startswith("PMC") else "PMC" + value)
        return cls(kind, value) if kind is not None else None

    @property
    def node(self) -> str:
        """The identifier key of this lookup (``arxiv:...``, ``doi:...``, ``corpus:...``)."""
        if self.kind == "doi" and self.value.startswith(ARXIV_DOI_PREFIX):
            return f"arxiv:{datacite_arxiv_id(self.value) or self.value[len(ARXIV_DOI_PREFIX) :]}"
        return f"{self.kind}:{self.value}"
