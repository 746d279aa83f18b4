"""Cluster entries and source records into works (the lookups were planned by :mod:`enrich.resolve.plan`).

Clustering is a union-find over identifiers (``arxiv:``, ``doi:``, ``pmid:``, ``pmcid:``, ``acl:``,
``corpus:``, ``s2:``, ``openalex:`` keys):

* every entry joins the identifiers read off it (an arXiv DataCite DOI counts as the arXiv id);
* every OK record joins every identifier it carries - this is the cross-walk: S2 ``externalIds``,
  OpenAlex ``ids`` (its DataCite DOI is the arXiv id) and arXiv's ``<arxiv:doi>`` (the publisher DOI)
  put a preprint and its published version in one cluster; arXiv ids carry no version, so versions
  collapse;
* a record that is not OK (not found, error, ...) carries no data: it is attached through the id it
  was requested by (its ``key``) and joins nothing else, so the snapshot stage sees the failure;
* an accepted title match joins a title-only entry to the matched identifiers (the only way a title
  joins anything to an identifier, and only for a side that has no identifier of its own);
* last, entries sharing a parse-time ``work_key`` (same normalised title) are joined, unless that
  would put two different values of one identifier kind (two DOIs, two arXiv ids, ...) in one work.

Records only ever join through identifiers; titles never merge two clusters that both have ids.

**Link check** (:func:`check_links`). An identifier read off an entry is a claim. Before clustering,
each paper entry's title (or name) is compared with the titles of the OK records that carry each of
its identifiers; an identifier whose every titled record is unrelated to the entry
(:func:`enrich.resolve.titles.titles_agree` is False: not a subtle difference, another paper) is *detached*
from that entry: the entry does not join that id, keeps none of its values, and leaves its
parse-time ``work_key`` group (which that id may have formed), so a wrong id copied into a row
never merges two papers. A detached entry left without identifiers is re-resolved by its title
against tonight's records with the calibrated scorer (:func:`enrich.resolve.match.decide`: accept
threshold, abstain band); when nothing is accepted it keeps its own title-keyed work. The verdict
per entry (:class:`~enrich.resolve.types.LinkCheck`) is carried on ``ResolvedWork.link_checks``.
Rows that are not papers (models, datasets, repos) are named differently from the paper they link,
so a title that does not match them is no evidence: they are ``ok`` or ``unchecked``, never detached.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from enrich.ids import Ids, Lookup, id_keys
from enrich.records import FetchStatus, WorkRecord
from enrich.records_arrow import RecordIdentity, RecordView, identities
from enrich.resolve.idmap import WorkIdMap, title_key, work_id_for
from enrich.resolve.match import TitleMatch, TitleQuery, decide
from enrich.resolve.plan import (
    PAPER_KINDS,
    EntryLike,
    entry_ids,
    entry_title,
    first_author,
    has_ids,
    work_entries,
)
from enrich.resolve.titles import titles_agree
from enrich.resolve.types import LinkCheck, MatchEvidence, MatchMethod, ResolvedWork
from enrich.sources import search_sources
from enrich.util import UnionFind

SOURCE_ORDER = search_sources()
_DRAFT_SLICE = 4096  # clusters whose records are read at once (one Arrow take), then dropped
_KIND_FIELD = {
    "arxiv": "arxiv_id",
    "doi": "doi",
    "pmid": "pmid",
    "pmcid": "pmcid",
    "acl": "acl_id",
    "corpus": "corpus_id",
    "s2": "s2_paper_id",
    "openalex": "openalex_id",
}


def key_node(record: RecordIdentity) -> str | None:
    """The identifier key a record was requested by, read back from its ``key`` (None if unreadable)."""
    lookup = Lookup.from_wire(record.source, record.key)
    return lookup.node if lookup is not None else None


# --- link check -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkVerdict:
    """One entry's link check and the identifier keys (``acl:...``) detached from it."""

    check: LinkCheck
    detached: frozenset[str] = frozenset()


def _record_keys(record: RecordIdentity) -> set[str]:
    keys = set(id_keys(record.ids))
    knode = key_node(record)
    if knode is not None:
        keys.add(knode)
    return keys


