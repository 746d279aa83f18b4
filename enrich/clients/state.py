"""What a client knows about its source during a run: counters, and whether (and why) it stopped
asking it (unreachable, key refused, deferred, failing). :class:`enrich.clients.base.BaseClient`
builds on it; every message that leaves here is scrubbed of the client's secrets."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Final
from urllib.parse import urlsplit

from enrich.errors import (
    AuthRejectedError,
    RateLimitedError,
    SourceDeferredError,
    SourceError,
    SourceUnavailableError,
)
from enrich.records import FetchStatus, SourceStats
from enrich.redact import redact_text

__all__ = ["REPORTED_AT_END", "BadBody", "BadBodyError", "SourceState"]

log = logging.getLogger("enrich.clients.base")

REPORTED_AT_END: Final = {"reported_at_end": True}
"""``extra`` of the log line a client writes when it stops asking its source: the run reports each
stopped source once, at the end (``enrich run`` drops these from the terminal)."""


class BadBody(ValueError):
    """A 200 whose body does not decode (truncated, malformed) or is suspect: retried like a 5xx.

    ``kind`` is ``"malformed"`` or ``"empty"`` (a suspiciously empty answer, e.g. arXiv's empty pages:
    dropped from the cache and raised to the caller at once, not retried).
    """

    def __init__(self, message: str, kind: str = "malformed") -> None:
        super().__init__(message)
        self.kind = kind


class BadBodyError(SourceError):
    """Every attempt got a body that did not decode (or stayed suspect); ``kind`` as in :class:`BadBody`."""

    def __init__(
        self, source: str, reason: str, *, status: int | None = None, kind: str = "malformed"
    ) -> None:
        super().__init__(source, reason, status=status)
        self.kind = kind

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_bad_body, (self.source, self.reason, self.status, self.kind))


def _rebuild_bad_body(source: str, reason: str, status: int | None, kind: str) -> BadBodyError:
    return BadBodyError(source, reason, status=status, kind=kind)


@dataclass(slots=True)
class _Counters:
    requests: int = 0
    ok: int = 0
    not_found: int = 0
    errors: int = 0
    deferred: int = 0
    cache_hits: int = 0


class SourceState:
    """Counters and the stop state of one source's client (thread-safe)."""

    source: ClassVar[str] = "base"
    LABEL: ClassVar[str] = "base"
    """The source's name in sentences ("S2 rejected the API key")."""
    CREDENTIAL: ClassVar[str] = "API key"
    _clock: Callable[[], float]

    def _init_state(self, deadline: float | None) -> None:
        self._counters = _Counters()
        self._stats_lock = threading.Lock()
        self._unreachable_message: str | None = None
        self._stopped: tuple[str, str] | None = None  # (auth_rejected | deferred | failing, message)
        self.deadline_s = deadline
        self._deadline_at = self._clock() + deadline if deadline is not None else None

    # -- secrets and stats ---------------------------------------------------------------------

    def _secrets(self) -> list[str]:
        """Raw secret values this client sends; used to scrub any text that leaves the client."""
        return []

    def _clean(self, text: str) -> str:
        return redact_text(text, self._secrets())

    @property
    def stats(self) -> SourceStats:
        c = self._counters
        return SourceStats(
            source=self.source,
            requests=c.requests,
            ok=c.ok,
            not_found=c.not_found,
            errors=c.errors,
            deferred=c.deferred,
            cache_hits=c.cache_hits,
            unreachable=self._unreachable_message is not None,
            message=self._unreachable_message or (self._stopped[1] if self._stopped else None),
            auth_rejected=self._stopped is not None and self._stopped[0] == "auth_rejected",
            stopped="unreachable"
            if self._unreachable_message
            else (self._stopped[0] if self._stopped else None),
            deadline_s=self.deadline_s,
        )

    def absorb(self, other: SourceStats) -> None:
        """Add the counters of this source's fetch done by another process (a fleet worker), and
        take its verdict (unreachable, key rejected, stopped early) when this client has none."""
        with self._stats_lock:
            for name in ("requests", "ok", "not_found", "errors", "deferred", "cache_hits"):
                setattr(self._counters, name, getattr(self._counters, name) + getattr(other, name))
            if other.unreachable and self._unreachable_message is None:
                self._unreachable_message = other.message or f"{self.source}: unreachable"
            elif other.stopped and other.stopped != "unreachable" and self._stopped is None:
                self._stopped = (other.stopped, other.message or f"{self.source}: {other.stopped}")

    @property
    def unreachable(self) -> bool:
        return self._unreachable_message is not None

    def _tally(self, statuses: Iterable[FetchStatus]) -> None:
        c = self._counters
        with self._stats_lock:
            self._tally_locked(c, statuses)

    def _count(self, **deltas: int) -> None:
        with self._stats_lock:
            for name, delta in deltas.items():
                setattr(self._counters, name, getattr(self._counters, name) + delta)

    @staticmethod
    def _tally_locked(c: _Counters, statuses: Iterable[FetchStatus]) -> None:
        for status in statuses:
            if status in (FetchStatus.OK, FetchStatus.MOVED):
                c.ok += 1
            elif status == FetchStatus.NOT_FOUND:
                c.not_found += 1
            elif status == FetchStatus.DEFERRED:
                c.deferred += 1
            elif status in (FetchStatus.ERROR, FetchStatus.RATE_LIMITED, FetchStatus.MISSING):
                c.errors += 1

    def _mark_unreachable(self, url: str, why: str) -> SourceUnavailableError:
        parts = urlsplit(url)
        where = f"{parts.hostname}:{parts.port}" if parts.port else f"{parts.hostname}"
        if self._unreachable_message is None:
            self._unreachable_message = f"{self.source}: unreachable ({why} at {where})"
            log.error("%s", self._unreachable_message, extra=REPORTED_AT_END)
        return SourceUnavailableError(self.source, f"unreachable ({why} at {where})")

    def _reject_auth(self, status: int) -> AuthRejectedError:
        why = f"{self.LABEL} rejected the {self.CREDENTIAL}: HTTP {status}"
        with self._stats_lock:
            if self._stopped is None:
                self._stopped = ("auth_rejected", f"{self.source}: {why}")
                log.error("%s: %s", self.source, why, extra=REPORTED_AT_END)
        return AuthRejectedError(self.source, why, status=status)

    def _defer_rest(
        self, why: str, status: int | None = None, retry_after: float | None = None
    ) -> SourceDeferredError:
        """Stop asking this source tonight: every later request is deferred at once."""
        why = self._clean(why)
        with self._stats_lock:
            if self._stopped is None:
                self._stopped = ("deferred", f"{self.source}: {why}; the rest deferred to the next night")
                log.warning("%s", self._stopped[1], extra=REPORTED_AT_END)
        return SourceDeferredError(self.source, why, status=status, retry_after=retry_after)

    def _stop_failing(self, why: str, status: int | None) -> SourceError:
        """Stop asking a source that failed every attempt of several calls in a row (bad bodies)."""
        why = self._clean(why)
        with self._stats_lock:
            if self._stopped is None:
                self._stopped = ("failing", f"{self.source}: {why}; not asked again tonight")
                log.error("%s", self._stopped[1], extra=REPORTED_AT_END)
        return BadBodyError(self.source, why, status=status)

    def _raise_if_stopped(self) -> None:
        if self._unreachable_message is not None:
            raise SourceUnavailableError(self.source, self._unreachable_message.split(": ", 1)[1])
        if self._stopped is not None:
            kind, message = self._stopped
            why = message.split(": ", 1)[1]
            if kind == "auth_rejected":
                raise AuthRejectedError(self.source, why)
            if kind == "failing":
                raise SourceError(self.source, why)
            raise SourceDeferredError(self.source, why)
        if self._deadline_at is not None and self._clock() >= self._deadline_at:
            raise self._defer_rest(f"deadline of {self.deadline_s:g} s passed")

    def _deadline_left(self) -> float:
        """Seconds until the source's deadline (infinite when it has none)."""
        return float("inf") if self._deadline_at is None else self._deadline_at - self._clock()

    def error_reason(self, exc: BaseException) -> str:
        """A one-line, secret-free reason for a record's ``reason`` field."""
        if isinstance(exc, SourceError):
            code = (
                f" (HTTP {exc.status})"
                if exc.status is not None and f"HTTP {exc.status}" not in exc.reason
                else ""
            )
            return self._clean(f"{exc.reason}{code}")
        return self._clean(f"{type(exc).__name__}: {exc}")

    def failure(self, exc: BaseException) -> tuple[FetchStatus, str]:
        """The status and reason of every key a failed request asked for: ``rate_limited`` when the
        source limited or deferred us (:class:`RateLimitedError`), else ``error``."""
        status = FetchStatus.RATE_LIMITED if isinstance(exc, RateLimitedError) else FetchStatus.ERROR
        return status, self.error_reason(exc)
