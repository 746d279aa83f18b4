"""The per-source limiter on a fake clock: pacing, server pauses, caps, header conventions."""

from __future__ import annotations

import logging
import time

import pytest

from enrich.errors import RateLimitedError
from enrich.ratelimit import RateLimiter, parse_rate_headers, parse_retry_after


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def limiter(interval: float = 3.0, max_wait: float = 120.0) -> tuple[RateLimiter, FakeClock]:
    clock = FakeClock()
    return RateLimiter("arxiv", interval, max_wait=max_wait, clock=clock, sleep=clock.sleep), clock


def test_min_interval_between_request_starts() -> None:
    lim, clock = limiter(3.0)
    assert lim.acquire() == 0.0
    clock.now += 1.0
    assert lim.acquire() == pytest.approx(2.0)
    clock.now += 5.0
    assert lim.acquire() == 0.0
    assert clock.sleeps == [2.0]


def test_spacing_counts_from_the_end_of_the_answer() -> None:
    """A 5 s answer on a 3 s interval: the next send waits 3 s after the answer ended (server side,
    two requests are never closer than the interval), not 0 s as spacing from the previous send
    would give."""
    lim, clock = limiter(3.0)
    assert lim.acquire() == 0.0  # sent at 1000
    clock.now += 5.0  # the answer takes 5 s
    lim.release()  # answered at 1005
    assert lim.acquire() == pytest.approx(3.0)
    assert clock.now == pytest.approx(1008.0)
    clock.now += 0.5  # a quick answer
    lim.release()  # answered at 1008.5
    clock.now += 1.0
    assert lim.acquire() == pytest.approx(2.0)  # 3 s from 1008.5, one of which has passed
    assert clock.sleeps == [3.0, 2.0]


def test_retry_after_pauses_next_request_and_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    lim, _clock = limiter(0.0)
    lim.acquire()
    with caplog.at_level(logging.INFO, logger="enrich.ratelimit"):
        info = lim.observe({"retry-after": "7"}, 429)
        assert info.retry_after == 7.0
        assert lim.acquire() == pytest.approx(7.0)
        assert lim.acquire() == 0.0
    assert [r.getMessage() for r in caplog.records] == ["arxiv: pausing 7.0 s (Retry-After 7 s, HTTP 429)"]


def test_pacing_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    lim, _clock = limiter(3.0)
    with caplog.at_level(logging.INFO, logger="enrich.ratelimit"):
        for _ in range(4):
            lim.acquire()
    assert [r.getMessage() for r in caplog.records] == ["arxiv: pacing requests at one per 3 s"]


def test_pause_longer_than_cap_raises_without_sleeping() -> None:
    lim, clock = limiter(0.0, max_wait=60.0)
    # GitHub style: reset is a UTC epoch, an hour away
    lim.observe({"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 3600)}, 403)
    with pytest.raises(RateLimitedError) as err:
        lim.acquire()
    assert clock.sleeps == []
    assert err.value.retry_after is not None and err.value.retry_after > 60


def test_spent_quota_with_short_reset_waits_until_reset() -> None:
    lim, _clock = limiter(0.0)
    # OpenAlex style: reset in seconds from now
    lim.observe({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "12"}, 200)
    assert lim.acquire() == pytest.approx(12.0)


def test_header_conventions() -> None:
    now = 1_700_000_000.0
    github = parse_rate_headers(
        {
            "x-ratelimit-remaining": "4904",
            "x-ratelimit-limit": "5000",
            "x-ratelimit-reset": str(int(now) + 300),
        },
        now=now,
    )
    assert (github.remaining, github.limit, github.reset_after) == (4904.0, 5000.0, 300.0)
    openalex = parse_rate_headers(
        {
            "x-ratelimit-remaining": "9655",
            "x-ratelimit-reset": "39959",
            "x-ratelimit-remaining-usd": "0.9655",
            "x-ratelimit-cost-usd": "0",
        },
        now=now,
    )
    assert (openalex.remaining, openalex.reset_after, openalex.remaining_usd, openalex.cost_usd) == (
        9655.0,
        39959.0,
        0.9655,
        0.0,
    )
    hf = parse_rate_headers(
        {"ratelimit": '"api";r=0;t=42', "ratelimit-policy": '"fixed window";"api";q=500;w=300'}
    )
    assert (hf.remaining, hf.reset_after) == (0.0, 42.0)
    draft = parse_rate_headers({"ratelimit-remaining": "99", "ratelimit-reset": "1"})
    assert (draft.remaining, draft.reset_after) == (99.0, 1.0)
    crossref = parse_rate_headers({"x-rate-limit-limit": "50", "x-rate-limit-interval": "1s"})
    assert crossref.limit == 50.0


def test_retry_after_forms() -> None:
    assert parse_retry_after("0") == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_never_sleeps_holding_its_lock() -> None:
    clock = FakeClock()
    held: list[bool] = []

    def sleep(seconds: float) -> None:
        held.append(lim._lock.locked())
        clock.sleep(seconds)

    lim = RateLimiter("arxiv", 3.0, clock=clock, sleep=sleep)
    lim.acquire()
    lim.observe({"retry-after": "5"}, 429)
    assert lim.acquire() == pytest.approx(5.0)
    assert lim.acquire() == pytest.approx(3.0)
    assert held == [False, False]
    assert clock.sleeps == [5.0, 3.0]


def test_threads_sharing_it_get_consecutive_slots() -> None:
    lim, clock = limiter(3.0)
    assert [lim.acquire(), lim.acquire(), lim.acquire()] == [0.0, 3.0, 3.0]
    lim.release()  # an earlier answer never pulls a reserved slot back
    assert clock.now == 1006.0 and lim.acquire() == pytest.approx(3.0)
