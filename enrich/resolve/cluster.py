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
import functools
import re
from array import array
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

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
from enrich.util import UnionFind, components

SOURCE_ORDER = search_sources()
_DRAFT_SLICE = 4096  # clusters whose records are read at once (one Arrow take), then dropped
_INTERN_SLICE = 16384  # keys turned into Arrow strings at a time while interning
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


# --- the night's identifier keys, as integer codes ---------------------------------------------

_OK_KEY, _NOT_FOUND_KEY, _UNSURE_KEY = 0, 1, 2  # what a record's edge to a key says
_Ints = npt.NDArray[np.int64]
TitleLookup = Callable[[Collection[str]], Mapping[str, str]]
"""Given id keys, the titles earlier nights saw for those of them it knows (see :func:`check_links`)."""


@dataclass(frozen=True, slots=True)
class _Keys:
    """Every identifier key of the entries and records, interned once as an integer code.

    ``names`` (Arrow strings) is the code -> key table. The entries' own keys come first, flat
    (``entry_keys[entry_at[j]:entry_at[j + 1]]`` are entry ``j``'s codes); each record edge is a row
    of ``records`` (ascending), the code of a key it carries and what it says of it: an OK record
    carries its ids and the id it was asked by (:data:`_OK_KEY`), another record only the id it was
    asked by (:data:`_NOT_FOUND_KEY` or :data:`_UNSURE_KEY`). No Python string per key is kept.
    """

    names: pa.Array
    entry_keys: _Ints
    entry_at: _Ints
    rec_rows: _Ints
    rec_keys: _Ints
    rec_says: npt.NDArray[np.int8]

    def codes(self, keys: Sequence[str]) -> _Ints:
        """The codes of ``keys`` (-1 for a key neither an entry nor a record carries)."""
        if not keys:
            return np.zeros(0, np.int64)
        found = pc.index_in(pa.array(keys, pa.string()), value_set=self.names)
        return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), np.int64)


def _intern(entries: Sequence[EntryLike], records: Sequence[WorkRecord]) -> _Keys:
    """:class:`_Keys` of ``entries`` (their own ids, :func:`entry_ids`) and ``records`` (read once)."""
    own: list[str] = []
    entry_at = array("q", [0])
    for e in entries:
        own.extend(id_keys(entry_ids(e)))
        entry_at.append(len(own))
    parts = [pa.array(own, pa.string())]
    del own
    rows, says = array("q"), array("b")
    keys: list[str] = []
    for i, r in enumerate(identities(records)):
        knode = key_node(r)
        if r.status is FetchStatus.OK:
            ks = id_keys(r.ids)
            if knode is not None and knode not in ks:
                ks.append(knode)
            keys.extend(ks)
            rows.extend([i] * len(ks))
            says.extend([_OK_KEY] * len(ks))
        elif knode is not None:
            keys.append(knode)
            rows.append(i)
            says.append(_NOT_FOUND_KEY if r.status is FetchStatus.NOT_FOUND else _UNSURE_KEY)
        if len(keys) >= _INTERN_SLICE:
            parts.append(pa.array(keys, pa.string()))
            keys = []
    parts.append(pa.array(keys, pa.string()))
    del keys
    every = pa.chunked_array(parts, pa.string())
    names = pc.unique(every)
    codes = np.asarray(pc.index_in(every, value_set=names).to_numpy(), np.int64)
    del every, parts
    n_own = entry_at[-1]
    return _Keys(
        names=names,
        entry_keys=codes[:n_own],
        entry_at=np.frombuffer(entry_at, np.int64),
        rec_rows=np.frombuffer(rows, np.int64),
        rec_keys=codes[n_own:],
        rec_says=np.frombuffer(says, np.int8),
    )


# --- link check -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkVerdict:
    """One entry's link check and the identifier keys (``acl:...``) detached from it."""

    check: LinkCheck
    detached: frozenset[str] = frozenset()