def check_links(
    entries: Sequence[EntryLike],
    records: Sequence[WorkRecord],
    known_titles: Mapping[str, str] | None = None,
) -> dict[str, LinkVerdict]:
    """A :class:`LinkVerdict` for every entry that carries a paper identifier (see the module docstring).

    Per identifier: the titles of the OK records carrying it are compared with the entry's title and
    name; all unrelated -> that id is detached (paper rows only). The entry is ``title_mismatch`` if
    any id was detached, else ``ok`` if any id's work matched, else ``id_not_found`` if every source
    asked about an id answered "not found", else ``unchecked``. ``known_titles`` (id key -> the
    title a source gave its work on an earlier night) stands in for an id no source answered with a
    title tonight, so a bad night neither re-merges a detached entry nor loses what it was split from.
    """
    titles_by_key: dict[str, list[str]] = {}
    found: set[str] = set()
    not_found: set[str] = set()
    unsure: set[str] = set()  # a source failed to answer for it (error, deferred, ...)
    for r in identities(records):
        if r.status is FetchStatus.OK:
            for k in _record_keys(r):
                found.add(k)
                if r.title:
                    titles_by_key.setdefault(k, []).append(r.title)
        elif (knode := key_node(r)) is not None:
            (not_found if r.status is FetchStatus.NOT_FOUND else unsure).add(knode)
    out: dict[str, LinkVerdict] = {}
    for e in entries:
        own = id_keys(entry_ids(e))
        if not own:
            continue
        texts = [t for t in (e.title, e.name) if t]
        detached: set[str] = set()
        matched = missing = False
        for k in own:
            titles = titles_by_key.get(k) or ([known_titles[k]] if known_titles and k in known_titles else [])
            if texts and titles:
                verdicts = [titles_agree(texts, t) for t in titles]
                if any(v is True for v in verdicts):
                    matched = True
                elif verdicts and all(v is False for v in verdicts) and e.kind in PAPER_KINDS:
                    detached.add(k)
            elif k not in found:
                missing = missing or (k in not_found and k not in unsure)
        if detached:
            check = LinkCheck.TITLE_MISMATCH
        elif matched:
            check = LinkCheck.OK
        elif missing:
            check = LinkCheck.ID_NOT_FOUND
        else:
            check = LinkCheck.UNCHECKED
        out[e.entry_id] = LinkVerdict(check, frozenset(detached))
    return out


def _without(ids: Ids, detached: Iterable[str]) -> Ids:
    """``ids`` minus the detached keys' values."""
    drop = {_KIND_FIELD[k.partition(":")[0]]: None for k in detached}
    return dataclasses.replace(ids, **drop) if drop else ids


def _rematch(entry: EntryLike, records: Sequence[WorkRecord], detached: frozenset[str]) -> TitleMatch | None:
    """Re-resolve a detached entry by its title among tonight's records (never the detached ids')."""
    title = entry_title(entry)
    if not title:
        return None
    query = TitleQuery(
        work_key=entry.work_key,
        title=title,
        year=entry.year,
        first_author=first_author(entry.authors_raw),
        venue=entry.venue_raw,
    )
    candidates = [
        r for r in records if r.status is FetchStatus.OK and r.title and not (_record_keys(r) & detached)
    ]
    match = decide(query, candidates)
    return match if match.accepted and id_keys(match.ids) else None


# --- clustering -------------------------------------------------------------------------------


