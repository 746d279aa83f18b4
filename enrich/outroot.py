"""The snapshot root: one variable for writers and readers.

``ENRICH_OUT_DIR`` names it (``enrich run``, ``enrich report``, ``enrich.load``); ``ENRICH_OUT``, the
name ``enrich.load`` used first, is still read as an alias when ``ENRICH_OUT_DIR`` is not set.

A root is a local directory or an object-store URL (``s3://bucket/prefix``, see :mod:`enrich.storage`);
``file://...`` names a local directory. :func:`parse_root` gives a :class:`~pathlib.Path` for a local
root and the normalised URL (a ``str``) for an object store: code tells them apart by type.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urlsplit

from enrich.errors import InputError

OUT_ENV: Final = "ENRICH_OUT_DIR"
OUT_ENV_ALIAS: Final = "ENRICH_OUT"
DEFAULT_ROOT: Final = Path("data/enriched")
OBJECT_SCHEMES: Final = ("s3",)
"""URL schemes written through :mod:`enrich.storage` (pyarrow's S3 file system)."""
_URL: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_BUCKET: Final = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_SEGMENT: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._=-]*$")

Root = Path | str
"""A parsed snapshot root: a local directory (``Path``) or an object-store URL (``str``)."""


def is_url(value: str | Path) -> bool:
    return isinstance(value, str) and _URL.match(value) is not None


def parse_root(value: str | Path) -> Root:
    """``value`` as a root: a ``Path``, or ``s3://bucket[/prefix]`` without a trailing slash.

    :class:`~enrich.errors.InputError` (one line) for a URL this code cannot write: another scheme,
    a bucket name S3 would refuse, a query or fragment (bucket settings and credentials come from the
    ``AWS_*`` variables, never from the URL, so none can reach a log or a manifest), user info, or a
    prefix segment that is empty, ``.``/``..`` or holds other characters than letters, digits, ``._=-``.
    """
    if isinstance(value, Path):
        return value
    match = _URL.match(value)
    if match is None:
        return Path(value)
    scheme = match.group(1).lower()
    parts = urlsplit(value)
    if scheme == "file":
        if parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
            raise InputError(value, "not a local file URL (expected file:///absolute/path)")
        return Path(unquote(parts.path))
    if scheme not in OBJECT_SCHEMES:
        known = ", ".join(f"{s}://" for s in (*OBJECT_SCHEMES, "file"))
        raise InputError(value, f"unsupported URL scheme {scheme}:// (a directory, or one of {known})")
    shown = f"{scheme}://{parts.netloc}"
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        raise InputError(shown, "may not hold a query or fragment; bucket settings come from AWS_* variables")
    if "@" in parts.netloc:
        raise InputError(shown, "may not hold user info; credentials come from AWS_* variables")
    if not _BUCKET.match(parts.netloc):
        raise InputError(value, "not a valid bucket name (3-63 lower-case letters, digits, '.', '-')")
    segments = [s for s in parts.path.split("/")]
    while segments and segments[-1] == "":
        segments.pop()
    segments = segments[1:] if segments and segments[0] == "" else segments
    for segment in segments:
        if not _SEGMENT.match(segment):
            raise InputError(value, f"prefix segment {segment!r} is not allowed (letters, digits, '._=-')")
    return "/".join([f"{scheme}://{parts.netloc}", *segments])


def output_root(environ: Mapping[str, str] | None = None) -> Root:
    """``$ENRICH_OUT_DIR``, else ``$ENRICH_OUT``, else ``data/enriched`` (parsed by :func:`parse_root`)."""
    env = os.environ if environ is None else environ
    for name in (OUT_ENV, OUT_ENV_ALIAS):
        value = env.get(name)
        if value:
            return parse_root(value)
    return DEFAULT_ROOT
