"""Stable entry ids and local work keys.

``entry_id`` = ``<list_id>:<16 hex>``, the first 16 hex digits of SHA-256 over the entry's identity:

* papers: the strongest identifier (arXiv > DOI > PMID > PMCID > ACL > CorpusId), else the
  normalised ``name + title``; repos: the GitHub repo, else ``name + title``; models, datasets and
  resources: the normalised ``name + title`` (their links are often shared between rows), else
  their Hugging Face/GitHub id, else the first URL.
* Line numbers and neighbours play no part, so an entry keeps its id when lines move or entries
  are added or removed around it.
* Only entries sharing an identity in one list are told apart: the one whose (name + title,
  section) sorts first keeps the plain id wherever it stands; the others hash (identity, name +
  title, section), and only complete ties fall back to their order in the file.

``work_key`` is shared by entries that refer to the same work, in one list or across lists. Each
entry contributes keys (its paper identifiers and normalised titles; an entry with neither
contributes its repo/model id, else its first URL); a union-find joins entries sharing any key.
A title ``"Name: Subtitle"`` also contributes ``Subtitle`` when it has at least six words.
A cluster's key is its strongest member key, as ``<kind>:<value>``: ``arxiv:2106.09685``,
``doi:10.1038/s41586-023-06291-2``, ``pmid:…``, ``pmcid:PMC…``, ``acl:…``, ``corpus:123``,
``github:owner/repo``, ``hf:model/org/name``, or ``title:<16 hex>`` / ``url:<16 hex>`` (SHA-256 of
the normalised title / URL). Titles count only when their normalised form has at least three words
and 15 characters (short names like "ShareGPT" would join unrelated entries).

**Carry-over across versions** (:func:`carry_entry_ids`). The ids above depend on the entry's text
alone, so a small edit (a typo fixed in a title, a bold short name put in front, a code link added
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
from typing import Any, ClassVar, Final, Protocol

from rapidfuzz import fuzz, process

from enrich.ids import ENTRY_ID_COLUMNS, Ids, id_keys, normalize_title
from enrich.ids.title import short_hash, title_hash_key
from enrich.util import UnionFind

__all__ = [
    "CARRY_MIN_SIMILARITY",
    "CARRY_MIN_SIMILARITY_LINKED",
    "CARRY_MIN_SIMILARITY_SHORT",
    "CARRY_SHORT_TEXT",
    "FUZZY_BUDGET",
    "IdentityFields",
    "PreviousEntry",
    "assign_entry_ids",
    "carry_entry_ids",
    "entry_identity",
    "work_keys",
]

_RANK: Final = {
    "arxiv": 0,
    "doi": 1,
    "pmid": 2,
    "pmcid": 3,
    "acl": 4,
    "corpus": 5,
    "github": 6,
    "hf": 7,
    "title": 8,
    "url": 9,
    "entry": 10,
}


def _digest(text: str) -> str:
    return short_hash(text, "sha256")


def _paper_ids(ids: Ids) -> list[str]:
    return [k for k in id_keys(ids) if not k.endswith(":")]


def _thing_ids(ids: Ids) -> list[str]:
    found = [
        f"hf:{ids.hf_kind}/{ids.hf_id.lower()}" if ids.hf_id and ids.hf_kind else "",
        f"github:{ids.github_repo}" if ids.github_repo else "",
    ]
    return [k for k in found if k]


def _text_key(name: str | None, title: str | None) -> str:
    return normalize_title(f"{name or ''} {title or ''}")


def entry_identity(kind: str, name: str | None, title: str | None, ids: Ids, urls: Sequence[str]) -> str:
    """The identity an entry id is derived from (see the module docstring)."""
    return _identity(kind, _text_key(name, title), _paper_ids(ids), _thing_ids(ids), urls)


def _identity(kind: str, text: str, papers: list[str], things: list[str], urls: Sequence[str]) -> str:
    text_key = [f"text:{text}"] if text else []
    url_key = [f"url:{urls[0]}"] if urls else []
    if kind == "paper":
        order = papers + text_key + things + url_key
    elif kind == "repo":
        order = [k for k in things if k.startswith("github:")] + text_key + things + url_key
    else:
        order = text_key + things + papers + url_key
    return order[0] if order else "empty:"


def _duplicate_key(identity: str, text: str, section: str) -> str:
    """The identity of an entry that shares ``identity`` with another entry of its list."""
    return f"{identity}\x00text:{text}\x00section:{section}"


def assign_entry_ids(
    list_id: str,
    identities: Sequence[str],
    sections: Sequence[str | None],
    texts: Sequence[str] | None = None,
) -> list[str]:
    """One id per entry (given in file order); duplicates disambiguated as the module says.

    ``texts`` are the entries' normalised ``name + title``. Within a group sharing an identity,
    the member whose (text, section) sorts first keeps the plain id, whatever its position; the
    others get ids from (identity, text, section), and only complete ties fall back to file order.
    """
    texts = list(texts) if texts is not None else [""] * len(identities)
    groups: dict[str, list[int]] = {}
    for k, identity in enumerate(identities):
        groups.setdefault(identity, []).append(k)
    keys = list(identities)
    for identity, members in groups.items():
        if len(members) == 1:
            continue
        ranked = sorted(members, key=lambda k: (texts[k], normalize_title(sections[k] or ""), k))
        seen: set[str] = set()
        for k in ranked[1:]:
            key = _duplicate_key(identity, texts[k], normalize_title(sections[k] or ""))
            ordinal = 2
            base = key
            while key in seen:
                key = f"{base}\x00n:{ordinal}"
                ordinal += 1
            seen.add(key)
            keys[k] = key
    return [f"{list_id}:{_digest(key)}" for key in keys]


def _title_keys(name: str | None, title: str | None) -> list[str]:
    if not title:
        return []
    keys: list[str] = []
    for text in (title, f"{name} {title}" if name else None):
        if text:
            norm = normalize_title(text)
            if len(norm) >= 15 and norm.count(" ") >= 2:
                keys.append(f"title:{norm}")
    # "Name: Subtitle" also matches an entry listing "Subtitle" under that name; only long
    # subtitles (six words or more) count
    if name and title.startswith(name):
        rest = normalize_title(title[len(name) :])
        if rest.count(" ") >= 5:
            keys.append(f"title:{rest}")
    return keys


def _sort_key(key: str) -> tuple[int, str]:
    return _RANK.get(key.split(":", 1)[0], 99), key


def _public(key: str) -> str:
    kind, _, value = key.partition(":")
    if kind == "title":
        return title_hash_key(value, "sha256")  # a frozen contract (see title_hash_key)
    if kind == "url":
        return f"url:{_digest(value)}"
    return key


def work_keys(rows: Iterable[tuple[str, str | None, str | None, Ids, Sequence[str]]]) -> list[str]:
    """``work_key`` for each ``(entry_id, name, title, ids, urls)`` (union-find over shared keys)."""
    uf = UnionFind()
    per_entry: list[list[str]] = []
    for entry_id, name, title, ids, urls in rows:
        keys = _paper_ids(ids) + _title_keys(name, title)
        if not keys:
            keys = _thing_ids(ids)
        if not keys:
            keys = [f"url:{urls[0].lower().rstrip('/')}"] if urls else [f"entry:{entry_id}"]
        for other in keys[1:]:
            uf.union(keys[0], other)
        per_entry.append(keys)
    best: dict[str, str] = {}
    for keys in per_entry:
        for key in keys:
            root = uf.find(key)
            if root not in best or _sort_key(key) < _sort_key(best[root]):
                best[root] = key
    return [_public(best[uf.find(keys[0])]) for keys in per_entry]


# ------------------------------------------------------------------ carry-over across versions

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
    """The ``entries`` columns :meth:`from_row` reads (the only ones worth turning into dicts)."""

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
