"""Normalise parsed entries, resolved works and source records into the snapshot tables.

Everything here is pure: the same inputs give the same tables (rows sorted by key, no clock read;
the only times inside are the records' own ``fetched_at``). Fetching is elsewhere.

Choices (the README's "Snapshots" section documents them for analysts):

* **One row per thing.** Works come de-duplicated from resolution (one :class:`ResolvedWork` each);
  repos are keyed by lower-case ``owner/name`` and renames are followed (the new name becomes the
  ``repo_id``, old names go to ``previous_names``, entries point at the new id); Hugging Face items by
  lower-case ``kind:id``.
* **Field precedence.** Abstract: arXiv > S2 > OpenAlex > Crossref (the author's own text first;
  Crossref's JATS is stripped). Title, year, venue: S2 > OpenAlex > Crossref > arXiv (published
  metadata over preprint metadata) > the list's own text.
* **Citation count.** S2's and OpenAlex's (and Crossref's) counts sit side by side; the chosen
  ``citation_count`` is S2's when known, else OpenAlex's, else Crossref's. A fixed preference (not the
  maximum) keeps one definition per work over time, and because carried-forward values count as
  known, a night when S2 fails does not make the series jump to another source's scale.
* **Carry-forward.** A value whose source did not answer tonight keeps its last good value from the
  previous snapshot with its ``<field>_as_of`` date (the snapshot date of the night it was last
  fetched OK: a ``--date`` backfill stays consistent), and the row's ``status`` says ``stale``. A bad
  night never erases data; an item no source answered for tonight keeps its previous values.
* **History.** ``metrics_history`` holds tonight's *observations* only (fresh values, not carried
  ones), so the union of partitions is the time series; ``list_changes`` holds the entries each list
  gained, lost or edited versus the previous snapshot (ids follow edited entries across versions:
  ``enrich.parsing.keys.carry_entry_ids``).
"""

from __future__ import annotations

import functools
import html
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from operator import attrgetter
from typing import Any, Final, Protocol, TypeVar

import pyarrow as pa
import pyarrow.compute as pc

from enrich.entities import build_entities
from enrich.ids import normalize_title
from enrich.links import keep_readme_refs
from enrich.records import Author, FetchStatus, HfRecord, RepoRecord, WorkRecord
from enrich.resolve.types import ResolvedWork
from enrich.schemas import (
    ENTITIES_SCHEMA,
    ENTRIES_SCHEMA,
    HF_ITEMS_SCHEMA,
    REPOS_SCHEMA,
    SCHEMAS,
    TABLE_KEYS,
    WORKS_SCHEMA,
    conform,
)

__all__ = [
    "EDIT_COLUMNS",
    "EntryLike",
    "PreviousSnapshot",
    "Tables",
    "build_tables",
    "clean_abstract",
    "clean_text",
    "hf_item_id",
    "list_changes",
]

Row = dict[str, Any]

WORK_SOURCES: Final = ("arxiv", "s2", "openalex", "crossref")
NOT_REQUESTED: Final = "not_requested"

_TITLE_ORDER: Final = ("s2", "openalex", "crossref", "arxiv")
_ABSTRACT_ORDER: Final = ("arxiv", "s2", "openalex", "crossref")
_AUTHOR_ORDER: Final = ("s2", "arxiv", "openalex", "crossref")
_DATE_ORDER: Final = ("s2", "crossref", "openalex", "arxiv")
_TYPE_ORDER: Final = ("openalex", "crossref", "s2")
_ID_ORDER: Final = ("s2", "openalex", "crossref", "arxiv")
_CITATION_PREFERENCE: Final = ("s2", "openalex", "crossref")
# Statuses that mean "the source could not answer tonight" (as opposed to answering "no such item").
_FAILED: Final = frozenset(
    s.value for s in (FetchStatus.ERROR, FetchStatus.RATE_LIMITED, FetchStatus.DEFERRED, FetchStatus.MISSING)
)
# How a failed status is reported when several records of one source disagree (most telling first).
_FAILURE_ORDER: Final = (
    FetchStatus.NOT_FOUND,
    FetchStatus.ERROR,
    FetchStatus.RATE_LIMITED,
    FetchStatus.DEFERRED,
    FetchStatus.MISSING,
    FetchStatus.MOVED,
)
# (column, source, WorkRecord attribute): volatile values with a ``<column>_as_of`` date.
_VOLATILE_WORK: Final = (
    ("citation_count_s2", "s2", "citation_count"),
    ("citation_count_openalex", "openalex", "citation_count"),
    ("citation_count_crossref", "crossref", "citation_count"),
    ("influential_citation_count", "s2", "influential_citation_count"),
)
_ID_FIELDS: Final = ("arxiv_id", "doi", "pmid", "pmcid", "acl_id", "s2_paper_id", "corpus_id", "openalex_id")
_REPO_VALUES: Final = (
    "github_id",
    "stars",
    "forks",
    "open_issues",
    "watchers",
    "pushed_at",
    "created_at",
    "archived",
    "license",
    "topics",
    "description",
    "language",
    "stars_as_of",
    "fetched_at",
    "homepage",
    "paper_refs",
)
_HF_VALUES: Final = (
    "likes",
    "likes_as_of",
    "downloads",
    "downloads_as_of",
    "last_modified",
    "gated",
    "tags",
    "arxiv_ids",
    "fetched_at",
    "card_refs",
)
_PARSE_COLUMNS: Final = tuple(
    f.name
    for f in ENTRIES_SCHEMA
    if f.name not in {"work_id", "link_check", "repo_id", "hf_item_id", "entity_id"}
)


