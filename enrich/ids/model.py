"""The identifier value types: :class:`Ids` (every id of an entry or work), its key order and
:func:`id_keys`, and :class:`Lookup` (one id to ask a source for).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from enrich.ids.papers import ARXIV_DOI_PREFIX, datacite_arxiv_id, normalize_arxiv_id, normalize_doi

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
    def of(cls, holder: object, columns: Mapping[str, str]) -> Ids:
        """The ids a record or entry holds as flat attributes: ``columns`` maps each :class:`Ids`
        field to its attribute (:data:`WORK_ID_COLUMNS`, :data:`ENTRY_ID_COLUMNS`); an attribute the
        holder lacks is ``None``. The one way ``.ids`` of an ``Entry``, a ``WorkRecord`` and a
        previous entry is built."""
        return cls(**{name: getattr(holder, column, None) for name, column in columns.items()})

    @classmethod
    def from_row(cls, row: Mapping[str, object], columns: Mapping[str, str] | None = None) -> Ids:
        """The ids held in a table row (a dict as ``pyarrow.Table.to_pylist`` gives it): by default
        the scholarly ids of a ``works`` row (:data:`WORK_ID_COLUMNS`), or the id columns of an
        ``entries`` row with :data:`ENTRY_ID_COLUMNS`. Integers are read as ``int``, the rest as ``str``."""
        values: dict[str, Any] = {}
        for name, column in (WORK_ID_COLUMNS if columns is None else columns).items():
            value = row.get(column)
            if value is None:
                values[name] = None
            else:
                values[name] = int(str(value)) if name in _INT_FIELDS else str(value)
        return cls(**values)

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


WORK_ID_COLUMNS: Final[Mapping[str, str]] = {
    name: name
    for name in ("arxiv_id", "doi", "pmid", "pmcid", "acl_id", "corpus_id", "s2_paper_id", "openalex_id")
}
"""The scholarly ids of a work (``WorkRecord`` attributes, ``works`` columns): same names as :class:`Ids`."""
ENTRY_ID_COLUMNS: Final[Mapping[str, str]] = {
    "arxiv_id": "arxiv_id",
    "arxiv_version": "arxiv_version",
    "doi": "doi",
    "pmid": "pmid",
    "pmcid": "pmcid",
    "acl_id": "acl_id",
    "corpus_id": "s2_corpus_id",
    "github_repo": "github_repo",
    "hf_kind": "hf_kind",
    "hf_id": "hf_id",
}
""":class:`Ids` field -> its column in the ``entries`` table (and attribute of an ``Entry``)."""
_INT_FIELDS: Final = frozenset({"arxiv_version", "corpus_id"})

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
