"""Parsing list files and directories into entries (no network)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from enrich.errors import InputError
from enrich.ids import ExtractedIds, extract_ids, normalize_title
from enrich.lists import LIST_SUFFIXES, ListSpec, list_files, load_manifest
from enrich.parsing.entry import Draft, Entry, ParseResult, finalize_kind
from enrich.parsing.keys import assign_entry_ids, entry_identity, work_keys
from enrich.parsing.markdown import parse_markdown
from enrich.parsing.plaintext import parse_plaintext
from enrich.parsing.reader import read_list_text
from enrich.parsing.text import repair_text

__all__ = ["parse_file", "parse_paths", "parse_text"]


def parse_text(text: str, list_id: str, *, plaintext: bool = False) -> list[Entry]:
    """Entries of one list given as text (markdown, or a plain-text rendering when ``plaintext``)."""
    text = repair_text(text)
    drafts = parse_plaintext(text) if plaintext else parse_markdown(text)
    return _entries(list_id, drafts)


def parse_file(path: Path, list_id: str) -> list[Entry]:
    """Entries of one list file (``.txt``: plain text; anything else: markdown).

    Raises :class:`InputError` for a file that cannot be used (see :func:`read_list_text`).
    """
    suffix = path.suffix.lower()
    if path.exists() and not path.is_dir() and suffix not in LIST_SUFFIXES:
        kinds = ", ".join(sorted(LIST_SUFFIXES))
        raise InputError(str(path), f"unsupported file type '{suffix or path.name}' (lists are {kinds})")
    text = read_list_text(path)
    return parse_text(text, list_id, plaintext=suffix == ".txt")


def _entries(list_id: str, drafts: Sequence[Draft]) -> list[Entry]:
    ids = [extract_ids(d.urls) for d in drafts]
    kinds = [finalize_kind(d, i) for d, i in zip(drafts, ids, strict=True)]
    identities = [
        entry_identity(k, d.name, d.title, i, d.urls) for d, i, k in zip(drafts, ids, kinds, strict=True)
    ]
    texts = [normalize_title(f"{d.name or ''} {d.title or ''}") for d in drafts]
    entry_ids = assign_entry_ids(list_id, identities, [d.section for d in drafts], texts)
    keys = work_keys((e, d.name, d.title, i, d.urls) for e, d, i in zip(entry_ids, drafts, ids, strict=True))
    return [
        _entry(entry_id, list_id, d, i, kind, key)
        for entry_id, d, i, kind, key in zip(entry_ids, drafts, ids, kinds, keys, strict=True)
    ]


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
    per_file: list[list[Entry]] = []
    for spec, path in _expand(paths, problems):
        try:
            per_file.append(parse_file(path, spec.id))
        except InputError as exc:
            problems.append(exc)
    entries = [e for chunk in per_file for e in chunk]
    if len({e.list_id for e in entries}) > 1:
        keys = work_keys((e.entry_id, e.name, e.title, _ids(e), e.urls) for e in entries)
        entries = [
            dataclasses.replace(e, work_key=k) if e.work_key != k else e
            for e, k in zip(entries, keys, strict=True)
        ]
    return ParseResult(entries=entries, problems=problems, files=len(per_file))


def _ids(e: Entry) -> ExtractedIds:
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
