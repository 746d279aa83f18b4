"""Plan the id lookups for parsed entries, then cluster entries and source records into works.

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
(:func:`enrich.resolve.match.titles_agree` is False: not a subtle difference, another paper) is *detached*
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
from typing import Protocol

from enrich.ids import normalize_arxiv_id, normalize_doi, normalize_title
from enrich.records import FetchStatus, WorkRecord
from enrich.resolve.idmap import WorkIdMap, id_keys, title_key, work_id_for
from enrich.resolve.match import STOPWORDS, TitleMatch, TitleQuery, decide, record_ids, titles_agree
from enrich.resolve.types import LinkCheck, MatchEvidence, MatchMethod, ResolvedWork, WorkIds

ARXIV_DOI_PREFIX = "10.48550/arxiv."
PAPER_KINDS = frozenset({"paper"})
NOT_CITING_KINDS = frozenset({"repo"})  # a repo row's title is its tagline, not a paper's title
MIN_CITED_WORDS = 4  # content words a non-paper row's title needs to be searched as a paper title
SOURCE_ORDER = ("s2", "openalex", "arxiv", "crossref")
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


class EntryLike(Protocol):
    """The fields of :class:`enrich.parsing.Entry` that resolution reads."""

    @property
    def entry_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def authors_raw(self) -> str | None: ...
    @property
    def year(self) -> int | None: ...
    @property
    def venue_raw(self) -> str | None: ...
    @property
    def arxiv_id(self) -> str | None: ...
    @property
    def doi(self) -> str | None: ...
    @property
    def pmcid(self) -> str | None: ...
    @property
    def pmid(self) -> str | None: ...
    @property
    def acl_id(self) -> str | None: ...
    @property
    def s2_corpus_id(self) -> int | None: ...
    @property
    def work_key(self) -> str: ...


# --- identifiers ------------------------------------------------------------------------------


def entry_ids(entry: EntryLike) -> WorkIds:
    """The identifiers read off one entry (a DataCite arXiv DOI becomes the arXiv id)."""
    arxiv_id, doi = entry.arxiv_id, entry.doi
    if doi is not None and doi.lower().startswith(ARXIV_DOI_PREFIX):
        arxiv_id = arxiv_id or doi[len(ARXIV_DOI_PREFIX) :]
        doi = None
    return WorkIds(
        arxiv_id=arxiv_id,
        doi=doi.lower() if doi else None,
        pmid=entry.pmid,
        pmcid=entry.pmcid,
        acl_id=entry.acl_id,
        corpus_id=entry.s2_corpus_id,
    )


def _has_ids(ids: WorkIds) -> bool:
    return bool(id_keys(ids))


def is_work_entry(entry: EntryLike) -> bool:
    """Entries that stand for a scholarly work: any paper identifier, or a paper with a title."""
    if _has_ids(entry_ids(entry)):
        return True
    return entry.kind in PAPER_KINDS and bool(_entry_title(entry))


def cites_by_title(entry: EntryLike) -> bool:
    """A row of another kind (dataset, model, resource) that cites its paper by title (or citation) only.

    Such a row is searched like a title-only paper and joins the work only when the match is
    accepted (:func:`work_entries`); a repo row's "title" is its tagline, and a row whose title has
    fewer than :data:`MIN_CITED_WORDS` content words names a thing ("PubMed", "Healthcare Magic"),
    not a paper: neither is searched.
    """
    if entry.kind in PAPER_KINDS or entry.kind in NOT_CITING_KINDS or _has_ids(entry_ids(entry)):
        return False
    text = entry.title or _citation(entry)
    return bool(text) and _content_words(text or "") >= MIN_CITED_WORDS


def work_entries(
    entries: Iterable[EntryLike], title_matches: Mapping[str, TitleMatch] | None = None
) -> list[EntryLike]:
    """The entries that name a work: :func:`is_work_entry`, plus rows of other kinds whose title match
    (``title_matches``, keyed by ``work_key``) was accepted."""
    matches = title_matches or {}
    return [
        e
        for e in entries
        if is_work_entry(e)
        or (cites_by_title(e) and (m := matches.get(e.work_key)) is not None and m.accepted)
    ]


def _citation(entry: EntryLike) -> str | None:
    text = getattr(entry, "citation_raw", None)
    return str(text) if text else None


def _content_words(text: str) -> int:
    return sum(1 for w in normalize_title(text).split() if w not in STOPWORDS)


def _entry_title(entry: EntryLike) -> str | None:
    if entry.kind not in PAPER_KINDS:
        return entry.title or _citation(entry) or None  # a dataset's or model's name is not its paper's title
    return entry.title or entry.name or None


_S2_PREFIX = {
    "arxiv": "arxiv",
    "doi": "doi",
    "pmid": "pmid",
    "pmcid": "pmcid",
    "acl": "acl",
    "corpusid": "corpus",
}


def key_node(record: WorkRecord) -> str | None:
    """The identifier node a record was requested by, from its ``key`` (None if unreadable)."""
    key = record.key.strip()
    if record.source == "arxiv":
        found = normalize_arxiv_id(key)
        return f"arxiv:{found[0]}" if found else None
    if record.source == "crossref":
        doi = normalize_doi(key)
        return _doi_node(doi) if doi else None
    if record.source == "openalex" and re.fullmatch(r"W\d+", key):
        return f"openalex:{key}"
    prefix, sep, value = key.partition(":")
    if not sep:
        return None
    kind = _S2_PREFIX.get(prefix.lower())
    if kind == "arxiv":
        found = normalize_arxiv_id(value)
        return f"arxiv:{found[0]}" if found else None
    if kind == "doi":
        doi = normalize_doi(value)
        return _doi_node(doi) if doi else None
    if kind == "pmcid":
        return f"pmcid:{value.upper() if value.upper().startswith('PMC') else 'PMC' + value}"
    if kind is not None:
        return f"{kind}:{value}"
    return None


def _doi_node(doi: str) -> str:
    if doi.startswith(ARXIV_DOI_PREFIX):
        return f"arxiv:{doi[len(ARXIV_DOI_PREFIX) :]}"
    return f"doi:{doi}"


# --- lookup plan ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LookupPlan:
    """What to ask each source tonight (sorted, de-duplicated).

    One S2 id and one OpenAlex id per local work suffice (both return the full id map); Crossref is
    asked for publisher DOIs only (it does not hold arXiv preprints); arXiv for every arXiv id.
    """

    arxiv_ids: tuple[str, ...] = ()
    s2_ids: tuple[str, ...] = ()  # "ARXIV:..", "DOI:..", "PMID:..", "PMCID:..", "ACL:..", "CorpusId:.."
    openalex_ids: tuple[str, ...] = ()  # "doi:.." (publisher or arXiv DataCite DOI), "pmid:.."
    crossref_dois: tuple[str, ...] = ()
    title_queries: tuple[TitleQuery, ...] = ()


def _s2_id(ids: WorkIds) -> str | None:
    if ids.arxiv_id:
        return f"ARXIV:{ids.arxiv_id}"
    if ids.doi:
        return f"DOI:{ids.doi}"
    if ids.pmid:
        return f"PMID:{ids.pmid}"
    if ids.pmcid:
        return f"PMCID:{ids.pmcid}"
    if ids.acl_id:
        return f"ACL:{ids.acl_id}"
    if ids.corpus_id is not None:
        return f"CorpusId:{ids.corpus_id}"
    return None


def _openalex_id(ids: WorkIds) -> str | None:
    if ids.doi:
        return f"doi:{ids.doi}"
    if ids.arxiv_id:
        return f"doi:{ARXIV_DOI_PREFIX}{ids.arxiv_id}"
    if ids.pmid:
        return f"pmid:{ids.pmid}"
    return None


def _first_author(authors_raw: str | None) -> str | None:
    if not authors_raw:
        return None
    return authors_raw.strip() or None


def _local_groups(entries: Sequence[EntryLike]) -> list[list[EntryLike]]:
    """Entries joined by shared identifiers or ``work_key`` (no records yet), deterministic order."""
    dsu = _DSU()
    for e in entries:
        node = f"entry:{e.entry_id}"
        dsu.add(node)
        dsu.union(node, f"wk:{e.work_key}")
        for key in id_keys(entry_ids(e)):
            dsu.union(node, key)
    groups: dict[str, list[EntryLike]] = {}
    for e in entries:
        groups.setdefault(dsu.find(f"entry:{e.entry_id}"), []).append(e)
    return sorted((sorted(g, key=lambda x: x.entry_id) for g in groups.values()), key=lambda g: g[0].entry_id)


def title_query_for(group: Sequence[EntryLike]) -> TitleQuery | None:
    """One query per title-only work_key: the longest title, the first year/author/venue seen."""
    titled = [e for e in group if _entry_title(e)]
    if not titled:
        return None
    best = min(titled, key=lambda e: (-len(_entry_title(e) or ""), e.entry_id))
    return TitleQuery(
        work_key=best.work_key,
        title=_entry_title(best) or "",
        year=next((e.year for e in group if e.year is not None), None),
        first_author=next((a for e in group if (a := _first_author(e.authors_raw))), None),
        venue=next((e.venue_raw for e in group if e.venue_raw), None),
        citation=next((c for e in group if (c := _citation(e))), None),
        narrow=all(e.kind not in PAPER_KINDS for e in group),
    )


def plan_lookups(
    entries: Sequence[EntryLike], title_matches: Mapping[str, TitleMatch] | None = None
) -> LookupPlan:
    """The per-source id lists for ``entries``.

    Without ``title_matches``: title queries for every title-only work. With them (second pass,
    after :class:`~enrich.resolve.resolver.TitleResolver`): the accepted matches' ids are looked up
    like entry ids, and only unresolved titles remain as queries.
    """
    arxiv: set[str] = set()
    s2: set[str] = set()
    openalex: set[str] = set()
    crossref: set[str] = set()
    queries: list[TitleQuery] = []
    matches = title_matches or {}
    for group in _local_groups([e for e in entries if is_work_entry(e) or cites_by_title(e)]):
        all_ids = [entry_ids(e) for e in group]
        known = [i for i in all_ids if _has_ids(i)]
        if not known:
            match = next((matches[e.work_key] for e in group if e.work_key in matches), None)
            if match is not None and match.accepted:
                known = [match.ids]
            else:
                query = title_query_for(group)
                if query is not None and (match is None or not match.accepted):
                    queries.append(query)
                if match is None or not match.accepted:
                    continue
        for ids in known:
            if ids.arxiv_id:
                arxiv.add(ids.arxiv_id)
            if ids.doi:
                crossref.add(ids.doi)
        first = known[0]
        s2_id = _s2_id(first)
        if s2_id:
            s2.add(s2_id)
        # an entry whose ids the group's first does not share is a claim of its own (often a copied
        # ACL id): asked too, so the link check can see what it names (free: one batch takes 500 ids).
        # arXiv ids and DOIs are asked of arXiv and Crossref already.
        asked = set(id_keys(first))
        for ids in known[1:]:
            if ids.arxiv_id or ids.doi:
                continue
            if not (set(id_keys(ids)) & asked) and (other := _s2_id(ids)) is not None:
                s2.add(other)
                asked.update(id_keys(ids))
        oa_id = _openalex_id(first)
        if oa_id:
            openalex.add(oa_id)
    return LookupPlan(
        arxiv_ids=tuple(sorted(arxiv)),
        s2_ids=tuple(sorted(s2)),
        openalex_ids=tuple(sorted(openalex)),
        crossref_dois=tuple(sorted(crossref)),
        title_queries=tuple(sorted(queries, key=lambda q: q.work_key)),
    )


# --- link check -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkVerdict:
    """One entry's link check and the identifier keys (``acl:...``) detached from it."""

    check: LinkCheck
    detached: frozenset[str] = frozenset()