class EntryLike(Protocol):
    """What table building reads off a parsed entry (``enrich.parsing.Entry`` satisfies it)."""

    @property
    def entry_id(self) -> str: ...
    @property
    def list_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def title(self) -> str | None: ...
    @property
    def name(self) -> str | None: ...
    @property
    def github_repo(self) -> str | None: ...
    @property
    def hf_id(self) -> str | None: ...
    @property
    def hf_kind(self) -> str | None: ...


@dataclass(frozen=True)
class Tables:
    """One night's tables, each with its schema from :mod:`enrich.schemas`."""

    entries: pa.Table
    works: pa.Table
    repos: pa.Table
    hf_items: pa.Table
    metrics_history: pa.Table
    list_changes: pa.Table
    entities: pa.Table = field(default_factory=ENTITIES_SCHEMA.empty_table)  # enrich.entities

    def __post_init__(self) -> None:
        for name, table in self.items():
            if not table.schema.equals(SCHEMAS[name], check_metadata=False):
                raise ValueError(f"table {name!r} does not have the {name} schema")
            for column in SCHEMAS[name]:
                if not column.nullable and table.column(column.name).null_count:
                    raise ValueError(f"table {name!r}: column {column.name!r} may not be null")

    def items(self) -> Iterator[tuple[str, pa.Table]]:
        for name in SCHEMAS:
            yield name, getattr(self, name)

    def row_counts(self) -> dict[str, int]:
        return {name: table.num_rows for name, table in self.items()}


@dataclass(frozen=True)
class PreviousSnapshot:
    """The tables of the latest snapshot before tonight (see :func:`enrich.snapshot.read_previous`)."""

    snapshot_date: date
    entries: pa.Table = field(default_factory=ENTRIES_SCHEMA.empty_table)
    works: pa.Table = field(default_factory=WORKS_SCHEMA.empty_table)
    repos: pa.Table = field(default_factory=REPOS_SCHEMA.empty_table)
    hf_items: pa.Table = field(default_factory=HF_ITEMS_SCHEMA.empty_table)
    partial: bool = False

    def rows(self, table: str, key: str) -> PreviousRows:
        """``table``'s rows as dicts keyed by ``key`` (the table conformed to the current schema).

        A read-only mapping over the Arrow table: rows are made dicts a slice at a time as they are
        read (a night reads them in key order, the table's own order), so the whole previous
        snapshot never exists as Python objects at once."""
        return PreviousRows(conform(getattr(self, table), SCHEMAS[table]), key)


class PreviousRows(Mapping[str, Row]):
    """``key -> row dict`` over an Arrow table, as ``{row[key]: row for row in table.to_pylist()}``
    would be (same keys, same order, the last row of a repeated key), converted ``SLICE`` rows at a
    time with the last few slices kept. Treat the rows as read-only (copy before changing one)."""

    SLICE: Final = 2048
    KEPT: Final = 4

    def __init__(self, table: pa.Table, key: str) -> None:
        self.table = table
        self._index: dict[Any, int] = {}
        for i, value in enumerate(table.column(key).to_pylist()):
            self._index[value] = i
        self._slices: dict[int, list[Row]] = {}

    def __getitem__(self, key: Any) -> Row:
        i = self._index[key]
        n, offset = divmod(i, self.SLICE)
        rows = self._slices.get(n)
        if rows is None:
            rows = self.table.slice(n * self.SLICE, self.SLICE).to_pylist()
            if len(self._slices) >= self.KEPT:
                del self._slices[next(iter(self._slices))]  # the oldest slice read
            self._slices[n] = rows
        return rows[offset]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def column(self, name: str) -> Iterator[tuple[Any, Any]]:
        """``(key, row[name])`` for every key, without making the rows (one column converted)."""
        values = self.table.column(name).to_pylist()
        return ((key, values[i]) for key, i in self._index.items())


# ------------------------------------------------------------------------------------------ text


_TAG: Final = re.compile(r"</?[A-Za-z][A-Za-z0-9:_.-]*(?:\s[^<>]*)?/?>")
_JATS_HEADING: Final = re.compile(
    r"^\s*<jats:title>\s*(?:abstract|summary)\s*[.:]?\s*</jats:title>", re.IGNORECASE
)
_SPACES: Final = re.compile(r"\s+")


def clean_text(text: str | None) -> str | None:
    """Tags stripped, HTML entities decoded, whitespace collapsed; ``None`` for empty."""
    if text is None:
        return None
    text = html.unescape(_TAG.sub(" ", text))
    text = _SPACES.sub(" ", text).strip()
    return text or None


def clean_abstract(text: str | None) -> str | None:
    """:func:`clean_text` after dropping a leading JATS "Abstract" heading (Crossref)."""
    if text is None:
        return None
    return clean_text(_JATS_HEADING.sub("", text))


def _orcid(value: str | None) -> str | None:
    if not value:
        return None
    bare = value.strip().rstrip("/").rsplit("/", 1)[-1].upper()
    return bare or None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _timestamp(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return _utc(datetime.fromisoformat(text.strip()))
    except ValueError:
        return None


def _full_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10]) if len(text.strip()) >= 10 else None
    except ValueError:
        return None


def _first(values: Sequence[Any]) -> Any:
    for value in values:
        if value is not None:
            return value
    return None


# ------------------------------------------------------------------------------------- entries


def hf_item_id(kind: str, hf_id: str) -> str:
    """The ``hf_items`` key: ``kind:id`` lower-cased (the Hub treats ids case-insensitively)."""
    return f"{kind}:{hf_id}".lower()


def _entry_row(entry: EntryLike) -> Row:
    row: Row = {}
    for name in _PARSE_COLUMNS:
        value = getattr(entry, name, None)
        row[name] = list(value) if isinstance(value, tuple) else value
    if row.get("urls") is None:
        row["urls"] = []
    return row


