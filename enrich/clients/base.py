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

import contextlib
import logging
import random
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar
from urllib.parse import urljoin

import requests

from enrich.clients.exchange import Reply, _Call, _NoTurn, _Outcome, _Tries
from enrich.clients.policy import DEFAULT_TIMEOUT, ClientConfig, ClientOptions, Clock, RetryPolicy
from enrich.clients.safety import classify_connection_error, outside_reason
from enrich.clients.state import BadBody, BadBodyError, SourceState
from enrich.errors import (
    OutsideApiError,
    RateLimitedError,
    SourceDeferredError,
    SourceError,
)
from enrich.http import PacedAdapter, is_cached_response, register_secrets
from enrich.ratelimit import Pacing, RateInfo, RateLimiter
from enrich.redact import sanitize_url

if TYPE_CHECKING:
    from enrich.clients.github import RepoState
    from enrich.records import HfRecord, RepoRecord, WorkRecord

log = logging.getLogger(__name__)

T = TypeVar("T")

CONNECT_TIMEOUTS = 2
"""Connect timeouts within one logical request after which the source is declared unreachable: a host
that accepts no connection twice in a row is black-holed, and waiting out every retry of every batch
would cost the nightly run many minutes per source for nothing."""

UNREACHABLE_AFTER = 3
"""Logical requests in a row that exhausted every retry (timeouts, resets, 5xx) before the source is
declared unreachable, so a broken server costs three calls, not one per item (a refused connection or
a DNS failure declares it at once)."""


