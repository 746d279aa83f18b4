"""Reading the catalog: JSON lines of works, repositories, Hub items and files.

Each line is one JSON object with a ``"type"``; docs/fakeapi.md documents every field. Loading
validates each record and raises :class:`enrich.errors.InputError` naming ``file:line`` and what is
wrong, so a typo in a hand-written catalog never becomes a traceback.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from enrich.errors import InputError
from fakeapis.catalog import (
    WORK_SOURCES,
    Catalog,
    CatalogAuthor,
    HfItem,
    Repo,
    RepoFile,
    Work,
    stable_hex,
    stable_int,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Json = Any
_ARXIV_NEW = re.compile(r"^\d{4}\.\d{4,5}$")
_ARXIV_OLD = re.compile(r"^[a-z-]+(\.[A-Z]{2})?/\d{7}$")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_FULL_NAME = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_WORK_TEXT: Final = (
    "pmid",
    "pmcid",
    "acl_id",
    "mag_id",
    "dblp_key",
    "abstract",
    "venue",
    "volume",
    "issue",
    "pages",
    "tldr",
    "work_type",
    "comment",
    "journal_ref",
)
"""A work's plain string fields (read with its other plain fields by :meth:`_Reader.fields`)."""


class _Reader:
    """Typed access to one record's fields; every problem names ``file:line`` and the field."""

    def __init__(self, where: str, record: Mapping[str, Json]) -> None:
        self.where = where
        self.record = record
        self.used: set[str] = {"type"}

    def fail(self, problem: str) -> InputError:
        return InputError(self.where, problem)

    def _get(self, key: str) -> Json:
        self.used.add(key)
        return self.record.get(key)

    def str_(self, key: str, *, required: bool = False) -> str | None:
        value = self._get(key)
        if value is None:
            if required:
                raise self.fail(f"field {key!r} is required")
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(f"field {key!r} must be a non-empty string, got {value!r}")
        return value

    def int_(self, key: str, default: int | None = 0) -> int | None:
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(f"field {key!r} must be a non-negative integer, got {value!r}")
        return value

    def bool_(self, key: str) -> bool:
        value = self._get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.fail(f"field {key!r} must be true or false, got {value!r}")
        return value

    def strs(self, key: str) -> tuple[str, ...]:
        value = self._get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"field {key!r} must be a list of strings")
        return tuple(value)

    def date(self, key: str) -> str | None:
        value = self.str_(key)
        if value is not None and not _DATE.match(value[:10]):
            raise self.fail(f"field {key!r} must be an ISO date (YYYY[-MM[-DD]]), got {value!r}")
        return value

    def dict_(self, key: str) -> dict[str, Json]:
        value = self._get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"field {key!r} must be an object")
        return value

    def fields(
        self,
        record_type: type[DataclassInstance],
        *,
        text: Sequence[str] = (),
        dates: Sequence[str] = (),
        counts: Sequence[str] = (),
        numbers: Sequence[str] = (),
        flags: Sequence[str] = (),
        lists: Sequence[str] = (),
        objects: Sequence[str] = (),
    ) -> dict[str, Json]:
        """The plain fields of ``record_type``, each read as its group says (a string, an ISO date, a count
        that defaults to 0, an optional integer, a flag, a list of strings, an object), in the order the
        dataclass declares them, so the first problem reported does not depend on the grouping."""
        readers: dict[str, Callable[[str], Json]] = {}
        for names, read in (
            (text, self.str_),
            (dates, self.date),
            (counts, lambda key: self.int_(key) or 0),
            (numbers, lambda key: self.int_(key, None)),
            (flags, self.bool_),
            (lists, self.strs),
            (objects, self.dict_),
        ):
            readers.update(dict.fromkeys(names, read))
        return {f.name: readers[f.name](f.name) for f in dataclasses.fields(record_type) if f.name in readers}

    def finish(self) -> None:
        unknown = sorted(set(self.record) - self.used)
        if unknown:
            raise self.fail(f"unknown field(s) {', '.join(map(repr, unknown))}")


