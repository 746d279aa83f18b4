"""The directory of raw lists and its optional manifest, ``lists.toml``.

A list directory holds list files (``.md``, ``.markdown``, ``.txt``) and, optionally, a
``lists.toml`` naming each list::

    ignore = ["NOTES.md"]          # optional: files in the directory that are not lists

    [[list]]
    id = "medllms-practical-guide-2023"   # stable: used in entry ids and snapshots
    file = "medllms-practical-guide-2023.md"
    upstream = "AI-in-Health/MedLLMsPracticalGuide"   # GitHub owner/repo, optional
    path = "README.md"             # the file inside upstream, optional
    refresh = true                 # may the nightly run fetch a newer copy (needs upstream)
    licence = "MIT"
    captured = "2023-11"           # optional, informative

The manifest is optional: a list file it does not name gets its file name's stem as id (the whole
file name if two files share a stem), no upstream and no refresh. Only the directory's top level
is read (``history/`` sub-directories hold dated copies, not lists). Conventional repository
meta files (``SOURCES.md``, ``CONTRIBUTING.md``, ``LICENSE.md``, ...) are not lists.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from enrich.errors import InputError

__all__ = ["LIST_SUFFIXES", "MANIFEST_NAME", "ListSpec", "list_files", "list_id_problem", "load_manifest"]

MANIFEST_NAME: Final = "lists.toml"
LIST_SUFFIXES: Final = frozenset({".md", ".markdown", ".txt"})
# upper-cased stems of repository meta files that sit beside lists but are not lists
META_STEMS: Final = frozenset(
    {"SOURCES", "CONTRIBUTING", "CODE_OF_CONDUCT", "LICENSE", "LICENCE", "CHANGELOG", "SECURITY", "NOTICE"}
)
_LIST_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_UNSAFE_IN_ID: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029/\\]")
MAX_ID_LENGTH: Final = 128
_UPSTREAM: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")


def list_id_problem(list_id: str) -> str | None:
    """What makes ``list_id`` unusable (ids go into entry ids, file paths and one-line reports), or None.

    Ids taken from file names may hold spaces or accents, but never a control character (a newline
    would forge report lines), a path separator or more than :data:`MAX_ID_LENGTH` characters.

    >>> list_id_problem("awesome-llm")
    >>> list_id_problem("bad\\nid")
    'contains a control character or a path separator'
    """
    if not list_id.strip():
        return "is empty"
    if _UNSAFE_IN_ID.search(list_id):
        return "contains a control character or a path separator"
    if len(list_id) > MAX_ID_LENGTH:
        return f"is longer than {MAX_ID_LENGTH} characters"
    return None


def shown_path(path: Path) -> str:
    """``path`` as one printable line: control characters escaped (a file name may hold a newline)."""
    text = str(path)
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


@dataclass(frozen=True, slots=True)
class ListSpec:
    """One list: its stable id, its file in the list directory and where it comes from."""

    id: str
    file: str
    upstream: str | None = None  # GitHub "owner/repo"
    path: str | None = None  # the file inside upstream
    refresh: bool = False
    licence: str | None = None
    captured: str | None = None


def _opt_str(value: object, field: str, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InputError(where, f"{field} must be a non-empty string")
    return value.strip()


def _spec_from_table(table: object, where: str) -> ListSpec:
    if not isinstance(table, dict):
        raise InputError(where, "each [[list]] must be a table")
    unknown = set(table) - {"id", "file", "upstream", "path", "refresh", "licence", "captured"}
    if unknown:
        raise InputError(where, f"unknown key(s) {', '.join(sorted(unknown))}")
    list_id = _opt_str(table.get("id"), "id", where)
    file = _opt_str(table.get("file"), "file", where)
    if list_id is None or file is None:
        raise InputError(where, "every [[list]] needs id and file")
    if not _LIST_ID.match(list_id):
        raise InputError(where, f"list id {list_id!r} must be letters, digits, '.', '_' or '-'")
    if Path(file).name != file:
        raise InputError(where, f"file {file!r} must be a file name in the list directory, not a path")
    upstream = _opt_str(table.get("upstream"), "upstream", where)
    if upstream is not None and not _UPSTREAM.match(upstream):
        raise InputError(where, f"upstream {upstream!r} must be a GitHub owner/repo")
    refresh = table.get("refresh", False)
    if not isinstance(refresh, bool):
        raise InputError(where, "refresh must be true or false")
    if refresh and upstream is None:
        raise InputError(where, f"list {list_id!r} has refresh = true but no upstream")
    return ListSpec(
        id=list_id,
        file=file,
        upstream=upstream,
        path=_opt_str(table.get("path"), "path", where),
        refresh=refresh,
        licence=_opt_str(table.get("licence"), "licence", where),
        captured=_opt_str(table.get("captured"), "captured", where),
    )


def _read_manifest(lists_dir: Path) -> tuple[list[ListSpec], frozenset[str]]:
    path = lists_dir / MANIFEST_NAME
    if not path.is_file():
        return [], frozenset()
    where = str(path)
    if path.is_symlink() and not path.resolve().is_relative_to(lists_dir.resolve()):
        raise InputError(where, "symbolic link to a file outside the lists directory; refused")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(where, f"unreadable manifest ({exc})") from exc
    tables = data.get("list", [])
    if not isinstance(tables, list):
        raise InputError(where, "'list' must be an array of tables ([[list]])")
    ignore = data.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(x, str) for x in ignore):
        raise InputError(where, "'ignore' must be an array of file names")
    specs = [_spec_from_table(t, where) for t in tables]
    seen_ids: set[str] = set()
    seen_files: set[str] = set()
    for spec in specs:
        if spec.id in seen_ids:
            raise InputError(where, f"list id {spec.id!r} is used twice")
        if spec.file in seen_files:
            raise InputError(where, f"file {spec.file!r} is named twice")
        seen_ids.add(spec.id)
        seen_files.add(spec.file)
    return specs, frozenset(ignore)


def _is_list_file(path: Path, ignore: frozenset[str]) -> bool:
    return (
        path.suffix.lower() in LIST_SUFFIXES
        and path.name not in ignore
        and path.stem.upper() not in META_STEMS
        and not path.name.startswith(".")
    )


def load_manifest(lists_dir: Path) -> list[ListSpec]:
    """Every list of ``lists_dir``: the manifest's entries, then unnamed list files (sorted by name).

    Manifest entries whose file is absent are kept (callers decide; :func:`list_files` skips
    them). Raises :class:`InputError` for a malformed manifest.
    """
    specs, ignore = _read_manifest(lists_dir)
    named = {s.file for s in specs}
    used_ids = {s.id for s in specs}
    extra: list[ListSpec] = []
    if lists_dir.is_dir():
        candidates = sorted(
            p for p in lists_dir.iterdir() if p.is_file() and p.name not in named and _is_list_file(p, ignore)
        )
        for p in candidates:
            list_id = p.stem if p.stem not in used_ids else p.name
            used_ids.add(list_id)
            extra.append(ListSpec(id=list_id, file=p.name))
    return specs + extra


def list_files(lists_dir: Path) -> list[tuple[ListSpec, Path]]:
    """``(spec, path)`` for every list file present in ``lists_dir``, manifest applied.

    Raises :class:`InputError` if the directory is missing or holds no list file.
    """
    if not lists_dir.is_dir():
        raise InputError(str(lists_dir), "not a directory")
    found = [(spec, lists_dir / spec.file) for spec in load_manifest(lists_dir)]
    present = [(spec, path) for spec, path in found if path.is_file()]
    if not present:
        suffixes = ", ".join(sorted(LIST_SUFFIXES))
        raise InputError(str(lists_dir), f"no list files ({suffixes}) in this directory")
    return present
