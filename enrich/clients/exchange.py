"""One logical request of a client, as values: its reply, its tries so far, the call in progress.

:class:`enrich.clients.base.BaseClient` runs the request loop over these; they hold no logic of
their own beyond counting tries against the :class:`~enrich.clients.policy.RetryPolicy`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import requests

from enrich.clients.policy import RetryPolicy
from enrich.ratelimit import RateInfo

T = TypeVar("T")


@dataclass(slots=True)
class Reply(Generic[T]):
    """One HTTP exchange, with the decoded body when the status was expected."""

    status: int
    headers: Mapping[str, str]
    url: str
    data: T | None
    from_cache: bool
    history: tuple[int, ...]
    rate: RateInfo = field(default_factory=RateInfo)
    text: str = ""


@dataclass(slots=True)
class _Tries:
    """The tries of one logical request so far."""

    attempts: int = 0
    throttled: int = 0  # 429-style answers: the server pacing us, counted apart from failures
    connection_failures: int = 0
    last_problem: str = "no attempt made"
    last_status: int | None = None
    bad_kind: str | None = None

    def may_try(self, policy: RetryPolicy) -> bool:
        return self.attempts - self.throttled < max(1, policy.max_attempts) and self.throttled <= max(
            0, policy.max_throttled
        )


@dataclass(slots=True)
class _Call:
    """The logical request in progress in one thread, as the transport sees it."""

    deadline: float  # on the client's clock
    min_interval: float | None
    url: str
    tries: _Tries
    sent: int = 0  # requests that reached the network during the current try


@dataclass(frozen=True, slots=True)
class _Outcome:
    response: requests.Response | None
    error: requests.exceptions.RequestException | None
    sent: bool  # False: answered from the cache alone


class _NoTurn(Exception):
    """Waiting for the source's turn would pass the request's deadline (not sent; not an attempt)."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem
