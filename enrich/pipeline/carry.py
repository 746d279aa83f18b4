"""What the previous snapshot tells tonight's run: the snapshot itself (:func:`previous_snapshot`),
``missing`` answers settled with earlier evidence (:func:`settle_missing`), crosswalk joins kept
(:func:`remembered_links`), titles for the link check (:func:`remembered_titles`) and when each repo
was last fetched (:func:`repo_states`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Final

from enrich.pipeline.batches import BatchResult
from enrich.records import FetchStatus, WorkRecord
from enrich.records_arrow import WorkRecords, identities

if TYPE_CHECKING:
    from enrich.clients import RepoState
    from enrich.tables import PreviousSnapshot


def seen_before(previous: PreviousSnapshot | None) -> dict[str, frozenset[str]]:
    """Ids each of ``arxiv``/``s2`` answered on an earlier night, in the forms their clients are asked.

    arXiv: ids (no version) of works whose ``status_arxiv`` was ``ok`` or whose abstract is arXiv's;
    S2: ``ARXIV:``/``DOI:``/``PMID:``/``PMCID:``/``ACL:``/``CorpusId:`` keys and 40-hex paper ids of
    works S2 answered (``status_s2`` ok, or an S2 paper id or S2 citation count carried). Lower case.
    """
    if previous is None:
        return {"arxiv": frozenset(), "s2": frozenset()}
    arxiv: set[str] = set()
    s2: set[str] = set()
    for row in previous.rows("works", "work_id").values():
        if row.get("arxiv_id") and (row.get("status_arxiv") == "ok" or row.get("abstract_source") == "arxiv"):
            arxiv.add(str(row["arxiv_id"]).lower())
        if (
            row.get("status_s2") == "ok"
            or row.get("s2_paper_id") is not None
            or row.get("citation_count_s2") is not None
        ):
            for prefix, column in (
                ("arxiv", "arxiv_id"),
                ("doi", "doi"),
                ("pmid", "pmid"),
                ("pmcid", "pmcid"),
                ("acl", "acl_id"),
                ("corpusid", "corpus_id"),
            ):
                if row.get(column) is not None:
                    s2.add(f"{prefix}:{row[column]}".lower())
            if row.get("s2_paper_id"):
                s2.add(str(row["s2_paper_id"]).lower())
    return {"arxiv": frozenset(arxiv), "s2": frozenset(s2)}


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
    seen = seen_before(previous)
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
    from enrich.ids import Ids, id_keys

    tonight: dict[str, list[Ids]] = {}  # id key -> tonight's OK records' ids carrying it
    for r in identities(works):  # read from the columns: no record is made
        if r.status is FetchStatus.OK:
            for key in id_keys(r.ids):
                tonight.setdefault(key, []).append(r.ids)
    stamp = now or datetime.now(UTC)
    out: list[WorkRecord] = []
    for row in previous.rows("works", "work_id").values():
        if row.get("match_method") != "crosswalk":
            continue
        ids = Ids.from_row(row)
        keys = set(id_keys(ids))
        if len(keys) < 2:
            continue
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
                key=str(row["work_id"]),
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


def remembered_titles(previous: PreviousSnapshot | None) -> dict[str, str]:
    """Id key (``arxiv:...``, ``acl:...``) -> the title a source gave its work in ``previous``.

    The link check (:func:`enrich.resolve.cluster.check_links`) compares an entry's title with it
    when no source answered for that id tonight. Works whose title came from the list alone (no
    source ever answered) are left out: a list's own title proves nothing about its link.
    """
    if previous is None:
        return {}
    from enrich.ids import Ids, id_keys

    out: dict[str, str] = {}
    for row in previous.rows("works", "work_id").values():
        title = row.get("title")
        if not title or not [s for s in (row.get("sources") or []) if s != LINK_SOURCE]:
            continue
        ids = Ids.from_row(row)
        for key in id_keys(ids):
            out.setdefault(key, str(title))
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
    """What the last snapshot knew about each repo: when its GitHub values were fetched."""
    from enrich.clients import RepoState

    if previous is None:
        return {}
    states: dict[str, RepoState] = {}
    for repo_id, as_of in previous.rows("repos", "repo_id").column("stars_as_of"):
        fetched = datetime.combine(as_of, time.min, tzinfo=UTC) if isinstance(as_of, date) else None
        states[str(repo_id)] = RepoState(fetched_at=fetched)
    return states
