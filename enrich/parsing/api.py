"""Parsing list files and directories into entries (no network)."""

from __future__ import annotations

import dataclasses
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Final, NamedTuple

from enrich.errors import InputError
from enrich.ids import Ids, extract_ids, normalize_title
from enrich.lists import LIST_SUFFIXES, ListSpec, list_files, list_id_problem, load_manifest, shown_path
from enrich.parsing.entry import LOW_CONFIDENCE, Draft, Entry, ListSummary, ParseResult, finalize_kind
from enrich.parsing.keys import assign_entry_ids, entry_identity, work_keys
from enrich.parsing.markdown import parse_markdown_noted
from enrich.parsing.plaintext import parse_plaintext
from enrich.parsing.reader import read_list_text
from enrich.parsing.text import repair_text
from enrich.redact import strip_userinfo

__all__ = [
    "assign_work_keys",
    "count_links",
    "parse_file",
    "parse_file_summarized",
    "parse_paths",
    "parse_text",
    "summarize",
]

# a link a reader follows (not an image or a badge; not an anchor inside the page)
_LINK: Final = re.compile(r"https?://[^\s)\]>\"'|`]+")
_NOT_A_LINK: Final = re.compile(
    r"img\.shields\.io|badge|star-history|api\.star|\.(?:png|jpe?g|gif|svg|webp)(?:[?#]|$)", re.IGNORECASE
)


def count_links(text: str) -> int:
    """Distinct http(s) URLs in a list's text that are not images or badges."""
    found = {u.rstrip(".,;:") for u in _LINK.findall(text)}
    return sum(1 for u in found if _NOT_A_LINK.search(u) is None)


def summarize(list_id: str, text: str, entries: Sequence[Entry]) -> ListSummary:
    """The per-list summary (see :class:`ListSummary`) of ``entries`` parsed from ``text``."""
    return _summary(list_id, count_links(text), entries)


