"""A per-source rate limiter that keeps to a minimum interval and to what the server says.

One :class:`RateLimiter` per source (they never share state). It does two things:

* **pacing**: :meth:`RateLimiter.acquire` sleeps until ``min_interval`` seconds have passed since the
  previous request to that source ended (:meth:`RateLimiter.release`), and until any server-imposed
  pause has ended;
* **listening**: :meth:`RateLimiter.observe` reads the response headers every source sends
  (``Retry-After``; GitHub/OpenAlex ``x-ratelimit-remaining``/``-reset``; Crossref
  ``x-rate-limit-limit``/``-interval``; Hugging Face's IETF-draft ``RateLimit: "api";r=..;t=..``) and
  turns them into a :class:`RateInfo` and, when the quota is spent, a pause before the next request.

Every wait is bounded by ``max_wait``: a pause the server asks for that is longer than the cap is not
slept through; :meth:`acquire` raises :class:`enrich.errors.RateLimitedError` instead, so callers
can mark the remaining items ``rate_limited`` rather than hang (PyGithub sleeping ~855 s on a spent
quota is the cautionary tale: PyGithub/PyGithub#3080). Waits are logged once each: the steady pacing
once per limiter at INFO, each server-imposed pause once at WARNING.

Clock and sleep are injectable so tests run on a fake clock.
"""

from __future__ import annotations

import email.utils
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from enrich.errors import RateLimitedError

log = logging.getLogger(__name__)

DEFAULT_MAX_WAIT = 120.0
"""Longest single wait (seconds) a limiter will sleep through before giving up on the source.

Two minutes covers every per-second/per-minute limit and short ``Retry-After`` values; a longer
pause (GitHub's hourly reset, OpenAlex's daily budget with ``Retry-After`` of ~15 h,
rpatrik96/bibtexupdater#50 via ``docs/apis.md`` §4) means "try tomorrow": the items are
reported ``rate_limited``/``deferred`` instead of holding the nightly run hostage."""

_EPOCH_THRESHOLD = 1_000_000_000.0
"""``x-ratelimit-reset`` values above this are a UTC epoch (GitHub); below, seconds until reset (OpenAlex)."""

_RATELIMIT_ITEM = re.compile(r"(?:^|;)\s*(r|t)\s*=\s*(\d+(?:\.\d+)?)")


@dataclass(frozen=True, slots=True)
class RateInfo:
    """What the response headers said about the quota (``None`` = not said)."""

    remaining: float | None = None
    reset_after: float | None = None  # seconds from now until the quota resets
    retry_after: float | None = None  # seconds from now the server asked us to wait
    limit: float | None = None
    remaining_usd: float | None = None  # OpenAlex's daily dollar budget
    cost_usd: float | None = None  # OpenAlex's price of the request just made


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), never negative.

    >>> parse_retry_after("7")
    7.0
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0)
    10.0
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def _float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


def parse_rate_headers(headers: Mapping[str, str], *, now: float | None = None) -> RateInfo:
    """Read every rate-limit header convention the six sources use into one :class:`RateInfo`.

    ``headers`` must be case-insensitive (``requests``' ``CaseInsensitiveDict``) or lower-case.
    """
    current = time.time() if now is None else now
    retry_after = parse_retry_after(headers.get("retry-after"), now=current)
    remaining = _float(headers.get("x-ratelimit-remaining"))
    if remaining is None:  # older IETF draft as separate headers (OpenAlex list endpoints)
        remaining = _float(headers.get("ratelimit-remaining"))
    limit = _float(headers.get("x-ratelimit-limit") or headers.get("x-rate-limit-limit"))
    reset_after: float | None = None
    reset = _float(headers.get("x-ratelimit-reset") or headers.get("ratelimit-reset"))
    if reset is not None:
        reset_after = max(0.0, reset - current) if reset > _EPOCH_THRESHOLD else max(0.0, reset)
    # IETF draft used by Hugging Face: RateLimit: "api";r=0;t=120 (remaining, seconds to reset)
    draft = headers.get("ratelimit")
    if draft:
        for key, number in _RATELIMIT_ITEM.findall(draft):
            if key == "r" and remaining is None:
                remaining = float(number)
            elif key == "t" and reset_after is None:
                reset_after = float(number)
    return RateInfo(
        remaining=remaining,
        reset_after=reset_after,
        retry_after=retry_after,
        limit=limit,
        remaining_usd=_float(headers.get("x-ratelimit-remaining-usd")),
        cost_usd=_float(headers.get("x-ratelimit-cost-usd")),
    )


@dataclass(frozen=True, slots=True)
class Pacing:
    """How a client paces its requests (a value: give a client another one to change it).

    ``min_interval``: seconds between two requests (``None``: the client's documented one, its
    ``DEFAULT_MIN_INTERVAL`` or what its credential allows). ``max_wait``: the longest single pause it
    sleeps through (a longer server-imposed pause makes the source ``deferred``).
    ``max_connections``: requests in flight at once when callers share the client across threads
    (``None``: the client's ``MAX_CONNECTIONS``).
    """

    min_interval: float | None = None
    max_wait: float = DEFAULT_MAX_WAIT
    max_connections: int | None = None


