"""The per-list pages: entries by kind, entries gained and lost, and the maintainer's to-do items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

import duckdb

from enrich.report.query import _short

# Policy as data: what the list pages show and flag.
STALE_PUSH_DAYS: Final = 365
LIST_CHANGES_SHOWN: Final = 200
# tonight's answers that say nothing about the item itself (the source failed): never a to-do
NO_VERDICT: Final = ("error", "rate_limited", "deferred", "missing")


@dataclass(frozen=True, slots=True)
class TodoItem:
    category: str
    entry: str  # what the list says (name or link)
    line: int | None
    detail: str


@dataclass(frozen=True, slots=True)
class ListPage:
    list_id: str
    entries: int
    by_kind: tuple[tuple[str, int], ...]
    gained: tuple[tuple[str, str], ...]  # (kind, label)
    lost: tuple[tuple[str, str], ...]
    gained_total: int
    lost_total: int
    todo: tuple[TodoItem, ...]


def _todo(con: duckdb.DuckDBPyConnection, day: date, searched: bool) -> dict[str, list[TodoItem]]:
    """Maintainer items per list. ``searched``: a title search could run tonight (some search source
    answered); when none could, entries without an identifier are not called unresolved."""

    items: dict[str, list[TodoItem]] = {}

    def add(list_id: str, item: TodoItem) -> None:
        items.setdefault(list_id, []).append(item)

    repo_rows = con.execute(
        """
        select e.list_id, coalesce(e.name, e.github_repo), e.line, e.github_repo, r.repo_id, r.full_name,
               r.status, r.fetch_reason, r.archived, r.pushed_at, r.fetch_status
        from cur_entries e join cur_repos r on e.repo_id = r.repo_id
        order by e.list_id, e.line
        """
    ).fetchall()
    stale_before = day - timedelta(days=STALE_PUSH_DAYS)
    for list_id, name, line, linked, repo_id, full_name, status, reason, archived, pushed, fetch in repo_rows:
        if status == "not_found":
            add(
                list_id,
                TodoItem(
                    "repo gone (404)",
                    name,
                    line,
                    f"github.com/{linked} answers 404 ({reason or 'not found'})",
                ),
            )
        if linked and linked != repo_id:
            add(
                list_id,
                TodoItem(
                    "repo renamed",
                    name,
                    line,
                    f"link github.com/{linked} now lives at github.com/{full_name}",
                ),
            )
        if archived:
            add(
                list_id,
                TodoItem("repo archived", name, line, f"github.com/{full_name} is archived by its owner"),
            )
        if pushed is not None and pushed.date() < stale_before:
            add(
                list_id,
                TodoItem(
                    "repo inactive",
                    name,
                    line,
                    f"github.com/{full_name}: last push {pushed.date().isoformat()}",
                ),
            )
        if status == "unavailable" and fetch not in NO_VERDICT:
            add(
                list_id,
                TodoItem(
                    "unresolved", name, line, f"github.com/{linked}: never fetched ({reason or 'no answer'})"
                ),
            )

    for list_id, name, line, arxiv, doi, venue in con.execute(
        """
        select e.list_id, coalesce(e.title, e.name, e.arxiv_id), e.line, e.arxiv_id, w.doi, w.venue
        from cur_entries e join cur_works w on e.work_id = w.work_id
        where e.arxiv_id is not null and e.doi is null and w.doi is not null
        order by e.list_id, e.line
        """
    ).fetchall():
        where = f" in {venue}" if venue else ""
        add(
            list_id,
            TodoItem("preprint published", name, line, f"arXiv:{arxiv} is now published as doi:{doi}{where}"),
        )

    # the resolver's link check (entries.link_check) is the one rule: the entry's paper id names a
    # work whose title is unrelated to the entry's; show the work that id names
    for list_id, line, listed, claimed, fetched in con.execute(
        """
        select e.list_id, e.line, coalesce(e.title, e.name, e.entry_id),
               coalesce('arXiv:' || e.arxiv_id, 'doi:' || e.doi, 'ACL:' || e.acl_id, 'PMID:' || e.pmid),
               (select w.title from cur_works w
                where w.status <> 'local' and (w.arxiv_id = e.arxiv_id or w.doi = e.doi
                      or w.acl_id = e.acl_id or w.pmid = e.pmid)
                order by w.work_id limit 1)
        from cur_entries e
        where e.link_check = 'title_mismatch'
        order by e.list_id, e.line
        """
    ).fetchall():
        names = f"“{_short(fetched, 90)}”" if fetched else "another paper"
        add(
            list_id,
            TodoItem("title/link mismatch", str(listed), line, f"the link ({claimed}) names {names}"),
        )

    # a dead id: every source asked about the entry's id said it does not exist (entries.link_check)
    for list_id, line, listed, claimed in con.execute(
        """
        select e.list_id, e.line, coalesce(e.title, e.name, e.entry_id),
               coalesce('arXiv:' || e.arxiv_id, 'doi:' || e.doi, 'ACL:' || e.acl_id, 'PMID:' || e.pmid)
        from cur_entries e
        where e.link_check = 'id_not_found'
        order by e.list_id, e.line
        """
    ).fetchall():
        add(
            list_id, TodoItem("dead id", str(listed), line, f"{claimed}: every source says it does not exist")
        )

    for list_id, name, line, work_id, method, s2, oa, cr, ax in con.execute(
        """
        select e.list_id, coalesce(e.title, e.name, e.entry_id), e.line, e.work_id, w.match_method,
               w.status_s2, w.status_openalex, w.status_crossref, w.status_arxiv
        from cur_entries e left join cur_works w on e.work_id = w.work_id
        where e.kind = 'paper' and (e.work_id is null or w.status = 'local')
          and e.link_check is distinct from 'title_mismatch' and e.link_check is distinct from 'id_not_found'
        order by e.list_id, e.line
        """
    ).fetchall():
        if any(st in NO_VERDICT for st in (s2, oa, cr, ax)):
            continue  # a source failed tonight: not the list's problem
        answers = ", ".join(
            f"{src} {st}"
            for src, st in (("s2", s2), ("openalex", oa), ("crossref", cr), ("arxiv", ax))
            if st and st != "not_requested"
        )
        if (work_id is None or not answers) and not searched:
            continue  # nothing could be searched tonight: no verdict on this entry
        if work_id is None or not answers:
            why = "no identifier in the entry and no confident title match"
        elif method == "abstained":
            why = "title search found no confident match"
        else:
            why = f"{work_id}: no source has data ({answers})"
        add(list_id, TodoItem("unresolved", str(name), line, why))

    for list_id, name, line, hf_id, status, reason in con.execute(
        """
        select e.list_id, coalesce(e.name, e.hf_id), e.line, e.hf_id, h.status, h.fetch_reason
        from cur_entries e join cur_hf_items h on e.hf_item_id = h.hf_item_id
        where h.status = 'not_found' or (h.status = 'unavailable' and not list_contains(?, h.fetch_status))
        order by e.list_id, e.line
        """,
        [list(NO_VERDICT)],
    ).fetchall():
        category = "hub item gone (404)" if status == "not_found" else "unresolved"
        add(list_id, TodoItem(category, str(name), line, f"huggingface.co/{hf_id}: {reason or status}"))
    return items


def _lists(con: duckdb.DuckDBPyConnection, day: date, searched: bool) -> tuple[ListPage, ...]:
    kinds: dict[str, list[tuple[str, int]]] = {}
    for list_id, kind, n in con.execute(
        "select list_id, kind, count(*) from cur_entries group by all order by list_id, count(*) desc, kind"
    ).fetchall():
        kinds.setdefault(list_id, []).append((str(kind), int(n)))
    changes: dict[tuple[str, str], list[tuple[str, str]]] = {}
    totals: dict[tuple[str, str], int] = {}
    for list_id, change, kind, label, n in con.execute(
        """
        select list_id, change, kind, coalesce(label, entry_id),
               count(*) over (partition by list_id, change)
        from cur_list_changes order by list_id, change, kind, label
        """
    ).fetchall():
        key = (str(list_id), str(change))
        totals[key] = int(n)
        bucket = changes.setdefault(key, [])
        if len(bucket) < LIST_CHANGES_SHOWN:
            bucket.append((str(kind), str(label)))
    todo = _todo(con, day, searched)
    pages = []
    for list_id in sorted(kinds.keys() | {k[0] for k in changes}):
        by_kind = tuple(kinds.get(list_id, ()))
        pages.append(
            ListPage(
                list_id=list_id,
                entries=sum(n for _, n in by_kind),
                by_kind=by_kind,
                gained=tuple(changes.get((list_id, "gained"), ())),
                lost=tuple(changes.get((list_id, "lost"), ())),
                gained_total=totals.get((list_id, "gained"), 0),
                lost_total=totals.get((list_id, "lost"), 0),
                todo=tuple(todo.get(list_id, ())),
            )
        )
    return tuple(pages)