def _work(r: _Reader) -> Work:
    title = r.str_("title", required=True)
    assert title is not None
    arxiv_id = r.str_("arxiv_id")
    if arxiv_id is not None and not (_ARXIV_NEW.match(arxiv_id) or _ARXIV_OLD.match(arxiv_id)):
        raise r.fail(f"field 'arxiv_id' is not an arXiv id without version: {arxiv_id!r}")
    doi = r.str_("doi")
    if doi is not None:
        if not _DOI.match(doi):
            raise r.fail(f"field 'doi' is not a bare DOI (10.xxxx/...): {doi!r}")
        doi = doi.lower()
    identity = arxiv_id or doi or title
    s2 = r.str_("s2_paper_id") or stable_hex("s2:" + identity)
    if not re.fullmatch(r"[0-9a-f]{40}", s2):
        raise r.fail(f"field 's2_paper_id' must be 40 lower-case hex digits, got {s2!r}")
    oa = r.str_("openalex_id") or f"W{stable_int('oa:' + identity, 10)}"
    if not re.fullmatch(r"W\d+", oa):
        raise r.fail(f"field 'openalex_id' must look like W123, got {oa!r}")
    merged = r.str_("merged_into")
    if merged is not None and not re.fullmatch(r"W\d+", merged):
        raise r.fail(f"field 'merged_into' must be an OpenAlex work id like W123, got {merged!r}")
    authors = []
    raw_authors = r._get("authors") or []
    if not isinstance(raw_authors, list):
        raise r.fail("field 'authors' must be a list of {name, orcid, affiliation}")
    for i, a in enumerate(raw_authors):
        if isinstance(a, str):
            a = {"name": a}
        if not isinstance(a, dict) or not isinstance(a.get("name"), str):
            raise r.fail(f"authors[{i}] must be an object with a string 'name'")
        extra = set(a) - {"name", "orcid", "affiliation", "s2_author_id", "openalex_author_id"}
        if extra:
            raise r.fail(f"authors[{i}] has unknown field(s) {sorted(extra)}")
        authors.append(
            CatalogAuthor(
                name=a["name"],
                orcid=a.get("orcid"),
                affiliation=a.get("affiliation"),
                s2_author_id=a.get("s2_author_id") or str(stable_int("s2a:" + a["name"], 9)),
                openalex_author_id=a.get("openalex_author_id") or f"A{stable_int('oaa:' + a['name'], 10)}",
            )
        )
    cby = r._get("counts_by_year") or []
    counts: list[tuple[int, int]] = []
    if not isinstance(cby, list):
        raise r.fail("field 'counts_by_year' must be a list of {year, cited_by_count}")
    for i, c in enumerate(cby):
        if not (
            isinstance(c, dict)
            and isinstance(c.get("year"), int)
            and isinstance(c.get("cited_by_count"), int)
        ):
            raise r.fail(f"counts_by_year[{i}] must be {{'year': int, 'cited_by_count': int}}")
        counts.append((c["year"], c["cited_by_count"]))
    sources = r.strs("sources") or WORK_SOURCES
    bad = sorted(set(sources) - set(WORK_SOURCES))
    if bad:
        raise r.fail(f"field 'sources' names unknown source(s) {bad}; known: {list(WORK_SOURCES)}")
    overrides = r.dict_("overrides")
    for src, changes in overrides.items():
        if src not in WORK_SOURCES or not isinstance(changes, dict):
            raise r.fail(f"overrides[{src!r}] must be an object and the key one of {list(WORK_SOURCES)}")
        unknown = sorted(set(changes) - set(Work.__dataclass_fields__))
        if unknown:
            raise r.fail(f"overrides[{src!r}] has unknown field(s) {unknown}")
    date = r.date("publication_date")
    year = r.int_("year", None)
    if year is None and date:
        year = int(date[:4])
    corpus = r.int_("corpus_id", None) or stable_int("corpus:" + identity, 9)
    arxiv_version = r.int_("arxiv_version", 1) or 1
    work = Work(
        title=title,
        arxiv_id=arxiv_id,
        arxiv_version=arxiv_version,
        doi=doi,
        s2_paper_id=s2,
        corpus_id=corpus,
        openalex_id=oa,
        authors=tuple(authors),
        year=year,
        publication_date=date,
        counts_by_year=tuple(counts),
        merged_into=merged,
        sources=frozenset(sources),
        overrides={k: dict(v) for k, v in overrides.items()},
        **r.fields(
            Work,
            text=_WORK_TEXT,
            counts=("citation_count", "influential_citation_count", "reference_count"),
            lists=("categories",),
            dates=("arxiv_published", "arxiv_updated"),
        ),
    )
    if "arxiv" in work.sources and not arxiv_id and "sources" in r.record:
        raise r.fail("a work listed under source 'arxiv' needs an 'arxiv_id'")
    return work


