"""``list_changes`` rows: the entries each list gained, lost or edited versus the previous snapshot
(ids follow edited entries across versions: ``enrich.parsing.carry_ids.carry_entry_ids``)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any, Final

from enrich.tables.common import Row

EDIT_COLUMNS: Final = ("name", "title", "authors_raw", "year", "venue_raw", "urls", "description")
"""The entry columns whose change makes an entry ``edited`` in ``list_changes``: the entry's own text.
``line`` and ``section`` are where it stands (a move or a renamed heading is not an edit); the
identifier columns and ``kind`` follow from the URLs and text; the rest come from resolution."""

CHANGE_COLUMNS: Final = tuple(
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
    return list(changes_between(now, then, unreadable))


EntryKey = tuple[str, str]


def changes_between(
    now: Mapping[EntryKey, Mapping[str, Any]],
    then: Mapping[EntryKey, Mapping[str, Any]],
    unreadable: Collection[str] = (),
) -> Iterator[Row]:
    """:func:`list_changes` over rows keyed by ``(list_id, entry_id)`` (e.g. ``PreviousRows`` over
    the Arrow tables, so neither night's entries exist as dicts all at once)."""

    def change_row(
        change: str, r: Mapping[str, Any], old: Mapping[str, Any] | None, edited: list[str] | None
    ) -> Row:
        return {
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

    for key, r in now.items():
        if r["list_id"] in unreadable:
            continue
        old = then.get(key)
        if old is None:
            yield change_row("gained", r, None, None)
            continue
        edited = [c for c in EDIT_COLUMNS if _comparable(r.get(c)) != _comparable(old.get(c))]
        if edited:
            yield change_row("edited", r, old, edited)
    for key, r in then.items():
        if key not in now and r["list_id"] not in unreadable:
            yield change_row("lost", r, None, None)


def _comparable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | tuple) else value