_VERDICT = {check: LinkVerdict(check) for check in LinkCheck}


def _record_keys(record: RecordIdentity) -> set[str]:
    keys = set(id_keys(record.ids))
    knode = key_node(record)
    if knode is not None:
        keys.add(knode)
    return keys


def check_links(
    entries: Sequence[EntryLike],
    records: Sequence[WorkRecord],
    known_titles: Mapping[str, str] | TitleLookup | None = None,
) -> dict[str, LinkVerdict]:
    """A :class:`LinkVerdict` for every entry that carries a paper identifier (see the module docstring).

    Per identifier: the titles of the OK records carrying it are compared with the entry's title and
    name; all unrelated -> that id is detached (paper rows only). The entry is ``title_mismatch`` if
    any id was detached, else ``ok`` if any id's work matched, else ``id_not_found`` if every source
    asked about an id answered "not found", else ``unchecked``. ``known_titles`` (id key -> the
    title a source gave its work on an earlier night, or a function giving those of the keys it is
    asked) stands in for an id no source answered with a title tonight, so a bad night neither
    re-merges a detached entry nor loses what it was split from.
    """
    return _verdicts(entries, _intern(entries, records), records, known_titles)


def _titles(records: Sequence[WorkRecord], rows: _Ints, codes: _Ints) -> dict[int, list[str]]:
    """Key code -> the distinct titles of the records at ``rows`` (ascending) carrying it."""
    out: dict[int, list[str]] = {}
    for start in range(0, len(rows), _DRAFT_SLICE):
        part_rows = rows[start : start + _DRAFT_SLICE].tolist()
        wanted = sorted(set(part_rows))
        title_of = {row: r.title for row, r in zip(wanted, identities(records, wanted), strict=True)}
        for row, code in zip(part_rows, codes[start : start + _DRAFT_SLICE].tolist(), strict=True):
            if (title := title_of[row]) and title not in (seen := out.setdefault(code, [])):
                seen.append(title)
    return out


