"""Plan tonight's lookups: which identifiers to ask each source for, which titles to search.

Entries are first grouped into local works (shared identifiers or parse-time ``work_key``); the
grouping is computed once (:func:`plan_lookups`) and reused for the second pass, after title
resolution, by :meth:`LookupPlan.with_matches`. One S2 id and one OpenAlex id per local work suffice
(both return the full id map); Crossref is asked for publisher DOIs only (it does not hold arXiv
preprints); arXiv for every arXiv id. Each item is a typed :class:`~enrich.ids.Lookup`; the string a
client takes is :meth:`~enrich.ids.Lookup.wire`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from enrich.ids import ARXIV_DOI_PREFIX, Ids, Lookup, id_keys, normalize_title
from enrich.resolve.match import TitleMatch, TitleQuery
from enrich.resolve.titles import STOPWORDS
from enrich.util import UnionFind

PAPER_KINDS = frozenset({"paper"})
NOT_CITING_KINDS = frozenset({"repo"})  # a repo row's title is its tagline, not a paper's title
MIN_CITED_WORDS = 4  # content words a non-paper row's title needs to be searched as a paper title


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
    def ids(self) -> Ids: ...
    @property
    def work_key(self) -> str: ...


def entry_ids(entry: EntryLike) -> Ids:
    """The identifiers read off one entry, work-level (a DataCite arXiv DOI becomes the arXiv id)."""
    return entry.ids.scholarly()


def has_ids(ids: Ids) -> bool:
    return bool(id_keys(ids))


def is_work_entry(entry: EntryLike) -> bool:
    """Entries that stand for a scholarly work: any paper identifier, or a paper with a title."""
    if has_ids(entry_ids(entry)):
        return True
    return entry.kind in PAPER_KINDS and bool(entry_title(entry))


def cites_by_title(entry: EntryLike) -> bool:
    """A row of another kind (dataset, model, resource) that cites its paper by title (or citation) only.

    Such a row is searched like a title-only paper and joins the work only when the match is
    accepted (:func:`work_entries`); a repo row's "title" is its tagline, and a row whose title has
    fewer than :data:`MIN_CITED_WORDS` content words names a thing ("PubMed", "Healthcare Magic"),
    not a paper: neither is searched.
    """
    if entry.kind in PAPER_KINDS or entry.kind in NOT_CITING_KINDS or has_ids(entry_ids(entry)):
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


def entry_title(entry: EntryLike) -> str | None:
    if entry.kind not in PAPER_KINDS:
        return entry.title or _citation(entry) or None  # a dataset's or model's name is not its paper's title
    return entry.title or entry.name or None


def first_author(authors_raw: str | None) -> str | None:
    if not authors_raw:
        return None
    return authors_raw.strip() or None


def _s2_lookup(ids: Ids) -> Lookup | None:
    if ids.arxiv_id:
        return Lookup("arxiv", ids.arxiv_id)
    if ids.doi:
        return Lookup("doi", ids.doi)
    if ids.pmid:
        return Lookup("pmid", ids.pmid)
    if ids.pmcid:
        return Lookup("pmcid", ids.pmcid)
    if ids.acl_id:
        return Lookup("acl", ids.acl_id)
    if ids.corpus_id is not None:
        return Lookup("corpus", str(ids.corpus_id))
    return None


def _openalex_lookup(ids: Ids) -> Lookup | None:
    if ids.doi:
        return Lookup("doi", ids.doi)
    if ids.arxiv_id:
        return Lookup("doi", f"{ARXIV_DOI_PREFIX}{ids.arxiv_id}")  # OpenAlex has no arXiv id type
    if ids.pmid:
        return Lookup("pmid", ids.pmid)
    return None


def _local_groups(entries: Sequence[EntryLike]) -> list[list[EntryLike]]:
    """Entries joined by shared identifiers or ``work_key`` (no records yet), deterministic order."""
    uf = UnionFind()
    for e in entries:
        node = f"entry:{e.entry_id}"
        uf.add(node)
        uf.union(node, f"wk:{e.work_key}")
        for key in id_keys(entry_ids(e)):
            uf.union(node, key)
    groups: dict[str, list[EntryLike]] = {}
    for e in entries:
        groups.setdefault(uf.find(f"entry:{e.entry_id}"), []).append(e)
    return sorted((sorted(g, key=lambda x: x.entry_id) for g in groups.values()), key=lambda g: g[0].entry_id)


def title_query_for(group: Sequence[EntryLike]) -> TitleQuery | None:
    """One query per title-only work_key: the longest title, the first year/author/venue seen."""
    titled = [e for e in group if entry_title(e)]
    if not titled:
        return None
    best = min(titled, key=lambda e: (-len(entry_title(e) or ""), e.entry_id))
    return TitleQuery(
        work_key=best.work_key,
        title=entry_title(best) or "",
        year=next((e.year for e in group if e.year is not None), None),
        first_author=next((a for e in group if (a := first_author(e.authors_raw))), None),
        venue=next((e.venue_raw for e in group if e.venue_raw), None),
        citation=next((c for e in group if (c := _citation(e))), None),
        narrow=all(e.kind not in PAPER_KINDS for e in group),
    )


def _sorted(lookups: set[Lookup], source: str) -> tuple[Lookup, ...]:
    return tuple(sorted(lookups, key=lambda lookup: lookup.wire(source)))


@dataclass(frozen=True, slots=True)
class LookupPlan:
    """What to ask each source tonight (per source sorted by the client's form, de-duplicated)."""

    arxiv: tuple[Lookup, ...] = ()
    s2: tuple[Lookup, ...] = ()
    openalex: tuple[Lookup, ...] = ()  # DOIs (publisher or arXiv DataCite), PMIDs
    crossref: tuple[Lookup, ...] = ()  # publisher DOIs
    title_queries: tuple[TitleQuery, ...] = ()
    groups: tuple[tuple[EntryLike, ...], ...] = field(default=(), compare=False, repr=False)
    open_groups: tuple[int, ...] = field(default=(), compare=False, repr=False)  # id-less groups' indices

    def by_source(self) -> dict[str, tuple[Lookup, ...]]:
        """The work lookups per source (``arxiv``, ``s2``, ``openalex``, ``crossref``)."""
        return {"arxiv": self.arxiv, "s2": self.s2, "openalex": self.openalex, "crossref": self.crossref}

    def with_matches(self, title_matches: Mapping[str, TitleMatch]) -> LookupPlan:
        """The plan again with the accepted title matches' ids looked up like entry ids; only
        unresolved titles remain as queries (the grouping is not recomputed).

        Equal to planning every group again with ``title_matches``, but only the groups whose
        entries carry no identifier (:attr:`open_groups`) are planned: a match is consulted for
        those alone, and the other groups' lookups are this plan's own."""
        found = _plan(tuple(self.groups[i] for i in self.open_groups), title_matches)
        return LookupPlan(
            arxiv=_joined(self.arxiv, found.arxiv, "arxiv"),
            s2=_joined(self.s2, found.s2, "s2"),
            openalex=_joined(self.openalex, found.openalex, "openalex"),
            crossref=_joined(self.crossref, found.crossref, "crossref"),
            title_queries=found.title_queries,
            groups=self.groups,
            open_groups=self.open_groups,
        )


def _joined(planned: tuple[Lookup, ...], found: tuple[Lookup, ...], source: str) -> tuple[Lookup, ...]:
    """``planned`` and ``found`` as one plan would list them (:func:`_sorted`, no repeats)."""
    return _sorted({*planned, *found}, source) if found else planned


def plan_lookups(
    entries: Sequence[EntryLike], title_matches: Mapping[str, TitleMatch] | None = None
) -> LookupPlan:
    """The per-source lookups for ``entries``.

    Without ``title_matches``: title queries for every title-only work. With them (second pass,
    after :class:`~enrich.resolve.resolver.TitleResolver`; see also :meth:`LookupPlan.with_matches`):
    the accepted matches' ids are looked up like entry ids, and only unresolved titles remain.
    """
    groups = tuple(
        tuple(g) for g in _local_groups([e for e in entries if is_work_entry(e) or cites_by_title(e)])
    )
    return _plan(groups, title_matches or {})


def _plan(groups: tuple[tuple[EntryLike, ...], ...], matches: Mapping[str, TitleMatch]) -> LookupPlan:
    arxiv: set[Lookup] = set()
    s2: set[Lookup] = set()
    openalex: set[Lookup] = set()
    crossref: set[Lookup] = set()
    queries: list[TitleQuery] = []
    open_groups: list[int] = []
    for at, group in enumerate(groups):
        known = [i for i in (entry_ids(e) for e in group) if has_ids(i)]
        if not known:
            open_groups.append(at)
            match = next((matches[e.work_key] for e in group if e.work_key in matches), None)
            if match is not None and match.accepted:
                known = [match.ids]
            else:
                query = title_query_for(group)
                if query is not None:
                    queries.append(query)
                continue
        for ids in known:
            if ids.arxiv_id:
                arxiv.add(Lookup("arxiv", ids.arxiv_id))
            if ids.doi:
                crossref.add(Lookup("doi", ids.doi))
        if (s2_lookup := _s2_lookup(known[0])) is not None:
            s2.add(s2_lookup)
        # an entry whose ids the group's first does not share is a claim of its own (often a copied
        # ACL id): asked too, so the link check can see what it names (free: one batch takes 500 ids).
        # arXiv ids and DOIs are asked of arXiv and Crossref already.
        asked = set(id_keys(known[0]))
        for ids in known[1:]:
            if ids.arxiv_id or ids.doi:
                continue
            if not (set(id_keys(ids)) & asked) and (other := _s2_lookup(ids)) is not None:
                s2.add(other)
                asked.update(id_keys(ids))
        if (oa_lookup := _openalex_lookup(known[0])) is not None:
            openalex.add(oa_lookup)
    return LookupPlan(
        arxiv=_sorted(arxiv, "arxiv"),
        s2=_sorted(s2, "s2"),
        openalex=_sorted(openalex, "openalex"),
        crossref=_sorted(crossref, "crossref"),
        title_queries=tuple(sorted(queries, key=lambda q: q.work_key)),
        groups=groups,
        open_groups=tuple(open_groups),
    )
