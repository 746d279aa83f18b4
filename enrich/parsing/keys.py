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

Entry ids carried over from a list's previous version: :mod:`enrich.parsing.carry_ids`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from enrich.ids import Ids, id_keys, normalize_title
from enrich.ids.title import short_hash, title_hash_key
from enrich.util import UnionFind

__all__ = ["assign_entry_ids", "entry_identity", "work_keys"]

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
    public: dict[str, str] = {}  # one key object per work, however many entries share it
    out: list[str] = []
    for keys in per_entry:
        root = uf.find(keys[0])
        if root not in public:
            public[root] = _public(best[root])
        out.append(public[root])
    return out
