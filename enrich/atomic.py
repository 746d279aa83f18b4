"""Durable atomic file writes: the one way the project replaces a file.

A reader sees the old file or the whole new one, never a part, and a crash at any point leaves the
old file in place: the data goes to a temporary file beside the target (same directory, so the rename
stays on one file system), is flushed and fsynced, renamed over the target, then the directory is
fsynced so the rename itself survives a power cut. The temporary file is named
``.<name>.tmp-<8 hex>`` (hidden; :func:`enrich.snapshot.recover` removes a manifest's leftover one)
and is removed on any failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_write", "fsync_dir"]


def fsync_dir(path: Path) -> None:
    """fsync a directory, so that renames and new files in it are durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes | Callable[[BinaryIO], object], *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` (bytes, or a function writing into the open binary file).

    ``mode``: the new file's permission bits (default: as ``open`` creates files). The parent
    directory must exist. Raises what the file system raises (``OSError``) or the writer raises.
    """
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        with open(tmp, "wb") as fh:
            if mode is not None:
                os.fchmod(fh.fileno(), mode)
            if isinstance(data, bytes):
                fh.write(data)
            else:
                data(fh)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)
