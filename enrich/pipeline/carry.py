"""What the previous snapshot tells tonight's run: the snapshot itself (:func:`previous_snapshot`),
``missing`` answers settled with earlier evidence (:func:`settle_missing`), crosswalk joins kept
(:func:`remembered_links`), titles for the link check (:func:`remembered_titles`) and when each repo
was last fetched (:func:`repo_states`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from enrich.pipeline.batches import BatchResult
from enrich.records import FetchStatus, WorkRecord
from enrich.records_arrow import WorkRecords, identities

if TYPE_CHECKING:
    import pyarrow as pa

    from enrich.clients import RepoState
    from enrich.tables import PreviousSnapshot


SEEN_SOURCES: Final = ("arxiv", "s2")
"""The sources whose ``missing`` answers :func:`settle_missing` decides with earlier evidence."""


def seen_before(
    previous: PreviousSnapshot | None, asked: Mapping[str, Collection[str]]
) -> dict[str, frozenset[str]]:
    """Of the ids ``asked`` of ``arxiv``/``s2`` (lower case, in the forms their clients are asked),
    those the source answered on an earlier night; one entry per source of :data:`SEEN_SOURCES`.

    arXiv: ids (no version) of works whose ``status_arxiv`` was ``ok`` or whose abstract is arXiv's;
    S2: ``ARXIV:``/``DOI:``/``PMID:``/``PMCID:``/``ACL:``/``CorpusId:`` keys and 40-hex paper ids of
    works S2 answered (``status_s2`` ok, or an S2 paper id or S2 citation count carried). The works
    are filtered in Arrow and only their id columns read; nothing is read for a source asked nothing.
    """
    out = {source: frozenset[str]() for source in SEEN_SOURCES}
    if previous is None or not any(asked.get(source) for source in SEEN_SOURCES):
        return out
    import pyarrow.compute as pc

    read = ("status_arxiv", "abstract_source", "status_s2", "s2_paper_id", "citation_count_s2")
    works = previous.table("works", [*read, *(column for _, column in _S2_KEYS)])
    if wanted := asked.get("arxiv"):
        answered = pc.or_(_equals(works, "status_arxiv", "ok"), _equals(works, "abstract_source", "arxiv"))
        values = works.filter(answered).column("arxiv_id").to_pylist()
        out["arxiv"] = frozenset(k for v in values if v and (k := str(v).lower()) in wanted)
    if wanted := asked.get("s2"):
        answered = pc.or_(
            _equals(works, "status_s2", "ok"),
            pc.or_(pc.is_valid(works.column("s2_paper_id")), pc.is_valid(works.column("citation_count_s2"))),
        )
        columns = [column for _, column in _S2_KEYS]
        found: set[str] = set()
        for row in _rows(works.filter(answered), [*columns, "s2_paper_id"]):
            keys = [f"{prefix}:{row[column]}" for prefix, column in _S2_KEYS if row[column] is not None]
            if row["s2_paper_id"]:
                keys.append(str(row["s2_paper_id"]))
            found.update(k for key in keys if (k := key.lower()) in wanted)
        out["s2"] = frozenset(found)
    return out


_S2_KEYS: Final = (
    ("arxiv", "arxiv_id"),
    ("doi", "doi"),
    ("pmid", "pmid"),
    ("pmcid", "pmcid"),
    ("acl", "acl_id"),
    ("corpusid", "corpus_id"),
)


def _equals(table: pa.Table, column: str, value: str) -> pa.ChunkedArray:
    """``column == value`` per row, false where the column is null."""
    import pyarrow.compute as pc

    return pc.fill_null(pc.equal(table.column(column), value), False)


def _rows(table: pa.Table, columns: Sequence[str]) -> Iterator[dict[str, Any]]:
    """``table``'s rows as dicts of ``columns`` alone, one at a time (the columns converted whole)."""
    values = [table.column(c).to_pylist() for c in columns]
    return (dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True))


def _seen_key(source: str, key: str) -> str:
    if source == "arxiv":
        from enrich.ids import normalize_arxiv_id

        parsed = normalize_arxiv_id(key)
        return (parsed[0] if parsed else key).lower()
    return key.strip().lower()


