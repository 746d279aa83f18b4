"""What repos and Hugging Face items share: renames followed through aliases, tonight's records of
one item gathered with its previous row, the fetch status of an item no record had data for."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from enrich.records import FetchStatus
from enrich.tables.carry import previous_row
from enrich.tables.common import NOT_REQUESTED, EntryLike, Row, failure_status, row_status
from enrich.tables.text import as_utc, first_known


def inverse(key_of: Mapping[str, str]) -> dict[str, list[str]]:
    names_of: dict[str, list[str]] = defaultdict(list)
    for name, key in key_of.items():
        names_of[key].append(name)
    return names_of


def follow(alias: Mapping[str, str], name: str) -> str:
    seen = {name}
    while name in alias and alias[name] not in seen:
        name = alias[name]
        seen.add(name)
    return name


@dataclass(frozen=True)
class Built:
    rows: list[Row]
    key_of: dict[str, str]  # requested name/key -> row key
    fresh: dict[str, Any]  # row key -> tonight's record with data


class Fetched(Protocol):
    """What repo and Hugging Face records share (both are frozen dataclasses)."""

    @property
    def key(self) -> str: ...
    @property
    def status(self) -> FetchStatus: ...
    @property
    def fetched_at(self) -> datetime: ...
    @property
    def reason(self) -> str | None: ...


_F = TypeVar("_F", bound=Fetched)


def alias_map(
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


def gather(
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
        key=lambda r: (r.status != FetchStatus.OK, -as_utc(r.fetched_at).timestamp(), r.key),
    )
    aliases = {n for n in names_of.get(item_id, ()) if n != item_id}
    old = previous_row(prev, item_id, aliases)
    aliases.update(n for n in (old[aliases_column] if old else ()) if n != item_id)
    if old is not None and old[id_column] != item_id:
        aliases.add(old[id_column])
    return recs, good, aliases, old


def failure(recs: Sequence[Fetched]) -> tuple[str, str | None]:
    """The fetch status and reason of an item no record had data for."""
    status = failure_status({r.status for r in recs}) if recs else NOT_REQUESTED
    return status, first_known([r.reason for r in recs])


def finish_row(
    row: Row,
    *,
    fresh: bool,
    carried: bool,
    fetch_status: str,
    reason: str | None,
    linked: tuple[list[str], int],
) -> Row:
    row["status"] = row_status(fresh, fetch_status, carried)
    row["fetch_status"] = fetch_status
    row["fetch_reason"] = reason
    row["list_ids"], row["entry_count"] = linked
    return row


def links(
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
