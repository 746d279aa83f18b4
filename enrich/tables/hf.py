"""``hf_items`` rows: one per Hugging Face model, dataset or space, keyed by lower-case ``kind:id``
(the Hub treats ids case-insensitively); moves are followed like repo renames."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Final

from enrich.records import FetchStatus, HfRecord
from enrich.tables.common import EntryLike, Row
from enrich.tables.items import Built, alias_map, failure, finish_row, follow, gather, inverse, links
from enrich.tables.text import as_utc, parse_timestamp

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


def hf_item_id(kind: str, hf_id: str) -> str:
    """The ``hf_items`` key: ``kind:id`` lower-cased (the Hub treats ids case-insensitively)."""
    return f"{kind}:{hf_id}".lower()


def hf_has_data(rec: HfRecord) -> bool:
    return rec.status in (FetchStatus.OK, FetchStatus.MOVED) and (
        rec.likes is not None or rec.downloads is not None
    )


def hf_target(rec: HfRecord) -> str | None:
    key = rec.key.lower()
    if rec.moved_to:
        moved = rec.moved_to
        kind, _, rest = moved.partition(":")
        target = (
            moved.lower() if rest and kind in {"model", "dataset", "space"} else hf_item_id(rec.kind, moved)
        )
        return target if target != key else None
    if hf_has_data(rec) and hf_item_id(rec.kind, rec.hf_id) != key:
        return hf_item_id(rec.kind, rec.hf_id)
    return None


def entry_hf_key(entry: EntryLike) -> str | None:
    if entry.hf_id and entry.hf_kind:
        return hf_item_id(entry.hf_kind, entry.hf_id)
    return None


def build_hf(
    entries: Sequence[EntryLike], records: Sequence[HfRecord], prev: Mapping[str, Row], day: date
) -> Built:
    alias = alias_map(prev, "previous_ids", records, hf_target, hf_has_data)
    names = {k for k in map(entry_hf_key, entries) if k is not None}
    names.update(r.key.lower() for r in records)
    key_of = {name: follow(alias, name) for name in names}
    names_of = inverse(key_of)
    # the display form of each id: the Hub's spelling if known, else the first spelling seen
    spelled: dict[str, tuple[str, str]] = {}
    for entry in sorted(entries, key=lambda e: e.entry_id):
        k = entry_hf_key(entry)
        if k is not None and entry.hf_kind and entry.hf_id:
            spelled.setdefault(k, (entry.hf_kind, entry.hf_id))
    by_id: dict[str, list[HfRecord]] = defaultdict(list)
    for rec in records:
        by_id[key_of[rec.key.lower()]].append(rec)
        spelled.setdefault(rec.key.lower(), (rec.kind, rec.hf_id))
        target = hf_target(rec)
        if target is not None and rec.moved_to:
            spelled.setdefault(target, (rec.kind, rec.moved_to.split(":", 1)[-1]))

    def hf_link(entry: EntryLike) -> str | None:
        k = entry_hf_key(entry)
        return key_of[k] if k is not None else None

    linked = links(entries, hf_link)
    rows: list[Row] = []
    fresh: dict[str, Any] = {}
    for item_id in sorted(set(key_of.values())):
        recs, good, aliases, old = gather(
            item_id, by_id, hf_has_data, names_of, prev, "hf_item_id", "previous_ids"
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
                    "last_modified": parse_timestamp(rec.last_modified),
                    "gated": rec.gated,
                    "tags": list(rec.tags),
                    "arxiv_ids": list(rec.arxiv_ids),
                    "card_refs": list(rec.card_refs) or None,
                    "fetched_at": as_utc(rec.fetched_at),
                }
            )
            fetch_status = rec.status.value
            reason = None
        else:
            fetch_status, reason = failure(recs)
            row.update({k: old[k] for k in _HF_VALUES} if old else {k: None for k in _HF_VALUES})
            same = old is not None and old["hf_item_id"] == item_id
            row["hf_id"] = old["hf_id"] if old is not None and same else spelled.get(item_id, (kind, bare))[1]
            row["tags"] = row["tags"] or []
            row["arxiv_ids"] = row["arxiv_ids"] or []
        carried = not good and (row["likes_as_of"] is not None or row["downloads_as_of"] is not None)
        rows.append(
            finish_row(
                row,
                fresh=bool(good),
                carried=carried,
                fetch_status=fetch_status,
                reason=reason,
                linked=linked.get(item_id, ([], 0)),
            )
        )
    return Built(rows, key_of, fresh)
