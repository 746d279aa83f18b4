"""What the report shows, aggregated from a snapshot directory with DuckDB (pure reads, no network).

Tonight's tables are read through :func:`enrich.snapshot.read_table` (conformed to the current
schema, so an older minor version reads with new columns null) and handed to DuckDB as Arrow;
history (``metrics_history``, ``entries``, ``list_changes`` of every readable night up to the chosen
one) is read by DuckDB straight from the partitions named by the manifests. Only aggregates and
top-N rows leave this module, so the pages stay small for 100,000-entry snapshots.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

import duckdb
import pyarrow as pa

from enrich.errors import EnrichError, InputError
from enrich.report.lists import ListPage, _lists
from enrich.report.query import _history_view, _series, _short
from enrich.schemas import SCHEMA_VERSION
from enrich.snapshot import Manifest, list_snapshots, read_manifest, read_table
from enrich.sources import registered, search_sources

# Policy as data: what the pages rank and flag.
TOP_REPOS: Final = 8
TOP_WORKS: Final = 6
TOP_MOVERS: Final = 10
MOVER_WINDOW_DAYS: Final = 30
# source -> (table, column holding the date its value was last fetched OK), from the registry
AS_OF_COLUMNS: Final[dict[str, tuple[str, str]]] = {s.name: s.as_of for s in registered() if s.as_of}
CURRENT_TABLES: Final = ("entries", "works", "repos", "hf_items", "list_changes")
SEARCH_SOURCES: Final = search_sources()  # title search (enrich.pipeline)


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


CITATION_SOURCES: Final = ("s2", "openalex")  # the citation counts the report compares (charts, movers)
MOVER_METRICS: Final = {"repo": ("stars", ("github",)), "work": ("citation_count", CITATION_SOURCES)}


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
        where h.entity_type = 'work' and h.metric = 'citation_count' and list_contains(?, h.source)
        order by work, source, date
        """,
        [TOP_WORKS, list(CITATION_SOURCES)],
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
