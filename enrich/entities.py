"""One row per thing an analyst would count: a paper with its code, models and data, or an artefact alone.

Pure reshaping of tonight's table rows (no I/O): :func:`build_entities` reads the ``entries``,
``works``, ``repos`` and ``hf_items`` rows and returns the ``entities`` rows and each entry's
``entity_id``.

**Links.** A repo or Hugging Face item (an *artefact*) is linked to a work by evidence, each with a
``link_source`` and a confidence (:data:`LINK_CONFIDENCE`, policy as data):

* ``same_entry`` - a list entry names both (a paper row with its code link, a model row with its
  paper link), in any list;
* ``hf_arxiv_tag`` - the Hub item carries the work's ``arxiv:<id>`` tag; ``hf_card`` - its card
  metadata (``cardData``) cites the work's arXiv id or DOI;
* ``repo_homepage``, ``repo_description``, ``repo_readme`` - the repo's homepage, description or
  README (fetched with the stars, :mod:`enrich.links`) cites the work's arXiv id or DOI.

Evidence for one work adds up as independent votes (``1 - prod(1 - c)``). The artefact belongs to
the work with the highest combined confidence; a tie between two works links it to neither (a
wrong join is worse than none). An artefact that cites or is named beside at least
:data:`TOOLKIT_MIN_PAPERS` distinct papers (a list, a toolkit, a benchmark suite) is the code of
none of them: it stays an entity of its own. A Hub item linked to no paper but named on the same
entry as a repo joins that repo's entity (a model row with its code and its weights is one thing).

**Ids.** ``entity_id`` is the work's ``work_id`` (itself stable across nights), else
``repo:<repo_id>``, else ``hf:<hf_item_id>``: an artefact's entity id changes only on the night it
is first linked to a paper.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

Row = dict[str, Any]

LINK_CONFIDENCE: Final[Mapping[str, float]] = {
    "same_entry": 0.9,
    "hf_arxiv_tag": 0.95,
    "hf_card": 0.85,
    "repo_homepage": 0.85,
    "repo_description": 0.8,
    "repo_readme": 0.7,
}
"""How much one piece of evidence says "this artefact is that paper's code/model/data"."""

TOOLKIT_MIN_PAPERS: Final = 5
"""An artefact citing (or named beside) this many distinct papers is a list or toolkit, not one paper's code."""

_WORK_COUNTS: Final = ("citation_count_s2", "citation_count_openalex", "citation_count_crossref")

ENTITY_INPUTS: Final[Mapping[str, tuple[str, ...]]] = {
    "entries": ("entry_id", "list_id", "work_id", "repo_id", "hf_item_id"),
    "works": ("work_id", "arxiv_id", "doi", "title", *_WORK_COUNTS, *(f"{c}_as_of" for c in _WORK_COUNTS)),
    "repos": ("repo_id", "full_name", "paper_refs", "stars", "stars_as_of"),
    "hf_items": (
        "hf_item_id",
        "hf_id",
        "arxiv_ids",
        "card_refs",
        "likes",
        "likes_as_of",
        "downloads",
        "downloads_as_of",
    ),
}
"""The columns of each table :func:`build_entities` reads (the tables builder passes only these)."""


@dataclass(frozen=True, slots=True)
class Link:
    """One artefact's evidence for one work."""

    artefact: str  # repo_id or hf_item_id
    work_id: str
    link_source: str
    confidence: float


