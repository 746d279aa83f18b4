"""The shared request loop: retries, backoff, Retry-After caps, deadlines, unreachable sources."""

from __future__ import annotations

import io
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import urllib3
import urllib3.exceptions
from pydantic import SecretStr
from requests.adapters import BaseAdapter, HTTPAdapter
from requests.structures import CaseInsensitiveDict

from enrich.clients.base import BaseClient, decode_json
from enrich.clients.crossref import CrossrefClient
from enrich.clients.policy import DEFAULT_REQUEST_DEADLINE, Clock, RetryPolicy
from enrich.clients.s2 import S2Client
from enrich.clients.state import BadBodyError
from enrich.errors import (
    AuthRejectedError,
    RateLimitedError,
    SourceDeferredError,
    SourceError,
    SourceUnavailableError,
)
from enrich.http import CacheSettings, build_session
from enrich.ratelimit import DEFAULT_MAX_WAIT, Pacing
from enrich.records import FetchStatus

Step = Callable[[requests.PreparedRequest], requests.Response]


def answer(status: int, body: bytes = b"{}", headers: dict[str, str] | None = None) -> Step:
    def step(request: requests.PreparedRequest) -> requests.Response:
        r = requests.Response()
        r.status_code = status
        r._content = body
        r.headers = CaseInsensitiveDict(headers or {})
        r.url = request.url or ""
        r.request = request
        return r

    return step


def fail(exc: Exception) -> Step:
    def step(request: requests.PreparedRequest) -> requests.Response:
        raise exc

    return step


class Script(BaseAdapter):  # type: ignore[misc]
    def __init__(self, *steps: Step) -> None:
        super().__init__()
        self.steps = list(steps)
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.sent.append(request)
        step = self.steps[min(len(self.sent) - 1, len(self.steps) - 1)]
        return step(request)

    def close(self) -> None:
        return None


class Probe(BaseClient):
    source = "probe"
    DEFAULT_MIN_INTERVAL = 0.0


def probe(
    *steps: Step,
    max_wait: float = DEFAULT_MAX_WAIT,
    min_interval: float | None = None,
    request_deadline: float = DEFAULT_REQUEST_DEADLINE,
    deadline: float | None = None,
) -> tuple[Probe, Script, list[float]]:
    script = Script(*steps)
    session = requests.Session()
    session.mount("http://", script)
    slept: list[float] = []
    clock = [0.0]

    def sleep(s: float) -> None:
        slept.append(round(s, 3))
        clock[0] += s

    client = Probe(
        "http://api.test",
        session,
        5.0,
        pacing=Pacing(min_interval=min_interval, max_wait=max_wait),
        retry=RetryPolicy(backoff_base=1.0, backoff_max=8.0, request_deadline=request_deadline),
        deadline=deadline,
        clock=Clock(lambda: clock[0], sleep),
    )
    return client, script, slept


def test_429_then_ok_honours_retry_after() -> None:
    client, script, slept = probe(answer(429, headers={"Retry-After": "3"}), answer(200, b'{"ok": 1}'))
    reply = client.request("GET", "/x", decode=decode_json)
    assert (reply.status, reply.data) == (200, {"ok": 1})
    assert len(script.sent) == 2
    assert slept[0] >= 3.0  # waited at least what the server asked


def test_the_next_request_waits_the_interval_after_the_previous_answer_ended() -> None:
    """The request loop releases the limiter when the answer has been read: a slow answer (4 s on a
    2 s interval) is followed by a wait of the whole interval, counted from its end."""
    clock = [0.0]
    slept: list[float] = []
    sent_at: list[float] = []

    def sleep(s: float) -> None:
        slept.append(round(s, 3))
        clock[0] += s

    def slow(request: requests.PreparedRequest) -> requests.Response:
        sent_at.append(clock[0])
        clock[0] += 4.0  # the server takes 4 s to answer
        return answer(200, b"1")(request)

    session = requests.Session()
    session.mount("http://", Script(slow))
    client = Probe(
        "http://api.test",
        session,
        30.0,
        pacing=Pacing(min_interval=2.0),
        clock=Clock(lambda: clock[0], sleep),
    )
    assert [client.request("GET", f"/x{i}", decode=decode_json).data for i in range(3)] == [1, 1, 1]
    assert sent_at == [0.0, 6.0, 12.0]  # answered at 4, 10: each next send 2 s later
    assert slept == [2.0, 2.0]


