"""Entry ids carried over across versions of a list (:func:`carry_entry_ids`).

The ids of :mod:`enrich.parsing.keys` depend on the entry's text alone, so a small edit (a typo fixed in a title, a bold short name put in front, a code link added
to a title-only entry) would give a new id. When the previous snapshot holds entries of the same
list, tonight's entries are matched to them one-to-one and a matched entry keeps its previous id.
Stages, each one-to-one among entries still unmatched, strongest first:

1. the same identity, name + title and section (pairs of complete duplicates in file order);
2. the same identity and name + title (a moved entry, a renamed section);
3. the same identity, or a paper identifier (arXiv, DOI, PMID, PMCID, ACL, CorpusId) in common (a
   paper whose title was edited but whose link stayed, a DOI added next to the arXiv link); or a
   GitHub repo or Hugging Face id in common with a similarity of at least
   :data:`CARRY_MIN_SIMILARITY_LINKED` and no different arXiv id or DOI (a model's description
   reworded; rows of a list may share a link, hence the bar);
4. normalised text similarity (rapidfuzz ``ratio``, the better of name + title and title alone) of
   at least :data:`CARRY_MIN_SIMILARITY`, :data:`CARRY_MIN_SIMILARITY_SHORT` when either text is
   shorter than :data:`CARRY_SHORT_TEXT` characters; unless their normalised titles are identical
   (a fixed link), never between entries whose arXiv ids or DOIs differ (two papers) or whose texts
   hold different numbers (``Qwen2``/``Qwen3 technical report``, ``v4``/``v5``; when both texts
   are 40 characters or longer only if both hold numbers: a venue prefix adds a year).
   Past :data:`FUZZY_BUDGET` pairs (a list rewritten wholesale) only pairs within one section are
   compared, section by section in name order while the budget lasts; entries left over keep the
   ids their text gives them.

Within stages 3 and 4 candidate pairs are taken greedily by similarity, then the same section first,
then the nearest position in the list, then file order: deterministic. An entry left unmatched keeps
the id above unless that id is taken (by a previous entry of the list, or by an earlier entry
tonight), in which case it gets the duplicate id ``(identity, name + title, section)`` (an ordinal
is added only on complete ties). Without a previous version the ids are exactly the ones above.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Final, Protocol

from rapidfuzz import fuzz, process

from enrich.ids import ENTRY_ID_COLUMNS, Ids, normalize_title
from enrich.parsing.keys import _digest, _duplicate_key, _identity, _paper_ids, _text_key, _thing_ids

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "CARRY_MIN_SIMILARITY",
    "CARRY_MIN_SIMILARITY_LINKED",
    "CARRY_MIN_SIMILARITY_SHORT",
    "CARRY_SHORT_TEXT",
    "FUZZY_BUDGET",
    "IdentityFields",
    "PreviousEntry",
    "carry_entry_ids",
]

CARRY_MIN_SIMILARITY: Final = 88.0
"""Least rapidfuzz ``ratio`` (0-100) of normalised texts for a fuzzy carry-over (stage 4)."""
CARRY_MIN_SIMILARITY_SHORT: Final = 95.0
"""The same for short texts: one changed letter in ``gpt 4`` is another model, not a typo."""
CARRY_MIN_SIMILARITY_LINKED: Final = 60.0
"""Least similarity for entries that share only a GitHub repo or Hugging Face id (stage 3)."""
CARRY_SHORT_TEXT: Final = 30
"""Texts shorter than this (normalised characters) count as short."""
_NUMBERS_TEXT: Final = 40
"""Texts shorter than this must hold the same numbers to match (see :func:`_similar_enough`)."""
FUZZY_BUDGET: Final = 4_000_000
"""Most pairs compared in stage 4 (about a second of CPU); see the module docstring."""


class IdentityFields(Protocol):
    """What carry-over reads off an entry (``enrich.parsing.Entry`` and :class:`PreviousEntry`)."""

    @property
    def entry_id(self) -> str: ...
    @property
    def section(self) -> str | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def ids(self) -> Ids: ...
    @property
    def urls(self) -> Sequence[str]: ...


@dataclass(frozen=True, slots=True)
class PreviousEntry:
    """An entry of the previous snapshot, as carry-over needs it (see :meth:`from_row`)."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "entry_id",
        "section",
        "kind",
        "name",
        "title",
        *(c for c in ENTRY_ID_COLUMNS.values() if c != "arxiv_version"),  # carry-over reads no version
        "urls",
    )
    """The ``entries`` columns :meth:`from_row` reads (the only ones worth turning into Python values)."""

    entry_id: str
    section: str | None
    kind: str
    name: str | None
    title: str | None
    ids: Ids
    urls: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> PreviousEntry:
        """From a row of the ``entries`` table (a dict as ``pyarrow.Table.to_pylist`` gives it)."""

        def text(column: str) -> str | None:
            value = row.get(column)
            return None if value is None else str(value)

        return cls(
            entry_id=str(row["entry_id"]),
            section=text("section"),
            kind=str(row["kind"]),
            name=text("name"),
            title=text("title"),
            ids=Ids.from_row(row, ENTRY_ID_COLUMNS),
            urls=tuple(str(u) for u in row.get("urls") or ()),
        )

    @classmethod
    def from_table(cls, table: pa.Table) -> list[PreviousEntry]:
        """One per row of ``table`` (rows of the ``entries`` table, at least :attr:`COLUMNS`), in its
        order, as :meth:`from_row` makes them: the columns become Python values one at a time and
        each row's dict lives only while its entry is made."""
        columns = [table.column(name).to_pylist() for name in cls.COLUMNS]
        return [
            cls.from_row(dict(zip(cls.COLUMNS, values, strict=True))) for values in zip(*columns, strict=True)
        ]


