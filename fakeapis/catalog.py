"""The catalog behind the API double: works, repositories, Hub items and files, indexed by id.

Each API renders its own view of these records (see ``fakeapis.apis``); ids that a record does not
carry (S2 paper id, corpus id, OpenAlex W-id, GitHub numeric id) are derived deterministically from
the record's identity (:func:`stable_int`, :func:`stable_hex`), so they are stable across runs.
Reading and validating catalog files is :mod:`fakeapis.catalog_load`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

Json = Any

WORK_SOURCES: Final = ("arxiv", "s2", "openalex", "crossref")


def stable_int(text: str, digits: int) -> int:
    """A deterministic integer with ``digits`` digits derived from ``text`` (sha1-based)."""
    value = int(hashlib.sha1(text.encode()).hexdigest(), 16)
    low = int(10 ** (digits - 1))
    return low + value % (9 * low)


def stable_hex(text: str, length: int = 40) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:length]


@dataclass(frozen=True, slots=True)
class CatalogAuthor:
    name: str
    orcid: str | None = None
    affiliation: str | None = None
    s2_author_id: str | None = None
    openalex_author_id: str | None = None


@dataclass(frozen=True, slots=True)
class Work:
    """A scholarly work; every API renders its own view of it."""

    title: str
    arxiv_id: str | None = None
    arxiv_version: int = 1
    doi: str | None = None
    s2_paper_id: str = ""
    corpus_id: int = 0
    openalex_id: str = ""
    pmid: str | None = None
    pmcid: str | None = None
    acl_id: str | None = None
    mag_id: str | None = None
    dblp_key: str | None = None
    abstract: str | None = None
    authors: tuple[CatalogAuthor, ...] = ()
    year: int | None = None
    publication_date: str | None = None
    venue: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    citation_count: int = 0
    influential_citation_count: int = 0
    reference_count: int = 0
    counts_by_year: tuple[tuple[int, int], ...] = ()
    tldr: str | None = None
    merged_into: str | None = None
    work_type: str | None = None
    categories: tuple[str, ...] = ()
    comment: str | None = None
    journal_ref: str | None = None
    arxiv_published: str | None = None
    arxiv_updated: str | None = None
    sources: frozenset[str] = frozenset(WORK_SOURCES)
    overrides: Mapping[str, Mapping[str, Json]] = field(default_factory=dict)

    @property
    def arxiv_doi(self) -> str | None:
        return f"10.48550/arxiv.{self.arxiv_id}" if self.arxiv_id else None

    def view(self, source: str) -> Work:
        """This work as ``source`` sees it (its per-source overrides applied)."""
        changes = self.overrides.get(source)
        if not changes:
            return self
        values = {f: getattr(self, f) for f in self.__dataclass_fields__}
        values.update(changes)
        values["overrides"] = {}
        return Work(**values)


@dataclass(frozen=True, slots=True)
class Repo:
    full_name: str
    id: int
    stars: int = 0
    forks: int = 0
    open_issues: int = 0
    watchers: int = 0
    pushed_at: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    archived: bool = False
    license: str | None = None
    topics: tuple[str, ...] = ()
    description: str | None = None
    language: str | None = None
    homepage: str | None = None
    default_branch: str = "main"
    owner_type: str = "User"
    fork: bool = False
    size: int = 0
    renamed_to: str | None = None
    status: int = 200

    @property
    def owner(self) -> str:
        return self.full_name.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.full_name.split("/", 1)[1]


@dataclass(frozen=True, slots=True)
class RepoFile:
    """A file served by GitHub's contents/readme endpoints (e.g. an upstream list's README)."""

    repo: str
    path: str
    content: bytes


@dataclass(frozen=True, slots=True)
class HfItem:
    id: str
    kind: str  # model | dataset | space
    likes: int = 0
    downloads: int = 0
    downloads_all_time: int | None = None
    private: bool = False
    gated: bool | str = False
    sha: str = ""
    last_modified: str | None = None
    created_at: str | None = None
    tags: tuple[str, ...] = ()
    pipeline_tag: str | None = None
    library_name: str | None = None
    renamed_to: str | None = None
    status: int = 200
    hub: Mapping[str, Json] = field(default_factory=dict)


class Catalog:
    """Indexed records. Look-ups are case-insensitive where the real API is (DOIs, GitHub names)."""

    def __init__(
        self,
        works: Sequence[Work] = (),
        repos: Sequence[Repo] = (),
        files: Sequence[RepoFile] = (),
        hf: Sequence[HfItem] = (),
    ) -> None:
        self.works = list(works)
        self.repos = list(repos)
        self.files = list(files)
        self.hf = list(hf)
        self.ids: dict[str, dict[Any, list[Work]]] = {
            k: {} for k in ("arxiv", "doi", "s2", "corpus", "openalex", "pmid", "pmcid", "acl", "mag")
        }
        for w in self.works:
            keys: dict[str, Any] = {
                "arxiv": w.arxiv_id.lower() if w.arxiv_id else None,
                "doi": w.doi,
                "s2": w.s2_paper_id,
                "corpus": w.corpus_id,
                "openalex": w.openalex_id.upper(),
                "pmid": w.pmid,
                "pmcid": w.pmcid.upper() if w.pmcid else None,
                "acl": w.acl_id.lower() if w.acl_id else None,
                "mag": w.mag_id,
            }
            for kind, key in keys.items():
                if key is not None:
                    self.ids[kind].setdefault(key, []).append(w)
        # a preprint's DataCite DOI finds it too, after any record that claims that DOI itself
        for w in self.works:
            if w.arxiv_doi:
                self.ids["doi"].setdefault(w.arxiv_doi, []).append(w)
        self.repo_by_name = {r.full_name.lower(): r for r in self.repos}
        self.repo_by_id = {r.id: r for r in self.repos}
        self.files_by_key = {(f.repo.lower(), f.path.strip("/")): f for f in self.files}
        self.hf_by_key = {(h.kind, h.id.lower()): h for h in self.hf}

    def __len__(self) -> int:
        return len(self.works) + len(self.repos) + len(self.files) + len(self.hf)

    def works_in(self, source: str) -> list[Work]:
        return [w.view(source) for w in self.works if source in w.sources]

    def find(self, source: str, kind: str, key: Any) -> Work | None:
        """The work ``source`` knows under id ``kind``/``key`` (in ``source``'s view), if any."""
        for w in self.ids[kind].get(key, ()):
            if source in w.sources:
                return w.view(source)
        return None