def _summary(list_id: str, links: int, entries: Sequence[Entry]) -> ListSummary:
    shapes = Counter(e.parse_shape or "unknown" for e in entries)
    return ListSummary(
        list_id=list_id,
        entries=len(entries),
        links=links,
        low_confidence=sum(1 for e in entries if (e.parse_confidence or 0.0) < LOW_CONFIDENCE),
        shapes=tuple(sorted(shapes.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def parse_text(text: str, list_id: str, *, plaintext: bool = False) -> list[Entry]:
    """Entries of one list given as text (markdown, or a plain-text rendering when ``plaintext``)."""
    return _finish(_prepare(list_id, _drafts(text, plaintext=plaintext)))


def _drafts(text: str, *, plaintext: bool, notes: list[str] | None = None) -> list[Draft]:
    """The entries of ``text``; what the reader could not read is appended to ``notes``."""
    if "\r" in text or "\x00" in text:  # text not read by read_list_text: line ends as it does
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    text = repair_text(text)
    if plaintext:
        drafts = parse_plaintext(text)
    else:
        drafts, cut = parse_markdown_noted(text)
        if notes is not None:
            notes.extend(cut)
    return [_without_userinfo(d) for d in drafts]


def _without_userinfo(d: Draft) -> Draft:
    """``d`` with ``user:token@`` dropped from every URL (and URL-looking text) before anything is kept."""
    fields = {"urls": d.urls, "name": d.name, "title": d.title, "description": d.description}
    if not any("@" in (v if isinstance(v, str) else " ".join(v)) for v in fields.values() if v):
        return d
    return dataclasses.replace(
        d,
        urls=tuple(strip_userinfo(u) for u in d.urls),
        name=strip_userinfo(d.name) if d.name else d.name,
        title=strip_userinfo(d.title) if d.title else d.title,
        description=strip_userinfo(d.description) if d.description else d.description,
    )


def _read(path: Path) -> tuple[str, bool]:
    suffix = path.suffix.lower()
    if path.exists() and not path.is_dir() and suffix not in LIST_SUFFIXES:
        kinds = ", ".join(sorted(LIST_SUFFIXES))
        raise InputError(str(path), f"unsupported file type '{suffix or path.name}' (lists are {kinds})")
    return read_list_text(path), suffix == ".txt"


def parse_file(path: Path, list_id: str, *, notes: list[str] | None = None) -> list[Entry]:
    """Entries of one list file (``.txt``: plain text; anything else: markdown).

    Raises :class:`InputError` for a file that cannot be used (see :func:`read_list_text`) or whose
    list id is unusable (:func:`enrich.lists.list_id_problem`). Parts of the file that could not be
    read (nesting beyond the parser's cap) are appended to ``notes``, one line each.
    """
    return parse_file_summarized(path, list_id, notes=notes)[0]


def parse_file_summarized(
    path: Path, list_id: str, *, notes: list[str] | None = None
) -> tuple[list[Entry], ListSummary]:
    """:func:`parse_file` and the list's :class:`ListSummary`."""
    _check_list_id(path, list_id)
    text, plaintext = _read(path)
    entries = _finish(_prepare(list_id, _drafts(text, plaintext=plaintext, notes=notes)))
    return entries, summarize(list_id, text, entries)


def _check_list_id(path: Path, list_id: str) -> None:
    problem = list_id_problem(list_id)
    if problem is not None:
        raise InputError(shown_path(path), f"the file name as list id {problem}")


class _Pre(NamedTuple):
    """An entry before its work key is known (work keys need every list parsed together)."""

    entry_id: str
    list_id: str
    draft: Draft
    ids: Ids
    kind: str


def _prepare(list_id: str, drafts: Sequence[Draft]) -> list[_Pre]:
    ids = [extract_ids(d.urls) for d in drafts]
    kinds = [finalize_kind(d, i) for d, i in zip(drafts, ids, strict=True)]
    identities = [
        entry_identity(k, d.name, d.title, i, d.urls) for d, i, k in zip(drafts, ids, kinds, strict=True)
    ]
    texts = [normalize_title(f"{d.name or ''} {d.title or ''}") for d in drafts]
    entry_ids = assign_entry_ids(list_id, identities, [d.section for d in drafts], texts)
    return [
        _Pre(entry_id, list_id, d, i, kind)
        for entry_id, d, i, kind in zip(entry_ids, drafts, ids, kinds, strict=True)
    ]


def _finish(pres: Sequence[_Pre]) -> list[Entry]:
    keys = work_keys((p.entry_id, p.draft.name, p.draft.title, p.ids, p.draft.urls) for p in pres)
    share = _Share()
    return [
        _entry(p.entry_id, p.list_id, p.draft, p.ids, p.kind, k, share)
        for p, k in zip(pres, keys, strict=True)
    ]


_SHARED_INT_BELOW: Final = 4096
_SHARED_INTS: Final[dict[int, int]] = {}


class _Share:
    """One object per value among the entries made together (they live all night: at 100,000 papers
    133,000 of them): a list's repeated sections, venues, author strings, descriptions, names,
    titles and URLs, and (across lists) line numbers and years below :data:`_SHARED_INT_BELOW`
    (28 bytes each as separate ints). Values are unchanged; only duplicates become one object."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}

    def text(self, value: str | None) -> str | None:
        return None if value is None else self._texts.setdefault(value, value)

    def urls(self, urls: tuple[str, ...]) -> tuple[str, ...]:
        shared = tuple(self._texts.setdefault(u, u) for u in urls)
        return urls if all(a is b for a, b in zip(shared, urls, strict=True)) else shared

    @staticmethod
    def number(value: int) -> int:
        return _SHARED_INTS.setdefault(value, value) if 0 <= value < _SHARED_INT_BELOW else value


def _entry(entry_id: str, list_id: str, d: Draft, ids: Ids, kind: str, work_key: str, share: _Share) -> Entry:
    return Entry(
        entry_id=entry_id,
        list_id=sys.intern(list_id),
        line=share.number(d.line),
        section=share.text(d.section),
        kind=sys.intern(kind),
        name=share.text(d.name),
        title=share.text(d.title),
        authors_raw=share.text(d.authors_raw),
        year=None if d.year is None else share.number(d.year),
        venue_raw=share.text(d.venue_raw),
        arxiv_id=ids.arxiv_id,
        arxiv_version=ids.arxiv_version,
        doi=ids.doi,
        pmcid=ids.pmcid,
        pmid=ids.pmid,
        acl_id=ids.acl_id,
        s2_corpus_id=ids.corpus_id,
        github_repo=ids.github_repo,
        hf_id=ids.hf_id,
        hf_kind=ids.hf_kind if ids.hf_kind is None else sys.intern(ids.hf_kind),
        urls=share.urls(d.urls),
        work_key=work_key,
        description=share.text(d.description),
        citation_raw=d.citation_raw,
        parse_shape=sys.intern(d.shape),
        parse_confidence=d.confidence,
    )


def _spec_for_file(path: Path) -> ListSpec:
    """The manifest entry naming ``path`` in its directory, else a spec with the file's stem as id."""
    for spec in load_manifest(path.parent):
        if spec.file == path.name:
            return spec
    return ListSpec(id=path.stem, file=path.name)


def _expand(paths: Sequence[Path], problems: list[InputError]) -> list[tuple[ListSpec, Path]]:
    found: list[tuple[ListSpec, Path]] = []
    for path in paths:
        if path.is_dir():
            try:
                found.extend(list_files(path))
            except InputError as exc:
                problems.append(exc)
        elif not path.exists():
            problems.append(InputError(str(path), "no such file or directory"))
        else:
            try:
                found.append((_spec_for_file(path), path))
            except InputError as exc:
                problems.append(exc)
    unique: list[tuple[ListSpec, Path]] = []
    by_path: set[Path] = set()
    by_id: dict[str, Path] = {}
    for spec, path in found:
        real = path.resolve()
        if real in by_path:
            continue
        by_path.add(real)
        if spec.id in by_id:
            problems.append(
                InputError(str(path), f"list id {spec.id!r} is already used by {by_id[spec.id]}; skipped")
            )
            continue
        by_id[spec.id] = path
        unique.append((spec, path))
    return unique


def parse_paths(paths: Sequence[Path]) -> ParseResult:
    """Entries of every list file among ``paths`` (files and/or directories of lists).

    A path that cannot be used (missing, a directory without lists, binary, not UTF-8, empty, too
    large, a list id used twice) becomes one :class:`InputError` in ``problems``; the others still
    parse. ``work_key`` is computed across all lists parsed together.
    """
    problems: list[InputError] = []
    pres: list[_Pre] = []
    links: list[tuple[str, int]] = []  # (list id, links in its file): the texts are not kept
    for spec, path in _expand(paths, problems):
        try:
            _check_list_id(path, spec.id)
            text, plaintext = _read(path)
        except InputError as exc:
            problems.append(exc)
            continue
        notes: list[str] = []
        pres.extend(_prepare(spec.id, _drafts(text, plaintext=plaintext, notes=notes)))
        problems.extend(InputError(shown_path(path), note) for note in notes)
        links.append((spec.id, count_links(text)))
    entries = _finish(pres)
    by_list: dict[str, list[Entry]] = {}
    for e in entries:
        by_list.setdefault(e.list_id, []).append(e)
    summaries = [_summary(list_id, n, by_list.get(list_id, [])) for list_id, n in links]
    return ParseResult(entries=entries, problems=problems, files=len(links), summaries=summaries)


def assign_work_keys(entries: Sequence[Entry]) -> list[Entry]:
    """``entries`` with ``work_key`` recomputed across all of them (e.g. lists parsed one by one
    with :func:`parse_file`); entries whose key does not change are returned as they are."""
    keys = work_keys((e.entry_id, e.name, e.title, e.ids, e.urls) for e in entries)
    return [
        e if e.work_key == k else dataclasses.replace(e, work_key=k)
        for e, k in zip(entries, keys, strict=True)
    ]