@dataclass(frozen=True, slots=True)
class _Facts:
    identity: str
    text: str  # normalised name + title
    title: str  # normalised title, else the text
    section: str  # normalised section path
    papers: frozenset[str]  # "arxiv:...", "doi:...", ...
    links: frozenset[str]  # "github:...", "hf:..."
    arxiv: str | None
    doi: str | None
    numbers: tuple[str, ...]  # the digit runs of the text, sorted


_DIGITS: Final = re.compile(r"\d+")


def _facts(entry: IdentityFields) -> _Facts:
    text = _text_key(entry.name, entry.title)
    ids = entry.ids
    papers, things = _paper_ids(ids), _thing_ids(ids)
    return _Facts(
        identity=_identity(entry.kind, text, papers, things, entry.urls),
        text=text,
        title=normalize_title(entry.title) if entry.title else text,
        section=normalize_title(entry.section or ""),
        papers=frozenset(papers),
        links=frozenset(things),
        arxiv=ids.arxiv_id,
        doi=ids.doi,
        numbers=tuple(sorted(_DIGITS.findall(text))),
    )


def _similarity(a: _Facts, b: _Facts) -> float:
    return max(fuzz.ratio(a.text, b.text), fuzz.ratio(a.title, b.title))


def _same_thing(a: _Facts, b: _Facts, score: float) -> bool:
    """Stage 3: the same identity or paper identifier; a shared GitHub/Hugging Face link alone
    (rows of a list may share one) needs some likeness too."""
    if a.identity == b.identity or a.papers & b.papers:
        return True
    return score >= CARRY_MIN_SIMILARITY_LINKED and not _two_papers(a, b)


def _two_papers(a: _Facts, b: _Facts) -> bool:
    return (a.arxiv is not None and b.arxiv is not None and a.arxiv != b.arxiv) or (
        a.doi is not None and b.doi is not None and a.doi != b.doi
    )


def _similar_enough(a: _Facts, b: _Facts, score: float) -> bool:
    short = min(len(a.text), len(b.text)) < CARRY_SHORT_TEXT
    if score < (CARRY_MIN_SIMILARITY_SHORT if short else CARRY_MIN_SIMILARITY):
        return False
    if a.title == b.title:
        return True
    # "Qwen2 technical report" / "Qwen3 technical report", "v4" / "v5": other works, not typos (a
    # long title may gain numbers from a venue prefix: "Nature News, 2023.1")
    other_numbers = a.numbers != b.numbers and (
        (bool(a.numbers) and bool(b.numbers)) or min(len(a.text), len(b.text)) < _NUMBERS_TEXT
    )
    return not _two_papers(a, b) and not other_numbers


