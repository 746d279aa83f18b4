"""The resolution cache: a title resolved once is not searched again on later nights.

SQLite, one row per (normalised title, year). Stored: the decision (``title`` accepted or ``local``
confidently none), its evidence, the accepted ids and the accepted candidate record. Abstentions and
"none" answers from a night when a source failed are not stored, so they are searched again. A
"none" is trusted for ``none_ttl`` (default 30 days) - a paper not indexed yet may appear later -
while an accepted match is kept for good (title -> id resolutions are immutable facts).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from enrich.ids import Ids, normalize_title
from enrich.records import Author, FetchStatus, WorkRecord
from enrich.resolve.match import TitleMatch, TitleQuery
from enrich.resolve.store import SQLiteStore
from enrich.resolve.types import MatchEvidence, MatchMethod

DEFAULT_NONE_TTL = timedelta(days=30)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS resolutions (
    cache_key TEXT PRIMARY KEY,
    decision TEXT NOT NULL,
    evidence TEXT NOT NULL,
    ids TEXT NOT NULL,
    record TEXT,
    resolved_at TEXT NOT NULL
);
"""


def cache_key(query: TitleQuery) -> str:
    """``<normalised title>|<year or empty>``."""
    return f"{normalize_title(query.title)}|{query.year if query.year is not None else ''}"


def _record_to_json(record: WorkRecord) -> str:
    data = asdict(record)
    data["status"] = record.status.value
    data["fetched_at"] = record.fetched_at.isoformat()
    return json.dumps(data, sort_keys=True)


def _record_from_json(text: str) -> WorkRecord:
    data: dict[str, Any] = json.loads(text)
    data["status"] = FetchStatus(data["status"])
    data["fetched_at"] = datetime.fromisoformat(data["fetched_at"])
    data["authors"] = tuple(Author(**a) for a in data["authors"])
    data["counts_by_year"] = tuple((int(y), int(c)) for y, c in data["counts_by_year"])
    return WorkRecord(**data)


def _evidence_from_json(text: str) -> MatchEvidence:
    data: dict[str, Any] = json.loads(text)
    data["method"] = MatchMethod(data["method"])
    return MatchEvidence(**data)


class ResolutionCache(SQLiteStore):
    """Title -> decision memory across nights. ``path`` may be ``":memory:"`` in tests.

    Every stored decision is committed at once (:meth:`put`), so a failed night keeps what it learnt.
    """

    SCHEMA = _SCHEMA

    def __init__(self, path: Path | str, *, none_ttl: timedelta = DEFAULT_NONE_TTL) -> None:
        super().__init__(path)
        self.none_ttl = none_ttl

    def get(self, query: TitleQuery, *, now: datetime | None = None) -> TitleMatch | None:
        """The stored decision for ``query`` (re-keyed to its ``work_key``), or None."""
        row = self._db.execute(
            "SELECT decision, evidence, ids, record, resolved_at FROM resolutions WHERE cache_key = ?",
            (cache_key(query),),
        ).fetchone()
        if row is None:
            return None
        decision, evidence, ids, record, resolved_at = row
        if decision == MatchMethod.LOCAL.value:
            now = now or datetime.now(UTC)
            if now - datetime.fromisoformat(resolved_at) > self.none_ttl:
                return None
        return TitleMatch(
            work_key=query.work_key,
            evidence=_evidence_from_json(evidence),
            record=_record_from_json(record) if record else None,
            ids=Ids(**json.loads(ids)),
        )

    def put(self, query: TitleQuery, match: TitleMatch, *, now: datetime | None = None) -> bool:
        """Store a cacheable decision (accepted, or a complete "none"); returns whether it was stored."""
        method = match.evidence.method
        cacheable = method is MatchMethod.TITLE or (method is MatchMethod.LOCAL and match.complete)
        if not cacheable:
            return False
        evidence = asdict(match.evidence)
        evidence["method"] = method.value
        self._db.execute(
            "INSERT OR REPLACE INTO resolutions (cache_key, decision, evidence, ids, record, resolved_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                cache_key(query),
                method.value,
                json.dumps(evidence, sort_keys=True),
                json.dumps(asdict(match.ids), sort_keys=True),
                _record_to_json(match.record) if match.record is not None else None,
                (now or datetime.now(UTC)).isoformat(),
            ),
        )
        self.commit()
        return True

    def __len__(self) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM resolutions").fetchone()
        return int(row[0])