# -------------------------------------------------------------------------------------- status


def _failure_status(statuses: Collection[FetchStatus]) -> str:
    for status in _FAILURE_ORDER:
        if status in statuses:
            return status.value
    return NOT_REQUESTED


def _row_status(fresh: bool, fetch_status: str, carried: bool) -> str:
    if fresh:
        return "ok"
    if fetch_status == FetchStatus.NOT_FOUND.value:
        return "not_found"
    return "stale" if carried else "unavailable"


# ---------------------------------------------------------------------------------------- repos


def _repo_has_data(rec: RepoRecord) -> bool:
    return rec.status in (FetchStatus.OK, FetchStatus.MOVED) and rec.full_name is not None


def _repo_target(rec: RepoRecord) -> str | None:
    """The lower-case name a record says its key now lives under, if renamed."""
    key = rec.key.lower()
    if rec.moved_to and rec.moved_to.lower() != key:
        return rec.moved_to.lower()
    if _repo_has_data(rec) and rec.full_name and rec.full_name.lower() != key:
        return rec.full_name.lower()
    return None


def _previous_row(prev: Mapping[str, Row], key: str, aliases: Collection[str]) -> Row | None:
    """The previous row of ``key``, else of the first of its old names that had one (a rename tonight)."""
    if key in prev:
        return prev[key]
    return next((prev[name] for name in sorted(aliases) if name in prev), None)


def _inverse(key_of: Mapping[str, str]) -> dict[str, list[str]]:
    names_of: dict[str, list[str]] = defaultdict(list)
    for name, key in key_of.items():
        names_of[key].append(name)
    return names_of


def _follow(alias: Mapping[str, str], name: str) -> str:
    seen = {name}
    while name in alias and alias[name] not in seen:
        name = alias[name]
        seen.add(name)
    return name


@dataclass(frozen=True)
class _Built:
    rows: list[Row]
    key_of: dict[str, str]  # requested name/key -> row key
    fresh: dict[str, Any]  # row key -> tonight's record with data


class _Fetched(Protocol):
    """What repo and Hugging Face records share (both are frozen dataclasses)."""

    @property
    def key(self) -> str: ...
    @property
    def status(self) -> FetchStatus: ...
    @property
    def fetched_at(self) -> datetime: ...
    @property
    def reason(self) -> str | None: ...


_F = TypeVar("_F", bound=_Fetched)


def _alias_map(
    prev: Mapping[str, Row],
    aliases_column: str,
    records: Sequence[_F],
    target: Callable[[_F], str | None],
    has_data: Callable[[_F], bool],
) -> dict[str, str]:
    """Old name -> current id: renames remembered from the previous snapshot, then tonight's answers."""
    alias: dict[str, str] = {}
    for key, prev_row in prev.items():
        for old in prev_row[aliases_column] or ():
            if old != key:
                alias.setdefault(old, key)
    for rec in sorted(records, key=lambda r: r.key.lower()):
        moved = target(rec)
        if moved is not None:
            alias[rec.key.lower()] = moved
        elif has_data(rec):  # the name is (again) an item of its own: an old alias no longer applies
            alias.pop(rec.key.lower(), None)
    return alias


def _gather(
    item_id: str,
    by_id: Mapping[str, list[_F]],
    has_data: Callable[[_F], bool],
    names_of: Mapping[str, list[str]],
    prev: Mapping[str, Row],
    id_column: str,
    aliases_column: str,
) -> tuple[list[_F], list[_F], set[str], Row | None]:
    """Tonight's records of one item, those with data (best first), its old names, its previous row."""
    recs = sorted(by_id.get(item_id, ()), key=lambda r: (r.key.lower() != item_id, r.key))
    good = sorted(
        (r for r in recs if has_data(r)),
        key=lambda r: (r.status != FetchStatus.OK, -_utc(r.fetched_at).timestamp(), r.key),
    )
    aliases = {n for n in names_of.get(item_id, ()) if n != item_id}
    old = _previous_row(prev, item_id, aliases)
    aliases.update(n for n in (old[aliases_column] if old else ()) if n != item_id)
    if old is not None and old[id_column] != item_id:
        aliases.add(old[id_column])
    return recs, good, aliases, old


def _failure(recs: Sequence[_Fetched]) -> tuple[str, str | None]:
    """The fetch status and reason of an item no record had data for."""
    status = _failure_status({r.status for r in recs}) if recs else NOT_REQUESTED
    return status, _first([r.reason for r in recs])


def _finish_row(
    row: Row,
    *,
    fresh: bool,
    carried: bool,
    fetch_status: str,
    reason: str | None,
    linked: tuple[list[str], int],
) -> Row:
    row["status"] = _row_status(fresh, fetch_status, carried)
    row["fetch_status"] = fetch_status
    row["fetch_reason"] = reason
    row["list_ids"], row["entry_count"] = linked
    return row