def _work_keys(works: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """``arxiv:<id>`` / ``doi:<doi>`` -> work_id (the keys :mod:`enrich.links` produces)."""
    out: dict[str, str] = {}
    for w in works:
        if w.get("arxiv_id"):
            out.setdefault(f"arxiv:{str(w['arxiv_id']).lower()}", str(w["work_id"]))
        if w.get("doi"):
            out.setdefault(f"doi:{str(w['doi']).lower()}", str(w["work_id"]))
    return out


def candidate_links(
    entries: Iterable[Mapping[str, Any]],
    works: Iterable[Mapping[str, Any]],
    repos: Iterable[Mapping[str, Any]],
    hf_items: Iterable[Mapping[str, Any]],
) -> tuple[list[Link], dict[str, int]]:
    """Every piece of evidence, and per artefact the number of distinct papers it cites or sits beside."""
    by_key = _work_keys(works)
    links: list[Link] = []
    papers: dict[str, set[str]] = defaultdict(set)
    for e in entries:
        work_id = e.get("work_id")
        if not work_id:
            continue
        for column in ("repo_id", "hf_item_id"):
            if e.get(column):
                links.append(Link(str(e[column]), str(work_id), "same_entry", LINK_CONFIDENCE["same_entry"]))
                papers[str(e[column])].add(f"work:{work_id}")
    for h in hf_items:
        item = str(h["hf_item_id"])
        tagged = [f"arxiv:{a.lower()}" for a in h.get("arxiv_ids") or ()]
        for refs, source in ((tagged, "hf_arxiv_tag"), (list(h.get("card_refs") or ()), "hf_card")):
            for ref in refs:
                papers[item].add(by_key.get(ref.lower(), ref.lower()))
                if (work_id := by_key.get(ref.lower())) is not None:
                    links.append(Link(item, work_id, source, LINK_CONFIDENCE[source]))
    for r in repos:
        repo = str(r["repo_id"])
        for ref in r.get("paper_refs") or ():
            key = str(ref["ref"]).lower()
            source = f"repo_{ref['found_in']}"
            papers[repo].add(by_key.get(key, key))
            if (work_id := by_key.get(key)) is not None and source in LINK_CONFIDENCE:
                links.append(Link(repo, work_id, source, LINK_CONFIDENCE[source]))
    # a same-entry work and the id it cites are one paper, not two: count works, then unknown refs
    counts: dict[str, int] = {}
    for artefact, seen in papers.items():
        counts[artefact] = len({s.removeprefix("work:") for s in seen})
    return links, counts


def assign(
    links: Sequence[Link], paper_counts: Mapping[str, int], *, toolkit_min: int = TOOLKIT_MIN_PAPERS
) -> dict[str, tuple[str, tuple[Link, ...]]]:
    """artefact -> (work_id, the evidence for it); artefacts left out stay entities of their own."""
    by_artefact: dict[str, dict[str, list[Link]]] = defaultdict(lambda: defaultdict(list))
    for link in links:
        by_artefact[link.artefact][link.work_id].append(link)
    out: dict[str, tuple[str, tuple[Link, ...]]] = {}
    for artefact, per_work in by_artefact.items():
        if paper_counts.get(artefact, 0) >= toolkit_min:
            continue
        scored = []
        for work_id, evidence in per_work.items():
            best: dict[str, float] = {}
            for link in evidence:
                best[link.link_source] = max(best.get(link.link_source, 0.0), link.confidence)
            miss = 1.0
            for c in best.values():
                miss *= 1.0 - c
            scored.append((round(1.0 - miss, 6), work_id, evidence))
        scored.sort(key=lambda s: (-s[0], s[1]))
        if len(scored) > 1 and scored[0][0] == scored[1][0]:
            continue  # two papers equally supported: neither
        _, work_id, evidence = scored[0]
        unique = {(link.link_source, link.confidence): link for link in evidence}
        out[artefact] = (work_id, tuple(unique[k] for k in sorted(unique)))
    return out


def _oldest(values: Iterable[date | None]) -> date | None:
    known = [v for v in values if v is not None]
    return min(known) if known else None


class _Members:
    """What one entity gathers while :func:`build_entities` runs (a list only once something is
    added: most entities have one work, one entry and no Hub item; duplicates go when the row is made)."""

    __slots__ = ("entries", "hf", "lists", "repos", "work")

    def __init__(self) -> None:
        self.work = False  # the entity is a work (its id is the work's id)
        self.repos: list[str] | None = None
        self.hf: list[str] | None = None
        self.entries: list[str] | None = None
        self.lists: list[str] | None = None


def _push(values: list[str] | None, value: str) -> list[str]:
    if values is None:
        return [value]
    values.append(value)
    return values


def build_entities(
    entries: Sequence[Mapping[str, Any]],
    works: Sequence[Mapping[str, Any]],
    repos: Sequence[Mapping[str, Any]],
    hf_items: Sequence[Mapping[str, Any]],
    *,
    toolkit_min: int = TOOLKIT_MIN_PAPERS,
) -> tuple[Iterator[Row], dict[str, str]]:
    """The ``entities`` rows (unsorted, made one at a time as the iterator is read: consume it once)
    and ``entry_id -> entity_id`` (see the module docstring)."""
    links, counts = candidate_links(entries, works, repos, hf_items)
    owner = assign(links, counts, toolkit_min=toolkit_min)
    work_rows = {str(w["work_id"]): w for w in works}
    repo_rows = {str(r["repo_id"]): r for r in repos}
    hf_rows = {str(h["hf_item_id"]): h for h in hf_items}

    def entity_of_artefact(artefact: str, prefix: str) -> str:
        linked = owner.get(artefact)
        return linked[0] if linked is not None and linked[0] in work_rows else f"{prefix}:{artefact}"

    # a Hub item linked to no paper, named on the same entry as a repo: the repo's entity (a model row
    # with its code and weights is one thing), when that is one entity
    beside_repo: dict[str, set[str]] = defaultdict(set)
    for e in entries:
        if e.get("hf_item_id") and e.get("repo_id") and str(e["repo_id"]) in repo_rows:
            beside_repo[str(e["hf_item_id"])].add(entity_of_artefact(str(e["repo_id"]), "repo"))
    joined: dict[str, str] = {}
    for item in hf_rows:
        if item not in owner and len(beside_repo.get(item, ())) == 1:
            joined[item] = next(iter(beside_repo[item]))
            if not joined[item].startswith("repo:"):  # a repo's work: the item belongs to it too
                owner[item] = (
                    joined.pop(item),
                    (Link(item, "", "same_entry", LINK_CONFIDENCE["same_entry"]),),
                )

    def entity_of_item(item: str) -> str:
        return joined.get(item) or entity_of_artefact(item, "hf")

    members: dict[str, _Members] = {}

    def member(eid: str) -> _Members:
        if (m := members.get(eid)) is None:
            m = members[eid] = _Members()
        return m

    for work_id in work_rows:
        member(work_id).work = True
    for repo_id in repo_rows:
        m = member(entity_of_artefact(repo_id, "repo"))
        m.repos = _push(m.repos, repo_id)
    for item in hf_rows:
        m = member(entity_of_item(item))
        m.hf = _push(m.hf, item)

    entity_of: dict[str, str] = {}
    for e in entries:
        if e.get("work_id") and str(e["work_id"]) in work_rows:
            eid = str(e["work_id"])
        elif e.get("repo_id") and str(e["repo_id"]) in repo_rows:
            eid = entity_of_artefact(str(e["repo_id"]), "repo")
        elif e.get("hf_item_id") and str(e["hf_item_id"]) in hf_rows:
            eid = entity_of_item(str(e["hf_item_id"]))
        else:
            continue
        entity_of[str(e["entry_id"])] = eid
        m = member(eid)
        m.entries = _push(m.entries, str(e["entry_id"]))
        m.lists = _push(m.lists, str(e["list_id"]))

    return _entity_rows(members, owner, joined, work_rows, repo_rows, hf_rows), entity_of


def _entity_rows(
    members: Mapping[str, _Members],
    owner: Mapping[str, tuple[str, tuple[Link, ...]]],
    joined: Mapping[str, str],
    work_rows: Mapping[str, Mapping[str, Any]],
    repo_rows: Mapping[str, Mapping[str, Any]],
    hf_rows: Mapping[str, Mapping[str, Any]],
) -> Iterator[Row]:
    """One ``entities`` row per entity of ``members``, in its order (see :func:`build_entities`)."""
    for eid, m in members.items():
        work = work_rows.get(eid) if m.work else None
        repo_ids = sorted(set(m.repos or ()))
        hf_ids = sorted(set(m.hf or ()))
        entry_ids = sorted(set(m.entries or ()))
        if work is not None:
            kind, name = "work", work.get("title") or eid
        elif repo_ids:
            kind, name = "repo", repo_rows[repo_ids[0]].get("full_name") or repo_ids[0]
        else:
            kind, name = "hf_item", hf_rows[hf_ids[0]].get("hf_id") or hf_ids[0]
        entity_links = [
            {"id": link.artefact, "link_source": link.link_source, "confidence": link.confidence}
            for artefact in (*repo_ids, *hf_ids)
            if artefact in owner and owner[artefact][0] == eid
            for link in owner[artefact][1]
        ] + [
            {"id": item, "link_source": "same_entry", "confidence": LINK_CONFIDENCE["same_entry"]}
            for item in hf_ids
            if joined.get(item) == eid
        ]
        starred = sorted(
            (r for r in (repo_rows[i] for i in repo_ids) if r.get("stars") is not None),
            key=lambda r: (-int(r["stars"]), str(r["repo_id"])),
        )
        items = [hf_rows[i] for i in hf_ids]
        liked = [h for h in items if h.get("likes") is not None]
        downloaded = [h for h in items if h.get("downloads") is not None]
        row: Row = {
            "entity_id": eid,
            "entity_type": kind,
            "display_name": str(name),
            "work_id": eid if work is not None else None,
            "repo_ids": repo_ids,
            "hf_item_ids": hf_ids,
            "links": entity_links,
            "list_ids": sorted(set(m.lists or ())),
            "entry_ids": entry_ids,
            "entry_count": len(entry_ids),
            "stars": starred[0]["stars"] if starred else None,
            "stars_repo_id": starred[0]["repo_id"] if starred else None,
            "stars_as_of": starred[0].get("stars_as_of") if starred else None,
            "likes": sum(int(h["likes"]) for h in liked) if liked else None,
            "likes_as_of": _oldest(h.get("likes_as_of") for h in liked),
            "downloads": sum(int(h["downloads"]) for h in downloaded) if downloaded else None,
            "downloads_as_of": _oldest(h.get("downloads_as_of") for h in downloaded),
        }
        for column in _WORK_COUNTS:
            row[column] = work.get(column) if work is not None else None
            row[f"{column}_as_of"] = work.get(f"{column}_as_of") if work is not None else None
        yield row