def test_5xx_burst_backs_off_exponentially_then_succeeds() -> None:
    client, script, slept = probe(answer(503), answer(502), answer(500), answer(200, b"[]"))
    assert client.request("GET", "/x", decode=decode_json).data == []
    assert len(script.sent) == 4
    # equal jitter: attempt k waits between 2**k/2 and 2**k seconds
    assert [0.5 <= slept[0] <= 1.0, 1.0 <= slept[1] <= 2.0, 2.0 <= slept[2] <= 4.0] == [True] * 3


def test_4xx_other_than_429_is_not_retried() -> None:
    client, script, _ = probe(answer(404, b'{"error": "nope"}'))
    reply = client.request("GET", "/x", decode=decode_json)
    assert (reply.status, reply.data, len(script.sent)) == (404, None, 1)


def test_retry_after_beyond_cap_is_rate_limited_not_a_hang() -> None:
    client, script, slept = probe(answer(429, headers={"Retry-After": "54000"}), max_wait=60.0)
    with pytest.raises(RateLimitedError) as err:
        client.request("GET", "/x", decode=decode_json)
    assert (len(script.sent), slept, err.value.retry_after) == (1, [], 54000.0)


def test_timeouts_and_resets_are_retried() -> None:
    reset = requests.ConnectionError(
        urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
    )
    client, script, _ = probe(fail(requests.ReadTimeout("slow")), fail(reset), answer(200, b"1"))
    assert client.request("GET", "/x", decode=decode_json).data == 1
    assert len(script.sent) == 3


def test_malformed_body_is_retried_then_reported() -> None:
    client, script, _ = probe(answer(200, b'{"truncated'))
    with pytest.raises(BadBodyError) as err:
        client.request("GET", "/x", decode=decode_json)
    assert len(script.sent) == 6
    assert err.value.reason == "bad body (malformed JSON: JSONDecodeError) after 6 attempts"


def test_deadline_bounds_a_call() -> None:
    client, script, _ = probe(answer(503), request_deadline=2.5)
    with pytest.raises(SourceError) as err:
        client.request("GET", "/x", decode=decode_json)
    assert len(script.sent) < 4
    assert "deadline of 2.5 s" in err.value.reason


def test_refused_connection_marks_source_unreachable_at_once() -> None:
    refused = requests.ConnectionError(
        urllib3.exceptions.NewConnectionError(
            None, "Failed to establish a new connection: [Errno 111] Connection refused"
        )  # type: ignore[arg-type]
    )
    client, script, _ = probe(fail(refused))
    with pytest.raises(SourceUnavailableError):
        client.request("GET", "/x", decode=decode_json)
    with pytest.raises(SourceUnavailableError):
        client.request("GET", "/y", decode=decode_json)
    assert len(script.sent) == 1  # the second call never touched the network
    assert client.stats.unreachable
    assert client.stats.message == "probe: unreachable (connection refused at api.test)"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_closed_port_returns_quickly_with_one_message() -> None:
    port = closed_port()
    client = S2Client(
        f"http://127.0.0.1:{port}", api_key=SecretStr("s2-secret-key-123"), pacing=Pacing(min_interval=0.0)
    )
    ids = [f"CorpusId:{i}" for i in range(1, 1200)]  # three batches
    started = time.monotonic()
    records = client.get_papers(ids)
    elapsed = time.monotonic() - started
    assert elapsed < 2.0
    assert {r.status for r in records} == {FetchStatus.ERROR}
    assert records[0].reason == f"unreachable (connection refused at 127.0.0.1:{port})"
    stats = client.stats
    assert (stats.unreachable, stats.requests, stats.errors) == (True, 1, 1199)
    assert stats.message == f"s2: unreachable (connection refused at 127.0.0.1:{port})"
    crossref = CrossrefClient(f"http://127.0.0.1:{port}", pacing=Pacing(min_interval=0.0))
    started = time.monotonic()
    out = crossref.get_works([f"10.1000/{i}" for i in range(200)])
    assert time.monotonic() - started < 2.0
    assert crossref.stats.requests == 1
    assert len(out) == 200