def _build_repos(
    entries: Sequence[EntryLike], records: Sequence[RepoRecord], prev: Mapping[str, Row], day: date
) -> _Built:
    alias = _alias_map(prev, "previous_names", records, _repo_target, _repo_has_data)
    names: set[str] = {e.github_repo.lower() for e in entries if e.github_repo}
    names.update(r.key.lower() for r in records)
    key_of = {name: _follow(alias, name) for name in names}
    names_of = _inverse(key_of)
    by_id: dict[str, list[RepoRecord]] = defaultdict(list)
    for rec in records:
        by_id[key_of[rec.key.lower()]].append(rec)
    linked = _links(entries, lambda e: key_of[e.github_repo.lower()] if e.github_repo else None)
    rows: list[Row] = []
    fresh: dict[str, Any] = {}
    for repo_id in sorted(set(key_of.values())):
        recs, good, aliases, old = _gather(
            repo_id, by_id, _repo_has_data, names_of, prev, "repo_id", "previous_names"
        )
        row: Row = {"repo_id": repo_id, "previous_names": sorted(aliases)}
        if good:
            rec = good[0]
            fresh[repo_id] = rec
            row.update(_repo_values(rec, day))
            if not rec.readme_read and old is not None:  # fetched without its README: keep what it cited
                row["paper_refs"] = keep_readme_refs(row["paper_refs"], old.get("paper_refs"))
            row["full_name"] = rec.full_name
            fetch_status = rec.status.value
            reason = None
        else:
            fetch_status, reason = _failure(recs)
            row.update({k: old[k] for k in _REPO_VALUES} if old else {k: None for k in _REPO_VALUES})
            moved = next((r.moved_to for r in recs if r.moved_to and r.moved_to.lower() == repo_id), None)
            same = old is not None and old["repo_id"] == repo_id
            row["full_name"] = old["full_name"] if old is not None and same else (moved or repo_id)
            if row["topics"] is None:
                row["topics"] = []
        carried = not good and row["stars_as_of"] is not None
        rows.append(
            _finish_row(
                row,
                fresh=bool(good),
                carried=carried,
                fetch_status=fetch_status,
                reason=reason,
                linked=linked.get(repo_id, ([], 0)),
            )
        )
    return _Built(rows, key_of, fresh)


def _repo_values(rec: RepoRecord, day: date) -> Row:
    return {
        "github_id": rec.github_id,
        "stars": rec.stars,
        "forks": rec.forks,
        "open_issues": rec.open_issues,
        "watchers": rec.watchers,
        "pushed_at": _timestamp(rec.pushed_at),
        "created_at": _timestamp(rec.created_at),
        "archived": rec.archived,
        "license": rec.license,
        "topics": list(rec.topics),
        "description": clean_text(rec.description),
        "language": rec.language,
        "stars_as_of": day,
        "fetched_at": _utc(rec.fetched_at),
        "homepage": rec.homepage,
        "paper_refs": [{"ref": ref, "found_in": where} for ref, where in sorted(rec.paper_refs)] or None,
    }


def _links(
    entries: Sequence[EntryLike], key: Callable[[EntryLike], str | None]
) -> dict[str, tuple[list[str], int]]:
    lists: dict[str, set[str]] = defaultdict(set)
    counts: dict[str, int] = defaultdict(int)
    for entry in entries:
        k = key(entry)
        if k is not None:
            lists[k].add(entry.list_id)
            counts[k] += 1
    return {k: (sorted(lists[k]), counts[k]) for k in lists}


# ------------------------------------------------------------------------------------- HF items


def _hf_has_data(rec: HfRecord) -> bool:
    return rec.status in (FetchStatus.OK, FetchStatus.MOVED) and (
        rec.likes is not None or rec.downloads is not None
    )


def _hf_target(rec: HfRecord) -> str | None:
    key = rec.key.lower()
    if rec.moved_to:
        moved = rec.moved_to
        kind, _, rest = moved.partition(":")
        target = (
            moved.lower() if rest and kind in {"model", "dataset", "space"} else hf_item_id(rec.kind, moved)
        )
        return target if target != key else None
    if _hf_has_data(rec) and hf_item_id(rec.kind, rec.hf_id) != key:
        return hf_item_id(rec.kind, rec.hf_id)
    return None


def _entry_hf_key(entry: EntryLike) -> str | None:
    if entry.hf_id and entry.hf_kind:
        return hf_item_id(entry.hf_kind, entry.hf_id)
    return None


def _build_hf(
    entries: Sequence[EntryLike], records: Sequence[HfRecord], prev: Mapping[str, Row], day: date
) -> _Built:
    alias = _alias_map(prev, "previous_ids", records, _hf_target, _hf_has_data)
    names = {k for k in map(_entry_hf_key, entries) if k is not None}
    names.update(r.key.lower() for r in records)
    key_of = {name: _follow(alias, name) for name in names}
    names_of = _inverse(key_of)
    # the display form of each id: the Hub's spelling if known, else the first spelling seen
    spelled: dict[str, tuple[str, str]] = {}
    for entry in sorted(entries, key=lambda e: e.entry_id):
        k = _entry_hf_key(entry)
        if k is not None and entry.hf_kind and entry.hf_id:
            spelled.setdefault(k, (entry.hf_kind, entry.hf_id))
    by_id: dict[str, list[HfRecord]] = defaultdict(list)
    for rec in records:
        by_id[key_of[rec.key.lower()]].append(rec)
        spelled.setdefault(rec.key.lower(), (rec.kind, rec.hf_id))
        target = _hf_target(rec)
        if target is not None and rec.moved_to:
            spelled.setdefault(target, (rec.kind, rec.moved_to.split(":", 1)[-1]))

    def hf_link(entry: EntryLike) -> str | None:
        k = _entry_hf_key(entry)
        return key_of[k] if k is not None else None

    linked = _links(entries, hf_link)
    rows: list[Row] = []
    fresh: dict[str, Any] = {}
    for item_id in sorted(set(key_of.values())):
        recs, good, aliases, old = _gather(
            item_id, by_id, _hf_has_data, names_of, prev, "hf_item_id", "previous_ids"
        )
        kind, _, bare = item_id.partition(":")
        row: Row = {"hf_item_id": item_id, "kind": kind, "previous_ids": sorted(aliases)}
        if good:
            rec = good[0]
            fresh[item_id] = rec
            as_of = day
            row.update(
                {
                    "hf_id": rec.hf_id
                    if hf_item_id(rec.kind, rec.hf_id) == item_id
                    else spelled.get(item_id, (kind, bare))[1],
                    "likes": rec.likes,
                    "likes_as_of": as_of if rec.likes is not None else None,
                    "downloads": rec.downloads,
                    "downloads_as_of": as_of if rec.downloads is not None else None,
                    "last_modified": _timestamp(rec.last_modified),
                    "gated": rec.gated,
                    "tags": list(rec.tags),
                    "arxiv_ids": list(rec.arxiv_ids),
                    "card_refs": list(rec.card_refs) or None,
                    "fetched_at": _utc(rec.fetched_at),
                }
            )
            fetch_status = rec.status.value
            reason = None
        else:
            fetch_status, reason = _failure(recs)
            row.update({k: old[k] for k in _HF_VALUES} if old else {k: None for k in _HF_VALUES})
            same = old is not None and old["hf_item_id"] == item_id
            row["hf_id"] = old["hf_id"] if old is not None and same else spelled.get(item_id, (kind, bare))[1]
            row["tags"] = row["tags"] or []
            row["arxiv_ids"] = row["arxiv_ids"] or []
        carried = not good and (row["likes_as_of"] is not None or row["downloads_as_of"] is not None)
        rows.append(
            _finish_row(
                row,
                fresh=bool(good),
                carried=carried,
                fetch_status=fetch_status,
                reason=reason,
                linked=linked.get(item_id, ([], 0)),
            )
        )
    return _Built(rows, key_of, fresh)