def _repo(r: _Reader) -> Repo:
    full_name = r.str_("full_name", required=True)
    assert full_name is not None
    if not _FULL_NAME.match(full_name):
        raise r.fail(f"field 'full_name' must be 'owner/name', got {full_name!r}")
    renamed = r.str_("renamed_to")
    if renamed is not None and not _FULL_NAME.match(renamed):
        raise r.fail(f"field 'renamed_to' must be 'owner/name', got {renamed!r}")
    status = r.int_("status", 200)
    if status not in (200, 404, 451):
        raise r.fail(f"field 'status' must be 404 or 451 (or absent), got {status!r}")
    owner_type = r.str_("owner_type") or "User"
    if owner_type not in ("User", "Organization"):
        raise r.fail(f"field 'owner_type' must be 'User' or 'Organization', got {owner_type!r}")
    repo_id = r.int_("id", None) or stable_int("gh:" + full_name.lower(), 9)
    fields = r.fields(
        Repo,
        counts=("stars", "forks", "open_issues", "watchers", "size"),
        dates=("pushed_at", "created_at", "updated_at"),
        flags=("archived", "fork"),
        text=("license", "description", "language", "homepage", "default_branch"),
        lists=("topics",),
    )
    fields["default_branch"] = fields["default_branch"] or "main"
    return Repo(
        full_name=full_name,
        id=repo_id,
        owner_type=owner_type,
        renamed_to=renamed,
        status=status or 200,
        **fields,
    )


def _file(r: _Reader, base: Path | None) -> RepoFile:
    repo = r.str_("repo", required=True)
    path = r.str_("path", required=True)
    assert repo is not None and path is not None
    if not _FULL_NAME.match(repo):
        raise r.fail(f"field 'repo' must be 'owner/name', got {repo!r}")
    content = r.str_("content")
    content_file = r.str_("content_file")
    if (content is None) == (content_file is None):
        raise r.fail("a file record needs exactly one of 'content' (text) or 'content_file' (a path)")
    if content_file is not None:
        target = Path(content_file)
        if not target.is_absolute() and base is not None:
            target = base / target
        if base is not None and not target.resolve().is_relative_to(base.resolve()):
            # a catalog names files it serves: never one outside its own directory (../../etc/shadow,
            # an absolute path, or a symbolic link pointing out), or the double would publish it
            raise r.fail(f"content_file {content_file!r} is outside the catalog's directory; refused")
        try:
            data = target.read_bytes()
        except OSError as exc:
            raise r.fail(f"content_file {content_file!r} cannot be read: {exc.strerror}") from None
    else:
        assert content is not None
        data = content.encode()
    return RepoFile(repo=repo, path=path.strip("/"), content=data)


