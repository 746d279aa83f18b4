"""Stages 1 and 2: refresh the raw lists from upstream, then parse them into entries.

Parsing with the previous snapshot keeps each entry's earlier id (:func:`carry_entry_ids`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from enrich.errors import InputError
from enrich.pipeline.progress import ProgressEvent, emit
from enrich.records import FetchStatus
from enrich.refresh import FetchUpstream, RefreshReport, RefreshSpec, UpstreamFile
from enrich.refresh import refresh_lists as _refresh_lists

if TYPE_CHECKING:
    import pyarrow as pa

    from enrich.clients import Clients
    from enrich.lists import ListSpec
    from enrich.parsing import Entry, ListSummary
    from enrich.tables import PreviousSnapshot


def refresh_specs(lists_dir: Path, specs: Iterable[ListSpec]) -> list[RefreshSpec]:
    """Refresh facts from the lists manifest (``enrich.lists.ListSpec``)."""
    return [
        RefreshSpec(
            list_id=s.id,
            file=lists_dir / s.file,
            upstream=s.upstream,
            path=s.path,
            refresh=s.refresh,
        )
        for s in specs
    ]


def github_fetcher(clients: Clients) -> FetchUpstream:
    """Adapt the GitHub client's contents endpoint to :data:`enrich.refresh.FetchUpstream`."""
    github = clients.github

    def fetch(owner: str, repo: str, path: str, etag: str | None) -> UpstreamFile:
        result = github.get_contents(owner, repo, path, etag=etag)
        stats = github.stats
        if stats.unreachable:
            return UpstreamFile("unreachable", message=stats.message)
        if result.not_modified:
            return UpstreamFile("not_modified", etag=result.etag)
        if result.status is FetchStatus.OK and result.text is not None:
            return UpstreamFile("ok", text=result.text, etag=result.etag)
        if result.status is FetchStatus.NOT_FOUND:
            return UpstreamFile("not_found", message=f"{owner}/{repo}/{path} not found upstream")
        return UpstreamFile("error", message=f"{owner}/{repo}/{path}: {result.reason or result.status.value}")

    return fetch


def refresh_lists(lists_dir: Path, clients: Clients, *, today: date) -> RefreshReport:
    """Stage 1: refresh every list the manifest allows; see :mod:`enrich.refresh`."""
    from enrich.lists import load_manifest
    from enrich.parsing import parse_file

    def check(path: Path, list_id: str) -> int:
        return len(parse_file(path, list_id))

    specs = refresh_specs(lists_dir, load_manifest(lists_dir))
    emit(ProgressEvent("refresh", "start", total=len(specs)))
    report = _refresh_lists(lists_dir, specs, github_fetcher(clients), check, today=today)
    detail = ", ".join(
        f"{n} {status}"
        for status in ("updated", "unchanged", "rejected", "failed", "unreachable", "skipped")
        if (n := report.count(status))
    )
    bad = sum(report.count(status) for status in ("rejected", "failed", "unreachable"))
    outcome: Literal["ok", "warn", "fail"] = "ok" if not bad else ("fail" if bad == len(specs) else "warn")
    emit(ProgressEvent("refresh", "done", detail=f"lists refreshed: {detail or 'none'}", outcome=outcome))
    return report


@dataclass(frozen=True, slots=True)
class ParsedLists:
    entries: tuple[Entry, ...]
    problems: tuple[InputError, ...]  # one per list file that could not be read
    list_ids: tuple[str, ...]  # every list found, read or not
    unreadable: tuple[str, ...] = ()  # ids of the lists that could not be read
    summaries: tuple[ListSummary, ...] = ()  # one per list read: entries by shape, low-confidence rows


