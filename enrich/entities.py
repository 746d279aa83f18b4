"""One row per thing an analyst would count: a paper with its code, models and data, or an artefact alone.

Pure reshaping of tonight's tables (no I/O): :func:`build_entities` reads the ``entries``,
``works``, ``repos`` and ``hf_items`` Arrow tables (the columns of :data:`ENTITY_INPUTS`) and
returns the ``entities`` table and each entry's ``entity_id``. It works on whole columns (Arrow
compute, lookups by ``index_in``, sorts, numpy over row numbers): no Python object per row,
so it holds a few columns' worth of memory whatever the number of entries (Python strings only for
the rare non-ASCII reference, lowercased as ``str.lower`` does).

**Links.** A repo or Hugging Face item (an *artefact*) is linked to a work by evidence, each with a
``link_source`` and a confidence (:data:`LINK_CONFIDENCE`, policy as data):

* ``same_entry`` - a list entry names both (a paper row with its code link, a model row with its
  paper link), in any list;
* ``hf_arxiv_tag`` - the Hub item carries the work's ``arxiv:<id>`` tag; ``hf_card`` - its card
  metadata (``cardData``) cites the work's arXiv id or DOI;
* ``repo_homepage``, ``repo_description``, ``repo_readme`` - the repo's homepage, description or
  README (fetched with the stars, :mod:`enrich.links`) cites the work's arXiv id or DOI.

A reference names a work by ``arxiv:<id>`` or ``doi:<doi>`` (compared lowercased); when two works
share an arXiv id or a DOI, the first row of ``works`` (sorted by ``work_id``) has it. Evidence for one work adds up as
independent votes (``1 - prod(1 - c)`` over its distinct link sources, rounded to 6 decimals). The
artefact belongs to the work with the highest combined confidence; a tie between two works links it
to neither (a wrong join is worse than none). An artefact that cites or is named beside at least
:data:`TOOLKIT_MIN_PAPERS` distinct papers (a list, a toolkit, a benchmark suite) is the code of
none of them: it stays an entity of its own. A Hub item linked to no paper but named on the same
entry as a repo joins that repo's entity (a model row with its code and its weights is one thing),
when the repos beside it make one entity. An artefact linked to a work that is not in ``works`` (an
entry's ``work_id`` with no row) is an entity of its own. Repo ids and Hub item ids never share a
string (a Hub item id is ``<kind>:<id>``; a GitHub name has no colon).

**Ids.** ``entity_id`` is the work's ``work_id`` (itself stable across nights), else
``repo:<repo_id>``, else ``hf:<hf_item_id>``: an artefact's entity id changes only on the night it
is first linked to a paper. An entry belongs to its work's entity (when the work has a row), else
its repo's, else its Hub item's, else to none (``entity_id`` null). Where a table repeats a key,
the last row with it counts (one entry's ``entity_id`` is that of the last of its rows that has one).

**Rows.** One per entity, sorted by ``entity_id``; ``repo_ids``, ``hf_item_ids``, ``list_ids`` and
``entry_ids`` sorted and distinct; ``links`` the evidence of each linked artefact (repos, then Hub
items, each by id; per artefact by ``link_source``), a Hub item joined to a repo's entity last.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from enrich.schemas import ENTITIES_SCHEMA
from enrich.schemas.base import ENTITY_LINK_TYPE

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

LINK_SOURCES: Final = tuple(sorted(LINK_CONFIDENCE))
"""The link sources by name: bit ``i`` of a ``link_sources`` mask is ``LINK_SOURCES[i]``."""

_SAME_ENTRY: Final = 1 << LINK_SOURCES.index("same_entry")
_REPO_FOUND_IN: Final = tuple(s.removeprefix("repo_") for s in LINK_SOURCES if s.startswith("repo_"))
_REPO_SOURCE: Final = np.array([LINK_SOURCES.index(f"repo_{f}") for f in _REPO_FOUND_IN], np.int64)

_Ints = npt.NDArray[np.int64]
_Bools = npt.NDArray[np.bool_]


def combined_confidence(mask: int) -> float:
    """``1 - prod(1 - c)`` over the link sources in ``mask``, rounded to 6 decimals (ties compare these)."""
    miss = 1.0
    for bit, source in enumerate(LINK_SOURCES):
        if mask >> bit & 1:
            miss *= 1.0 - LINK_CONFIDENCE[source]
    return round(1.0 - miss, 6)


_SCORES: Final = np.array([combined_confidence(m) for m in range(1 << len(LINK_SOURCES))], np.float64)

_LINKS_SCHEMA: Final = pa.schema(
    [("artefact", pa.string()), ("work_id", pa.string()), ("source", pa.int64())]
)
_PAPERS_SCHEMA: Final = pa.schema([("artefact", pa.string()), ("paper", pa.string())])


# -- column helpers ----------------------------------------------------------------------------------


def _null() -> pa.Scalar:
    return pa.scalar(None, pa.string())  # made when needed: Arrow's first value reserves its memory pool


def _col(table: pa.Table, name: str) -> pa.Array:
    return table.column(name).combine_chunks()


def _truthy(values: pa.Array) -> _Bools:
    """Python truthiness of each string: not null and not empty."""
    mask: _Bools = pc.fill_null(pc.not_equal(values, ""), False).to_numpy(zero_copy_only=False)
    return mask


def _lower(values: pa.Array) -> pa.Array:
    """``str.lower`` of each string: Arrow's for ASCII, Python's for the rest (they differ on a few letters)."""
    lowered = pc.utf8_lower(values)
    other = pc.fill_null(pc.invert(pc.string_is_ascii(values)), False)
    if pc.any(other).as_py():
        changed = [str(v).lower() for v in values.filter(other).to_pylist()]
        lowered = pc.replace_with_mask(lowered, other, pa.array(changed, pa.string()))
    return lowered


def _prefixed(prefix: str, values: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(pa.scalar(prefix), values, pa.scalar(""))


def _take(values: pa.Array, index: _Ints) -> pa.Array:
    """``values[index]``, null where ``index`` is negative."""
    return values.take(pa.array(index, pa.int64(), mask=index < 0))


def _find(values: pa.Array, keys: pa.Array) -> _Ints:
    """The row of each of ``values`` in ``keys`` (its first), -1 where it is null or absent."""
    found: _Ints = pc.fill_null(pc.index_in(values, value_set=keys), -1).to_numpy().astype(np.int64)
    return found


def _last_of_each(keys: pa.Array, rows: _Ints) -> tuple[pa.Array, _Ints]:
    """The distinct ``keys`` (null one of them) and for each the greatest of ``rows`` beside it."""
    distinct = pc.unique(keys)
    last = np.full(len(distinct), -1, np.int64)
    np.maximum.at(last, _find(keys, distinct), rows)
    return distinct, last


def _last_rows(table: pa.Table, key: str) -> pa.Table:
    """``table`` with one row per ``key``, the last (what a dict of its rows by key keeps)."""
    if pc.count_distinct(table.column(key)).as_py() == table.num_rows:
        return table
    _, last = _last_of_each(_col(table, key), np.arange(table.num_rows, dtype=np.int64))
    return table.take(pa.array(np.sort(last)))


def _sorted_groups(columns: Mapping[str, pa.Array]) -> tuple[pa.Table, list[_Bools]]:
    """The rows of ``columns`` sorted by each column in turn (ascending, nulls last, stable), and per
    leading run of columns (the first, the first two, ...) whether each row starts a group: differs
    from the row before in one of them (a null equals a null). What ``group_by`` groups, without
    Acero (whose memory comes from Arrow's C++ default pool, not the night's: :mod:`enrich.arrow_pool`)."""
    table = pa.table(dict(columns))
    table = table.take(pc.sort_indices(table, sort_keys=[(c, "ascending") for c in columns]))
    n = table.num_rows
    starts: list[_Bools] = []
    new: _Bools = np.zeros(n, np.bool_)
    new[:1] = True
    for name in columns:
        if n > 1:
            values = _col(table, name)
            after, before = values[1:], values[:-1]
            valid_after, valid_before = _bools(pc.is_valid(after)), _bools(pc.is_valid(before))
            same = _bools(pc.equal(after, before)) | (~valid_after & ~valid_before)
            new[1:] |= ~same
        starts.append(new.copy())
    return table, starts


def _group_sums(values: _Ints, starts: _Bools) -> _Ints:
    """``values`` summed over each group of rows (``starts``: where each begins)."""
    if not len(values):
        return np.zeros(0, np.int64)
    summed: _Ints = np.add.reduceat(values, np.flatnonzero(starts)).astype(np.int64)
    return summed


def _grouped(owner: _Ints, values: pa.Array, count: int) -> tuple[npt.NDArray[np.int32], pa.Array]:
    """Offsets and values of ``count`` lists: the distinct ``values`` of each owner, sorted."""
    table = pa.table({"o": pa.array(owner, pa.int64()), "v": values}).sort_by(
        [("o", "ascending"), ("v", "ascending")]
    )
    owners = table.column("o").to_numpy()
    sorted_values = _col(table, "v")
    if len(owners) > 1:
        same = pc.equal(sorted_values[1:], sorted_values[:-1]).to_numpy(zero_copy_only=False)
        keep = np.concatenate([[True], ~((owners[1:] == owners[:-1]) & same)])
        owners, sorted_values = owners[keep], sorted_values.filter(pa.array(keep))
    offsets = np.zeros(count + 1, np.int32)
    np.cumsum(np.bincount(owners, minlength=count), out=offsets[1:])
    return offsets, sorted_values


def _first_of_group(sorted_owners: _Ints) -> _Bools:
    first: _Bools = np.ones(len(sorted_owners), np.bool_)
    first[1:] = sorted_owners[1:] != sorted_owners[:-1]
    return first


def _scatter(owners: _Ints, values: pa.Array, count: int) -> pa.Array:
    """An array of ``count`` values: ``values[i]`` at ``owners[i]``, null elsewhere."""
    index = np.full(count, -1, np.int64)
    index[owners] = np.arange(len(owners))
    return _take(values, index)


# -- links -------------------------------------------------------------------------------------------


def work_keys(works: pa.Table) -> pa.Table:
    """``key`` (``arxiv:<id>`` / ``doi:<doi>``, lowercased: the keys :mod:`enrich.links` produces) ->
    ``work_id``, the first work by row that has it."""
    keys: list[pa.Array] = []
    rows: list[_Ints] = []
    for column, prefix in (("arxiv_id", "arxiv:"), ("doi", "doi:")):
        values = _col(works, column)
        has = np.flatnonzero(_truthy(values))
        keys.append(_prefixed(prefix, _lower(values.take(pa.array(has)))))
        rows.append(has.astype(np.int64))
    all_keys, all_rows = pa.concat_arrays(keys), np.concatenate(rows)
    distinct = pc.unique(all_keys)  # a key's rows all come from one column, in order: its first is its least
    first = all_rows[_find(distinct, all_keys)]
    return pa.table({"key": distinct, "work_id": _col(works, "work_id").take(pa.array(first, pa.int64()))})


def candidate_links(
    entries: pa.Table, works: pa.Table, repos: pa.Table, hf_items: pa.Table
) -> tuple[pa.Table, pa.Table]:
    """Every piece of evidence (``artefact``, ``work_id``, ``source``: an index into
    :data:`LINK_SOURCES`), and per artefact the number of distinct papers it cites or sits beside
    (``artefact``, ``papers``)."""
    by_key = work_keys(works)
    keys, key_work = _col(by_key, "key"), _col(by_key, "work_id")
    links: list[pa.Table] = []
    papers: list[pa.Table] = []

    def add(artefact: pa.Array, refs: pa.Array, sources: _Ints) -> None:
        """Evidence by reference: a paper each, a link where the reference is a work's."""
        found = _find(refs, keys)
        work = _take(key_work, found)
        paper = pc.coalesce(work, refs)
        paper = pc.if_else(pc.starts_with(paper, "work:"), pc.utf8_slice_codeunits(paper, 5), paper)
        papers.append(pa.table([artefact, paper], schema=_PAPERS_SCHEMA))
        hit = pa.array((found >= 0) & (sources >= 0))
        links.append(
            pa.table(
                [artefact.filter(hit), work.filter(hit), pa.array(sources).filter(hit)], schema=_LINKS_SCHEMA
            )
        )

    entry_work = _col(entries, "work_id")
    has_work = _truthy(entry_work)
    for column in ("repo_id", "hf_item_id"):
        values = _col(entries, column)
        rows = pa.array(np.flatnonzero(has_work & _truthy(values)))
        artefact, work = values.take(rows), entry_work.take(rows)
        source = np.full(len(artefact), LINK_SOURCES.index("same_entry"), np.int64)
        links.append(pa.table([artefact, work, pa.array(source)], schema=_LINKS_SCHEMA))
        papers.append(pa.table([artefact, work], schema=_PAPERS_SCHEMA))

    items = _col(hf_items, "hf_item_id")
    for column, source_name in (("arxiv_ids", "hf_arxiv_tag"), ("card_refs", "hf_card")):
        lists = _col(hf_items, column)
        refs, parents = pc.list_flatten(lists), pc.list_parent_indices(lists)
        valid = pc.is_valid(refs)
        refs, parents = refs.filter(valid), parents.filter(valid)
        if column == "arxiv_ids":
            refs = _prefixed("arxiv:", _lower(refs))
        add(items.take(parents), _lower(refs), np.full(len(refs), LINK_SOURCES.index(source_name), np.int64))

    paper_refs = _col(repos, "paper_refs")
    refs = pc.list_flatten(paper_refs)
    artefact = _col(repos, "repo_id").take(pc.list_parent_indices(paper_refs))
    found_in = _find(refs.field("found_in"), pa.array(_REPO_FOUND_IN, pa.string()))
    sources = np.where(found_in >= 0, _REPO_SOURCE[found_in], -1)
    add(artefact, _lower(pc.fill_null(refs.field("ref"), "None")), sources)

    every = pa.concat_tables(papers)
    papers.clear()
    pairs, (new_artefact, new_pair) = _sorted_groups(
        {"artefact": _col(every, "artefact"), "paper": _col(every, "paper")}
    )
    del every
    distinct_papers = new_pair & _bools(pc.is_valid(pairs.column("paper")))
    counts = pa.table(
        {
            "artefact": _col(pairs, "artefact").filter(pa.array(new_artefact)),
            "papers": pa.array(_group_sums(distinct_papers.astype(np.int64), new_artefact), pa.int64()),
        }
    )
    return pa.concat_tables(links), counts