def test_a_server_failing_every_retry_three_calls_running_is_declared_down() -> None:
    client, script, _ = probe(answer(503))
    for _ in range(2):
        with pytest.raises(SourceError) as err:
            client.request("GET", "/x", decode=decode_json)
        assert not isinstance(err.value, SourceUnavailableError)
    with pytest.raises(SourceUnavailableError):
        client.request("GET", "/x", decode=decode_json)
    with pytest.raises(SourceUnavailableError):
        client.request("GET", "/x", decode=decode_json)
    assert len(script.sent) == 18  # 3 calls x 6 attempts, then nothing
    assert (
        client.stats.message == "probe: unreachable (HTTP 503 on every attempt, 3 calls in a row at api.test)"
    )


def test_a_black_holed_host_is_declared_down_after_two_connect_timeouts() -> None:
    client, script, _ = probe(fail(requests.exceptions.ConnectTimeout("connect timed out")))
    with pytest.raises(SourceUnavailableError):
        client.request("GET", "/x", decode=decode_json)
    with pytest.raises(SourceUnavailableError):
        client.request("GET", "/y", decode=decode_json)
    assert len(script.sent) == 2  # two connect timeouts, then nothing more is sent
    assert client.stats.message == "probe: unreachable (connect timed out 2 times at api.test)"


def test_a_call_with_no_http_answer_on_any_attempt_declares_the_source_down() -> None:
    client, script, _ = probe(fail(requests.exceptions.ConnectionError("connection reset by peer")))
    with pytest.raises(SourceUnavailableError):
        client.request("GET", "/x", decode=decode_json)
    assert len(script.sent) == 6
    assert client.stats.message == (
        "probe: unreachable (connection failed (ConnectionError) on all 6 attempts at api.test)"
    )


def test_read_timeouts_then_an_answer_are_survived() -> None:
    client, script, _ = probe(fail(requests.exceptions.ReadTimeout("slow")), answer(200, b'{"ok": 1}'))
    assert client.request("GET", "/x", decode=decode_json).data == {"ok": 1}
    assert len(script.sent) == 2
    assert not client.stats.unreachable


def test_secrets_never_in_reasons_or_messages() -> None:
    secret = "s2-very-secret-key-value"
    timeout = requests.ReadTimeout(f"HTTPSConnectionPool: Read timed out. url=/x?api_key={secret}")
    client, _, _ = probe(fail(timeout))
    client._secrets = lambda: [secret]  # type: ignore[method-assign]
    with pytest.raises(SourceError) as err:
        client.request("GET", f"/x?api_key={secret}", decode=decode_json)
    assert secret not in str(err.value)
    assert secret not in client.error_reason(err.value)


def test_after_a_long_retry_after_every_later_call_is_rate_limited_at_once() -> None:
    client, script, slept = probe(answer(429, headers={"Retry-After": "54000"}), max_wait=60.0)
    for _ in range(3):
        with pytest.raises(RateLimitedError):
            client.request("GET", "/x", decode=decode_json)
    assert (len(script.sent), slept) == (1, [])
    s2 = S2Client("http://api.test", client.session, pacing=Pacing(min_interval=0.0))
    s2.limiter.pause(54000, "test")
    assert {r.status for r in s2.get_papers(["CorpusId:1", "CorpusId:2"])} == {FetchStatus.RATE_LIMITED}


# ------------------------------------------------------------ 403: a rate limit or a refused key

RATE_LIMIT_403 = b'{"message": "API rate limit exceeded for 10.0.0.1. (But here\'s the good news...)"}'


def keyed_s2(*steps: Step) -> tuple[S2Client, Script, list[float]]:
    script = Script(*steps)
    session = requests.Session()
    session.mount("http://", script)
    clock = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(round(s, 3))
        clock[0] += s

    client = S2Client(
        "http://api.test",
        session,
        api_key=SecretStr("s2-secret-key-123"),
        pacing=Pacing(min_interval=0.0),
        retry=RetryPolicy(backoff_base=1.0),
        clock=Clock(lambda: clock[0], sleep),
    )
    return client, script, slept