def _verdicts(
    entries: Sequence[EntryLike],
    keys: _Keys,
    records: Sequence[WorkRecord],
    known_titles: Mapping[str, str] | TitleLookup | None,
) -> dict[str, LinkVerdict]:
    """:func:`check_links` over the interned keys (``keys`` of ``entries`` and ``records``).

    Only the keys an entry carries are looked at: their records' titles (each distinct title once,
    which decides the same), whether a source found them, said "not found" or failed."""
    n = len(keys.names)
    codes, says = keys.rec_keys, keys.rec_says
    ok = says == _OK_KEY
    found = np.zeros(n, np.bool_)
    found[codes[ok]] = True
    not_found = np.zeros(n, np.bool_)
    not_found[codes[says == _NOT_FOUND_KEY]] = True
    unsure = np.zeros(n, np.bool_)
    unsure[codes[says == _UNSURE_KEY]] = True
    wanted = np.zeros(n, np.bool_)
    wanted[keys.entry_keys] = True
    pick = ok & wanted[codes]
    titles = _titles(records, keys.rec_rows[pick], codes[pick])
    del pick, wanted, ok
    if known_titles is not None:
        titled = np.zeros(n, np.bool_)
        titled[np.fromiter(titles, np.int64, len(titles))] = True
        lacking = np.unique(keys.entry_keys[~titled[keys.entry_keys]])
        names: list[str] = keys.names.take(pa.array(lacking, pa.int64())).to_pylist()
        if isinstance(known_titles, Mapping):
            known = {k: known_titles[k] for k in names if k in known_titles}
        else:
            known = dict(known_titles(names))
        for code, name in zip(lacking.tolist(), names, strict=True):
            if name in known:
                titles[code] = [known[name]]
        del titled, lacking, names, known
    out: dict[str, LinkVerdict] = {}
    at = keys.entry_at.tolist()
    for j, e in enumerate(entries):
        own = keys.entry_keys[at[j] : at[j + 1]].tolist()
        if not own:
            continue
        texts = [t for t in (e.title, e.name) if t]
        detached: list[int] = []  # positions in ``own``
        matched = missing = False
        for pos, k in enumerate(own):
            ts = titles.get(k)
            if texts and ts:
                verdicts = [titles_agree(texts, t) for t in ts]
                if any(v is True for v in verdicts):
                    matched = True
                elif verdicts and all(v is False for v in verdicts) and e.kind in PAPER_KINDS:
                    detached.append(pos)
            elif not found[k]:
                missing = missing or bool(not_found[k] and not unsure[k])
        if detached:
            check = LinkCheck.TITLE_MISMATCH
        elif matched:
            check = LinkCheck.OK
        elif missing:
            check = LinkCheck.ID_NOT_FOUND
        else:
            check = LinkCheck.UNCHECKED
        if detached:
            own_keys = id_keys(entry_ids(e))
            out[e.entry_id] = LinkVerdict(check, frozenset(own_keys[pos] for pos in detached))
        else:
            out[e.entry_id] = _VERDICT[check]  # frozen: one object per verdict serves every entry
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
    known_titles: Mapping[str, str] | TitleLookup | None = None,
) -> list[ResolvedWork]:
    """One :class:`ResolvedWork` per work, sorted by ``work_id`` (see the module docstring).

    ``records`` are the by-id lookups of tonight (any status); ``title_matches`` the resolver's
    decisions keyed by ``work_key``. With ``id_map`` work ids are remembered across nights
    (see :mod:`enrich.resolve.idmap`), without it they are derived (:func:`work_id_for`).
    ``known_titles``: see :func:`check_links`.

    The clustering runs over integer codes (:class:`_Keys`): nodes are the entries (``0..E-1``),
    then every key (``E + code``), then keys only a title match names; the connected components
    are computed at once (:func:`enrich.util.components`); only the weak ``work_key`` merges,
    whose order matters, go one at a time (:class:`~enrich.util.UnionFind` over components).
    """
    named = sorted(work_entries(entries, title_matches), key=lambda e: e.entry_id)
    keys = _intern(named, records)
    verdicts = _verdicts(named, keys, records, known_titles)
    n_entries, n_keys = len(named), len(keys.names)
    eff: dict[str, Ids] = {}  # the ids less the detached ones of entries with any detached
    rematched: dict[str, TitleMatch] = {}
    by_key: dict[str, list[int]] = {}  # work_key -> entries (positions in ``named``)
    keep = np.ones(len(keys.entry_keys), np.bool_)  # the entries' own keys they keep
    extra: list[tuple[int, str]] = []  # (entry, key) joined by a title match
    at = keys.entry_at.tolist()
    for j, e in enumerate(named):
        verdict = verdicts.get(e.entry_id)
        detached = verdict.detached if verdict is not None else frozenset()
        if detached:
            # out of the parse-time group the wrong id may have formed: grouped by its own title
            own = id_keys(entry_ids(e))
            for pos, key in enumerate(own):
                if key in detached:
                    keep[at[j] + pos] = False
            eff[e.entry_id] = ids = _without(entry_ids(e), detached)
            local = title_key(entry_title(e) or "") or f"entry:{e.entry_id}"
            by_key.setdefault(f"unlinked:{local}", []).append(j)
            if not has_ids(ids) and (m := _rematch(e, records, detached)) is not None:
                rematched[e.entry_id] = m
                extra.extend((j, key) for key in id_keys(m.ids))
        else:
            by_key.setdefault(e.work_key, []).append(j)

    has_own = [at[j + 1] > at[j] for j in range(n_entries)]  # has_ids of the ids less detached ones
    for j, e in enumerate(named):
        if e.entry_id in eff:
            has_own[j] = has_ids(eff[e.entry_id])

    # accepted title matches join title-only work_keys to identifiers
    title_attached: dict[str, TitleMatch] = {}
    for wk in sorted(by_key):
        match = title_matches.get(wk)
        if match is None or not match.accepted:
            continue
        group = by_key[wk]
        if any(has_own[j] or named[j].entry_id in rematched for j in group):
            continue  # entries with their own ids are resolved by them, never by title
        match_keys = id_keys(match.ids)
        if not match_keys:
            continue
        extra.extend((j, key) for j in group for key in match_keys)
        title_attached[wk] = match

    # the edges: entries to the keys they keep, records' keys to their first key, title matches
    counts = np.diff(keys.entry_at)
    entry_a = np.repeat(np.arange(n_entries, dtype=np.int64), counts)[keep]
    entry_b = n_entries + keys.entry_keys[keep]
    del keep, counts
    edge_rows = keys.rec_rows
    first = np.ones(len(edge_rows), np.bool_)
    first[1:] = edge_rows[1:] != edge_rows[:-1]
    rec_b = n_entries + keys.rec_keys
    rec_a = rec_b[np.maximum.accumulate(np.where(first, np.arange(len(edge_rows)), 0))]
    extra_codes = keys.codes([key for _, key in extra])
    unknown: dict[str, int] = {}  # keys no entry nor record carries: nodes after the keys
    for i, (_, key) in enumerate(extra):
        if extra_codes[i] < 0:
            extra_codes[i] = n_keys + unknown.setdefault(key, len(unknown))
    extra_a = np.array([j for j, _ in extra], np.int64)
    n_nodes = n_entries + n_keys + len(unknown)
    label = components(
        n_nodes,
        np.concatenate([entry_a, rec_a, extra_a]),
        np.concatenate([entry_b, rec_b, n_entries + extra_codes]),
    )
    del entry_a, entry_b, rec_a, rec_b, extra_a, extra_codes, extra

    # weak: same work_key, unless it would join conflicting identifiers
    # (only the clusters of groups with several entries can merge: their identifiers are needed)
    weak = np.unique(np.array([label[j] for g in by_key.values() if len(g) > 1 for j in g], np.int64))
    root_values: dict[str, dict[str, set[str]]] = {}
    if len(weak):
        key_labels = label[n_entries:]
        inside = np.nonzero(np.isin(key_labels[:n_keys], weak))[0]
        names: list[str] = keys.names.take(pa.array(inside, pa.int64())).to_pylist()
        members: dict[str, list[str]] = {}
        for code, name in zip(inside.tolist(), names, strict=True):
            members.setdefault(str(key_labels[code]), []).append(name)
        for name, x in unknown.items():
            if key_labels[n_keys + x] in weak:
                members.setdefault(str(key_labels[n_keys + x]), []).append(name)
        root_values = {root: _kind_values(nodes) for root, nodes in members.items()}
        del members, names, inside, key_labels
    dsu = UnionFind()  # over components (their labels as strings)
    for wk in sorted(by_key):
        group = by_key[wk]
        first_node = str(label[group[0]])
        for j in group[1:]:
            ra, rb = dsu.find(first_node), dsu.find(str(label[j]))
            if ra == rb or _conflicts(root_values.get(ra, {}), root_values.get(rb, {})):
                continue
            merged = {
                k: root_values.get(ra, {}).get(k, set()) | root_values.get(rb, {}).get(k, set())
                for k in set(root_values.get(ra, {})) | set(root_values.get(rb, {}))
            }
            root = dsu.union(ra, rb)
            root_values[root] = merged
    del root_values, weak
    if dsu.parent:
        joined = np.arange(n_nodes, dtype=np.int64)
        for node in dsu.parent:
            joined[int(node)] = int(dsu.find(node))
        label = joined[label]
        del joined
    del dsu

    # collect clusters that hold at least one entry (their records by row in ``records``)
    clusters: dict[int, tuple[list[EntryLike], list[int]]] = {}
    for e, g in zip(named, label[:n_entries].tolist(), strict=True):
        clusters.setdefault(g, ([], []))[0].append(e)
    rec_rows = edge_rows[first]
    rec_label = label[n_entries + keys.rec_keys[first]]
    held = np.isin(rec_label, label[:n_entries])
    for row, g in zip(rec_rows[held].tolist(), rec_label[held].tolist(), strict=True):
        clusters[g][1].append(row)
    del rec_rows, rec_label, held, label, first, edge_rows, keys, has_own

    checked = _Checked(eff, rematched, {k: v.check for k, v in verdicts.items()})  # once, not per cluster
    del by_key, verdicts, named  # the clusters hold what the drafts need
    groups = list(clusters.values())
    del clusters
    drafts: list[_Draft] = []
    while groups:  # a slice of clusters' records read at a time, each slice dropped once drafted
        part = groups[-_DRAFT_SLICE:]
        del groups[-_DRAFT_SLICE:]
        read = iter(identities(records, [row for _, rows in part for row in rows]))
        for es, rows in part:
            pairs = sorted(((row, next(read)) for row in rows), key=lambda p: _record_sort_key(p[1]))
            drafts.append(_draft(es, pairs, records, title_matches, title_attached, checked))
        del part, read
    del groups, checked, eff, rematched, title_attached
    drafts.sort(key=lambda d: (d.derived_id, d.entry_ids), reverse=True)  # popped from the end
    if id_map is not None:
        id_map.start_run()
    works: list[ResolvedWork] = []
    used: set[str] = set()
    while drafts:  # each draft dropped as its work is made
        d = drafts.pop()
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
    """The link check's outcome, per entry id: ids less detached ones (of the entries with any
    detached), title re-matches, verdicts."""

    detached: Mapping[str, Ids]
    rematched: Mapping[str, TitleMatch]
    checks: Mapping[str, LinkCheck]

    def ids(self, entry: EntryLike) -> Ids:
        """The entry's ids less the detached ones."""
        ids = self.detached.get(entry.entry_id)
        return entry_ids(entry) if ids is None else ids