def _kind_values(nodes: Iterable[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for n in nodes:
        kind, _, value = n.partition(":")
        if kind in _KIND_FIELD:
            out.setdefault(kind, set()).add(value)
    return out


def _conflicts(a: dict[str, set[str]], b: dict[str, set[str]]) -> bool:
    return any(k in b and not (v & b[k]) for k, v in a.items())


def _pick(values: Iterable[str | int | None]) -> str | int | None:
    counts = Counter(v for v in values if v is not None)
    if not counts:
        return None
    return sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[0][0]


def _cluster_ids(entry_views: Sequence[Ids], records: Sequence[RecordIdentity]) -> Ids:
    views = list(entry_views) + [r.ids for r in records if r.status is FetchStatus.OK]
    return Ids.from_row({f: _pick(getattr(v, f) for v in views) for f in _KIND_FIELD.values()})


def _record_sort_key(r: RecordIdentity) -> tuple[int, str, str]:
    order = SOURCE_ORDER.index(r.source) if r.source in SOURCE_ORDER else len(SOURCE_ORDER)
    return (order, r.key, r.status.value)


def resolve_works(
    entries: Sequence[EntryLike],
    records: Sequence[WorkRecord],
    title_matches: Mapping[str, TitleMatch],
    *,
    id_map: WorkIdMap | None = None,
    known_titles: Mapping[str, str] | None = None,
) -> list[ResolvedWork]:
    """One :class:`ResolvedWork` per work, sorted by ``work_id`` (see the module docstring).

    ``records`` are the by-id lookups of tonight (any status); ``title_matches`` the resolver's
    decisions keyed by ``work_key``. With ``id_map`` work ids are remembered across nights
    (see :mod:`enrich.resolve.idmap`), without it they are derived (:func:`work_id_for`).
    ``known_titles``: see :func:`check_links`.
    """
    named = sorted(work_entries(entries, title_matches), key=lambda e: e.entry_id)
    verdicts = check_links(named, records, known_titles)
    eff: dict[str, Ids] = {}  # each entry's ids less the detached ones
    rematched: dict[str, TitleMatch] = {}
    dsu = UnionFind()
    by_key: dict[str, list[EntryLike]] = {}
    for e in named:
        verdict = verdicts.get(e.entry_id)
        detached = verdict.detached if verdict is not None else frozenset()
        eff[e.entry_id] = _without(entry_ids(e), detached)
        node = f"entry:{e.entry_id}"
        dsu.add(node)
        if detached:
            # out of the parse-time group the wrong id may have formed: grouped by its own title
            local = title_key(entry_title(e) or "") or f"entry:{e.entry_id}"
            by_key.setdefault(f"unlinked:{local}", []).append(e)
            if not has_ids(eff[e.entry_id]) and (m := _rematch(e, records, detached)) is not None:
                rematched[e.entry_id] = m
                for key in id_keys(m.ids):
                    dsu.union(node, key)
        else:
            by_key.setdefault(e.work_key, []).append(e)
        for key in id_keys(eff[e.entry_id]):
            dsu.union(node, key)

    # by-id records: OK ones join all their ids; others hang on the id they were asked by
    rec_nodes: list[tuple[int, str]] = []  # (row in ``records``, node): records are read again by row
    for i, rec in enumerate(identities(records)):
        node = f"rec:{i}"
        dsu.add(node)
        if rec.status is FetchStatus.OK:
            keys = id_keys(rec.ids)
            knode = key_node(rec)
            for key in [*keys, *([knode] if knode else [])]:
                dsu.union(node, key)
        else:
            knode = key_node(rec)
            if knode is None:
                continue
            dsu.union(node, knode)
        rec_nodes.append((i, node))

    # accepted title matches join title-only work_keys to identifiers
    title_attached: dict[str, TitleMatch] = {}
    for wk in sorted(by_key):
        match = title_matches.get(wk)
        if match is None or not match.accepted:
            continue
        group = by_key[wk]
        if any(has_ids(eff[e.entry_id]) or e.entry_id in rematched for e in group):
            continue  # entries with their own ids are resolved by them, never by title
        keys = id_keys(match.ids)
        if not keys:
            continue
        for e in group:
            for key in keys:
                dsu.union(f"entry:{e.entry_id}", key)
        title_attached[wk] = match

    # weak: same work_key, unless it would join conflicting identifiers
    # (only the clusters of groups with several entries can merge: their identifiers are needed)
    weak = {dsu.find(f"entry:{e.entry_id}") for group in by_key.values() if len(group) > 1 for e in group}
    members: dict[str, list[str]] = {}
    for node in list(dsu.parent) if weak else ():
        if (root := dsu.find(node)) in weak:
            members.setdefault(root, []).append(node)
    root_values = {root: _kind_values(nodes) for root, nodes in members.items()}
    del members, weak
    for wk in sorted(by_key):
        group = by_key[wk]
        first = f"entry:{group[0].entry_id}"
        for e in group[1:]:
            ra, rb = dsu.find(first), dsu.find(f"entry:{e.entry_id}")
            if ra == rb or _conflicts(root_values.get(ra, {}), root_values.get(rb, {})):
                continue
            merged = {
                k: root_values.get(ra, {}).get(k, set()) | root_values.get(rb, {}).get(k, set())
                for k in set(root_values.get(ra, {})) | set(root_values.get(rb, {}))
            }
            root = dsu.union(ra, rb)
            root_values[root] = merged

    # collect clusters that hold at least one entry (their records by row in ``records``)
    clusters: dict[str, tuple[list[EntryLike], list[int]]] = {}
    for e in named:
        clusters.setdefault(dsu.find(f"entry:{e.entry_id}"), ([], []))[0].append(e)
    for row, node in rec_nodes:
        root = dsu.find(node)
        if root in clusters:
            clusters[root][1].append(row)

    checked = _Checked(eff, rematched, {k: v.check for k, v in verdicts.items()})  # once, not per cluster
    del dsu, rec_nodes, root_values, by_key, verdicts, named  # the clusters hold what the drafts need
    groups = list(clusters.values())
    del clusters
    drafts: list[_Draft] = []
    for start in range(0, len(groups), _DRAFT_SLICE):  # a slice of clusters' records read at a time
        part = groups[start : start + _DRAFT_SLICE]
        read = iter(identities(records, [row for _, rows in part for row in rows]))
        for es, rows in part:
            pairs = sorted(((row, next(read)) for row in rows), key=lambda p: _record_sort_key(p[1]))
            drafts.append(_draft(es, pairs, records, title_matches, title_attached, checked))
        del part, read
    del groups, checked, eff, rematched, title_attached
    drafts.sort(key=lambda d: (d.derived_id, d.entry_ids))
    if id_map is not None:
        id_map.start_run()
    works: list[ResolvedWork] = []
    used: set[str] = set()
    for d in drafts:
        if id_map is not None:
            work_id = id_map.assign(d.keys, d.derived_id, fallback_keys=d.title_keys)
        else:
            work_id, n = d.derived_id, 2
            while work_id in used:
                work_id, n = f"{d.derived_id}~{n}", n + 1
        used.add(work_id)
        works.append(
            ResolvedWork(
                work_id=work_id,
                ids=d.ids,
                entry_ids=d.entry_ids,
                work_keys=d.work_keys,
                evidence=d.evidence,
                records=d.records,
                local_title=d.local_title,
                local_year=d.local_year,
                local_authors=d.local_authors,
                entry_evidence=d.entry_evidence,
                link_checks=d.link_checks,
            )
        )
    works.sort(key=lambda w: w.work_id)
    return works


@dataclass(frozen=True, slots=True)
class _Draft:
    derived_id: str
    keys: tuple[str, ...]
    title_keys: tuple[str, ...]
    ids: Ids
    entry_ids: tuple[str, ...]
    work_keys: tuple[str, ...]
    evidence: MatchEvidence
    records: RecordView
    local_title: str | None
    local_year: int | None
    local_authors: tuple[str, ...]
    entry_evidence: tuple[tuple[str, MatchEvidence], ...] = field(default=())
    link_checks: tuple[tuple[str, LinkCheck], ...] = field(default=())


@dataclass(frozen=True, slots=True)
class _Checked:
    """The link check's outcome, per entry id: ids less detached ones, title re-matches, verdicts."""

    ids: Mapping[str, Ids]
    rematched: Mapping[str, TitleMatch]
    checks: Mapping[str, LinkCheck]


_METHOD_RANK = {
    MatchMethod.IDENTIFIER: 0,
    MatchMethod.CROSSWALK: 1,
    MatchMethod.TITLE: 2,
    MatchMethod.ABSTAINED: 3,
    MatchMethod.LOCAL: 4,
}


def _split_authors(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    parts = re.split(r"\s*(?:;|,\s*and\s+|\band\b|,)\s*", raw.strip())
    return tuple(
        p.strip().rstrip(".") for p in parts if p.strip() and p.strip().lower() not in {"et al", "et al."}
    )


def _draft(
    entries: list[EntryLike],
    records: list[tuple[int, RecordIdentity]],
    store: Sequence[WorkRecord],
    title_matches: Mapping[str, TitleMatch],
    title_attached: Mapping[str, TitleMatch],
    checked: _Checked,
) -> _Draft:
    """One cluster's draft. ``records``: what clustering reads of its by-id records, with their rows
    in ``store`` (sorted by :func:`_record_sort_key`); the draft keeps the rows (a
    :class:`RecordView`), not the records."""
    entries = sorted(entries, key=lambda e: e.entry_id)
    ok = [r for _, r in records if r.status is FetchStatus.OK]
    # a title match's own record only when no by-id record of that source is here
    sources = {r.source for r in ok}
    extra: list[WorkRecord] = []
    for wk in sorted({e.work_key for e in entries}):
        m = title_attached.get(wk)
        if m is not None and m.record is not None and m.record.source not in sources:
            extra.append(m.record)
            sources.add(m.record.source)
    refs: list[tuple[int | WorkRecord, RecordIdentity]] = [*records, *((m, m) for m in extra)]
    refs.sort(key=lambda p: _record_sort_key(p[1]))
    all_records = tuple(r for _, r in refs)
    ok_all = [r for r in all_records if r.status is FetchStatus.OK]
    ids = _cluster_ids([checked.ids[e.entry_id] for e in entries], all_records)

    # per-entry evidence
    record_keysets = [(r, set(id_keys(r.ids)) | {k for k in [key_node(r)] if k}) for r in ok_all]
    own_groups: list[set[str]] = []
    per_entry: list[tuple[str, MatchEvidence]] = []
    for e in entries:
        own = set(id_keys(checked.ids[e.entry_id]))
        if e.entry_id in checked.rematched:
            ev = checked.rematched[e.entry_id].evidence
        elif own:
            own_groups.append(own)
            hit = next((r for r, keys in record_keysets if keys & own), None)
            if hit is not None:
                ev = MatchEvidence(method=MatchMethod.IDENTIFIER, score=1.0, source=hit.source)
            else:
                ev = MatchEvidence(method=MatchMethod.LOCAL)
        elif e.work_key in title_attached:
            ev = title_attached[e.work_key].evidence
        elif e.work_key in title_matches:
            m = title_matches[e.work_key]
            ev = (
                m.evidence if m.evidence.method is MatchMethod.ABSTAINED else MatchEvidence(MatchMethod.LOCAL)
            )
        else:
            ev = MatchEvidence(method=MatchMethod.LOCAL)
        per_entry.append((e.entry_id, ev))

    evidence = min((ev for _, ev in per_entry), key=lambda ev: _METHOD_RANK[ev.method])
    if evidence.method is MatchMethod.IDENTIFIER and _joined_by_crosswalk(own_groups):
        evidence = MatchEvidence(method=MatchMethod.CROSSWALK, score=1.0, source=evidence.source)

    titled = [e for e in entries if entry_title(e)]
    local_title = (
        entry_title(min(titled, key=lambda e: (-len(entry_title(e) or ""), e.entry_id))) if titled else None
    )
    keys = tuple(sorted(set(id_keys(ids)) | {k for r in ok_all for k in id_keys(r.ids)}))
    title_keys = tuple(
        sorted(
            {
                k
                for e in entries
                if not has_ids(checked.ids[e.entry_id])
                and e.entry_id not in checked.rematched
                and (k := title_key(entry_title(e) or ""))
            }
        )
    )
    return _Draft(
        derived_id=work_id_for(ids, local_title),
        keys=keys,
        title_keys=title_keys,
        ids=ids,
        entry_ids=tuple(e.entry_id for e in entries),
        work_keys=tuple(sorted({e.work_key for e in entries})),
        evidence=evidence,
        records=RecordView(store, (ref for ref, _ in refs)),
        local_title=local_title,
        local_year=next((e.year for e in entries if e.year is not None), None),
        local_authors=next((a for e in entries if (a := _split_authors(e.authors_raw))), ()),
        entry_evidence=tuple(per_entry),
        link_checks=tuple(
            (e.entry_id, checked.checks[e.entry_id]) for e in entries if e.entry_id in checked.checks
        ),
    )


def _joined_by_crosswalk(own_groups: list[set[str]]) -> bool:
    """True when entries with disjoint identifier sets were joined (only a source's id map can)."""
    if len(own_groups) < 2:
        return False
    merged = [set(own_groups[0])]
    for g in own_groups[1:]:
        hit = [m for m in merged if m & g]
        if hit:
            base = hit[0]
            base |= g
            for other in hit[1:]:
                base |= other
                merged.remove(other)
        else:
            merged.append(set(g))
    return len(merged) > 1