def assign(links: pa.Table, paper_counts: pa.Table, *, toolkit_min: int = TOOLKIT_MIN_PAPERS) -> pa.Table:
    """The artefacts linked to a work: ``artefact``, ``work_id`` and ``link_sources`` (a mask over
    :data:`LINK_SOURCES`: the evidence for that work); artefacts left out stay entities of their own."""
    toolkits = _col(paper_counts, "artefact").filter(
        pc.greater_equal(_col(paper_counts, "papers"), toolkit_min)
    )
    links = links.filter(pc.invert(pc.is_in(links.column("artefact"), value_set=toolkits)))
    ordered, (_, new_work, new_source) = _sorted_groups(
        {c: _col(links, c) for c in ("artefact", "work_id", "source")}
    )
    bits = np.where(new_source, np.left_shift(1, ordered.column("source").to_numpy()), 0)
    masks = _group_sums(bits, new_work)
    at = pa.array(np.flatnonzero(new_work), pa.int64())
    per_work = pa.table(
        {
            "artefact": _col(ordered, "artefact").take(at),
            "work_id": _col(ordered, "work_id").take(at),
            "bit_sum": pa.array(masks, pa.int64()),
        }
    )
    scored = per_work.append_column("score", pa.array(_SCORES[masks])).sort_by(
        [("artefact", "ascending"), ("score", "descending"), ("work_id", "ascending")]
    )
    artefacts = _col(scored, "artefact")
    score = scored.column("score").to_numpy()
    n = len(score)
    first = np.ones(n, np.bool_)
    if n > 1:
        first[1:] = pc.not_equal(artefacts[1:], artefacts[:-1]).to_numpy(zero_copy_only=False)
    tied = np.zeros(n, np.bool_)
    if n > 1:
        tied[:-1] = ~first[1:] & (score[1:] == score[:-1])  # two papers equally supported: neither
    won = scored.filter(pa.array(first & ~tied))
    return pa.table(
        {
            "artefact": won.column("artefact"),
            "work_id": won.column("work_id"),
            "link_sources": won.column("bit_sum"),
        }
    )


