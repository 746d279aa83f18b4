"""What the report shows, aggregated from a snapshot directory with DuckDB (pure reads, no network).

Tonight's tables are read through :func:`enrich.snapshot.read_table` (conformed to the current
schema, so an older minor version reads with new columns null) and handed to DuckDB as Arrow;
history (``metrics_history``, ``entries``, ``list_changes`` of every readable night up to the chosen
one) is read by DuckDB straight from the partitions named by the manifests. Only aggregates and
top-N rows leave this module, so the pages stay small for 100,000-entry snapshots.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

import duckdb
import pyarrow as pa

from enrich.errors import EnrichError, InputError
from enrich.schemas import SCHEMA_VERSION
from enrich.snapshot import PART_FILE, Manifest, list_snapshots, partition_path, read_manifest, read_table

# Policy as data: what the pages rank and flag.
TOP_REPOS: Final = 8
TOP_WORKS: Final = 6
TOP_MOVERS: Final = 10
MOVER_WINDOW_DAYS: Final = 30
STALE_PUSH_DAYS: Final = 365
LIST_CHANGES_SHOWN: Final = 200
# source -> (table, column holding the date its value was last fetched OK)
AS_OF_COLUMNS: Final[dict[str, tuple[str, str]]] = {
    "s2": ("works", "citation_count_s2_as_of"),
    "openalex": ("works", "citation_count_openalex_as_of"),
    "crossref": ("works", "citation_count_crossref_as_of"),
    "github": ("repos", "stars_as_of"),
    "hf": ("hf_items", "likes_as_of"),
}
CURRENT_TABLES: Final = ("entries", "works", "repos", "hf_items", "list_changes")
# tonight's answers that say nothing about the item itself (the source failed): never a to-do
NO_VERDICT: Final = ("error", "rate_limited", "deferred", "missing")
SEARCH_SOURCES: Final = ("s2", "openalex", "crossref", "arxiv")  # title search (enrich.pipeline)


@dataclass(frozen=True, slots=True)
class SourceLine:
    """One row of the Tonight table."""

    source: str
    requests: int
    ok: int
    not_found: int
    errors: int
    deferred: int
    cache_hits: int
    unreachable: bool
    message: str | None
    carried: int | None  # rows whose value tonight is carried forward (None: the source has no *_as_of)
    oldest_days: int | None
    median_days: int | None

    @property
    def outcome(self) -> str:
        if self.unreachable:
            return "failed"
        if self.errors or self.deferred:
            return "partial"
        return "ok"


@dataclass(frozen=True, slots=True)
class Mover:
    kind: str  # repo or work
    key: str
    label: str
    source: str
    before: int
    after: int
    since: date

    @property
    def delta(self) -> int:
        return self.after - self.before


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


@dataclass(frozen=True, slots=True)
class ReportData:
    out: Path
    manifest: Manifest
    history_dates: tuple[date, ...]
    skipped_dates: tuple[str, ...]  # nights left out of the trends, one line each
    previous_date: date | None
    partial_reason: str | None
    sources: tuple[SourceLine, ...]
    stars_series: tuple[dict[str, Any], ...]
    citation_series: tuple[dict[str, Any], ...]
    entries_series: tuple[dict[str, Any], ...]
    movers_previous: tuple[Mover, ...]
    movers_window: tuple[Mover, ...]
    window_since: date | None
    lists: tuple[ListPage, ...]
    search_columns: tuple[str, ...]
    search_rows: tuple[tuple[Any, ...], ...]
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def snapshot_date(self) -> date:
        return self.manifest.snapshot_date


# ----------------------------------------------------------------------------------- choosing


def choose_snapshot(out: Path, snapshot: str) -> date:
    """``latest`` or a ``YYYY-MM-DD`` that has a manifest; one clear :class:`InputError` otherwise."""
    days = list_snapshots(out)
    if not days:
        raise InputError(str(out), "no snapshot yet (no manifests/YYYY-MM-DD.json); run `enrich run` first")
    if snapshot == "latest":
        return days[-1]
    try:
        day = date.fromisoformat(snapshot)
    except ValueError:
        raise InputError("--snapshot", f"{snapshot!r} is not 'latest' or a date YYYY-MM-DD") from None
    if day not in days:
        shown = ", ".join(d.isoformat() for d in days[-5:])
        raise InputError("--snapshot", f"no snapshot for {day} in {out}; available: {shown}")
    return day


def _readable_history(out: Path, day: date) -> tuple[list[date], list[str]]:
    ok: list[date] = []
    skipped: list[str] = []
    for d in list_snapshots(out):
        if d > day:
            continue
        try:
            read_manifest(out, d)
        except EnrichError as exc:
            skipped.append(f"{d.isoformat()} left out of the trends: {exc}")
            continue
        ok.append(d)
    return ok, skipped


# ----------------------------------------------------------------------------------- helpers


def _sql_list(paths: Sequence[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def _history_view(con: duckdb.DuckDBPyConnection, out: Path, table: str, days: Sequence[date]) -> None:
    paths = [partition_path(out, table, d) / PART_FILE for d in days]
    paths = [p for p in paths if p.is_file()]
    if not paths:
        con.execute(f"create view h_{table} as select * from cur_{table} where false")
        return
    con.execute(
        f"create view h_{table} as select * from read_parquet({_sql_list(paths)}, "
        "hive_partitioning = true, union_by_name = true)"
    )


def partial_reason(manifest: Manifest) -> str | None:
    """Why a snapshot is partial, in one sentence (``None`` when it is complete)."""
    if not manifest.partial:
        return None
    parts: list[str] = []
    for name, s in sorted(manifest.sources.items()):
        if s.get("served") is False and s.get("reason"):
            parts.append(str(s["reason"]))  # the night's one line for this source
        elif s.get("unreachable"):
            parts.append(str(s.get("message") or f"{name} was unreachable"))
        elif int(s.get("deferred", 0) or 0):
            parts.append(f"{name} deferred {s['deferred']} items")
    parts += [str(n) for n in manifest.notes if n.startswith(("skipped", "refresh"))]
    parts += [str(n) for n in manifest.notes if " batch " in n]
    if not parts:
        return "Partial: the run marked this snapshot partial without naming a source."
    return "Partial: " + "; ".join(dict.fromkeys(parts)) + "."


def _source_lines(con: duckdb.DuckDBPyConnection, manifest: Manifest, day: date) -> list[SourceLine]:
    lines = []
    for name, s in manifest.sources.items():
        carried = oldest = median = None
        if name in AS_OF_COLUMNS:
            table, column = AS_OF_COLUMNS[name]
            row = con.execute(
                f"select count(*), max(? - {column}), median(? - {column}) from cur_{table} "
                f"where {column} is not null and {column} < ?",
                [day, day, day],
            ).fetchone()
            assert row is not None
            carried = int(row[0])
            oldest = int(row[1]) if row[1] is not None else None
            median = int(row[2]) if row[2] is not None else None
        lines.append(
            SourceLine(
                source=name,
                requests=int(s.get("requests", 0) or 0),
                ok=int(s.get("ok", 0) or 0),
                not_found=int(s.get("not_found", 0) or 0),
                errors=int(s.get("errors", 0) or 0),
                deferred=int(s.get("deferred", 0) or 0),
                cache_hits=int(s.get("cache_hits", 0) or 0),
                unreachable=bool(s.get("unreachable", False)),
                message=s.get("message"),
                carried=carried,
                oldest_days=oldest,
                median_days=median,
            )
        )
    return lines


def _series(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()
) -> tuple[dict[str, Any], ...]:
    rel = con.execute(sql, list(params))
    names = [d[0] for d in rel.description or ()]
    out = []
    for row in rel.fetchall():
        item = dict(zip(names, row, strict=True))
        for k, v in item.items():
            if isinstance(v, date):
                item[k] = v.isoformat()
        out.append(item)
    return tuple(out)


def _short(text: str | None, width: int = 48) -> str:
    text = (text or "").strip()
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


MOVER_METRICS: Final = {"repo": ("stars", ("github",)), "work": ("citation_count", ("s2", "openalex"))}


def _movers(con: duckdb.DuckDBPyConnection, day: date, since: date) -> tuple[Mover, ...]:
    """The largest changes of stars, then of citations (S2, OpenAlex), between ``since`` and ``day``."""
    return tuple(m for kind in MOVER_METRICS for m in _movers_of(con, day, since, kind))


def _movers_of(con: duckdb.DuckDBPyConnection, day: date, since: date, kind: str) -> tuple[Mover, ...]:
    metric, sources = MOVER_METRICS[kind]
    rows = con.execute(
        """
        with obs as (
            select entity_type, entity_id, metric, source, snapshot_date, value from h_metrics_history
            where entity_type = ? and metric = ? and list_contains(?, source)
        ),
        now as (select entity_type, entity_id, metric, source, arg_max(value, snapshot_date) as v
                from obs where snapshot_date <= ? group by all),
        base as (select entity_type, entity_id, metric, source, arg_max(value, snapshot_date) as v
                 from obs where snapshot_date <= ? group by all)
        select now.entity_type, now.entity_id, now.source, base.v, now.v,
               coalesce(r.full_name, w.title, now.entity_id) as label
        from now join base using (entity_type, entity_id, metric, source)
        left join cur_repos r on now.entity_type = 'repo' and r.repo_id = now.entity_id
        left join cur_works w on now.entity_type = 'work' and w.work_id = now.entity_id
        where now.v <> base.v
        order by abs(now.v - base.v) desc, now.entity_id, now.source
        limit ?
        """,
        [kind, metric, list(sources), day, since, TOP_MOVERS],
    ).fetchall()
    return tuple(
        Mover(str(t), str(k), _short(str(label), 60), str(src), int(b), int(a), since)
        for t, k, src, b, a, label in rows
    )


# ----------------------------------------------------------------------------------- lists


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


# ----------------------------------------------------------------------------------- search

SEARCH_COLUMNS: Final = ("name", "kind", "lists", "citations", "stars", "likes", "status", "link")


def _search(con: duckdb.DuckDBPyConnection) -> tuple[tuple[Any, ...], ...]:
    rows = con.execute(
        """
        select coalesce(title, work_id), 'paper', array_to_string(list_ids, ' '), citation_count, null, null,
               status,
               case when doi is not null then 'https://doi.org/' || doi
                    when arxiv_id is not null then 'https://arxiv.org/abs/' || arxiv_id end
        from cur_works
        union all
        select full_name, 'repo', array_to_string(list_ids, ' '), null, stars, null, status,
               'https://github.com/' || full_name
        from cur_repos
        union all
        select hf_id, kind, array_to_string(list_ids, ' '), null, null, likes, status,
               'https://huggingface.co/' || case kind when 'dataset' then 'datasets/' when 'space' then 'spaces/' else '' end || hf_id
        from cur_hf_items
        """
    ).fetchall()
    return tuple(tuple(r) for r in rows)


# ----------------------------------------------------------------------------------- entry point


def collect(out: Path, snapshot: str = "latest") -> ReportData:
    """Everything the pages need for one snapshot. Raises :class:`InputError` for a bad choice,
    :class:`enrich.errors.SnapshotError` for a snapshot this code cannot read (other major version)."""
    day = choose_snapshot(out, snapshot)
    manifest = read_manifest(out, day)
    history, skipped = _readable_history(out, day)
    con = duckdb.connect()
    current: dict[str, pa.Table] = {t: read_table(out, t, day) for t in CURRENT_TABLES}
    for name, table in current.items():
        con.register(f"cur_{name}", table)
    for name in ("metrics_history", "entries", "list_changes"):
        if name not in current:
            con.register(f"cur_{name}", read_table(out, name, day))
        _history_view(con, out, name, history)
    previous = max((d for d in history if d < day), default=None)
    window_start = day - timedelta(days=MOVER_WINDOW_DAYS)
    earlier = [d for d in history if d <= window_start]
    window_since = earlier[-1] if earlier else (history[0] if history and history[0] < day else None)

    stars = _series(
        con,
        """
        with top as (select repo_id, full_name from cur_repos where stars is not null
                     order by stars desc, repo_id limit ?)
        select h.snapshot_date as date, top.full_name as repo, h.value as stars
        from h_metrics_history h join top on h.entity_id = top.repo_id
        where h.entity_type = 'repo' and h.metric = 'stars' and h.source = 'github'
        order by repo, date
        """,
        [TOP_REPOS],
    )
    citations = _series(
        con,
        """
        with top as (select work_id, coalesce(title, work_id) as title from cur_works
                     where citation_count is not null order by citation_count desc, work_id limit ?)
        select h.snapshot_date as date, top.title as work, h.source as source, h.value as citations
        from h_metrics_history h join top on h.entity_id = top.work_id
        where h.entity_type = 'work' and h.metric = 'citation_count' and h.source in ('s2', 'openalex')
        order by work, source, date
        """,
        [TOP_WORKS],
    )
    citations = tuple({**c, "work": _short(str(c["work"]), 40)} for c in citations)
    entries_series = _series(
        con,
        "select snapshot_date as date, list_id as list, count(*) as entries from h_entries group by all order by list, date",
    )
    return ReportData(
        out=out,
        manifest=manifest,
        history_dates=tuple(history),
        skipped_dates=tuple(skipped),
        previous_date=previous,
        partial_reason=partial_reason(manifest),
        sources=tuple(_source_lines(con, manifest, day)),
        stars_series=stars,
        citation_series=citations,
        entries_series=entries_series,
        movers_previous=_movers(con, day, previous) if previous else (),
        movers_window=_movers(con, day, window_since) if window_since else (),
        window_since=window_since,
        lists=_lists(
            con,
            day,
            searched=any(
                not s.get("unreachable") for n, s in manifest.sources.items() if n in SEARCH_SOURCES
            ),
        ),
        search_columns=SEARCH_COLUMNS,
        search_rows=_search(con),
        counts={t: current[t].num_rows for t in ("entries", "works", "repos", "hf_items")},
    )


def script_json(value: Any) -> str:
    """JSON safe to place inside a ``<script>`` element (no ``</script>`` break-out from list text)."""
    return (
        json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


__all__ = ["SCHEMA_VERSION", "ReportData", "choose_snapshot", "collect", "partial_reason", "script_json"]