def settle_missing(results: Sequence[BatchResult], previous: PreviousSnapshot | None) -> list[BatchResult]:
    """Decide the ``missing`` answers (arXiv empty feeds, S2 ``null`` entries) with earlier evidence.

    An id the source answered on an earlier night stays ``missing``: not proof it is gone, so its
    earlier values are carried forward and it counts as not served. An id never seen before becomes
    ``not_found``, its reason saying why.
    """
    asked: dict[str, set[str]] = {}
    for result in results:
        if result.batch.source in SEEN_SOURCES:
            asked.setdefault(result.batch.source, set()).update(
                _seen_key(r.source, r.key)
                for r in identities(result.works)
                if r.status is FetchStatus.MISSING
            )
    seen = seen_before(previous, asked)
    out: list[BatchResult] = []
    for result in results:
        known = seen.get(result.batch.source)
        if known is None or FetchStatus.MISSING not in WorkRecords.of(result.works).column("status"):
            out.append(result)
            continue
        works = tuple(
            replace(
                r,
                status=FetchStatus.NOT_FOUND,
                reason=f"{r.reason}; never answered before: taken as not found",
            )
            if r.status == FetchStatus.MISSING and _seen_key(r.source, r.key) not in known
            else r
            for r in result.works
        )
        out.append(replace(result, works=works))
    return out


LINK_SOURCE: Final = "previous_snapshot"
"""``source`` of the link records :func:`remembered_links` adds (never a value source for the tables)."""
_CONTRADICTING: Final = ("arxiv_id", "doi", "pmid", "pmcid")  # one value per work: a second one disagrees


def remembered_links(
    previous: PreviousSnapshot | None, works: Sequence[WorkRecord], *, now: datetime | None = None
) -> list[WorkRecord]:
    """Identifier-only records that keep the previous snapshot's crosswalk joins tonight.

    A preprint and its published version are often joined by one source's answer alone (S2 lists
    both ids). When that source does not answer tonight the two would split into two works, and the
    published version's values would move away from the work that carried them. So for every
    previous work joined by a crosswalk, one ``ok`` record of source :data:`LINK_SOURCE` carrying
    only its identifiers is added to tonight's records: the resolver joins the ids again, and the
    tables never take a value from it. A link tonight's answers contradict (an ``ok`` record that
    shares an id with the work but gives another arXiv id, DOI, PMID or PMCID) is dropped.
    """
    if previous is None:
        return []
    from enrich.ids import WORK_ID_COLUMNS, Ids, id_keys

    # the crosswalk joins, filtered in Arrow
    works_before = previous.table("works", ["work_id", "match_method", *WORK_ID_COLUMNS.values()])
    joined = works_before.filter(_equals(works_before, "match_method", "crosswalk"))
    links: list[tuple[str, Ids, set[str]]] = []  # work id, its ids, their keys
    for row in _rows(joined, ["work_id", *WORK_ID_COLUMNS.values()]):
        ids = Ids.from_row(row)
        keys = set(id_keys(ids))
        if len(keys) >= 2:
            links.append((str(row["work_id"]), ids, keys))
    if not links:
        return []
    wanted = {key for _, _, keys in links for key in keys}
    tonight: dict[str, list[Ids]] = {}  # id key of a link -> tonight's OK records' ids carrying it
    for r in identities(works):  # read from the columns: no record is made
        if r.status is FetchStatus.OK:
            for key in id_keys(r.ids):
                if key in wanted:
                    tonight.setdefault(key, []).append(r.ids)
    stamp = now or datetime.now(UTC)
    out: list[WorkRecord] = []
    for work_id, ids, keys in links:
        contradicted = any(
            getattr(ids, f) is not None
            and getattr(seen, f) is not None
            and str(getattr(seen, f)).lower() != str(getattr(ids, f)).lower()
            for key in keys
            for seen in tonight.get(key, ())
            for f in _CONTRADICTING
        )
        if contradicted:
            continue
        out.append(
            WorkRecord(
                source=LINK_SOURCE,
                key=work_id,
                status=FetchStatus.OK,
                fetched_at=stamp,
                reason="identifiers joined on an earlier night",
                arxiv_id=ids.arxiv_id,
                doi=ids.doi,
                pmid=ids.pmid,
                pmcid=ids.pmcid,
                acl_id=ids.acl_id,
                corpus_id=ids.corpus_id,
                s2_paper_id=ids.s2_paper_id,
                openalex_id=ids.openalex_id,
            )
        )
    return out