# -- entities ----------------------------------------------------------------------------------------


def build_entities(
    entries: pa.Table,
    works: pa.Table,
    repos: pa.Table,
    hf_items: pa.Table,
    *,
    toolkit_min: int = TOOLKIT_MIN_PAPERS,
) -> tuple[pa.Table, pa.Array]:
    """The ``entities`` table (sorted by ``entity_id``) and the ``entity_id`` of each row of
    ``entries``, in its order (see the module docstring)."""
    owner = assign(*candidate_links(entries, works, repos, hf_items), toolkit_min=toolkit_min)
    owner_ids, owner_work = _col(owner, "artefact"), _col(owner, "work_id")
    owner_mask = np.append(owner.column("link_sources").to_numpy(), 0)  # [-1]: no evidence
    works = _last_rows(works, "work_id")
    repos = _last_rows(repos, "repo_id")
    hf_items = _last_rows(hf_items, "hf_item_id")
    work_ids, repo_ids, hf_ids = _col(works, "work_id"), _col(repos, "repo_id"), _col(hf_items, "hf_item_id")

    # a repo's entity: its paper's when it is linked to one that has a row, else its own
    repo_owner = _find(repo_ids, owner_ids)
    repo_work = _take(owner_work, repo_owner)
    repo_entity = pc.if_else(_in(repo_work, work_ids), repo_work, _prefixed("repo:", repo_ids))

    # a Hub item linked to no paper, named on the same entry as a repo: the repo's entity (a model
    # row with its code and weights is one thing), when that is one entity
    entry_work, entry_repo, entry_hf = (_col(entries, c) for c in ("work_id", "repo_id", "hf_item_id"))
    repo_of = _find(entry_repo, repo_ids)
    both = _truthy(entry_hf) & _truthy(entry_repo) & (repo_of >= 0)
    pairs, (new_item, new_pair) = _sorted_groups(
        {"item": entry_hf.filter(pa.array(both)), "entity": _take(repo_entity, repo_of[both])}
    )
    entities_beside = _group_sums(
        (new_pair & _bools(pc.is_valid(pairs.column("entity")))).astype(np.int64), new_item
    )
    at = pa.array(np.flatnonzero(new_item)[entities_beside == 1], pa.int64())  # its least entity: nulls last
    beside = pa.table({"item": _col(pairs, "item").take(at), "entity_min": _col(pairs, "entity").take(at)})
    del pairs, new_item, new_pair, entities_beside, at
    hf_owner = _find(hf_ids, owner_ids)
    hf_beside = _take(_col(beside, "entity_min"), _find(hf_ids, _col(beside, "item")))
    joins = (hf_owner < 0) & _bools(pc.is_valid(hf_beside))
    to_repo = joins & _bools(pc.starts_with(hf_beside, "repo:"))
    to_work = joins & ~to_repo  # the repo's work: the item belongs to it too
    hf_work = pc.if_else(pa.array(to_work), hf_beside, _take(owner_work, hf_owner))
    hf_mask = np.where(to_work, _SAME_ENTRY, owner_mask[hf_owner])
    hf_entity = pc.if_else(
        pa.array(to_repo), hf_beside, pc.if_else(_in(hf_work, work_ids), hf_work, _prefixed("hf:", hf_ids))
    )

    # an entry's entity: its work's, else its repo's, else its Hub item's, else none
    work_of = _find(entry_work, work_ids)
    hf_of = _find(entry_hf, hf_ids)
    entry_entity = pc.coalesce(
        _take(work_ids, np.where(_truthy(entry_work), work_of, -1)),
        _take(repo_entity, np.where(_truthy(entry_repo), repo_of, -1)),
        _take(hf_entity, np.where(_truthy(entry_hf), hf_of, -1)),
    )
    del work_of, repo_of, hf_of

    entity_ids = pc.unique(pa.concat_arrays([work_ids, repo_entity, hf_entity]))
    entity_ids = entity_ids.take(pc.sort_indices(entity_ids))
    count = len(entity_ids)
    repo_at, hf_at = _find(repo_entity, entity_ids), _find(hf_entity, entity_ids)
    has_entity = pa.array(_bools(pc.is_valid(entry_entity)))
    entry_at = _find(entry_entity.filter(has_entity), entity_ids)

    repo_offsets, repo_values = _grouped(repo_at, repo_ids, count)
    hf_offsets, hf_values = _grouped(hf_at, hf_ids, count)
    entry_offsets, entry_values = _grouped(entry_at, _col(entries, "entry_id").filter(has_entity), count)
    list_offsets, list_values = _grouped(entry_at, _col(entries, "list_id").filter(has_entity), count)
    del entry_at, has_entity

    work_row = _find(entity_ids, work_ids)
    is_work = pa.array(work_row >= 0)
    has_repo = pa.array(np.diff(repo_offsets) > 0)
    first_repo = _take(repo_values, np.where(np.diff(repo_offsets) > 0, repo_offsets[:-1], -1))
    first_hf = _take(hf_values, np.where(np.diff(hf_offsets) > 0, hf_offsets[:-1], -1))
    title = _take(_col(works, "title"), work_row)
    full_name = _take(_col(repos, "full_name"), _find(first_repo, repo_ids))
    hub_name = _take(_col(hf_items, "hf_id"), _find(first_hf, hf_ids))
    display_name = pc.coalesce(
        pc.if_else(is_work, _or(title, entity_ids), _null()),
        pc.if_else(has_repo, _or(full_name, first_repo), _null()),
        _or(hub_name, first_hf),
    )
    entity_type = pc.if_else(is_work, "work", pc.if_else(has_repo, "repo", "hf_item"))

    links = _entity_links(
        count,
        # the evidence of each artefact linked to the work that is its entity, repos first ...
        (0, 0, repo_at, repo_ids, owner_mask[repo_owner], _bools(pc.equal(repo_work, repo_entity))),
        (0, 1, hf_at, hf_ids, hf_mask, _bools(pc.equal(hf_work, hf_entity))),
        # ... then the Hub items joined to a repo's entity
        (1, 1, hf_at, hf_ids, np.full(len(hf_ids), _SAME_ENTRY, np.int64), to_repo),
    )
    stars, stars_repo_id, stars_as_of = _most_starred(repos, repo_at, count)
    columns: dict[str, pa.Array] = {
        "entity_id": entity_ids,
        "entity_type": entity_type,
        "display_name": display_name,
        "work_id": pc.if_else(is_work, entity_ids, _null()),
        "repo_ids": pa.ListArray.from_arrays(repo_offsets, repo_values),
        "hf_item_ids": pa.ListArray.from_arrays(hf_offsets, hf_values),
        "links": links,
        "list_ids": pa.ListArray.from_arrays(list_offsets, list_values),
        "entry_ids": pa.ListArray.from_arrays(entry_offsets, entry_values),
        "entry_count": pa.array(np.diff(entry_offsets), pa.int32()),
        "stars": stars,
        "stars_repo_id": stars_repo_id,
        "stars_as_of": stars_as_of,
    }
    for metric in ("likes", "downloads"):
        columns[metric], columns[f"{metric}_as_of"] = _summed(hf_items, metric, hf_at, count)
    for column in _WORK_COUNTS:
        columns[column] = _take(_col(works, column), work_row)
        columns[f"{column}_as_of"] = _take(_col(works, f"{column}_as_of"), work_row)
    table = pa.Table.from_arrays(
        [columns[f.name].cast(f.type) for f in ENTITIES_SCHEMA], schema=ENTITIES_SCHEMA
    )
    return table, _last_of_entry(_col(entries, "entry_id"), entry_entity)