# ---------------------------------------------------------------------------------------- works


def _work_has_data(rec: WorkRecord) -> bool:
    return rec.status == FetchStatus.OK or (rec.status == FetchStatus.MOVED and rec.title is not None)


def _merge_resolved(resolved: Sequence[ResolvedWork]) -> list[ResolvedWork]:
    """One ResolvedWork per work_id (defensive: resolution should already guarantee it)."""
    merged: dict[str, ResolvedWork] = {}
    for rw in resolved:
        if rw.work_id in merged:
            first = merged[rw.work_id]
            merged[rw.work_id] = ResolvedWork(
                work_id=first.work_id,
                ids=first.ids,
                entry_ids=first.entry_ids + rw.entry_ids,
                work_keys=first.work_keys + rw.work_keys,
                evidence=first.evidence,
                records=first.records + rw.records,
                local_title=first.local_title or rw.local_title,
                local_year=first.local_year if first.local_year is not None else rw.local_year,
                local_authors=first.local_authors or rw.local_authors,
            )
        else:
            merged[rw.work_id] = rw
    return [merged[k] for k in sorted(merged)]


class _PrevWorks:
    """Previous works rows, found by work_id or, failing that, by a shared identifier."""

    def __init__(self, rows: Mapping[str, Row]) -> None:
        self.rows = rows
        by_id: dict[tuple[str, Any], set[str]] = defaultdict(set)
        for name in _ID_FIELDS:
            column = (
                rows.column(name)
                if isinstance(rows, PreviousRows)
                else ((work_id, row[name]) for work_id, row in rows.items())
            )
            for work_id, value in column:
                if value is not None:
                    by_id[(name, value)].add(work_id)
        self.by_id = {k: next(iter(v)) for k, v in by_id.items() if len(v) == 1}

    def find(self, work_id: str, ids: Mapping[str, Any]) -> Row | None:
        if work_id in self.rows:
            return self.rows[work_id]
        for name in _ID_FIELDS:
            value = ids.get(name)
            if value is not None and (name, value) in self.by_id:
                return self.rows[self.by_id[(name, value)]]
        return None


@functools.lru_cache(maxsize=1 << 16)
def _name_keys(name: str) -> tuple[str, str]:
    norm = normalize_title(name)
    parts = norm.split()
    short = f"{parts[-1]} {parts[0][:1]}" if len(parts) > 1 else norm
    return norm, short


def _authors(
    good: Mapping[str, WorkRecord], failed: Collection[str], old: Row | None, local: Sequence[str]
) -> list[Row]:
    base: list[Row] = []
    for src in _AUTHOR_ORDER:
        rec = good.get(src)
        if rec is not None and rec.authors:
            base = [row for row in map(_author_row, rec.authors) if row is not None]
            break
        if rec is None and src in failed and old is not None and old["authors"]:
            break  # a better-ranked source is down: last time's list stands (below)
    donors: list[Row] = []
    for src in _AUTHOR_ORDER:
        rec = good.get(src)
        if rec is not None:
            with_ids = (a for a in rec.authors if a.s2_author_id or a.orcid)
            donors.extend(row for row in map(_author_row, with_ids) if row is not None)
    if old is not None and old["authors"]:
        if not base:
            base = [dict(a) for a in old["authors"]]
        donors.extend(old["authors"])
    if not base:
        base = [{"name": n, "s2_author_id": None, "orcid": None} for n in map(clean_text, local) if n]
    # only names whose missing id some other author record could supply need matching
    wanted = [
        attr
        for attr in ("s2_author_id", "orcid")
        if any(a[attr] is None for a in base) and any(d[attr] is not None for d in donors)
    ]
    if not wanted:
        return base
    full: dict[str, list[Row]] = defaultdict(list)
    short: dict[str, list[Row]] = defaultdict(list)
    for donor in donors:
        k_full, k_short = _name_keys(donor["name"])
        full[k_full].append(donor)
        short[k_short].append(donor)
    for author in base:
        k_full, k_short = _name_keys(author["name"])
        for attr in wanted:
            if author[attr] is None:
                candidates = {d[attr] for d in full.get(k_full, ()) if d[attr] is not None}
                if not candidates:
                    candidates = {d[attr] for d in short.get(k_short, ()) if d[attr] is not None}
                if len(candidates) == 1:
                    author[attr] = candidates.pop()
    return base