_METHOD_RANK = {
    MatchMethod.IDENTIFIER: 0,
    MatchMethod.CROSSWALK: 1,
    MatchMethod.TITLE: 2,
    MatchMethod.ABSTAINED: 3,
    MatchMethod.LOCAL: 4,
}


_LOCAL = MatchEvidence(method=MatchMethod.LOCAL)  # evidence is frozen: one object serves every entry


@functools.cache
def _by_identifier(source: str) -> MatchEvidence:
    """The evidence of an entry whose id a record of ``source`` answered (one object per source)."""
    return MatchEvidence(method=MatchMethod.IDENTIFIER, score=1.0, source=source)


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
    ids = _cluster_ids([checked.ids(e) for e in entries], all_records)

    # per-entry evidence
    record_keysets = [(r, set(id_keys(r.ids)) | {k for k in [key_node(r)] if k}) for r in ok_all]
    own_groups: list[set[str]] = []
    per_entry: list[tuple[str, MatchEvidence]] = []
    for e in entries:
        own = set(id_keys(checked.ids(e)))
        if e.entry_id in checked.rematched:
            ev = checked.rematched[e.entry_id].evidence
        elif own:
            own_groups.append(own)
            hit = next((r for r, keys in record_keysets if keys & own), None)
            ev = _by_identifier(hit.source) if hit is not None else _LOCAL
        elif e.work_key in title_attached:
            ev = title_attached[e.work_key].evidence
        elif e.work_key in title_matches:
            m = title_matches[e.work_key]
            ev = m.evidence if m.evidence.method is MatchMethod.ABSTAINED else _LOCAL
        else:
            ev = _LOCAL
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
                if not has_ids(checked.ids(e))
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