def parse_lists(lists_dir: Path, previous: PreviousSnapshot | None = None) -> ParsedLists:
    """Stage 2: every list file in ``lists_dir`` (manifest optional); unusable files become problems.

    With ``previous`` (the last snapshot), entries keep the ids they had there when they are the
    same entries, edited or not (:func:`carry_entry_ids`). Raises :class:`InputError` when the
    directory is missing or holds no list file at all.
    """
    from enrich.lists import list_files
    from enrich.parsing import parse_file_summarized

    if not lists_dir.is_dir():
        raise InputError(str(lists_dir), "no such directory")
    files = list_files(lists_dir)
    emit(ProgressEvent("parse", "start", total=len(files)))
    entries: list[Entry] = []
    problems: list[InputError] = []
    unreadable: list[str] = []
    summaries: list[ListSummary] = []
    for spec, path in files:
        notes: list[str] = []
        try:
            found, summary = parse_file_summarized(path, spec.id, notes=notes)
        except InputError as exc:
            problems.append(exc)
            unreadable.append(spec.id)
            continue
        finally:
            problems.extend(InputError(str(path), note) for note in notes)  # read, but not all of it
        entries.extend(found)
        summaries.append(summary)
    from enrich.parsing import assign_work_keys

    if previous is not None:
        from enrich.parsing.carry_ids import PreviousEntry

        columns = ["list_id", "line", *PreviousEntry.COLUMNS]
        entries = carry_entry_ids(entries, previous.table("entries", columns))
    entries = assign_work_keys(entries)  # work_key across all lists, not per list
    ids = tuple(spec.id for spec, _ in files)
    read = len(files) - len(unreadable)
    skipped = f" ({len(unreadable)} skipped: {', '.join(unreadable)})" if unreadable else ""
    emit(
        ProgressEvent(
            "parse",
            "done",
            detail=f"parsed {len(entries)} entries from {read} lists{skipped}",
            outcome="warn" if unreadable else "ok",
        )
    )
    return ParsedLists(tuple(entries), tuple(problems), ids, tuple(unreadable), tuple(summaries))


def carry_entry_ids(entries: Sequence[Entry], previous: pa.Table) -> list[Entry]:
    """``entries`` with the ids their lists' previous versions gave them (``previous``: the previous
    ``entries`` table), list by list: see :func:`enrich.parsing.carry_ids.carry_entry_ids`.

    Lists absent from ``previous`` keep their ids; so do entries whose id does not change. The
    previous entries stay Arrow (:func:`previous_lists`): only the list being matched becomes
    Python objects, and only while it is matched.
    """
    from enrich.parsing.carry_ids import PreviousEntry
    from enrich.parsing.carry_ids import carry_entry_ids as carry

    tonight: dict[str, list[int]] = {}
    for k, e in enumerate(entries):
        tonight.setdefault(e.list_id, []).append(k)
    out = list(entries)
    for list_id, rows in previous_lists(previous, tonight):
        members = tonight[list_id]
        ids = carry(PreviousEntry.from_table(rows), [entries[k] for k in members])
        for k, entry_id in zip(members, ids, strict=True):
            if entries[k].entry_id != entry_id:
                out[k] = replace(entries[k], entry_id=entry_id)
    return out


def previous_lists(previous: pa.Table, list_ids: Iterable[str]) -> Iterator[tuple[str, pa.Table]]:
    """``(list_id, rows)`` for each of ``list_ids`` (in that order) with rows in ``previous`` (an
    ``entries`` table): the list's rows in file order (``line``, then ``entry_id``; a stable sort),
    only ``list_id``, ``line`` and the columns carry-over reads (``PreviousEntry.COLUMNS``).

    Filtered in Arrow one list at a time, so a caller that drops each list's rows before asking for
    the next holds one list's rows at most.
    """
    import pyarrow.compute as pc

    from enrich.parsing.carry_ids import PreviousEntry

    table = previous.select(["list_id", "line", *PreviousEntry.COLUMNS])
    for list_id in list_ids:
        rows = table.filter(pc.equal(table.column("list_id"), list_id))
        if rows.num_rows:
            yield list_id, rows.sort_by([("line", "ascending"), ("entry_id", "ascending")])
