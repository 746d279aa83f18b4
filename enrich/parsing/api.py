"""Parsing list files and directories into entries (no network)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from enrich.errors import InputError
from enrich.ids import ExtractedIds, extract_ids, normalize_title
from enrich.lists import LIST_SUFFIXES, ListSpec, list_files, list_id_problem, load_manifest, shown_path
from enrich.parsing.entry import Draft, Entry, ParseResult, finalize_kind
from enrich.parsing.keys import assign_entry_ids, entry_identity, work_keys
from enrich.parsing.markdown import parse_markdown_noted
from enrich.parsing.plaintext import parse_plaintext
from enrich.parsing.reader import read_list_text
from enrich.parsing.text import repair_text
from enrich.redact import strip_userinfo

__all__ = ["assign_work_keys", "parse_file", "parse_paths", "parse_text"]


def parse_text(text: str, list_id: str, *, plaintext: bool = False) -> list[Entry]:
    """Entries of one list given as text (markdown, or a plain-text rendering when ``plaintext``)."""
    return _finish(_prepare(list_id, _drafts(text, plaintext=plaintext)))


def _drafts(text: str, *, plaintext: bool, notes: list[str] | None = None) -> list[Draft]:
    """The entries of ``text``; what the reader could not read is appended to ``notes``."""
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
    _check_list_id(path, list_id)
    text, plaintext = _read(path)
    return _finish(_prepare(list_id, _drafts(text, plaintext=plaintext, notes=notes)))


def _check_list_id(path: Path, list_id: str) -> None:
    problem = list_id_problem(list_id)
    if problem is not None:
        raise InputError(shown_path(path), f"the file name as list id {problem}")


class _Pre(NamedTuple):
    """An entry before its work key is known (work keys need every list parsed together)."""

    entry_id: str
    list_id: str
    draft: Draft
    ids: ExtractedIds
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
    return [_entry(p.entry_id, p.list_id, p.draft, p.ids, p.kind, k) for p, k in zip(pres, keys, strict=True)]


def _entry(entry_id: str, list_id: str, d: Draft, ids: ExtractedIds, kind: str, work_key: str) -> Entry:
    return Entry(
        entry_id=entry_id,
        list_id=list_id,
        line=d.line,
        section=d.section,
        kind=kind,
        name=d.name,
        title=d.title,
        authors_raw=d.authors_raw,
        year=d.year,
        venue_raw=d.venue_raw,
        arxiv_id=ids.arxiv_id,
        arxiv_version=ids.arxiv_version,
        doi=ids.doi,
        pmcid=ids.pmcid,
        pmid=ids.pmid,
        acl_id=ids.acl_id,
        s2_corpus_id=ids.s2_corpus_id,
        github_repo=ids.github_repo,
        hf_id=ids.hf_id,
        hf_kind=ids.hf_kind,
        urls=d.urls,
        work_key=work_key,
        description=d.description,
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
    files = 0
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
        files += 1
    return ParseResult(entries=_finish(pres), problems=problems, files=files)


def assign_work_keys(entries: Sequence[Entry]) -> list[Entry]:
    """``entries`` with ``work_key`` recomputed across all of them (e.g. lists parsed one by one
    with :func:`parse_file`); entries whose key does not change are returned as they are."""
    keys = work_keys((e.entry_id, e.name, e.title, _ids_of(e), e.urls) for e in entries)
    return [
        e if e.work_key == k else dataclasses.replace(e, work_key=k)
        for e, k in zip(entries, keys, strict=True)
    ]


def _ids_of(e: Entry) -> ExtractedIds:
    return ExtractedIds(
        arxiv_id=e.arxiv_id,
        arxiv_version=e.arxiv_version,
        doi=e.doi,
        pmcid=e.pmcid,
        pmid=e.pmid,
        acl_id=e.acl_id,
        s2_corpus_id=e.s2_corpus_id,
        github_repo=e.github_repo,
        hf_kind=e.hf_kind,
        hf_id=e.hf_id,
    )
