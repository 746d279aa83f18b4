"""The run summary: what each source did, how complete the snapshot is, and what moved since last time.

Pure functions over plain values and pyarrow tables; :func:`render_markdown` gives the text that the
flow publishes as a Prefect markdown artifact (and ``enrich run`` can print). Nothing here holds a
secret: source messages are already redacted one-liners from the clients.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from enrich.records import SourceStats


@dataclass(frozen=True, slots=True)
class Share:
    part: int
    whole: int

    @property
    def percent(self) -> float:
        return 100.0 * self.part / self.whole if self.whole else 0.0

    def __str__(self) -> str:
        return f"{self.part} / {self.whole} ({self.percent:.1f}%)"


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of the snapshot carries remote data."""

    entries_with_work: Share
    entries_with_repo: Share
    works_with_abstract: Share
    works_with_citations: Share
    repos_with_stars: Share


@dataclass(frozen=True, slots=True)
class Mover:
    key: str
    label: str
    before: int
    after: int

    @property
    def delta(self) -> int:
        return self.after - self.before


LINK_CHECK_VALUES = ("ok", "title_mismatch", "id_not_found", "unchecked")
LINK_PROBLEMS = frozenset({"title_mismatch", "id_not_found"})


@dataclass(frozen=True, slots=True)
class ListLinkChecks:
    """One list's ``entries.link_check`` counts and its first problem entries (by line)."""

    list_id: str
    counts: Mapping[str, int]  # link_check value -> entries
    problems: tuple[tuple[str, str], ...] = ()  # (label, link_check), first few by line
    published: int = 0  # entries linking an arXiv preprint whose work now has a publisher DOI


SLICE_ROWS = 8192  # rows turned into Python values at a time: never a whole column at once


def _slices(table: pa.Table, columns: Sequence[str]) -> Iterator[list[list[Any]]]:
    """``columns`` of ``table`` as Python lists, :data:`SLICE_ROWS` rows at a time."""
    for start in range(0, table.num_rows, SLICE_ROWS):
        part = table.select(list(columns)).slice(start, SLICE_ROWS)
        yield [part.column(c).to_pylist() for c in columns]