def remembered_titles(
    previous: PreviousSnapshot | None, keys: Collection[str] | None = None
) -> dict[str, str]:
    """Id key (``arxiv:...``, ``acl:...``) -> the title a source gave its work in ``previous``; with
    ``keys``, only for those keys (what the link check asks: the keys no source titled tonight).

    The link check (:func:`enrich.resolve.cluster.check_links`) compares an entry's title with it
    when no source answered for that id tonight. Works whose title came from the list alone (no
    source ever answered) are left out: a list's own title proves nothing about its link. The keys
    are made and matched in Arrow, one id column at a time; only the matching works are read.
    """
    if previous is None or (keys is not None and not keys):
        return {}
    import pyarrow as pa
    import pyarrow.compute as pc

    from enrich.ids import ID_ORDER, ID_PREFIX

    works = previous.table("works", ["title", "sources", *dict.fromkeys((*ID_ORDER, "s2_paper_id"))])
    titled = works.filter(pc.fill_null(pc.not_equal(works.column("title"), ""), False))
    wanted = None if keys is None else pa.array(list(keys), pa.string())
    found: list[tuple[int, int, str]] = []  # (row, id column, key): id_keys' order within a row
    for at, name in enumerate((*ID_ORDER, "s2_paper_id")):
        column = pc.cast(titled.column(name), pa.string())
        made = pc.binary_join_element_wise(f"{ID_PREFIX[name]}:", column, "")
        mask = pc.is_valid(made) if wanted is None else pc.is_in(made, value_set=wanted)
        rows = pc.indices_nonzero(pc.fill_null(mask, False))
        found.extend(zip(rows.to_pylist(), [at] * len(rows), made.take(rows).to_pylist(), strict=True))
    found.sort()
    rows = sorted({row for row, _, _ in found})
    picked = titled.take(pa.array(rows, pa.int64())).select(["title", "sources"]).to_pylist()
    row_of = {row: picked[i] for i, row in enumerate(rows)}
    out: dict[str, str] = {}
    for row, _, key in found:
        work = row_of[row]
        if [s for s in (work["sources"] or []) if s != LINK_SOURCE]:
            out.setdefault(key, str(work["title"]))
    return out


def previous_snapshot(out: Path | str, snapshot_date: date) -> PreviousSnapshot | None:
    """The latest snapshot before ``snapshot_date`` (carry-forward, staleness, movers), if any.

    An earlier write that crashed after its commit point is completed first (``recover``), so what
    is carried forward is always the last committed version of every date.
    """
    from enrich.snapshot import read_previous, recover

    recover(out)
    return read_previous(out, before=snapshot_date)


def repo_states(previous: PreviousSnapshot | None) -> dict[str, RepoState]:
    """What the last snapshot knew about each repo: when its GitHub values were fetched.

    Read from two columns; repos fetched on the same day share one (immutable) state."""
    from enrich.clients import RepoState

    if previous is None:
        return {}
    repos = previous.table("repos", ["repo_id", "stars_as_of"])
    shared: dict[date | None, RepoState] = {}
    states: dict[str, RepoState] = {}
    for repo_id, as_of in zip(
        repos.column("repo_id").to_pylist(), repos.column("stars_as_of").to_pylist(), strict=True
    ):
        day = as_of if isinstance(as_of, date) else None
        state = shared.get(day)
        if state is None:
            fetched = datetime.combine(day, time.min, tzinfo=UTC) if day is not None else None
            state = shared[day] = RepoState(fetched_at=fetched)
        states[str(repo_id)] = state
    return states
