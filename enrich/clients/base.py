"""What every source client shares: one request loop with pacing, bounded retries and a deadline.

Why a small loop of our own rather than tenacity: the loop has to (1) ask the per-source
:class:`~enrich.ratelimit.RateLimiter` before every send and feed it every response's headers,
(2) tell a dead source (connection refused, DNS failure: give up at once and fail the rest fast) from a
flaky one (timeouts, resets, 429, 5xx: back off and retry), (3) turn a ``Retry-After`` longer than the
cap into ``rate_limited`` instead of sleeping, (4) drop a malformed body from the HTTP cache before
retrying, and (5) run on an injectable clock in tests. Expressing that through tenacity's
stop/wait/retry callbacks would spread one decision table over four closures; ~80 lines here keep it
in one place.

Policy (defaults chosen from ``docs/apis.md``):

* retried: HTTP 429, 5xx, timeouts, connection resets, truncated or malformed bodies; 403 only when it
  carries rate-limit signals (GitHub/OpenAlex answer a spent quota with 403, §4, §6);
* not retried: other 4xx (a 400/404/451 is an answer, returned to the caller);
* backoff: exponential from ``backoff_base`` doubling to ``backoff_max`` with "equal jitter"
  (half fixed, half random); Semantic Scholar's terms *require* exponential backoff (§3);
* a ``Retry-After`` is honoured (GitHub docs: "wait that long", §6) unless longer than ``max_wait``;
* ``request_deadline`` bounds one logical request including all retries and waits: no call hangs;
* ``deadline`` (the source's deadline for the night, :data:`enrich.config.SOURCE_POLICY`) bounds them
  all: no send, wait or retry runs past it. When it passes, or the source rate-limits us beyond what
  the loop may wait (``Retry-After`` past the cap or the deadline, a spent quota, still 429 after every
  retry), the client stops asking the source for the rest of the run (``stats.stopped``);
* a credential the source refuses (401, or 403 without rate-limit signals, with a key/token set; see
  ``AUTH_REJECTED_STATUSES``) stops the source too, named as such ("S2 rejected the API key").
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final, Generic, TypeVar
from urllib.parse import unquote, urljoin, urlsplit

import requests

from enrich.errors import (
    AuthRejectedError,
    OutsideApiError,
    RateLimitedError,
    SourceDeferredError,
    SourceError,
    SourceUnavailableError,
)
from enrich.http import is_cached_response, register_secrets
from enrich.ratelimit import DEFAULT_MAX_WAIT, RateInfo, RateLimiter
from enrich.records import FetchStatus, SourceStats
from enrich.redact import redact_text, sanitize_url

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_TIMEOUT = 30.0
"""Seconds per HTTP request (connect + read). GitHub kills GraphQL queries after 10 s and S2/OpenAlex
answer in well under a second; 30 s leaves room for large arXiv feeds (apis.md §1, §7)."""

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

CONNECT_TIMEOUTS = 2
"""Connect timeouts within one logical request after which the source is declared unreachable: a host
that accepts no connection twice in a row is black-holed, and waiting out every retry of every batch
would cost the nightly run many minutes per source for nothing."""

UNREACHABLE_AFTER = 3
"""Logical requests in a row that exhausted every retry (timeouts, resets, 5xx) before the source is
declared unreachable, so a broken server costs three calls, not one per item (a refused connection or
a DNS failure declares it at once)."""


_DEFAULT_PORTS = {"http": 80, "https": 443}


def outside_reason(url: str, base_url: str) -> str | None:
    """Why ``url`` would leave ``base_url`` (scheme, host, port, path prefix), or ``None`` if it stays.

    The path is judged as a server would see it: a ``.``/``..`` segment, raw or percent-encoded
    (``%2e%2e``), a backslash or a control character is refused outright, since HTTP libraries and
    servers collapse or reinterpret them; otherwise the path must be the base's path or below it.

    >>> outside_reason("https://api.x.org/v1/works/a", "https://api.x.org/v1")
    >>> outside_reason("https://api.x.org/v1/../github/repos", "https://api.x.org/v1")
    "path has a '.' or '..' segment"
    >>> outside_reason("https://evil.org/v1/works", "https://api.x.org/v1")
    'host evil.org is not api.x.org'
    """
    base, target = urlsplit(base_url), urlsplit(url)
    scheme = target.scheme.lower()
    if scheme != base.scheme.lower():
        return f"scheme {scheme or '(none)'} is not {base.scheme.lower()}"
    try:
        port, base_port = target.port, base.port
    except ValueError:
        return "port is not a number"
    host, base_host = (target.hostname or ""), (base.hostname or "")
    if host != base_host:
        return f"host {host or '(none)'} is not {base_host}"
    if (port or _DEFAULT_PORTS.get(scheme)) != (base_port or _DEFAULT_PORTS.get(scheme)):
        return f"port {port} is not {base_port}"
    if target.username is not None or target.password is not None:
        return "URL carries user info"
    raw = target.path
    for path in (raw, unquote(raw)):
        if any(part in (".", "..") for part in path.split("/")):
            return "path has a '.' or '..' segment"
        if "\\" in path or any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
            return "path has a backslash or a control character"
    prefix = base.path.rstrip("/")
    if raw != prefix and not raw.startswith(prefix + "/"):
        return f"path is not under {prefix or '/'}"
    return None


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
class Reply(Generic[T]):
    """One HTTP exchange, with the decoded body when the status was expected."""

    status: int
    headers: Mapping[str, str]
    url: str
    data: T | None
    from_cache: bool
    history: tuple[int, ...]
    final_path: str
    rate: RateInfo = field(default_factory=RateInfo)
    text: str = ""


@dataclass(slots=True)
class _Counters:
    requests: int = 0
    ok: int = 0
    not_found: int = 0
    errors: int = 0
    deferred: int = 0
    cache_hits: int = 0


def _root_cause(exc: BaseException) -> BaseException:
    seen: set[int] = set()
    cur: BaseException = exc
    while id(cur) not in seen:
        seen.add(id(cur))
        nxt = getattr(cur, "reason", None)
        if isinstance(nxt, BaseException):
            cur = nxt
            continue
        if cur.__cause__ is not None:
            cur = cur.__cause__
            continue
        if cur.args and isinstance(cur.args[0], BaseException):
            cur = cur.args[0]
            continue
        break
    return cur


def classify_connection_error(exc: requests.exceptions.RequestException) -> str | None:
    """``"connection refused"`` / ``"DNS lookup failed"`` for a definitive failure, else ``None``."""
    if isinstance(exc, requests.exceptions.Timeout):
        return None
    cause = _root_cause(exc)
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    name = type(cause).__name__
    text = str(cause)
    if (
        name == "NameResolutionError"
        or "Name or service not known" in text
        or "nodename nor servname" in text
    ):
        return "DNS lookup failed"
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    return None


class BaseClient:
    """Shared machinery; subclasses set :attr:`source` and :attr:`DEFAULT_MIN_INTERVAL`."""

    source: ClassVar[str] = "base"
    DEFAULT_MIN_INTERVAL: ClassVar[float] = 1.0
    MAX_CONNECTIONS: ClassVar[int] = 1
    """Requests in flight at once when callers share the client across threads (1 = serial)."""
    LABEL: ClassVar[str] = "base"
    """The source's name in sentences ("S2 rejected the API key")."""
    CREDENTIAL: ClassVar[str] = "API key"
    AUTH_REJECTED_STATUSES: ClassVar[frozenset[int]] = frozenset()
    """Statuses that mean "your credential is refused" when one is set (and no rate-limit signal)."""

    def __init__(
        self,
        base_url: str,
        session: requests.Session | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        min_interval: float | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        max_throttled: int = DEFAULT_MAX_THROTTLED,
        backoff_base: float = DEFAULT_BACKOFF_BASE,
        backoff_max: float = DEFAULT_BACKOFF_MAX,
        max_wait: float = DEFAULT_MAX_WAIT,
        request_deadline: float = DEFAULT_REQUEST_DEADLINE,
        deadline: float | None = None,
        max_connections: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session if session is not None else requests.Session()
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.max_throttled = max(0, max_throttled)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.request_deadline = request_deadline
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        interval = self.DEFAULT_MIN_INTERVAL if min_interval is None else min_interval
        self.limiter = RateLimiter(self.source, interval, max_wait=max_wait, clock=clock, sleep=sleep)
        self._counters = _Counters()
        self._stats_lock = threading.Lock()
        self._unreachable_message: str | None = None
        self._stopped: tuple[str, str] | None = None  # (auth_rejected | deferred | failing, message)
        self.deadline_s = deadline
        self._deadline_at = clock() + deadline if deadline is not None else None
        self._failed_in_a_row = 0
        self._connections = threading.BoundedSemaphore(max(1, max_connections or self.MAX_CONNECTIONS))
        register_secrets(self._secrets())

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

    # -- the request loop ----------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def _target(self, path: str) -> str:
        """The URL ``path`` asks for, checked to stay under :attr:`base_url` (else :class:`OutsideApiError`).

        A relative path may not carry a query or fragment of its own: every parameter goes through
        ``params`` (encoded by requests), so a value inside a path can never add one.
        """
        absolute = path.startswith(("http://", "https://"))
        if not absolute and ("?" in path or "#" in path):
            raise OutsideApiError(self.source, "refused to send: a path carries '?' or '#' (not sent)")
        url = path if absolute else self.url(path)
        self._check_inside(url)
        return url

    def _check_inside(self, url: str) -> None:
        why = outside_reason(url, self.base_url)
        if why is not None:
            log.error("%s: refused a request outside %s: %s", self.source, sanitize_url(self.base_url), why)
            raise OutsideApiError(self.source, f"refused to send a request outside the API ({why})")

    def _redirect_guard(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        """Response hook: a redirect whose target leaves the base URL is refused before it is followed."""
        location = response.headers.get("Location")
        if response.is_redirect and location:
            self._check_inside(urljoin(response.url, location))
        return response

    def _backoff(self, attempt: int) -> float:
        cap: float = min(self.backoff_max, self.backoff_base * float(2**attempt))
        return cap / 2 + self._rng.uniform(0, cap / 2)

    def _send(
        self, method: str, url: str, timeout: float, kwargs: dict[str, Any], cached_only: bool
    ) -> requests.Response:
        if cached_only:
            cached_session: Any = self.session  # a requests-cache CachedSession
            return cached_session.request(method, url, timeout=timeout, only_if_cached=True, **kwargs)  # type: ignore[no-any-return]
        return self.session.request(method, url, timeout=timeout, **kwargs)

    def _is_cached_session(self) -> bool:
        return hasattr(self.session, "cache") and hasattr(self.session, "settings")

    def _drop_from_cache(self, response: requests.Response) -> None:
        cache = getattr(self.session, "cache", None)
        if cache is not None and response.request is not None:
            cache.delete(requests=[response.request])

    def request(
        self,
        method: str,
        path: str,
        *,
        decode: Callable[[requests.Response], T],
        ok: Iterable[int] = (200,),
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        min_interval: float | None = None,
        allow_redirects: bool = True,
    ) -> Reply[T]:
        """Send one logical request with pacing, retries and a deadline; decode expected statuses.

        Returns the reply for an expected status (``ok``) or a non-retryable 4xx (``data`` None).
        Raises :class:`SourceUnavailableError` (source dead), :class:`AuthRejectedError` (key refused),
        :class:`SourceDeferredError` (a :class:`RateLimitedError`: told to wait longer than the cap or
        the deadline, still limited after every retry, or the deadline passed; the source is not asked
        again tonight) or :class:`SourceError`.
        """
        self._raise_if_stopped()
        try:
            return self._request(
                method,
                path,
                decode=decode,
                ok=ok,
                params=params,
                json=json,
                data=data,
                headers=headers,
                min_interval=min_interval,
                allow_redirects=allow_redirects,
            )
        except SourceDeferredError:
            raise
        except RateLimitedError as exc:
            raise self._defer_rest(f"rate limited: {exc.reason}", exc.status, exc.retry_after) from None

    def _request(
        self,
        method: str,
        path: str,
        *,
        decode: Callable[[requests.Response], T],
        ok: Iterable[int],
        params: Mapping[str, str | int] | None,
        json: Any,
        data: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        min_interval: float | None,
        allow_redirects: bool,
    ) -> Reply[T]:
        url = self._target(path)
        ok_set = frozenset(ok)
        kwargs: dict[str, Any] = {
            "allow_redirects": allow_redirects,
            "hooks": {"response": [self._redirect_guard]},
        }
        if params is not None:
            kwargs["params"] = dict(params)
        if json is not None:
            kwargs["json"] = json
        if data is not None:
            kwargs["data"] = dict(data)
        if headers:
            kwargs["headers"] = dict(headers)
        shown = sanitize_url(url)
        deadline = self._clock() + min(self.request_deadline, self._deadline_left())
        last_problem = "no attempt made"
        last_status: int | None = None
        bad_kind: str | None = None
        connection_failures = 0
        attempts = 0
        throttled = 0  # 429-style answers: the server pacing us, counted apart from failures
        while attempts - throttled < self.max_attempts and throttled <= self.max_throttled:
            attempt = attempts
            left = deadline - self._clock()
            if left <= 0:
                if self._deadline_left() <= 0:
                    raise self._defer_rest(f"deadline of {self.deadline_s:g} s passed", last_status)
                last_problem = f"deadline of {self.request_deadline:g} s passed"
                break
            if attempt == 0 and self._is_cached_session():
                cached = self._send(method, url, min(self.timeout, left), kwargs, cached_only=True)
                if cached.status_code != 504:
                    self._count(cache_hits=1)
                    try:
                        return self._reply(cached, decode, ok_set)
                    except BadBody:
                        self._drop_from_cache(cached)
            blocked = self.limiter.blocked_for()
            if blocked > self.limiter.max_wait:
                raise RateLimitedError(
                    self.source,
                    f"paused by the server for {blocked:.0f} s (cap {self.limiter.max_wait:.0f} s)",
                    retry_after=blocked,
                )
            if blocked >= left:
                if blocked >= self._deadline_left():
                    raise self._defer_rest(
                        f"a {blocked:.0f} s wait would pass its deadline of {self.deadline_s:g} s",
                        last_status,
                        blocked,
                    )
                last_problem = f"deadline of {self.request_deadline:g} s would pass while waiting"
                break
            attempts += 1
            try:
                with self._connections:
                    self.limiter.acquire(min_interval=min_interval)
                    left = deadline - self._clock()
                    self._count(requests=1)
                    try:
                        response = self._send(method, url, max(0.001, min(self.timeout, left)), kwargs, False)
                        _ = response.content  # read the whole body before the next request may start
                    finally:
                        self.limiter.release()
            except requests.exceptions.RequestException as exc:
                why = classify_connection_error(exc)
                if why is not None:
                    raise self._mark_unreachable(url, why) from None
                connection_failures += 1
                if (
                    isinstance(exc, requests.exceptions.ConnectTimeout)
                    and connection_failures >= CONNECT_TIMEOUTS
                ):
                    # nothing accepts our connections: a black-holed host, not a slow answer
                    raise self._mark_unreachable(
                        url, f"connect timed out {connection_failures} times"
                    ) from None
                kind = "timed out" if isinstance(exc, requests.exceptions.Timeout) else "connection failed"
                last_problem = f"{kind} ({type(exc).__name__})"
                last_status, bad_kind = None, None
                log.debug("%s: %s on %s (attempt %d)", self.source, last_problem, shown, attempt + 1)
                self.limiter.pause(self._backoff(attempt), f"backoff after {kind}")
                continue
            if is_cached_response(response):
                self._count(cache_hits=1)
            info = self.limiter.observe(response.headers, response.status_code)
            status = response.status_code
            retryable = self._retryable(response, info)
            if status in self.AUTH_REJECTED_STATUSES and not retryable and self._secrets():
                raise self._reject_auth(status)
            if retryable:
                last_status, bad_kind = status, None
                if status in (429, 403):
                    throttled += 1
                last_problem = f"HTTP {status}"
                if info.retry_after is not None and info.retry_after >= self._deadline_left():
                    raise self._defer_rest(
                        f"told to retry after {info.retry_after:.0f} s, past its deadline of {self.deadline_s:g} s",
                        status,
                        info.retry_after,
                    )
                if info.retry_after is not None and info.retry_after > self.limiter.max_wait:
                    raise RateLimitedError(
                        self.source,
                        f"told to retry after {info.retry_after:.0f} s (cap {self.limiter.max_wait:.0f} s)",
                        status=status,
                        retry_after=info.retry_after,
                    )
                self.limiter.pause(self._backoff(attempt), f"backoff after HTTP {status}")
                continue
            try:
                reply = self._reply(response, decode, ok_set)
            except BadBody as exc:
                self._drop_from_cache(response)
                if exc.kind == "empty":  # an answer that proves nothing: the caller decides, no blind retry
                    raise BadBodyError(
                        self.source, self._clean(str(exc)), status=status, kind="empty"
                    ) from None
                last_status, last_problem, bad_kind = status, f"bad body ({exc})", exc.kind
                self.limiter.pause(self._backoff(attempt), "backoff after a bad body")
                continue
            self._failed_in_a_row = 0
            return reply
        # every attempt failed
        if last_status is not None and last_status in (429, 403):
            raise RateLimitedError(
                self.source,
                f"still rate limited after {attempts} attempts",
                status=last_status,
                retry_after=self.limiter.blocked_for() or None,
            )
        if last_status is None and connection_failures == attempts and attempts > 1:
            # not one attempt got an HTTP answer: the host is gone, say so once and stop asking it
            raise self._mark_unreachable(url, f"{last_problem} on all {attempts} attempts")
        if bad_kind is not None:
            self._failed_in_a_row += 1
            if self._failed_in_a_row >= UNREACHABLE_AFTER:
                raise self._stop_failing(
                    f"{last_problem} on every attempt, {self._failed_in_a_row} calls in a row", last_status
                )
        elif (last_status is None and connection_failures) or (
            last_status is not None and last_status >= 500
        ):
            self._failed_in_a_row += 1
            if self._failed_in_a_row >= UNREACHABLE_AFTER:
                raise self._mark_unreachable(
                    url, f"{last_problem} on every attempt, {self._failed_in_a_row} calls in a row"
                )
        reason = f"{last_problem} after {attempts} attempt{'s' if attempts != 1 else ''}"
        if bad_kind is not None:
            raise BadBodyError(self.source, self._clean(reason), status=last_status, kind=bad_kind)
        raise SourceError(self.source, self._clean(reason), status=last_status)

    @staticmethod
    def _retryable(response: requests.Response, info: RateInfo) -> bool:
        status = response.status_code
        if status == 429 or status >= 500:
            return True
        if status == 403:
            if info.retry_after is not None or (info.remaining is not None and info.remaining <= 0):
                return True
            return "rate limit" in response.text[:2000].lower()
        return False

    def _reply(
        self, response: requests.Response, decode: Callable[[requests.Response], T], ok: frozenset[int]
    ) -> Reply[T]:
        status = response.status_code
        data: T | None = None
        text = ""
        if status in ok:
            try:
                data = decode(response)
            except BadBody:
                raise
            except (ValueError, KeyError, TypeError) as exc:
                raise BadBody(f"{type(exc).__name__}") from None
        else:
            text = response.text[:4000]
        return Reply(
            status=status,
            headers=response.headers,
            url=response.url,
            data=data,
            from_cache=is_cached_response(response),
            history=tuple(r.status_code for r in response.history),
            final_path=urlsplit(response.url).path,
            rate=self.limiter.last_info,
            text=text,
        )


def decode_json(response: requests.Response) -> Any:
    """Decode a JSON body; a truncated/malformed one raises :class:`BadBody` (and is retried)."""
    try:
        return response.json()
    except ValueError as exc:
        raise BadBody(f"malformed JSON: {type(exc).__name__}") from None


def decode_none(response: requests.Response) -> None:
    return None


def chunks(items: list[T], size: int) -> list[list[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