class _Matcher:
    """One-to-one matching of tonight's entries (``new``) to the previous ones (``old``)."""

    def __init__(self, old: Sequence[_Facts], new: Sequence[_Facts]) -> None:
        self.old, self.new = old, new
        self.of_new: dict[int, int] = {}  # new index -> old index
        self.taken_old: set[int] = set()

    def free_old(self) -> list[int]:
        return [i for i in range(len(self.old)) if i not in self.taken_old]

    def free_new(self) -> list[int]:
        return [j for j in range(len(self.new)) if j not in self.of_new]

    def _take(self, i: int, j: int) -> None:
        self.of_new[j] = i
        self.taken_old.add(i)

    def exact(self, key: Callable[[_Facts], tuple[str, ...]]) -> None:
        """Pair entries with equal ``key``: the k-th free old one with the k-th free new one."""
        waiting: dict[tuple[str, ...], list[int]] = {}
        for i in self.free_old():
            waiting.setdefault(key(self.old[i]), []).append(i)
        for j in self.free_new():
            queue = waiting.get(key(self.new[j]))
            if queue:
                self._take(queue.pop(0), j)

    def greedy(
        self, pairs: Iterable[tuple[int, int]], accept: Callable[[_Facts, _Facts, float], bool]
    ) -> None:
        """Take the ``accept``-ed candidate pairs best first (similarity, same section, nearest
        position, file order)."""
        ranked: list[tuple[float, int, int, int, int]] = []
        for i, j in pairs:
            a, b = self.old[i], self.new[j]
            score = _similarity(a, b)
            if accept(a, b, score):
                ranked.append((-score, a.section != b.section, abs(i - j), i, j))
        ranked.sort()
        for *_, i, j in ranked:
            if i not in self.taken_old and j not in self.of_new:
                self._take(i, j)

    def shared_identifier(self) -> Iterator[tuple[int, int]]:
        """Free pairs with the same identity, a paper identifier or a GitHub/Hugging Face link in common."""
        by_key: dict[str, list[int]] = {}
        for i in self.free_old():
            old = self.old[i]
            for key in {old.identity, *old.papers, *old.links}:
                by_key.setdefault(key, []).append(i)
        for j in self.free_new():
            new = self.new[j]
            keys = {new.identity, *new.papers, *new.links}
            found = {i for key in keys for i in by_key.get(key, ())}
            yield from ((i, j) for i in sorted(found))

    def similar(self) -> Iterator[tuple[int, int]]:
        """Free pairs whose texts or titles reach the lower similarity threshold (``cdist``)."""
        olds, news = self.free_old(), self.free_new()
        groups: list[tuple[list[int], list[int]]] = [(olds, news)]
        if len(olds) * len(news) > FUZZY_BUDGET:
            by_section: dict[str, tuple[list[int], list[int]]] = {}
            for i in olds:
                by_section.setdefault(self.old[i].section, ([], []))[0].append(i)
            for j in news:
                by_section.setdefault(self.new[j].section, ([], []))[1].append(j)
            groups = [by_section[k] for k in sorted(by_section)]
        spent = 0
        for group_old, group_new in groups:
            cost = len(group_old) * len(group_new)
            if not cost or spent + cost > FUZZY_BUDGET:
                continue
            spent += cost
            found: set[tuple[int, int]] = set()
            for field in ("text", "title"):
                scores = process.cdist(
                    [getattr(self.new[j], field) for j in group_new],
                    [getattr(self.old[i], field) for i in group_old],
                    scorer=fuzz.ratio,
                    score_cutoff=CARRY_MIN_SIMILARITY,
                )
                rows, columns = scores.nonzero()
                found.update(
                    (group_old[int(c)], group_new[int(r)]) for r, c in zip(rows, columns, strict=True)
                )
            yield from sorted(found)


def carry_entry_ids(previous: Sequence[IdentityFields], tonight: Sequence[IdentityFields]) -> list[str]:
    """Tonight's entry ids for one list, carrying ids over from its previous version.

    ``previous``: the list's entries in the previous snapshot, in file order, with the ids they had
    there; ``tonight``: the list's entries tonight, in file order, with the ids
    :func:`assign_entry_ids` gave them. Returns one id per ``tonight`` entry: the previous id of the
    entry it is matched to (see the module docstring), else its own id (made unique against every
    previous id of the list and every id given before it). Pure and deterministic; with no
    previous entries the ids are returned unchanged.
    """
    if not previous:
        return [e.entry_id for e in tonight]
    matcher = _Matcher([_facts(e) for e in previous], [_facts(e) for e in tonight])
    matcher.exact(lambda f: (f.identity, f.text, f.section))
    matcher.exact(lambda f: (f.identity, f.text))
    matcher.greedy(matcher.shared_identifier(), _same_thing)
    matcher.greedy(matcher.similar(), _similar_enough)

    out: list[str | None] = [None] * len(tonight)
    taken = {e.entry_id for e in previous}
    for j, i in matcher.of_new.items():
        out[j] = previous[i].entry_id
    for j, entry in enumerate(tonight):
        if out[j] is not None:
            continue
        entry_id = entry.entry_id
        if entry_id in taken:
            list_id = entry_id.rsplit(":", 1)[0]
            facts = matcher.new[j]
            base = _duplicate_key(facts.identity, facts.text, facts.section)
            key, ordinal = base, 2
            while (entry_id := f"{list_id}:{_digest(key)}") in taken:
                key, ordinal = f"{base}\x00n:{ordinal}", ordinal + 1
        taken.add(entry_id)
        out[j] = entry_id
    return [e for e in out if e is not None]
