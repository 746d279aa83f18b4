"""Stable work ids: derive one from the strongest identifier, remember it for every identifier.

``work_id_for`` is pure and deterministic. Its order puts the arXiv id first
(arxiv > doi > pmid > pmcid > acl > corpus id > openalex > normalised-title hash) because the common
change in curated lists is a preprint that later gains its published DOI: with arXiv first that work
keeps its id even without any memory. The reverse change (a published paper later found to have a
preprint) would change a derived id, so :class:`WorkIdMap` - a small SQLite table passed to
:func:`enrich.resolve.cluster.resolve_works` - remembers, for every identifier a work ever carried,
the id it was first given; a work reuses that id on later nights whatever ids it gains. When two
works merge (a crosswalk discovered they are one), the earliest-assigned id wins and the others are
kept as aliases.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from enrich.ids import ID_ORDER, ID_PREFIX, Ids, normalize_title
from enrich.ids.title import title_hash_key
from enrich.resolve.store import SQLiteStore


def title_key(title: str) -> str | None:
    """``title:<16 hex>`` (SHA-1, a frozen contract: :func:`enrich.ids.title.title_hash_key`) from the
    normalised title; None for an empty title."""
    norm = normalize_title(title)
    if not norm:
        return None
    return title_hash_key(norm, "sha1")


def work_id_for(ids: Ids, title: str | None) -> str:
    """The derived work id: the first identifier in :data:`ID_ORDER`, else the title hash.

    >>> work_id_for(Ids(arxiv_id="1706.03762", doi="10.5555/x"), None)
    'arxiv:1706.03762'
    """
    for name in ID_ORDER:
        value = getattr(ids, name)
        if value is not None:
            return f"{ID_PREFIX[name]}:{value}"
    key = title_key(title or "")
    if key is None:
        raise ValueError("work_id_for: a work needs an identifier or a non-empty title")
    return key


_SCHEMA = """
CREATE TABLE IF NOT EXISTS work_ids (
    id_key TEXT PRIMARY KEY,
    work_id TEXT NOT NULL,
    seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS work_aliases (
    old_id TEXT PRIMARY KEY,
    work_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS work_ids_by_work_id ON work_ids (work_id);
CREATE INDEX IF NOT EXISTS work_ids_by_seq ON work_ids (seq);
"""


class WorkIdMap(SQLiteStore):
    """Identifier -> work id memory on SQLite (``":memory:"`` for tests).

    ``assign`` is called once per work per run with that work's identifier keys (and, for works
    with no identifier, their title keys) and the id the work would get by derivation.

    One transaction per run: what ``assign`` writes becomes durable when the map is closed without
    an exception (leaving the ``with`` block normally, or :meth:`close`); an exception inside the
    ``with`` block rolls the night's assignments back, so a failed run leaves the map as it found it.
    Every look-up is indexed (``id_key`` is the primary key, ``work_id`` and ``seq`` have indexes).
    """

    SCHEMA = _SCHEMA

    def __init__(self, path: Path | str) -> None:
        super().__init__(path)
        self._claimed: set[str] = set()
        row = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM work_ids").fetchone()
        self._seq = int(row[0])

    def start_run(self) -> None:
        """Forget which ids this run has handed out (called by ``resolve_works``)."""
        self._claimed = set()

    def _known(self, keys: Iterable[str]) -> list[tuple[str, int]]:
        found: dict[str, int] = {}
        for key in keys:
            row = self._db.execute("SELECT work_id, seq FROM work_ids WHERE id_key = ?", (key,)).fetchone()
            if row is not None:
                wid, seq = str(row[0]), int(row[1])
                found[wid] = min(seq, found.get(wid, seq))
        return sorted(found.items(), key=lambda kv: (kv[1], kv[0]))

    def assign(self, keys: Iterable[str], derived: str, *, fallback_keys: Iterable[str] = ()) -> str:
        """The work id for a work with identifier ``keys``: remembered if any key is known, else derived.

        ``fallback_keys`` (title keys of the work's title-only entries) are consulted only when no
        identifier key is known; they let a title-only work keep its id once it resolves.
        """
        keys = list(keys)
        known = [kv for kv in self._known(keys) if kv[0] not in self._claimed]
        if not known:
            known = [kv for kv in self._known(fallback_keys) if kv[0] not in self._claimed]
        if known:
            work_id = known[0][0]
            for old, _ in known[1:]:
                self._db.execute(
                    "INSERT OR REPLACE INTO work_aliases (old_id, work_id) VALUES (?, ?)", (old, work_id)
                )
        else:
            work_id = derived
            n = 2
            while work_id in self._claimed or self._taken(work_id):
                work_id = f"{derived}~{n}"
                n += 1
        self._claimed.add(work_id)
        seq = self._next_seq()
        for key in keys or list(fallback_keys):
            self._db.execute(
                "INSERT INTO work_ids (id_key, work_id, seq) VALUES (?, ?, ?) "
                "ON CONFLICT(id_key) DO UPDATE SET work_id = excluded.work_id "
                "WHERE work_ids.work_id != excluded.work_id",
                (key, work_id, seq),
            )
        return work_id

    def _taken(self, work_id: str) -> bool:
        row = self._db.execute("SELECT 1 FROM work_ids WHERE work_id = ? LIMIT 1", (work_id,)).fetchone()
        return row is not None

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def aliases(self) -> Mapping[str, str]:
        """Retired work id -> the id it was merged into."""
        rows = self._db.execute("SELECT old_id, work_id FROM work_aliases ORDER BY old_id").fetchall()
        return {str(a): str(b) for a, b in rows}
