"""Pre-flight: every path and setting of a run is checked before its first request.

A bad setting found after the fetch costs a night of API quota and then fails anyway; found here it is
one line naming the setting and what is wrong (``enrich run`` exits 2), and nothing was requested.

Checked here: the snapshot root (``--out`` / ``ENRICH_OUT_DIR``) and the cache directory (``--cache`` /
``ENRICH_CACHE_DIR``) are directories or can be created as such (not a file, not under a file) and are
writable, the cache's own entries have the right kind (``http/`` a directory, ``*.sqlite`` files), and
each disk has room (a warning line below :data:`LOW_DISK_BYTES`). URLs, the contact e-mail and the
credentials are checked by :class:`enrich.settings.Settings` itself; :func:`settings_error` turns its
first complaint into the same one-line form, naming the environment variable.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from enrich.errors import InputError

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = ["LOW_DISK_BYTES", "PathSetting", "check_paths", "settings_error"]

LOW_DISK_BYTES: Final = 512 * 2**20
"""Free space under which a run warns: a night's HTTP cache grows by tens of MiB and a snapshot by a
few MiB, so half a GiB leaves room for several nights while the operator is told to act."""

CACHE_DIRS: Final = ("http",)
"""Entries of the cache directory that must be directories (the HTTP cache, one SQLite file per source)."""
CACHE_FILES: Final = ("resolution.sqlite", "work-ids.sqlite")
"""Entries of the cache directory that must be files (title and id resolution caches)."""


@dataclass(frozen=True, slots=True)
class PathSetting:
    """A directory a run writes to, and the name the user gave it by (``--out`` or ``ENRICH_OUT_DIR``)."""

    name: str
    path: Path


def _existing_ancestor(path: Path) -> Path:
    probe = path
    while not probe.exists() and not probe.is_symlink() and probe != probe.parent:
        probe = probe.parent
    return probe


def check_writable_dir(setting: PathSetting) -> Path:
    """The nearest existing directory at or above the setting's path; :class:`InputError` if unusable.

    Nothing is created: a missing directory is fine when its nearest existing ancestor is a directory
    that can be written to (tested by creating and removing a temporary file, which also catches
    read-only file systems, where permission bits alone would say yes).
    """
    path = setting.path.expanduser()
    absolute = path.resolve()
    probe = _existing_ancestor(absolute)
    if not probe.is_dir():
        if probe == absolute:
            raise InputError(setting.name, f"{path} is a file, not a directory")
        raise InputError(setting.name, f"{path} lies under {probe}, which is a file, not a directory")
    try:
        with tempfile.TemporaryFile(dir=probe, prefix=".enrich-preflight-"):
            pass
    except OSError as exc:
        where = f"{path}" if probe == absolute else f"{path} (cannot create it in {probe})"
        raise InputError(setting.name, f"{where} is not writable ({exc.strerror or exc})") from None
    return probe


def _check_cache_entries(setting: PathSetting) -> None:
    for name in CACHE_DIRS:
        entry = setting.path / name
        if entry.exists() and not entry.is_dir():
            raise InputError(setting.name, f"{entry} is a file; the HTTP cache needs a directory there")
    for name in CACHE_FILES:
        entry = setting.path / name
        if entry.is_dir():
            raise InputError(setting.name, f"{entry} is a directory; the cache needs a file there")


def _disk_warning(setting: PathSetting, probe: Path, low: int) -> str | None:
    try:
        free = shutil.disk_usage(probe).free
    except OSError:
        return None
    if free >= low:
        return None
    return (
        f"warning: {setting.name} {setting.path} is on a disk with {free / 2**20:.0f} MiB free "
        f"(below {low / 2**20:.0f} MiB): the run may fail to write its cache or snapshot"
    )


def check_paths(
    out: PathSetting | None, cache: PathSetting, *, low_disk_bytes: int = LOW_DISK_BYTES
) -> list[str]:
    """Check the snapshot root (``None``: an object store, checked by ``enrich.storage.check_root``)
    and the cache directory; warning lines back, :class:`InputError` raised."""
    warnings: list[str] = []
    for setting in (cache,) if out is None else (out, cache):
        probe = check_writable_dir(setting)
        if setting is cache:
            _check_cache_entries(setting)
        warning = _disk_warning(setting, probe, low_disk_bytes)
        if warning is not None:
            warnings.append(warning)
    return warnings


def settings_error(exc: ValidationError) -> InputError:
    """The first problem pydantic found in the settings, as one line naming the variable.

    The offending value is not repeated (it may be a credential); the message says what is wrong.
    """
    first = exc.errors()[0]
    loc = [str(p) for p in first["loc"]]
    field = loc[0] if loc else "settings"
    from enrich.sources import registered

    specs = registered()
    aliases = {s.credential: s.secret_env for s in specs if s.credential and s.secret_env}
    if field == "roots" and len(loc) > 1:  # a source's root: named by its own variable (ENRICH_S2_URL)
        aliases["roots"] = next((s.url_env for s in specs if s.name == loc[1]), "ENRICH_ROOTS")
    # an upper-case field is an alias already (GITHUB_TOKEN, S2_API_KEY...)
    name = field if field.isupper() else aliases.get(field, "ENRICH_" + "_".join(loc).upper())
    message = str(first["msg"]).removeprefix("Value error, ")
    return InputError(name, " ".join(message.split()))