class BaseClient(SourceState):
    """Shared machinery; subclasses set :attr:`source` and :attr:`DEFAULT_MIN_INTERVAL`, and implement
    :meth:`configured` and :meth:`fetch_keys` (``enrich.sources.SourceClient``)."""

    source: ClassVar[str] = "base"
    BATCH_SIZE: ClassVar[int] = 100
    """Keys per batch task (``enrich.pipeline.plan_batches``): the API's own batch size where it has one."""
    DEFAULT_MIN_INTERVAL: ClassVar[float] = 1.0
    MAX_CONNECTIONS: ClassVar[int] = 1
    """Requests in flight at once when callers share the client across threads (1 = serial)."""
    AUTH_REJECTED_STATUSES: ClassVar[frozenset[int]] = frozenset()
    """Statuses that mean "your credential is refused" when one is set (and no rate-limit signal)."""

    def __init__(
        self,
        base_url: str,
        session: requests.Session | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        pacing: Pacing | None = None,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session if session is not None else requests.Session()
        self.timeout = timeout
        pacing = pacing or Pacing()
        self.retry = retry or RetryPolicy()
        clock = clock or Clock()
        self._clock = clock.now
        self._rng = clock.rng or random.Random()
        interval = self.DEFAULT_MIN_INTERVAL if pacing.min_interval is None else pacing.min_interval
        self.limiter = RateLimiter(
            self.source, interval, max_wait=pacing.max_wait, clock=clock.now, sleep=clock.sleep
        )
        self._init_state(deadline)
        self._failed_in_a_row = 0
        self._connections = threading.BoundedSemaphore(max(1, pacing.max_connections or self.MAX_CONNECTIONS))
        self._calls = threading.local()  # the call in progress in each thread (read by the transport)
        PacedAdapter.mount(self.session, self.base_url, self._turn)
        register_secrets(self._secrets())

    @classmethod
    def configured(cls, root: str, session: requests.Session, config: ClientConfig) -> Self:
        """This source's client for a run: its credential and documented pacing from ``config``."""
        return cls(root, session, config.timeout, **cls._run_options(config))

    @classmethod
    def _run_options(cls, config: ClientConfig, documented: float | None = None) -> ClientOptions:
        """The options a run builds a client with: the source's deadline for the night and the
        ``documented`` interval (default :attr:`DEFAULT_MIN_INTERVAL`) as ``config`` scales it."""
        interval = cls.DEFAULT_MIN_INTERVAL if documented is None else documented
        return {"deadline": config.deadline, "pacing": Pacing(min_interval=config.interval(interval))}

    def fetch_keys(
        self, keys: Sequence[str], *, known: Mapping[str, RepoState] | None = None
    ) -> Sequence[WorkRecord | RepoRecord | HfRecord]:
        """One record per key of one batch (never raises for remote failures); see each client."""
        raise NotImplementedError(f"{type(self).__name__} fetches nothing by key")

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
        json: object = None,
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

        Each try is one :meth:`_attempt` (through the session: a cache hit answers at once, a miss goes
        down to :class:`PacedAdapter`, which waits for this source's turn) and one :meth:`_classify`
        (done, retry after a pause, or give up).
        """
        self._raise_if_stopped()
        url = self._target(path)
        send: dict[str, Any] = {
            "allow_redirects": allow_redirects,
            "hooks": {"response": [self._redirect_guard]},
        }
        if params is not None:
            send["params"] = dict(params)
        if json is not None:
            send["json"] = json
        if data is not None:
            send["data"] = dict(data)
        if headers:
            send["headers"] = dict(headers)
        try:
            return self._loop(method, url, send, decode, frozenset(ok), min_interval)
        except SourceDeferredError:
            raise
        except RateLimitedError as exc:
            raise self._defer_rest(f"rate limited: {exc.reason}", exc.status, exc.retry_after) from None

    def _loop(
        self,
        method: str,
        url: str,
        send: dict[str, Any],
        decode: Callable[[requests.Response], T],
        ok: frozenset[int],
        min_interval: float | None,
    ) -> Reply[T]:
        tries = _Tries()
        call = _Call(
            deadline=self._clock() + min(self.retry.request_deadline, self._deadline_left()),
            min_interval=min_interval,
            url=url,
            tries=tries,
        )
        while tries.may_try(self.retry):
            if call.deadline - self._clock() <= 0:
                if self._deadline_left() <= 0:
                    raise self._defer_rest(f"deadline of {self.deadline_s:g} s passed", tries.last_status)
                tries.last_problem = f"deadline of {self.retry.request_deadline:g} s passed"
                break
            outcome = self._attempt(method, url, send, call, tries)
            if outcome is None:  # the wait for a turn would pass the request's deadline
                break
            reply = self._classify(outcome, call, tries, decode, ok)
            if reply is not None:
                self._failed_in_a_row = 0
                return reply
        raise self._give_up(url, tries)

    def _attempt(
        self, method: str, url: str, send: dict[str, Any], call: _Call, tries: _Tries
    ) -> _Outcome | None:
        """One try through the session; ``None`` when waiting for a turn would pass the deadline."""
        tries.attempts += 1
        call.sent = 0
        self._calls.current = call
        left = max(0.001, min(self.timeout, call.deadline - self._clock()))
        try:
            response = self.session.request(method, url, timeout=left, **send)
        except _NoTurn as exc:
            tries.attempts -= 1
            tries.last_problem = exc.problem
            return None
        except requests.exceptions.RequestException as exc:
            return _Outcome(None, exc, sent=call.sent > 0)
        finally:
            self._calls.current = None
        return _Outcome(response, None, sent=call.sent > 0)

    def _classify(
        self,
        outcome: _Outcome,
        call: _Call,
        tries: _Tries,
        decode: Callable[[requests.Response], T],
        ok: frozenset[int],
    ) -> Reply[T] | None:
        """What one try's outcome means: the reply (done), ``None`` (try again, after a pause when due),
        or an exception (give up: unreachable, key refused, deferred, told to wait too long)."""
        attempt = tries.attempts - 1
        if outcome.sent:
            self._count(requests=1)
        if outcome.error is not None:
            exc = outcome.error
            why = classify_connection_error(exc)
            if why is not None:
                raise self._mark_unreachable(call.url, why) from None
            tries.connection_failures += 1
            if (
                isinstance(exc, requests.exceptions.ConnectTimeout)
                and tries.connection_failures >= CONNECT_TIMEOUTS
            ):
                # nothing accepts our connections: a black-holed host, not a slow answer
                raise self._mark_unreachable(
                    call.url, f"connect timed out {tries.connection_failures} times"
                ) from None
            kind = "timed out" if isinstance(exc, requests.exceptions.Timeout) else "connection failed"
            tries.last_problem = f"{kind} ({type(exc).__name__})"
            tries.last_status, tries.bad_kind = None, None
            log.debug(
                "%s: %s on %s (attempt %d)",
                self.source,
                tries.last_problem,
                sanitize_url(call.url),
                attempt + 1,
            )
            self.limiter.pause(self.retry.backoff(attempt, self._rng), f"backoff after {kind}")
            return None
        response = outcome.response
        assert response is not None
        if is_cached_response(response):
            self._count(cache_hits=1)
        if not outcome.sent:  # answered from the cache alone: no headers to learn from, no retry rules
            try:
                return self._reply(response, decode, ok)
            except BadBody:
                self._drop_from_cache(response)  # then ask the source, as if it had not been cached
                tries.attempts -= 1
                return None
        info = self.limiter.observe(response.headers, response.status_code)
        status = response.status_code
        retryable = self._retryable(response, info)
        if status in self.AUTH_REJECTED_STATUSES and not retryable and self._secrets():
            raise self._reject_auth(status)
        if retryable:
            tries.last_status, tries.bad_kind = status, None
            if status in (429, 403):
                tries.throttled += 1
            tries.last_problem = f"HTTP {status}"
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
            self.limiter.pause(self.retry.backoff(attempt, self._rng), f"backoff after HTTP {status}")
            return None
        try:
            return self._reply(response, decode, ok)
        except BadBody as exc:
            self._drop_from_cache(response)
            if exc.kind == "empty":  # an answer that proves nothing: the caller decides, no blind retry
                raise BadBodyError(self.source, self._clean(str(exc)), status=status, kind="empty") from None
            tries.last_status, tries.last_problem, tries.bad_kind = status, f"bad body ({exc})", exc.kind
            self.limiter.pause(self.retry.backoff(attempt, self._rng), "backoff after a bad body")
            return None

    def _give_up(self, url: str, tries: _Tries) -> SourceError:
        """The error after every try failed (and whether the source is to be asked again tonight)."""
        attempts, last_status, last_problem = tries.attempts, tries.last_status, tries.last_problem
        if last_status is not None and last_status in (429, 403):
            return RateLimitedError(
                self.source,
                f"still rate limited after {attempts} attempts",
                status=last_status,
                retry_after=self.limiter.blocked_for() or None,
            )
        if last_status is None and tries.connection_failures == attempts and attempts > 1:
            # not one attempt got an HTTP answer: the host is gone, say so once and stop asking it
            return self._mark_unreachable(url, f"{last_problem} on all {attempts} attempts")
        if tries.bad_kind is not None:
            self._failed_in_a_row += 1
            if self._failed_in_a_row >= UNREACHABLE_AFTER:
                return self._stop_failing(
                    f"{last_problem} on every attempt, {self._failed_in_a_row} calls in a row", last_status
                )
        elif (last_status is None and tries.connection_failures) or (
            last_status is not None and last_status >= 500
        ):
            self._failed_in_a_row += 1
            if self._failed_in_a_row >= UNREACHABLE_AFTER:
                return self._mark_unreachable(
                    url, f"{last_problem} on every attempt, {self._failed_in_a_row} calls in a row"
                )
        reason = f"{last_problem} after {attempts} attempt{'s' if attempts != 1 else ''}"
        if tries.bad_kind is not None:
            return BadBodyError(self.source, self._clean(reason), status=last_status, kind=tries.bad_kind)
        return SourceError(self.source, self._clean(reason), status=last_status)

    @contextlib.contextmanager
    def _turn(self, timeout: float | None) -> Iterator[float | None]:
        """This source's turn to send (``PacedAdapter``): only what reaches the network waits.

        Refuses at once when the server paused the source beyond the cap (:class:`RateLimitedError`)
        or past a deadline; else waits for a connection slot and the limiter, yields the timeout left
        for the request after the wait, and marks the end of the answer for the limiter.
        """
        call: _Call | None = getattr(self._calls, "current", None)
        blocked = self.limiter.blocked_for()
        if blocked > self.limiter.max_wait:
            raise RateLimitedError(
                self.source,
                f"paused by the server for {blocked:.0f} s (cap {self.limiter.max_wait:.0f} s)",
                retry_after=blocked,
            )
        if call is not None and blocked >= call.deadline - self._clock():
            if blocked >= self._deadline_left():
                raise self._defer_rest(
                    f"a {blocked:.0f} s wait would pass its deadline of {self.deadline_s:g} s",
                    call.tries.last_status,
                    blocked,
                )
            raise _NoTurn(f"deadline of {self.retry.request_deadline:g} s would pass while waiting")
        with self._connections:
            self.limiter.acquire(min_interval=call.min_interval if call is not None else None)
            try:
                if call is not None:
                    call.sent += 1
                    timeout = max(0.001, min(self.timeout, call.deadline - self._clock()))
                yield timeout
            finally:
                self.limiter.release()

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
            rate=self.limiter.last_info,
            text=text,
        )


def decode_json(response: requests.Response) -> Any:
    """Decode a JSON body; a truncated/malformed one raises :class:`BadBody` (and is retried)."""
    try:
        return response.json()
    except ValueError as exc:
        raise BadBody(f"malformed JSON: {type(exc).__name__}") from None