def _author_row(author: Author) -> Row | None:
    name = clean_text(author.name)
    if name is None:
        return None
    return {
        "name": name,
        "s2_author_id": author.s2_author_id or None,
        "orcid": _orcid(author.orcid),
    }


def _pick(good: Mapping[str, WorkRecord], order: Sequence[str], get: Callable[[WorkRecord], Any]) -> Any:
    for src in order:
        rec = good.get(src)
        if rec is not None:
            value = get(rec)
            if value is not None:
                return value
    return None


def _work_row(
    rw: ResolvedWork, entry_lists: Mapping[str, str], prev: _PrevWorks, day: date
) -> tuple[Row, dict[str, WorkRecord]]:
    by_source: dict[str, list[WorkRecord]] = defaultdict(list)
    for rec in rw.records:
        by_source[rec.source].append(rec)
    good: dict[str, WorkRecord] = {}
    status: dict[str, str] = {}
    for src in WORK_SOURCES:
        recs = sorted(by_source.get(src, ()), key=lambda r: (r.status != FetchStatus.OK, r.key))
        ok = [r for r in recs if _work_has_data(r)]
        if ok:
            good[src] = ok[0]
            status[src] = FetchStatus.OK.value
        else:
            status[src] = _failure_status({r.status for r in recs}) if recs else NOT_REQUESTED
    ids: Row = {}
    for name in _ID_FIELDS:
        ids[name] = _first([getattr(rw.ids, name), _pick(good, _ID_ORDER, attrgetter(name))])
    old = prev.find(rw.work_id, ids)
    for name in _ID_FIELDS:
        if ids[name] is None and old is not None:
            ids[name] = old[name]

    failed = {src for src, st in status.items() if st in _FAILED}

    def keep(column: str, order: Sequence[str], get: Callable[[WorkRecord], Any]) -> Any:
        """The best fresh value, unless a better-ranked source is down and last time's value exists."""
        before = old[column] if old is not None else None
        for src in order:
            rec = good.get(src)
            if rec is not None:
                value = get(rec)
                if value is not None:
                    return value
            elif src in failed and before is not None:
                return before
        return before

    row: Row = {"work_id": rw.work_id}
    row["title"] = keep("title", _TITLE_ORDER, lambda r: clean_text(r.title)) or clean_text(rw.local_title)
    abstract: str | None = None
    abstract_source: str | None = None
    for src in _ABSTRACT_ORDER:
        found = good.get(src)
        fresh = clean_abstract(found.abstract) if found is not None else None
        if fresh is not None:
            abstract, abstract_source = fresh, src
            break
        if old is not None and old["abstract_source"] == src and old["abstract"] is not None:
            abstract, abstract_source = old["abstract"], src
            break
    row["abstract"] = abstract
    row["abstract_source"] = abstract_source
    row["authors"] = _authors(good, failed, old, rw.local_authors)
    year = keep("year", _TITLE_ORDER, lambda r: r.year)
    row["year"] = year if year is not None else rw.local_year
    row["publication_date"] = keep("publication_date", _DATE_ORDER, lambda r: _full_date(r.publication_date))
    row["venue"] = keep("venue", _TITLE_ORDER, lambda r: clean_text(r.venue))
    row["work_type"] = keep("work_type", _TYPE_ORDER, lambda r: r.work_type)
    row.update(ids)
    carried = False
    for column, src, attr in _VOLATILE_WORK:
        found = good.get(src)
        value = getattr(found, attr) if found is not None else None
        if value is not None and found is not None:
            row[column], row[f"{column}_as_of"] = value, day
        elif old is not None and old[column] is not None:
            row[column], row[f"{column}_as_of"] = old[column], old[f"{column}_as_of"]
            carried = True
        else:
            row[column], row[f"{column}_as_of"] = None, None
    row["citation_count"] = row["citation_count_source"] = row["citation_count_as_of"] = None
    for src in _CITATION_PREFERENCE:
        column = f"citation_count_{src}"
        if row[column] is not None:
            row["citation_count"], row["citation_count_source"] = row[column], src
            row["citation_count_as_of"] = row[f"{column}_as_of"]
            break
    row["reference_count"] = keep("reference_count", _CITATION_PREFERENCE, lambda r: r.reference_count)
    row["tldr"] = keep("tldr", ("s2",), lambda r: clean_text(r.tldr))
    row["match_method"] = rw.evidence.method.value
    row["match_score"] = rw.evidence.score
    row["match_source"] = rw.evidence.source
    entry_ids = sorted(set(rw.entry_ids))
    row["list_ids"] = sorted({entry_lists[e] for e in entry_ids if e in entry_lists})
    row["entry_ids"] = entry_ids
    row["entry_count"] = len(entry_ids)
    row["sources"] = sorted(good)
    for src in WORK_SOURCES:
        row[f"status_{src}"] = status[src]
    if good:
        row["metadata_as_of"] = day
    else:
        row["metadata_as_of"] = old["metadata_as_of"] if old is not None else None
    if good and not carried:
        row["status"] = "ok"
    elif carried or row["metadata_as_of"] is not None:
        row["status"] = "stale"
    else:
        row["status"] = "local"
    return row, good


# --------------------------------------------------------------------------------------- history


