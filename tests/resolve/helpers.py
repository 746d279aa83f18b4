"""Small builders shared by the resolution tests (plain values, no mocks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from enrich.ids import ENTRY_ID_COLUMNS, Ids
from enrich.records import Author, FetchStatus, WorkRecord

T0 = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


@dataclass(frozen=True)
class FakeEntry:
    """The fields of enrich.parsing.Entry that resolution reads."""

    entry_id: str
    work_key: str
    kind: str = "paper"
    name: str | None = None
    title: str | None = None
    authors_raw: str | None = None
    year: int | None = None
    venue_raw: str | None = None
    arxiv_id: str | None = None
    doi: str | None = None
    pmcid: str | None = None
    pmid: str | None = None
    acl_id: str | None = None
    s2_corpus_id: int | None = None

    @property
    def ids(self) -> Ids:
        return Ids.of(self, ENTRY_ID_COLUMNS)


def rec(
    source: str,
    key: str,
    title: str | None = None,
    year: int | None = None,
    authors: tuple[str, ...] = (),
    status: FetchStatus = FetchStatus.OK,
    **ids: object,
) -> WorkRecord:
    return WorkRecord(
        source=source,
        key=key,
        status=status,
        fetched_at=T0,
        title=title,
        year=year,
        authors=tuple(Author(name=a) for a in authors),
        **ids,  # type: ignore[arg-type]
    )
