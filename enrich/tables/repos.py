"""``repos`` rows: one per repository, keyed by lower-case ``owner/name``; renames are followed (the
new name is the ``repo_id``, old names go to ``previous_names``), values carried when GitHub could
not answer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Final

from enrich.links import keep_readme_refs
from enrich.records import FetchStatus, RepoRecord
from enrich.tables.common import EntryLike, Row
from enrich.tables.items import Built, alias_map, failure, finish_row, follow, gather, inverse, links
from enrich.tables.text import as_utc, clean_text, parse_timestamp

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


def repo_has_data(rec: RepoRecord) -> bool:
    return rec.status in (FetchStatus.OK, FetchStatus.MOVED) and rec.full_name is not None


def repo_target(rec: RepoRecord) -> str | None:
    """The lower-case name a record says its key now lives under, if renamed."""
    key = rec.key.lower()
    if rec.moved_to and rec.moved_to.lower() != key:
        return rec.moved_to.lower()
    if repo_has_data(rec) and rec.full_name and rec.full_name.lower() != key:
        return rec.full_name.lower()
    return None


def build_repos(
    entries: Sequence[EntryLike], records: Sequence[RepoRecord], prev: Mapping[str, Row], day: date
) -> Built:
    alias = alias_map(prev, "previous_names", records, repo_target, repo_has_data)
    names: set[str] = {e.github_repo.lower() for e in entries if e.github_repo}
    names.update(r.key.lower() for r in records)
    key_of = {name: follow(alias, name) for name in names}
    names_of = inverse(key_of)
    by_id: dict[str, list[RepoRecord]] = defaultdict(list)
    for rec in records:
        by_id[key_of[rec.key.lower()]].append(rec)
    linked = links(entries, lambda e: key_of[e.github_repo.lower()] if e.github_repo else None)
    rows: list[Row] = []
    fresh: dict[str, Any] = {}
    for repo_id in sorted(set(key_of.values())):
        recs, good, aliases, old = gather(
            repo_id, by_id, repo_has_data, names_of, prev, "repo_id", "previous_names"
        )
        row: Row = {"repo_id": repo_id, "previous_names": sorted(aliases)}
        if good:
            rec = good[0]
            fresh[repo_id] = rec
            row.update(repo_values(rec, day))
            if not rec.readme_read and old is not None:  # fetched without its README: keep what it cited
                row["paper_refs"] = keep_readme_refs(row["paper_refs"], old.get("paper_refs"))
            row["full_name"] = rec.full_name
            fetch_status = rec.status.value
            reason = None
        else:
            fetch_status, reason = failure(recs)
            row.update({k: old[k] for k in _REPO_VALUES} if old else {k: None for k in _REPO_VALUES})
            moved = next((r.moved_to for r in recs if r.moved_to and r.moved_to.lower() == repo_id), None)
            same = old is not None and old["repo_id"] == repo_id
            row["full_name"] = old["full_name"] if old is not None and same else (moved or repo_id)
            if row["topics"] is None:
                row["topics"] = []
        carried = not good and row["stars_as_of"] is not None
        rows.append(
            finish_row(
                row,
                fresh=bool(good),
                carried=carried,
                fetch_status=fetch_status,
                reason=reason,
                linked=linked.get(repo_id, ([], 0)),
            )
        )
    return Built(rows, key_of, fresh)


def repo_values(rec: RepoRecord, day: date) -> Row:
    return {
        "github_id": rec.github_id,
        "stars": rec.stars,
        "forks": rec.forks,
        "open_issues": rec.open_issues,
        "watchers": rec.watchers,
        "pushed_at": parse_timestamp(rec.pushed_at),
        "created_at": parse_timestamp(rec.created_at),
        "archived": rec.archived,
        "license": rec.license,
        "topics": list(rec.topics),
        "description": clean_text(rec.description),
        "language": rec.language,
        "stars_as_of": day,
        "fetched_at": as_utc(rec.fetched_at),
        "homepage": rec.homepage,
        "paper_refs": [{"ref": ref, "found_in": where} for ref, where in sorted(rec.paper_refs)] or None,
    }