def _record_keys(record: WorkRecord) -> set[str]:
    keys = set(id_keys(record_ids(record)))
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
    for r in records:
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


def _without(ids: WorkIds, detached: Iterable[str]) -> WorkIds:
    """``ids`` minus the detached keys' values."""
    drop = {_KIND_FIELD[k.partition(":")[0]]: None for k in detached}
    return dataclasses.replace(ids, **drop) if drop else ids


def _rematch(entry: EntryLike, records: Sequence[WorkRecord], detached: frozenset[str]) -> TitleMatch | None:
    """Re-resolve a detached entry by its title among tonight's records (never the detached ids')."""
    title = _entry_title(entry)
    if not title:
        return None
    query = TitleQuery(
        work_key=entry.work_key,
        title=title,
        year=entry.year,
        first_author=_first_author(entry.authors_raw),
        venue=entry.venue_raw,
    )
    candidates = [
        r for r in records if r.status is FetchStatus.OK and r.title and not (_record_keys(r) & detached)
    ]
    match = decide(query, candidates)
    return match if match.accepted and id_keys(match.ids) else None


# --- clustering -------------------------------------------------------------------------------


class _DSU:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def add(self, x: str) -> None:
        self.parent.setdefault(x, x)

    def find(self, x: str) -> str:
        self.add(x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> str:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = sorted((ra, rb))
            self.parent[hi] = lo
        return self.find(a)


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


def _cluster_ids(entry_views: Sequence[WorkIds], records: Sequence[WorkRecord]) -> WorkIds:
    views = list(entry_views) + [record_ids(r) for r in records if r.status is FetchStatus.OK]
    picked = {f: _pick(getattr(v, f) for v in views) for f in _KIND_FIELD.values()}
    corpus = picked.pop("corpus_id")
    return WorkIds(
        corpus_id=int(corpus) if corpus is not None else None,
        **{k: (str(v) if v is not None else None) for k, v in picked.items()},
    )


def _record_sort_key(r: WorkRecord) -> tuple[int, str, str]:
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
    eff: dict[str, WorkIds] = {}  # each entry's ids less the detached ones
    rematched: dict[str, TitleMatch] = {}
    dsu = _DSU()
    by_key: dict[str, list[EntryLike]] = {}
    for e in named:
        verdict = verdicts.get(e.entry_id)
        detached = verdict.detached if verdict is not None else frozenset()
        eff[e.entry_id] = _without(entry_ids(e), detached)
        node = f"entry:{e.entry_id}"
        dsu.add(node)
        if detached:
            # out of the parse-time group the wrong id may have formed: grouped by its own title
            local = title_key(_entry_title(e) or "") or f"entry:{e.entry_id}"
            by_key.setdefault(f"unlinked:{local}", []).append(e)
            if not _has_ids(eff[e.entry_id]) and (m := _rematch(e, records, detached)) is not None:
                rematched[e.entry_id] = m
                for key in id_keys(m.ids):
                    dsu.union(node, key)
        else:
            by_key.setdefault(e.work_key, []).append(e)
        for key in id_keys(eff[e.entry_id]):
            dsu.union(node, key)

    # by-id records: OK ones join all their ids; others hang on the id they were asked by
    rec_nodes: list[tuple[WorkRecord, str]] = []
    for i, rec in enumerate(records):
        node = f"rec:{i}"
        dsu.add(node)
        if rec.status is FetchStatus.OK:
            keys = id_keys(record_ids(rec))
            knode = key_node(rec)
            for key in [*keys, *([knode] if knode else [])]:
                dsu.union(node, key)
        else:
            knode = key_node(rec)
            if knode is None:
                continue
            dsu.union(node, knode)
        rec_nodes.append((rec, node))

    # accepted title matches join title-only work_keys to identifiers
    title_attached: dict[str, TitleMatch] = {}
    for wk in sorted(by_key):
        match = title_matches.get(wk)
        if match is None or not match.accepted:
            continue
        group = by_key[wk]
        if any(_has_ids(eff[e.entry_id]) or e.entry_id in rematched for e in group):
            continue  # entries with their own ids are resolved by them, never by title
        keys = id_keys(match.ids)
        if not keys:
            continue
        for e in group:
            for key in keys:
                dsu.union(f"entry:{e.entry_id}", key)
        title_attached[wk] = match

    # weak: same work_key, unless it would join conflicting identifiers
    root_values: dict[str, dict[str, set[str]]] = {}
    members: dict[str, list[str]] = {}
    for node in list(dsu.parent):
        members.setdefault(dsu.find(node), []).append(node)
    for root, nodes in members.items():
        root_values[root] = _kind_values(nodes)
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

    # collect clusters that hold at least one entry
    clusters: dict[str, tuple[list[EntryLike], list[WorkRecord]]] = {}
    for e in named:
        clusters.setdefault(dsu.find(f"entry:{e.entry_id}"), ([], []))[0].append(e)
    for rec, node in rec_nodes:
        root = dsu.find(node)
        if root in clusters:
            clusters[root][1].append(rec)

    drafts = [
        _draft(
            es,
            sorted(rs, key=_record_sort_key),
            title_matches,
            title_attached,
            _Checked(eff, rematched, {k: v.check for k, v in verdicts.items()}),
        )
        for es, rs in clusters.values()
    ]
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
    ids: WorkIds
    entry_ids: tuple[str, ...]
    work_keys: tuple[str, ...]
    evidence: MatchEvidence
    records: tuple[WorkRecord, ...]
    local_title: str | None
    local_year: int | None
    local_authors: tuple[str, ...]
    entry_evidence: tuple[tuple[str, MatchEvidence], ...] = field(default=())
    link_checks: tuple[tuple[str, LinkCheck], ...] = field(default=())


@dataclass(frozen=True, slots=True)
class _Checked:
    """The link check's outcome, per entry id: ids less detached ones, title re-matches, verdicts."""

    ids: Mapping[str, WorkIds]
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
    records: list[WorkRecord],
    title_matches: Mapping[str, TitleMatch],
    title_attached: Mapping[str, TitleMatch],
    checked: _Checked,
) -> _Draft:
    entries = sorted(entries, key=lambda e: e.entry_id)
    ok = [r for r in records if r.status is FetchStatus.OK]
    # a title match's own record only when no by-id record of that source is here
    sources = {r.source for r in ok}
    extra: list[WorkRecord] = []
    for wk in sorted({e.work_key for e in entries}):
        m = title_attached.get(wk)
        if m is not None and m.record is not None and m.record.source not in sources:
            extra.append(m.record)
            sources.add(m.record.source)
    all_records = tuple(sorted([*records, *extra], key=_record_sort_key))
    ok_all = [r for r in all_records if r.status is FetchStatus.OK]
    ids = _cluster_ids([checked.ids[e.entry_id] for e in entries], all_records)

    # per-entry evidence
    record_keysets = [(r, set(id_keys(record_ids(r))) | {k for k in [key_node(r)] if k}) for r in ok_all]
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

    titled = [e for e in entries if _entry_title(e)]
    local_title = (
        _entry_title(min(titled, key=lambda e: (-len(_entry_title(e) or ""), e.entry_id))) if titled else None
    )
    keys = tuple(sorted(set(id_keys(ids)) | {k for r in ok_all for k in id_keys(record_ids(r))}))
    title_keys = tuple(
        sorted(
            {
                k
                for e in entries
                if not _has_ids(checked.ids[e.entry_id])
                and e.entry_id not in checked.rematched
                and (k := title_key(_entry_title(e) or ""))
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
        records=all_records,
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