def _bools(values: pa.Array) -> _Bools:
    """A boolean column as numpy, null as false."""
    out: _Bools = pc.fill_null(values, False).to_numpy(zero_copy_only=False)
    return out


def _in(values: pa.Array, keys: pa.Array) -> pa.Array:
    return pc.fill_null(pc.is_in(values, value_set=keys), False)


def _or(values: pa.Array, fallback: pa.Array) -> pa.Array:
    """Python's ``values or fallback``, element-wise."""
    return pc.if_else(pa.array(_truthy(values)), values, fallback)


def _entity_links(count: int, *parts: tuple[int, int, _Ints, pa.Array, _Ints, _Bools]) -> pa.Array:
    """The ``links`` column of ``count`` entities. Each part is (its rank, the artefacts' kind: 0 repo,
    1 Hub item, each artefact's entity, its id, its evidence mask, whether it has links there); an
    entity's links are ordered by rank, kind, id, then link source."""
    tables = []
    for rank, kind, at, ids, masks, linked in parts:
        for bit in range(len(LINK_SOURCES)):
            rows = np.flatnonzero(linked & (masks >> bit & 1).astype(np.bool_))
            tables.append(
                pa.table(
                    {
                        "entity": pa.array(at[rows], pa.int64()),
                        "rank": pa.array(np.full(len(rows), rank), pa.int64()),
                        "kind": pa.array(np.full(len(rows), kind), pa.int64()),
                        "id": ids.take(pa.array(rows, pa.int64())),
                        "source": pa.array(np.full(len(rows), bit), pa.int64()),
                    }
                )
            )
    rows_table = pa.concat_tables(tables).sort_by(
        [(c, "ascending") for c in ("entity", "rank", "kind", "id", "source")]
    )
    source = rows_table.column("source").combine_chunks()
    names = pa.array(LINK_SOURCES, pa.string())
    confidences = pa.array([LINK_CONFIDENCE[s] for s in LINK_SOURCES], pa.float64())
    items = pa.StructArray.from_arrays(
        [_col(rows_table, "id"), names.take(source), confidences.take(source)],
        fields=list(ENTITY_LINK_TYPE),
    )
    offsets = np.zeros(count + 1, np.int32)
    np.cumsum(np.bincount(rows_table.column("entity").to_numpy(), minlength=count), out=offsets[1:])
    return pa.ListArray.from_arrays(offsets, items, type=pa.list_(ENTITY_LINK_TYPE))