class RateLimiter:
    """Paces one source's requests and obeys its rate-limit headers; thread-safe.

    ``min_interval``: seconds between two requests (the documented limit, see each client's
    ``DEFAULT_MIN_INTERVAL``). ``max_wait``: the longest single pause it sleeps through.
    ``pause_when_spent=False`` for a source whose ``x-ratelimit-remaining`` counts only *paid* calls
    (OpenAlex: singletons stay free when the daily budget is gone; the client defers the paid ones).
    """

    def __init__(
        self,
        source: str,
        min_interval: float,
        *,
        max_wait: float = DEFAULT_MAX_WAIT,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        pause_when_spent: bool = True,
    ) -> None:
        if min_interval < 0:
            raise ValueError(f"{source}: min_interval must be >= 0, got {min_interval}")
        self.source = source
        self.min_interval = min_interval
        self.max_wait = max_wait
        self.pause_when_spent = pause_when_spent
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last_start: float | None = None
        self._blocked_until: float = 0.0
        self._block_reason: str | None = None
        self._pacing_logged = False
        self.last_info = RateInfo()
        self.total_wait = 0.0

    def acquire(self, *, min_interval: float | None = None) -> float:
        """Wait until a request may be sent; return the seconds waited.

        The slot is reserved under the lock and waited for outside it: a thread waiting for its turn
        never keeps another from reading the limiter (``blocked_for``, ``observe``, ``pause``), and
        threads sharing the limiter get consecutive slots ``min_interval`` apart.

        Raises :class:`RateLimitedError` without sleeping when the server-imposed pause is longer
        than ``max_wait``.
        """
        interval = self.min_interval if min_interval is None else min_interval
        with self._lock:
            now = self._clock()
            due = now
            if self._last_start is not None:
                due = max(due, self._last_start + interval)
            blocked = self._blocked_until > now
            if blocked:
                due = max(due, self._blocked_until)
            wait = due - now
            if wait > self.max_wait:
                raise RateLimitedError(
                    self.source,
                    f"server asked to pause {wait:.0f} s, more than the {self.max_wait:.0f} s cap"
                    + (f" ({self._block_reason})" if self._block_reason else ""),
                    retry_after=wait,
                )
            message: tuple[str, float, str] | None = None
            if wait > 0:
                if blocked and self._block_reason:
                    message = ("%s: pausing %.1f s (%s)", wait, self._block_reason)
                    self._block_reason = None  # logged once
                elif not self._pacing_logged:
                    self._pacing_logged = True
                    log.info("%s: pacing requests at one per %.3g s", self.source, interval)
                self.total_wait += wait
            self._last_start = due  # reserved: the next caller is spaced from this slot
        if message is not None:
            log.warning(message[0], self.source, message[1], message[2])
        if wait > 0:
            self._sleep(wait)  # outside the lock
        return max(wait, 0.0)

    def release(self) -> None:
        """Mark the end of a request: the next one waits ``min_interval`` from *here*.

        Spacing from the previous answer rather than the previous send is stricter: by causality
        the server then sees two requests at least ``min_interval`` apart, whatever the network
        jitter (arXiv's ToU counts what *it* sees, apis.md §1). A slot another thread reserved
        later than now is kept.
        """
        with self._lock:
            now = self._clock()
            self._last_start = now if self._last_start is None else max(self._last_start, now)

    def pause(self, seconds: float, reason: str) -> None:
        """Block requests for ``seconds`` from now (e.g. a 429 with ``Retry-After``)."""
        with self._lock:
            until = self._clock() + max(0.0, seconds)
            if until > self._blocked_until:
                self._blocked_until = until
                self._block_reason = reason

    def observe(self, headers: Mapping[str, str], status: int | None = None) -> RateInfo:
        """Read a response's rate-limit headers; schedule a pause when the quota is spent."""
        info = parse_rate_headers(headers)
        self.last_info = info
        if info.retry_after is not None and (status in (429, 403, 503) or info.retry_after > 0):
            self.pause(info.retry_after, f"Retry-After {info.retry_after:g} s, HTTP {status}")
        elif (
            self.pause_when_spent
            and info.remaining is not None
            and info.remaining <= 0
            and info.reset_after is not None
        ):
            self.pause(info.reset_after, f"quota spent, resets in {info.reset_after:.0f} s")
        return info

    def blocked_for(self) -> float:
        """Seconds until a server-imposed pause ends (0 when none)."""
        with self._lock:
            return max(0.0, self._blocked_until - self._clock())


def utcnow() -> datetime:
    """The ``fetched_at`` stamp: timezone-aware UTC."""
    return datetime.now(UTC)
