"""What every table module shares: the row type, the entry protocol, the fetch status vocabulary."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Final, Protocol

from enrich.records import FetchStatus

Row = dict[str, Any]


NOT_REQUESTED: Final = "not_requested"


# Statuses that mean "the source could not answer tonight" (as opposed to answering "no such item").
FAILED: Final = frozenset(
    s.value for s in (FetchStatus.ERROR, FetchStatus.RATE_LIMITED, FetchStatus.DEFERRED, FetchStatus.MISSING)
)
# How a failed status is reported when several records of one source disagree (most telling first).
FAILURE_ORDER: Final = (
    FetchStatus.NOT_FOUND,
    FetchStatus.ERROR,
    FetchStatus.RATE_LIMITED,
    FetchStatus.DEFERRED,
    FetchStatus.MISSING,
    FetchStatus.MOVED,
)


class EntryLike(Protocol):
    """What table building reads off a parsed entry (``enrich.parsing.Entry`` satisfies it)."""

    @property
    def entry_id(self) -> str: ...
    @property
    def list_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def title(self) -> str | None: ...
    @property
    def name(self) -> str | None: ...
    @property
    def github_repo(self) -> str | None: ...
    @property
    def hf_id(self) -> str | None: ...
    @property
    def hf_kind(self) -> str | None: ...


def failure_status(statuses: Collection[FetchStatus]) -> str:
    for status in FAILURE_ORDER:
        if status in statuses:
            return status.value
    return NOT_REQUESTED


def row_status(fresh: bool, fetch_status: str, carried: bool) -> str:
    if fresh:
        return "ok"
    if fetch_status == FetchStatus.NOT_FOUND.value:
        return "not_found"
    return "stale" if carried else "unavailable"