def _hf(r: _Reader) -> HfItem:
    item_id = r.str_("id", required=True)
    assert item_id is not None
    kind = r.str_("kind") or "model"
    if kind not in ("model", "dataset", "space"):
        raise r.fail(f"field 'kind' must be model, dataset or space, got {kind!r}")
    status = r.int_("status", 200)
    if status not in (200, 404):
        raise r.fail(f"field 'status' must be 404 (or absent), got {status!r}")
    gated = r._get("gated")
    if gated is None:
        gated = False
    if not isinstance(gated, bool | str):
        raise r.fail("field 'gated' must be false, 'auto' or 'manual'")
    fields = r.fields(
        HfItem,
        counts=("likes", "downloads"),
        numbers=("downloads_all_time",),
        flags=("private",),
        text=("sha", "last_modified", "created_at", "pipeline_tag", "library_name", "renamed_to"),
        lists=("tags",),
        objects=("hub",),
    )
    fields["sha"] = fields["sha"] or stable_hex("hf:" + item_id)
    return HfItem(id=item_id, kind=kind, gated=gated, status=status or 200, **fields)


def parse_records(records: Iterable[tuple[str, Json]], base: Path | None = None) -> Catalog:
    """Build a catalog from ``(where, record)`` pairs; ``where`` names the input in errors."""
    works: list[Work] = []
    repos: list[Repo] = []
    files: list[RepoFile] = []
    hf: list[HfItem] = []
    for where, record in records:
        if not isinstance(record, dict):
            raise InputError(where, "each catalog line must be a JSON object")
        r = _Reader(where, record)
        kind = record.get("type")
        if kind == "work":
            works.append(_work(r))
        elif kind == "repo":
            repos.append(_repo(r))
        elif kind == "file":
            files.append(_file(r, base))
        elif kind == "hf":
            hf.append(_hf(r))
        else:
            raise InputError(where, f"field 'type' must be one of work, repo, file, hf; got {kind!r}")
        r.finish()
    _check_unique(works, repos, hf)
    return Catalog(works, repos, files, hf)


def _check_unique(works: list[Work], repos: list[Repo], hf: list[HfItem]) -> None:
    """No source may hold two works with one id (a preprint and its journal version may share an
    arXiv id when they live in different sources, as S2 merges them and OpenAlex does not)."""
    seen: dict[tuple[str, str], str] = {}
    for w in works:
        for key in filter(None, (w.arxiv_id and "arxiv:" + w.arxiv_id, w.doi and "doi:" + w.doi)):
            for source in sorted(w.sources):
                if key.startswith("arxiv:") and source not in ("arxiv", "s2"):
                    continue  # OpenAlex and Crossref have no arXiv id: a preprint and its journal version coexist
                if (source, key) in seen:
                    raise InputError(
                        "catalog",
                        f"two works in {source} share the id {key}: {seen[source, key]!r} and {w.title!r}",
                    )
                seen[source, key] = w.title
    names = {r.full_name.lower() for r in repos}
    if len(names) != len(repos):
        listed = [r.full_name.lower() for r in repos]
        raise InputError(
            "catalog", f"repository listed twice: {sorted(n for n in names if listed.count(n) > 1)[0]}"
        )
    for r in repos:
        if r.renamed_to and r.renamed_to.lower() not in names:
            raise InputError(
                "catalog", f"{r.full_name} is renamed_to {r.renamed_to}, which is not in the catalog"
            )
    keys = [(h.kind, h.id.lower()) for h in hf]
    hdupes = sorted({k for k in keys if keys.count(k) > 1})
    if hdupes:
        raise InputError("catalog", f"Hub item listed twice: {hdupes[0][0]} {hdupes[0][1]}")


def load_catalog(path: Path) -> Catalog:
    """Read a JSONL catalog; blank lines and lines starting with ``#`` are ignored."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(str(path), "catalog file does not exist") from None
    except UnicodeDecodeError:
        raise InputError(str(path), "catalog is not UTF-8 text") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot read catalog: {exc.strerror}") from None

    def records() -> Iterable[tuple[str, Json]]:
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            where = f"{path}:{number}"
            try:
                yield where, json.loads(stripped)
            except json.JSONDecodeError as exc:
                raise InputError(where, f"not valid JSON ({exc.msg} at column {exc.colno})") from None

    return parse_records(records(), base=path.parent)


def catalog_from(records: Sequence[Mapping[str, Json]]) -> Catalog:
    """A catalog from in-memory records (tests); errors name ``records[i]``."""
    return parse_records((f"records[{i}]", dict(r)) for i, r in enumerate(records))