def test_a_403_whose_body_says_rate_limit_is_retried_not_a_refused_key() -> None:
    """No rate-limit header at all: only the body says so. With a key set, a plain 403 would mean
    "key refused" and stop the source; this one is a rate limit, retried after a backoff."""
    client, script, slept = keyed_s2(answer(403, RATE_LIMIT_403), answer(200, b'{"ok": 1}'))
    reply = client.request("GET", "/x", decode=decode_json)
    assert (reply.status, reply.data, len(script.sent)) == (200, {"ok": 1}, 2)
    assert len(slept) == 1 and 0.5 <= slept[0] <= 1.0  # the first backoff step
    assert (client.stats.auth_rejected, client.stats.stopped, client.stats.message) == (False, None, None)


def test_a_403_rate_limit_body_on_every_attempt_defers_the_source() -> None:
    """Counted as throttling (9 sends: 429-like answers have their own allowance), then the source is
    rate limited for the night and the rest deferred: never "S2 rejected the API key"."""
    client, script, _ = keyed_s2(answer(403, RATE_LIMIT_403))
    with pytest.raises(SourceDeferredError) as err:
        client.request("GET", "/x", decode=decode_json)
    assert (err.value.status, err.value.reason, len(script.sent)) == (
        403,
        "rate limited: still rate limited after 9 attempts",
        9,
    )
    assert (client.stats.auth_rejected, client.stats.stopped) == (False, "deferred")


def test_a_plain_403_with_a_key_set_is_a_refused_key() -> None:
    client, script, slept = keyed_s2(answer(403, b'{"message": "Forbidden"}'))
    with pytest.raises(AuthRejectedError) as err:
        client.request("GET", "/x", decode=decode_json)
    assert (err.value.reason, len(script.sent), slept) == ("S2 rejected the API key: HTTP 403", 1, [])
    assert (client.stats.auth_rejected, client.stats.message) == (
        True,
        "s2: S2 rejected the API key: HTTP 403",
    )


def test_without_a_key_a_plain_403_is_an_answer_and_a_rate_limit_403_is_retried() -> None:
    client, script, _ = probe(answer(403, b'{"message": "Forbidden"}'))
    reply = client.request("GET", "/x", decode=decode_json)
    assert (reply.status, reply.data, len(script.sent)) == (403, None, 1)
    client, script, _ = probe(answer(403, RATE_LIMIT_403.upper()), answer(200, b"2"))
    assert (client.request("GET", "/x", decode=decode_json).data, len(script.sent)) == (2, 2)


def test_cache_hits_never_wait_for_the_limiter(tmp_path: Path) -> None:
    # pacing lives in the transport (enrich.http.PacedAdapter), below requests-cache: only what
    # reaches the network waits its turn
    session = build_session(user_agent="t", cache=CacheSettings(tmp_path), name="probe")

    def wire(request: requests.PreparedRequest) -> requests.Response:  # a real urllib3 answer: cacheable
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(b'{"ok": 1}'),
            headers={"Content-Type": "application/json"},
            status=200,
            preload_content=False,
            request_url=request.url,
        )
        return HTTPAdapter().build_response(request, raw)

    script = Script(wire)
    session.mount("http://", script)
    slept: list[float] = []
    clock = [0.0]

    def sleep(s: float) -> None:
        slept.append(s)
        clock[0] += s

    client = Probe(
        "http://api.test",
        session,
        5.0,
        pacing=Pacing(min_interval=100.0),
        clock=Clock(lambda: clock[0], sleep),
    )
    assert [client.request("GET", "/works/x", decode=decode_json).data for _ in range(3)] == [{"ok": 1}] * 3
    assert len(script.sent) == 1 and slept == []
    assert (client.stats.requests, client.stats.cache_hits) == (1, 2)
    client.request("GET", "/works/y", decode=decode_json)  # a miss: waits for its turn
    assert len(script.sent) == 2 and slept == [100.0]