def _nonempty(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """True where a string value is neither null nor empty (Python's truthiness), never null."""
    return pc.fill_null(pc.not_equal(values, ""), False)


def _published(entries: pa.Table, works: pa.Table | None) -> dict[str, int]:
    """Per list: entries that link only the arXiv preprint of a work that now has a publisher DOI."""
    needed = {"arxiv_id", "doi", "work_id", "list_id"}
    if works is None or not needed <= set(entries.column_names) or "doi" not in works.column_names:
        return {}
    has_doi = pc.filter(works.column("work_id"), _nonempty(works.column("doi"))).combine_chunks()
    linked = pc.fill_null(pc.is_in(entries.column("work_id"), value_set=has_doi), False)
    rows = pc.and_(
        pc.and_(_nonempty(entries.column("arxiv_id")), pc.invert(_nonempty(entries.column("doi")))), linked
    )
    out: dict[str, int] = {}
    for (list_ids,) in _slices(entries.filter(rows), ("list_id",)):
        for list_id in list_ids:
            out[str(list_id)] = out.get(str(list_id), 0) + 1
    return out


def link_checks(
    entries: pa.Table, works: pa.Table | None = None, *, limit: int = 3
) -> tuple[ListLinkChecks, ...]:
    """Per list (sorted by id): counts by ``link_check`` (wrong ids: ``title_mismatch``, dead ids:
    ``id_not_found``), the first ``limit`` problem entries and, given ``works``, how many entries link
    a preprint that is now published.

    Lists whose entries carry no paper id (every ``link_check`` null) are left out.
    """
    if "link_check" not in entries.column_names:
        return ()
    published = _published(entries, works)
    counts: dict[str, dict[str, int]] = {}
    problems: dict[str, list[tuple[int, str, str]]] = {}
    checked = entries.filter(pc.is_valid(entries.column("link_check")))
    for list_ids, checks in _slices(checked, ("list_id", "link_check")):
        for list_id, check in zip(list_ids, checks, strict=True):
            per = counts.setdefault(str(list_id), {})
            per[check] = per.get(check, 0) + 1
    wrong = checked.filter(pc.is_in(checked.column("link_check"), value_set=pa.array(sorted(LINK_PROBLEMS))))
    for list_ids, checks, lines, titles, names, entry_ids in _slices(
        wrong, ("list_id", "link_check", "line", "title", "name", "entry_id")
    ):
        for list_id, check, line, title, name, entry_id in zip(
            list_ids, checks, lines, titles, names, entry_ids, strict=True
        ):
            label = title or name or entry_id
            problems.setdefault(str(list_id), []).append((int(line), str(label), str(check)))
    return tuple(
        ListLinkChecks(
            lid,
            dict(sorted(counts[lid].items())),
            tuple((label, check) for _, label, check in sorted(problems.get(lid, []))[:limit]),
            published.get(lid, 0),
        )
        for lid in sorted(counts)
    )


@dataclass(frozen=True, slots=True)
class RunSummary:
    snapshot_date: date
    partial: bool
    sources: Mapping[str, SourceStats]
    coverage: Coverage
    star_movers: tuple[Mover, ...] = ()
    citation_movers: tuple[Mover, ...] = ()
    previous_date: date | None = None
    tables: Mapping[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # one-liners: unreachable sources, skipped files, refresh outcome
    link_checks: tuple[ListLinkChecks, ...] = ()  # per list, entries.link_check counts and problems


def _count_valid(table: pa.Table, column: str) -> int:
    if column not in table.column_names:
        return 0
    col = table.column(column)
    return int(len(col) - col.null_count)


def _count_nonempty_text(table: pa.Table, column: str) -> int:
    if column not in table.column_names:
        return 0
    return sum(
        1 for (values,) in _slices(table, (column,)) for v in values if isinstance(v, str) and v.strip()
    )


def coverage(entries: pa.Table, works: pa.Table, repos: pa.Table) -> Coverage:
    """Shares of entries tied to a work / a repo, works with an abstract / a citation count, repos with stars."""
    return Coverage(
        entries_with_work=Share(_count_valid(entries, "work_id"), entries.num_rows),
        entries_with_repo=Share(_count_valid(entries, "repo_id"), entries.num_rows),
        works_with_abstract=Share(_count_nonempty_text(works, "abstract"), works.num_rows),
        works_with_citations=Share(_count_valid(works, "citation_count"), works.num_rows),
        repos_with_stars=Share(_count_valid(repos, "stars"), repos.num_rows),
    )


def _values(table: pa.Table | None, key: str, value: str, name: str) -> pa.Table | None:
    """``key`` (as text) and ``value`` of the rows that have both, as columns named ``k`` and ``name``."""
    if table is None or key not in table.column_names or value not in table.column_names:
        return None
    keys, values = table.column(key), table.column(value)
    both = pc.and_(pc.is_valid(keys), pc.is_valid(values))
    return pa.table(
        {"k": pc.cast(keys.filter(both), pa.string()), name: pc.cast(values.filter(both), pa.int64())}
    )


def top_movers(
    current: pa.Table,
    previous: pa.Table | None,
    *,
    key: str,
    value: str,
    label: str,
    limit: int = 5,
) -> tuple[Mover, ...]:
    """The ``limit`` largest increases of ``value`` between two snapshots, keyed by ``key``.

    Only rows present with a value in both snapshots count; ties are broken by key so the order is
    stable. Decreases and unchanged values are not movers. Computed in Arrow (a join on the key):
    only the movers' labels become Python values.
    """
    before = _values(previous, key, value, "before")
    now = _values(current, key, value, "after")
    if before is None or now is None:
        return ()
    both = now.join(before, "k", join_type="inner")
    up = both.filter(pc.greater(both.column("after"), both.column("before")))
    up = up.append_column("delta", pc.subtract(up.column("after"), up.column("before")))
    top = up.sort_by([("delta", "descending"), ("k", "ascending")]).slice(0, limit)
    labels: dict[str, str] = {}
    if label in current.column_names and top.num_rows:
        keys = pc.cast(current.column(key), pa.string())
        chosen = pc.fill_null(pc.is_in(keys, value_set=top.column("k").combine_chunks()), False)
        for k, name in zip(
            keys.filter(chosen).to_pylist(), current.column(label).filter(chosen).to_pylist(), strict=True
        ):
            labels[str(k)] = str(name) if name else str(k)
    return tuple(
        Mover(str(k), labels.get(str(k), str(k)), int(b), int(a))
        for k, b, a in zip(
            top.column("k").to_pylist(),
            top.column("before").to_pylist(),
            top.column("after").to_pylist(),
            strict=True,
        )
    )


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(summary: RunSummary) -> str:
    """The summary as GitHub-flavoured markdown (the Prefect artifact's body)."""
    state = "partial" if summary.partial else "complete"
    lines = [f"# Enrichment run {summary.snapshot_date.isoformat()}: {state}", ""]
    if summary.notes:
        lines += [f"- {_escape(n)}" for n in summary.notes]
        lines.append("")
    lines += [
        "## Sources",
        "",
        "| source | requests | ok | not found | errors | deferred | cache hits | state |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, s in summary.sources.items():
        status = _escape(s.reason) if s.reason else "ok"
        lines.append(
            f"| {name} | {s.requests} | {s.ok} | {s.not_found} | {s.errors} | {s.deferred} | {s.cache_hits} | {status} |"
        )
    c = summary.coverage
    lines += [
        "",
        "## Coverage",
        "",
        "| measure | share |",
        "|---|---|",
        f"| entries with a work | {c.entries_with_work} |",
        f"| entries with a repo | {c.entries_with_repo} |",
        f"| works with an abstract | {c.works_with_abstract} |",
        f"| works with a citation count | {c.works_with_citations} |",
        f"| repos with a star count | {c.repos_with_stars} |",
    ]
    if summary.tables:
        lines += ["", "## Tables", "", "| table | rows |", "|---|---:|"]
        lines += [f"| {name} | {rows} |" for name, rows in summary.tables.items()]
    since = (
        f"since {summary.previous_date.isoformat()}" if summary.previous_date else "(no previous snapshot)"
    )
    lines += _link_section(summary.link_checks)
    lines += ["", f"## Top movers {since}", ""]
    lines += _movers_table("Stars", "repo", summary.star_movers)
    lines += _movers_table("Citations", "work", summary.citation_movers)
    return "\n".join(lines).rstrip() + "\n"


def _link_section(per_list: Sequence[ListLinkChecks]) -> list[str]:
    if not per_list:
        return []
    out = [
        "",
        "## Link checks",
        "",
        "Does the paper an entry's id names carry the entry's title (`entries.link_check`: title_mismatch "
        "is a wrong id, id_not_found a dead one)? Preprints now published: entries linking an arXiv id "
        "whose paper now has a publisher DOI.",
        "",
        "| list | " + " | ".join(LINK_CHECK_VALUES) + " | preprints now published | first problems |",
        "|---|" + "---:|" * (len(LINK_CHECK_VALUES) + 1) + "---|",
    ]
    for item in per_list:
        counts = " | ".join(str(item.counts.get(v, 0)) for v in LINK_CHECK_VALUES)
        first = "; ".join(f"{_escape(label)} ({check})" for label, check in item.problems) or "-"
        out.append(f"| {_escape(item.list_id)} | {counts} | {item.published} | {first} |")
    return out


def _movers_table(title: str, what: str, movers: Sequence[Mover]) -> list[str]:
    if not movers:
        return [f"**{title}**: no increases.", ""]
    out = [f"**{title}**", "", f"| {what} | before | after | change |", "|---|---:|---:|---:|"]
    out += [f"| {_escape(m.label)} | {m.before} | {m.after} | +{m.delta} |" for m in movers]
    out.append("")
    return out
