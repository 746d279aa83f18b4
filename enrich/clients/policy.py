"""The values a client is tuned with: how it retries (:class:`RetryPolicy`), where it reads the time
(:class:`Clock`) and what a run builds it from (:class:`ClientConfig`); pacing is
:class:`enrich.ratelimit.Pacing`. Defaults chosen from ``docs/apis.md`` (see ``enrich.clients.base``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from enrich.config import Credentials
    from enrich.ratelimit import Pacing

__all__ = [
    "DEFAULT_BACKOFF_BASE",
    "DEFAULT_BACKOFF_MAX",
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_MAX_THROTTLED",
    "DEFAULT_REQUEST_DEADLINE",
    "DEFAULT_TIMEOUT",
    "ClientConfig",
    "ClientOptions",
    "Clock",
    "RetryPolicy",
]

DEFAULT_TIMEOUT = 30.0
"""Seconds per HTTP request (connect + read). GitHub kills GraphQL queries after 10 s and S2/OpenAlex
answer in well under a second; 30 s leaves room for large arXiv feeds (apis.md §1, §7)."""


class ClientOptions(TypedDict, total=False):
    """The keyword options every client takes and hands to ``BaseClient`` (``**options``): how it is
    paced, how it retries, its deadline for the night (seconds), and its clock."""

    pacing: Pacing | None
    retry: RetryPolicy | None
    deadline: float | None
    clock: Clock | None


DEFAULT_MAX_ATTEMPTS = 6
"""One try plus five retries: outlasts a burst of five different faults in a row (500, 502, truncated,
malformed, reset: the API double's ``tests/data/faults_bursts.json``) while backoff stays bounded
(0.5-1 + 1-2 + 2-4 + 4-8 + 8-16 s, at most ~31 s per call). arxiv.py retries 3 times (apis.md §2);
S2's own client up to 10 (apis.md §3)."""

DEFAULT_MAX_THROTTLED = 8
"""429s (and rate-limit 403s) one call may meet before giving up, counted apart from failures: a 429 is
the server pacing us, not failing. S2 answers 429 "below the limit" from its shared pool (s2-folks#84)
and its own client retries them up to 10 times (apis.md §3); the deadline still bounds the call."""

DEFAULT_BACKOFF_BASE = 1.0
DEFAULT_BACKOFF_MAX = 30.0
DEFAULT_REQUEST_DEADLINE = 240.0
"""Upper bound (s) on one logical request, all attempts and waits included: 6 attempts x 30 s timeout
+ ~31 s backoff + a short Retry-After fit; a call never runs longer."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How one logical request is retried (a value: give a client another one to change it).

    ``max_attempts``: tries for failures (timeouts, resets, 5xx, bad bodies); ``max_throttled``: 429s
    (and rate-limit 403s) met on top, the server pacing us rather than failing; ``backoff_base`` /
    ``backoff_max``: exponential backoff with equal jitter; ``request_deadline``: the bound on one
    logical request, every try and wait included.
    """

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    max_throttled: int = DEFAULT_MAX_THROTTLED
    backoff_base: float = DEFAULT_BACKOFF_BASE
    backoff_max: float = DEFAULT_BACKOFF_MAX
    request_deadline: float = DEFAULT_REQUEST_DEADLINE

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait after try ``attempt`` (0-based): between half and all of the capped doubling."""
        cap: float = min(self.backoff_max, self.backoff_base * float(2**attempt))
        return cap / 2 + rng.uniform(0, cap / 2)


@dataclass(frozen=True, slots=True)
class Clock:
    """Where a client reads the time, how it sleeps and draws jitter (tests pass fake ones)."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random | None = None


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """What a run builds every client from (``enrich.clients.Clients.from_config``).

    ``interval_scale`` multiplies each documented minimum interval (0: none, only against the API
    double with its limits off); ``deadline`` is the source's deadline in seconds from now.
    """

    credentials: Credentials
    timeout: float = DEFAULT_TIMEOUT
    deadline: float | None = None
    interval_scale: float = 1.0

    def interval(self, documented: float) -> float:
        return documented * self.interval_scale