def _metrics(
    works: Mapping[str, Mapping[str, WorkRecord]], repos: Mapping[str, Any], hf: Mapping[str, Any]
) -> list[Row]:
    rows: list[Row] = []

    def add(
        entity_type: str, entity_id: str, metric: str, source: str, value: int | None, at: datetime
    ) -> None:
        if value is not None:
            rows.append(
                {
                    "entity_type": entity_type,
                    "entity_id": entity_id,
                    "metric": metric,
                    "source": source,
                    "value": value,
                    "observed_at": _utc(at),
                }
            )

    for work_id, good in works.items():
        for src, rec in good.items():
            if src in _CITATION_PREFERENCE:
                add("work", work_id, "citation_count", src, rec.citation_count, rec.fetched_at)
            if src == "s2":
                add(
                    "work",
                    work_id,
                    "influential_citation_count",
                    src,
                    rec.influential_citation_count,
                    rec.fetched_at,
                )
    for repo_id, rec in repos.items():
        for metric, value in (
            ("stars", rec.stars),
            ("forks", rec.forks),
            ("open_issues", rec.open_issues),
            ("watchers", rec.watchers),
        ):
            add("repo", repo_id, metric, "github", value, rec.fetched_at)
    for item_id, rec in hf.items():
        add("hf_item", item_id, "likes", "huggingface", rec.likes, rec.fetched_at)
        add("hf_item", item_id, "downloads", "huggingface", rec.downloads, rec.fetched_at)
    return rows


EDIT_COLUMNS: Final = ("name", "title", "authors_raw", "year", "venue_raw", "urls", "description")
"""The entry columns whose change makes an entry ``edited`` in ``list_changes``: the entry's own text.
``line`` and ``section`` are where it stands (a move or a renamed heading is not an edit); the
identifier columns and ``kind`` follow from the URLs and text; the rest come from resolution."""

_CHANGE_COLUMNS: Final = tuple(
    dict.fromkeys(
        ("list_id", "entry_id", "kind", "title", "name", "work_id", "repo_id", "hf_item_id", *EDIT_COLUMNS)
    )
)
"""The previous entries' columns :func:`list_changes` reads (the rest are not made into dicts)."""


def list_changes(
    tonight: Sequence[Mapping[str, Any]],
    before: Sequence[Mapping[str, Any]],
    unreadable: Collection[str] = (),
) -> list[Row]:
    """The ``list_changes`` rows: entries gained, lost or edited since ``before``, per list.

    ``tonight`` and ``before`` are ``entries`` rows (dicts with at least ``list_id``, ``entry_id``,
    ``kind``, ``title``, ``name`` and :data:`EDIT_COLUMNS`; ``work_id``, ``repo_id``, ``hf_item_id``
    when known). An entry is ``gained``/``lost`` when its id appears/disappears, ``edited`` when its
    id stays and any of :data:`EDIT_COLUMNS` differs (named in ``edited_columns``). Lists in
    ``unreadable`` record nothing. Rows are in no particular order (the table sorts them).
    """
    now = {(r["list_id"], r["entry_id"]): r for r in tonight}
    then = {(r["list_id"], r["entry_id"]): r for r in before}
    rows: list[Row] = []

    def add(
        change: str, r: Mapping[str, Any], old: Mapping[str, Any] | None, edited: list[str] | None
    ) -> None:
        rows.append(
            {
                "list_id": r["list_id"],
                "entry_id": r["entry_id"],
                "change": change,
                "kind": r["kind"],
                "label": r["title"] or r["name"],
                "work_id": r.get("work_id"),
                "repo_id": r.get("repo_id"),
                "hf_item_id": r.get("hf_item_id"),
                "previous_label": (old["title"] or old["name"]) if old is not None else None,
                "edited_columns": edited,
            }
        )

    for key, r in now.items():
        if r["list_id"] in unreadable:
            continue
        old = then.get(key)
        if old is None:
            add("gained", r, None, None)
            continue
        edited = [c for c in EDIT_COLUMNS if _comparable(r.get(c)) != _comparable(old.get(c))]
        if edited:
            add("edited", r, old, edited)
    for key, r in then.items():
        if key not in now and r["list_id"] not in unreadable:
            add("lost", r, None, None)
    return rows


def _comparable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | tuple) else value


_CARRIED_STATUS: Final = {
    "works": ("work_id", ("status_arxiv", "status_s2", "status_openalex", "status_crossref")),
    "repos": ("repo_id", ("fetch_status",)),
    "hf_items": ("hf_item_id", ("fetch_status",)),
}


def _carry_unreadable_lists(
    unreadable: set[str],
    previous_entries: Sequence[Row],
    previous: PreviousSnapshot,
    entry_rows: dict[str, Row],
    tonight: Mapping[str, list[Row]],
) -> None:
    """Keep the previous entries of lists that could not be read tonight, and what only they link."""
    carried = [r for r in previous_entries if r["list_id"] in unreadable and r["entry_id"] not in entry_rows]
    for row in carried:
        entry_rows[row["entry_id"]] = dict(row)
    for table, (key, status_columns) in _CARRIED_STATUS.items():
        linked: dict[str, list[Row]] = defaultdict(list)
        for row in carried:
            if row[key] is not None:
                linked[row[key]].append(row)
        if not linked:
            continue
        rows = {r[key]: r for r in tonight[table]}
        old_rows = previous.rows(table, key)
        for item, entries in sorted(linked.items()):
            target = rows.get(item)
            if target is None:
                old = old_rows.get(item)
                if old is None:  # the previous snapshot was inconsistent: drop the dangling link
                    for entry in entries:
                        entry_rows[entry["entry_id"]][key] = None
                    continue
                target = dict(old)
                for column in status_columns:
                    target[column] = NOT_REQUESTED
                if table == "works":
                    target["sources"] = []
                    target["status"] = "stale" if target["metadata_as_of"] is not None else "local"
                    target["entry_ids"], target["list_ids"], target["entry_count"] = [], [], 0
                else:
                    target["fetch_reason"] = None
                    if target["status"] == "ok":
                        target["status"] = "stale"
                    target["list_ids"], target["entry_count"] = [], 0
                tonight[table].append(target)
                rows[item] = target
            target["list_ids"] = sorted({*target["list_ids"], *(e["list_id"] for e in entries)})
            target["entry_count"] += len(entries)
            if table == "works":
                target["entry_ids"] = sorted({*target["entry_ids"], *(e["entry_id"] for e in entries)})
                target["entry_count"] = len(target["entry_ids"])


