"""Reading one list file safely: size, binary and encoding checks before any parsing."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from enrich.errors import InputError
from enrich.lists import shown_path

__all__ = ["MAX_FILE_BYTES", "read_list_text"]

MAX_FILE_BYTES: Final = 50 * 1024 * 1024  # 50 MiB: far above any real list (the largest here is 60 kB)
_SNIFF: Final = 8192


def _inside_own_directory(path: Path) -> Path:
    """The real path of ``path``; :class:`InputError` if a link takes it out of its directory."""
    if not path.is_symlink():
        return path
    home = path.parent.resolve()
    try:
        real = path.resolve(strict=True)
    except FileNotFoundError:
        raise InputError(shown_path(path), "symbolic link to a missing file; refused") from None
    except (OSError, RuntimeError):
        raise InputError(
            shown_path(path), "symbolic link that cannot be resolved (a loop?); refused"
        ) from None
    if not real.is_relative_to(home):
        raise InputError(shown_path(path), "symbolic link to a file outside the lists directory; refused")
    return real


def read_list_text(path: Path) -> str:
    """The file's text (UTF-8, BOM dropped, newlines normalised to ``\\n``).

    Raises :class:`InputError` naming ``path`` for a missing or unreadable file, a file over
    :data:`MAX_FILE_BYTES` (checked before reading), an empty file, a binary file and a file that
    is not UTF-8, and for a symbolic link whose
    target lies outside the directory the file is listed in: a list can never make the run read,
    and publish, another file of the machine.
    """
    where = shown_path(path)
    path = _inside_own_directory(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise InputError(where, "no such file or directory") from None
    except OSError as exc:
        raise InputError(where, f"cannot read ({exc.strerror or exc})") from None
    if not path.is_file():
        raise InputError(where, "not a regular file")
    if stat.st_size > MAX_FILE_BYTES:
        raise InputError(
            where,
            f"file too large ({stat.st_size / 2**20:.1f} MiB; the limit is {MAX_FILE_BYTES // 2**20} MiB)",
        )
    if stat.st_size == 0:
        raise InputError(where, "empty file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(where, f"cannot read ({exc.strerror or exc})") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(where, "UTF-16 text; lists must be UTF-8")
    if b"\x00" in data[:_SNIFF] or b"\x00" in data:
        raise InputError(where, "binary file (contains NUL bytes), not a text list")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            where, f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(where, "empty file (only whitespace)")
    return text
