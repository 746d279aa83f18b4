"""Paper identifiers: arXiv, DOI (including publisher URLs), PubMed/PMC, ACL Anthology, S2 CorpusId.

See :mod:`enrich.ids` for the normalised forms and the rules every function here keeps.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import parse_qs, unquote

from enrich.ids._url import _MAX_LEN, _split_url

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