# ----------------------------------------------------------------------------------------- build


_CONVERT_ROWS: Final = 8192


def _table(name: str, rows: list[Row]) -> pa.Table:
    """``rows`` sorted by the table's key, as one Arrow table. Consumes ``rows``: each slice is
    dropped from the list once converted, so the dicts the caller no longer holds are freed as the
    table grows instead of after it is whole. The result is contiguous (one chunk per column), the
    same table ``pa.Table.from_pylist`` makes of the whole list."""
    keys = TABLE_KEYS[name]
    rows.sort(key=lambda r: tuple(r[k] for k in keys))
    schema = SCHEMAS[name]
    if len(rows) <= _CONVERT_ROWS:
        return pa.Table.from_pylist(rows, schema=schema)
    rows.reverse()  # convert from the end of the list: popping a slice there costs nothing
    batches: list[pa.RecordBatch] = []
    while rows:
        piece = rows[-_CONVERT_ROWS:]
        del rows[-_CONVERT_ROWS:]
        piece.reverse()
        batches.append(pa.RecordBatch.from_pylist(piece, schema=schema))
        del piece
    return pa.Table.from_batches(batches, schema=schema).combine_chunks()


def build_tables(
    entries: Sequence[EntryLike],
    resolved: Sequence[ResolvedWork],
    repos: Sequence[RepoRecord],
    hf: Sequence[HfRecord],
    *,
    snapshot_date: date,
    previous: PreviousSnapshot | None,
    unreadable_lists: Collection[str] = (),
) -> Tables:
    """Tonight's tables from tonight's inputs and the previous snapshot (for carry-forward and changes).

    ``unreadable_lists``: ids of lists that could not be read tonight. Their entries are carried
    from the previous snapshot unchanged (with the works, repos and Hugging Face items only they
    link, flagged as not requested tonight), and they record no list changes: a file that failed to
    parse does not erase a list.
    """
    if previous is None:
        previous = PreviousSnapshot(snapshot_date=date.min)
    elif previous.snapshot_date >= snapshot_date:
        raise ValueError(f"previous snapshot {previous.snapshot_date} is not before {snapshot_date}")
    entry_rows = {e.entry_id: _entry_row(e) for e in entries}
    entry_lists = {e.entry_id: e.list_id for e in entries}

    repo_built = _build_repos(entries, repos, previous.rows("repos", "repo_id"), snapshot_date)
    hf_built = _build_hf(entries, hf, previous.rows("hf_items", "hf_item_id"), snapshot_date)
    prev_works = _PrevWorks(previous.rows("works", "work_id"))
    work_rows: list[Row] = []
    fresh_works: dict[str, dict[str, WorkRecord]] = {}
    work_of: dict[str, str] = {}
    link_of = {entry_id: check.value for rw in resolved for entry_id, check in rw.link_checks}
    for rw in _merge_resolved(resolved):
        row, good = _work_row(rw, entry_lists, prev_works, snapshot_date)
        work_rows.append(row)
        fresh_works[rw.work_id] = good
        for entry_id in rw.entry_ids:
            work_of.setdefault(entry_id, rw.work_id)

    for entry in entries:
        row = entry_rows[entry.entry_id]
        row["work_id"] = work_of.get(entry.entry_id)
        row["link_check"] = link_of.get(entry.entry_id)
        row["repo_id"] = repo_built.key_of[entry.github_repo.lower()] if entry.github_repo else None
        hf_key = _entry_hf_key(entry)
        row["hf_item_id"] = hf_built.key_of[hf_key] if hf_key is not None else None

    previous_table = conform(previous.entries, ENTRIES_SCHEMA)
    # list changes read a few columns of every previous entry; only unreadable lists need whole rows
    previous_entries = previous_table.select(_CHANGE_COLUMNS).to_pylist()
    if unreadable_lists:
        unreadable_rows = previous_table.filter(
            pc.is_in(previous_table["list_id"], pa.array(sorted(unreadable_lists), pa.string()))
        ).to_pylist()
        _carry_unreadable_lists(
            set(unreadable_lists),
            unreadable_rows,
            previous,
            entry_rows,
            {"works": work_rows, "repos": repo_built.rows, "hf_items": hf_built.rows},
        )
    entity_rows, entity_of = build_entities(
        list(entry_rows.values()), work_rows, repo_built.rows, hf_built.rows
    )
    for entry_id, row in entry_rows.items():
        row["entity_id"] = entity_of.get(entry_id)
    return Tables(
        entities=_table("entities", entity_rows),
        entries=_table("entries", list(entry_rows.values())),
        works=_table("works", work_rows),
        repos=_table("repos", repo_built.rows),
        hf_items=_table("hf_items", hf_built.rows),
        metrics_history=_table("metrics_history", _metrics(fresh_works, repo_built.fresh, hf_built.fresh)),
        list_changes=_table(
            "list_changes",
            list_changes(list(entry_rows.values()), previous_entries, set(unreadable_lists)),
        ),
    )