def _most_starred(repos: pa.Table, at: _Ints, count: int) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Per entity the stars, repo_id and stars_as_of of its most-starred repo (ties: the first id)."""
    starred = pa.table(
        {
            "entity": pa.array(at, pa.int64()),
            "stars": _col(repos, "stars"),
            "repo_id": _col(repos, "repo_id"),
            "as_of": _col(repos, "stars_as_of"),
        }
    )
    starred = starred.filter(pc.is_valid(starred.column("stars"))).sort_by(
        [("entity", "ascending"), ("stars", "descending"), ("repo_id", "ascending")]
    )
    owners = starred.column("entity").to_numpy()
    top = _first_of_group(owners)
    starred, owners = starred.filter(pa.array(top)), owners[top]
    return tuple(_scatter(owners, _col(starred, c), count) for c in ("stars", "repo_id", "as_of"))


def _summed(hf_items: pa.Table, metric: str, at: _Ints, count: int) -> tuple[pa.Array, pa.Array]:
    """Per entity ``metric`` summed over its Hub items that report it, and the oldest ``<metric>_as_of``
    among those."""
    table = pa.table(
        {
            "entity": pa.array(at, pa.int64()),
            "value": _col(hf_items, metric),
            "as_of": _col(hf_items, f"{metric}_as_of"),
        }
    )
    table = table.filter(pc.is_valid(table.column("value")))
    ordered, (new_entity, *_) = _sorted_groups(
        {"entity": _col(table, "entity"), "as_of": _col(table, "as_of"), "value": _col(table, "value")}
    )  # an entity's oldest as_of first (nulls last: the least, as ``min`` skips them)
    del table
    at = pa.array(np.flatnonzero(new_entity), pa.int64())
    owners = _col(ordered, "entity").take(at).to_numpy()
    value = pa.array(_group_sums(_col(ordered, "value").cast(pa.int64()).to_numpy(), new_entity), pa.int64())
    return _scatter(owners, value, count), _scatter(owners, _col(ordered, "as_of").take(at), count)


def _last_of_entry(entry_ids: pa.Array, entities: pa.Array) -> pa.Array:
    """``entities`` with each entry id's value the last non-null one among its rows."""
    if pc.count_distinct(entry_ids).as_py() == len(entry_ids):
        return entities
    valid = _bools(pc.is_valid(entities))
    keys, last = _last_of_each(entry_ids.filter(pa.array(valid)), np.flatnonzero(valid).astype(np.int64))
    found = _find(entry_ids, keys)
    row = np.append(last, -1)[found]  # [-1]: an entry with no value
    return entities.take(pa.array(row, pa.int64(), mask=row < 0))
