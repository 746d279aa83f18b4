"""Refresh the raw lists from their upstream GitHub repositories.

For every list whose manifest entry names an ``upstream`` repository and ``path`` and allows
``refresh``, the file is asked for through the GitHub contents API with a conditional request (the
``ETag`` of the last answer is kept in ``<lists_dir>/history/refresh-state.json``), so an unchanged
list costs a 304 and no quota. Every version fetched is kept, dated, under
``<lists_dir>/history/<list_id>/YYYY-MM-DD.<ext>``. The working copy is replaced (atomically: written
beside it, then renamed) only when the content changed **and** the new version parses. A version
equal to the newest one kept is not stored again.

Offline, or when GitHub is down, the first failure stops further attempts and the checked-in copies
are used; the report carries one clear line saying so. Only the GitHub API host configured for the
client is called: a list's own URLs are never fetched.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from enrich.atomic import atomic_write
from enrich.errors import InputError

UpstreamStatus = Literal["ok", "not_modified", "not_found", "unreachable", "error"]


@dataclass(frozen=True, slots=True)
class UpstreamFile:
    """One answer of the contents API, reduced to what refreshing needs."""

    status: UpstreamStatus
    text: str | None = None
    etag: str | None = None
    message: str | None = None  # for unreachable / error / not_found: one line, no secrets


FetchUpstream = Callable[[str, str, str, str | None], UpstreamFile]
"""``(owner, repo, path, etag) -> UpstreamFile``; never raises for remote failures."""

CheckParses = Callable[[Path, str], int]
"""``(path, list_id) -> number of entries``; raises :class:`InputError` when the file is unusable."""

RefreshStatus = Literal["updated", "unchanged", "skipped", "unreachable", "rejected", "failed"]


@dataclass(frozen=True, slots=True)
class RefreshSpec:
    """The manifest facts refreshing needs about one list (built from ``enrich.lists.ListSpec``)."""

    list_id: str
    file: Path  # the working copy
    upstream: str | None  # "owner/repo"
    path: str | None  # the file inside the upstream repository
    refresh: bool


@dataclass(frozen=True, slots=True)
class RefreshOutcome:
    list_id: str
    status: RefreshStatus
    detail: str = ""
    history_file: Path | None = None


@dataclass(frozen=True, slots=True)
class RefreshReport:
    outcomes: tuple[RefreshOutcome, ...]
    offline_message: str | None = None  # the one line shown when upstream could not be reached

    @property
    def updated(self) -> tuple[str, ...]:
        return tuple(o.list_id for o in self.outcomes if o.status == "updated")

    def count(self, status: RefreshStatus) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


STATE_FILE = "refresh-state.json"
HISTORY_DIR = "history"


def history_dir(lists_dir: Path) -> Path:
    return lists_dir / HISTORY_DIR


def load_state(lists_dir: Path) -> dict[str, dict[str, str]]:
    """``{list_id: {"etag": ..., "checked": "YYYY-MM-DD"}}``; a missing or unreadable file is empty."""
    path = history_dir(lists_dir) / STATE_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}  # a damaged state file only costs one unconditional request per list
    if not isinstance(raw, dict):
        return {}
    return {str(k): {str(a): str(b) for a, b in v.items()} for k, v in raw.items() if isinstance(v, dict)}


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, data)


def save_state(lists_dir: Path, state: dict[str, dict[str, str]]) -> None:
    text = json.dumps(state, indent=2, sort_keys=True) + "\n"
    _write_atomic(history_dir(lists_dir) / STATE_FILE, text.encode("utf-8"))


def refresh_lists(
    lists_dir: Path,
    specs: Sequence[RefreshSpec],
    fetch: FetchUpstream,
    check: CheckParses,
    *,
    today: date,
) -> RefreshReport:
    """Refresh every list in ``specs`` that may be refreshed; see the module docstring."""
    state = load_state(lists_dir)
    outcomes: list[RefreshOutcome] = []
    offline: str | None = None
    for spec in specs:
        if not (spec.refresh and spec.upstream and spec.path and "/" in spec.upstream):
            outcomes.append(RefreshOutcome(spec.list_id, "skipped", "no upstream to refresh from"))
            continue
        if offline is not None:
            outcomes.append(RefreshOutcome(spec.list_id, "unreachable", "kept the checked-in copy"))
            continue
        owner, repo = spec.upstream.split("/", 1)
        known = state.get(spec.list_id, {})
        etag = known.get("etag") if spec.file.exists() else None
        answer = fetch(owner, repo, spec.path, etag)
        if answer.status == "unreachable":
            offline = f"refresh: GitHub unreachable; using the checked-in lists in {lists_dir}"
            outcomes.append(RefreshOutcome(spec.list_id, "unreachable", "kept the checked-in copy"))
            continue
        if answer.status == "not_modified":
            state[spec.list_id] = {**known, "checked": today.isoformat()}
            outcomes.append(RefreshOutcome(spec.list_id, "unchanged", "not modified upstream"))
            continue
        if answer.status != "ok" or answer.text is None:
            outcomes.append(RefreshOutcome(spec.list_id, "failed", answer.message or answer.status))
            continue
        outcomes.append(_apply(lists_dir, spec, answer, check, today))
        entry = {"checked": today.isoformat()}
        if answer.etag:
            entry["etag"] = answer.etag
        state[spec.list_id] = entry
    if any(o.status in {"updated", "unchanged", "rejected"} for o in outcomes) or state:
        save_state(lists_dir, state)
    return RefreshReport(tuple(outcomes), offline)


def _keep_version(folder: Path, name: str, data: bytes) -> Path:
    """Store ``data`` as ``folder/name`` unless the newest stored version already holds it.

    Returns the file that holds this version (an HTTP cache may hand back an unchanged body).
    """
    versions = sorted(folder.glob("????-??-??.*")) if folder.is_dir() else []
    if versions and versions[-1].read_bytes() == data:
        return versions[-1]
    target = folder / name
    _write_atomic(target, data)
    return target


def _apply(
    lists_dir: Path, spec: RefreshSpec, answer: UpstreamFile, check: CheckParses, today: date
) -> RefreshOutcome:
    assert answer.text is not None
    data = answer.text.encode("utf-8")
    suffix = spec.file.suffix or ".md"
    kept = _keep_version(history_dir(lists_dir) / spec.list_id, f"{today.isoformat()}{suffix}", data)
    try:
        current = spec.file.read_bytes()
    except FileNotFoundError:
        current = None
    if current == data:
        return RefreshOutcome(spec.list_id, "unchanged", "same content upstream", kept)
    staged_fd, staged_name = tempfile.mkstemp(
        prefix=f".{spec.file.name}.", suffix=suffix, dir=spec.file.parent
    )
    staged = Path(staged_name)
    try:
        with os.fdopen(staged_fd, "wb") as fh:
            fh.write(data)
        try:
            entries = check(staged, spec.list_id)
        except InputError as exc:
            return RefreshOutcome(
                spec.list_id, "rejected", f"new upstream version does not parse: {exc.problem}", kept
            )
        if entries == 0:
            return RefreshOutcome(spec.list_id, "rejected", "new upstream version has no entries", kept)
        staged.replace(spec.file)
    finally:
        staged.unlink(missing_ok=True)
    return RefreshOutcome(spec.list_id, "updated", f"{entries} entries", kept)
