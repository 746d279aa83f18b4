"""The HTTP server: one port on 127.0.0.1, one path prefix per source, faults and limits in front.

``http://127.0.0.1:PORT/arxiv`` stands in for ``https://export.arxiv.org``, ``/s2`` for
``https://api.semanticscholar.org``, ``/openalex``, ``/crossref``, ``/github`` and ``/hf`` likewise;
paths below each root are the real ones. Stdlib ``ThreadingHTTPServer`` speaking HTTP/1.1 with
keep-alive; responses are written in one ``sendall`` with a precomputed header block.
"""

from __future__ import annotations

import json
import logging
import socket
import struct
import threading
import time
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any, Final
from urllib.parse import parse_qsl, urlsplit

from enrich.config import ENV_VARS, SOURCES, Endpoints
from enrich.errors import InputError
from enrich.redact import sanitize_query
from fakeapis.apis import arxiv, crossref, github, hf, openalex, s2
from fakeapis.catalog import Catalog, catalog_from, load_catalog
from fakeapis.context import Context
from fakeapis.faults import FaultPlan, FaultProfile, FaultRule, load_fault_profile
from fakeapis.http import Request, Response, json_response, text_response
from fakeapis.ratelimit import Limits

log = logging.getLogger(__name__)

PREFIXES: Final = {source: "/" + source for source in SOURCES}
LOG_FIELDS: Final = ("ts", "source", "method", "path", "query", "status", "bytes", "latency_ms")
_REASONS: Final = {s.value: s.phrase for s in HTTPStatus}
RENDER_CACHE_SIZE: Final = 4096
MAX_LINE: Final = 65536
MAX_HEADERS: Final = 100
NO_RESPONSE: Final = 0
MAX_PORT: Final = 65535
"""``status`` logged when no HTTP answer was sent (reset, down, client gone)."""


class AccessLog:
    """JSON-lines access log kept in memory and optionally appended to a file (flushed per line)."""

    def __init__(self, path: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []
        self._file: IO[str] | None = None
        if path is not None:
            try:
                self._file = Path(path).open("a", encoding="utf-8")  # noqa: SIM115 - closed in close()
            except OSError as exc:
                raise InputError(str(path), f"cannot open access log: {exc.strerror}") from None

    def add(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, separators=(",", ":")) if self._file is not None else ""
        with self._lock:
            self._entries.append(entry)
            if self._file is not None:
                self._file.write(line + "\n")
                self._file.flush()

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    app: App

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A failing connection is logged, not printed as a traceback on stderr."""
        log.debug("connection from %s failed", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 60  # idle keep-alive connections close after a minute
    disable_nagle_algorithm = True  # one write per answer: send it now

    def setup(self) -> None:
        super().setup()
        self.server.app.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.app.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the stdlib's stderr log; the access log records every request."""

    fields: dict[str, str]

    def handle_one_request(self) -> None:
        """Read one request line and its headers (a plain dict: faster than the stdlib's email
        parser, which dominates per-request cost), then answer it."""
        try:
            line = self.rfile.readline(MAX_LINE + 1)
            if not line:
                self.close_connection = True
                return
            if len(line) > MAX_LINE:
                self._reject(414, "Request-URI Too Long")
                return
            parts = line.decode("latin-1").split()
            if len(parts) != 3 or not parts[2].startswith("HTTP/"):
                self._reject(400, "Bad Request")
                return
            self.command, self.path, self.request_version = parts
            fields: dict[str, str] = {}
            for _ in range(MAX_HEADERS):
                raw = self.rfile.readline(MAX_LINE + 1)
                if raw in (b"\r\n", b"\n", b""):
                    break
                name, _, value = raw.decode("latin-1").partition(":")
                fields[name.strip().lower()] = value.strip()
            else:
                self._reject(431, "Request Header Fields Too Large")
                return
            self.fields = fields
            connection = fields.get("connection", "").lower()
            self.close_connection = connection == "close" or (
                self.request_version == "HTTP/1.0" and connection != "keep-alive"
            )
            self.server.app.serve(self)
        except OSError:  # idle timeout, or the client went away (reset, closed mid-request)
            self.close_connection = True

    def _reject(self, status: int, reason: str) -> None:
        body = reason.encode()
        head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
        self.wfile.write(head.encode() + b"Connection: close\r\n\r\n" + body)
        self.close_connection = True


class App:
    """Routes one request: fault plan, rate limits, then the source's renderer."""

    def __init__(self, ctx: Context, plan: FaultPlan, access: AccessLog) -> None:
        self.ctx = ctx
        self.plan = plan
        self.access = access
        self.root = ""
        self._lock = threading.Lock()
        self._counts: dict[str, int] = dict.fromkeys(SOURCES, 0)
        self._open: set[socket.socket] = set()
        self._cache: dict[tuple[Any, ...], Response] = {}

    def track(self, conn: socket.socket, opened: bool) -> None:
        with self._lock:
            if opened:
                self._open.add(conn)
            else:
                self._open.discard(conn)

    def close_connections(self) -> None:
        with self._lock:
            conns = list(self._open)
            self._open.clear()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                log.debug("connection already closed")

    def set_plan(self, plan: FaultPlan) -> None:
        with self._lock:
            self.plan = plan
            self._counts = dict.fromkeys(SOURCES, 0)

    # -- request handling ------------------------------------------------------------------

    def serve(self, h: _Handler) -> None:
        started = time.perf_counter()
        ts = time.time()
        split = urlsplit(h.path)
        raw_path = split.path
        source = raw_path.split("/", 2)[1] if raw_path.count("/") >= 1 else ""
        length = int(h.fields.get("content-length") or 0)
        body = h.rfile.read(length) if length > 0 else b""
        query = parse_qsl(split.query, keep_blank_values=True)
        if source not in PREFIXES:
            resp = text_response(404, "Not Found: the double serves /" + ", /".join(SOURCES))
            self._log(ts, started, "unknown", h.command, raw_path, query, 404, len(resp.body))
            self._send(h, resp)
            return
        path = raw_path[len(PREFIXES[source]) :] or "/"
        target_length = len(h.path) - len(PREFIXES[source])
        req = Request(
            method=h.command,
            source=source,
            path=path,
            query=query,
            headers=h.fields,
            body=body,
            root=self.root + PREFIXES[source],
            target_length=target_length,
        )
        with self._lock:
            self._counts[source] += 1
            n = self._counts[source]
            picked = self.plan.pick(source, n, path)
        rule = picked[1] if picked else None
        kind = rule.fault if rule else None
        # the log line is written before the answer goes out, so a client that has its answer
        # always finds the request in the log
        if kind in ("down", "reset"):
            self._log(ts, started, source, h.command, path, query, NO_RESPONSE, 0)
            h.close_connection = True
            _close(h.connection, reset=kind == "reset")
            return
        try:
            resp = self._answer(req, rule)
        except Exception as exc:  # a bug in the double must show, not drop the connection
            log.exception("fake-apis: %s %s failed", h.command, path)
            resp = text_response(500, f"fake-apis internal error: {type(exc).__name__}: {exc}\n")
        truncate = kind == "truncate" and bool(resp.body)
        sent = max(1, len(resp.body) // 2) if truncate else len(resp.body)
        self._log(ts, started, source, h.command, path, query, resp.status, sent)
        self._send(h, resp, truncate=truncate)

    def _answer(self, req: Request, rule: FaultRule | None) -> Response:
        kind = rule.fault if rule else None
        if rule is not None and kind == "quota":
            self.ctx.limits.exhaust(req.source, rule.reset_after)
        if rule is not None and kind == "slow":
            time.sleep(rule.delay)
        if rule is not None and kind == "status":
            resp = fault_response(req, rule)
        else:
            decision = self.ctx.limits.check(req)
            if decision.denied is not None:
                resp = decision.denied
            else:
                resp = self._render(req, rule)
                headers = decision.headers
                if resp.status == 304:  # conditional hits cost no quota
                    self.ctx.limits.refund(req)
                    headers = self.ctx.limits.github_headers(req, "core")
                resp.headers.extend(headers)
        if rule is not None and kind == "malformed" and resp.body:
            resp.body = resp.body[: max(1, len(resp.body) * 3 // 5)]
        return resp

    def _render(self, req: Request, rule: FaultRule | None) -> Response:
        """Render, reusing an earlier identical GET's answer (the catalog never changes)."""
        if rule is not None or req.method not in ("GET", "HEAD") or req.path == "/rate_limit":
            return self._render_fresh(req, rule)
        h = req.headers
        key = (
            req.source,
            req.path,
            tuple(req.query),
            bool(h.get("authorization")),
            h.get("accept"),
            h.get("if-none-match"),
            req.target_length > arxiv.MAX_TARGET,
        )
        cached = self._cache.get(key)
        if cached is None:
            cached = self._render_fresh(req, rule)
            if len(self._cache) >= RENDER_CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = cached
        return Response(cached.status, cached.body, cached.content_type, list(cached.headers))

    def _render_fresh(self, req: Request, rule: FaultRule | None) -> Response:
        ctx = self.ctx
        kind = rule.fault if rule else None
        seed = self.plan.seed
        if req.source == "arxiv":
            return arxiv.handle(req, ctx, empty=kind == "empty_page")
        if req.source == "s2":
            return s2.handle(
                req, ctx, batch_nulls=rule.fraction if rule and kind == "batch_nulls" else None, seed=seed
            )
        if req.source == "openalex":
            return openalex.handle(req, ctx)
        if req.source == "crossref":
            return crossref.handle(req, ctx)
        if req.source == "github":
            if req.path.rstrip("/") == "/graphql" and kind == "graphql_errors" and rule is not None:
                return github.graphql(req, ctx, fail_fraction=rule.fraction, seed=seed)
            return github.handle(req, ctx)
        return hf.handle(req, ctx)

    def _send(self, h: _Handler, resp: Response, *, truncate: bool = False) -> int:
        body = resp.body
        head = [f"HTTP/1.1 {resp.status} {_REASONS.get(resp.status, 'Unknown')}"]
        if resp.content_type:
            head.append(f"Content-Type: {resp.content_type}")
        head.append(f"Content-Length: {len(body)}")
        head.extend(f"{k}: {v}" for k, v in resp.headers)
        if truncate:
            head.append("Connection: close")
        payload = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if h.command != "HEAD":
            payload += body[: max(1, len(body) // 2)] if truncate else body
        try:
            h.wfile.write(payload)
        except OSError:
            h.close_connection = True
            return NO_RESPONSE
        if truncate:
            h.close_connection = True
            _close(h.connection, reset=False)
        return resp.status

    def _log(
        self,
        ts: float,
        started: float,
        source: str,
        method: str,
        path: str,
        query: Sequence[tuple[str, str]],
        status: int,
        sent: int,
    ) -> None:
        self.access.add(
            {
                "ts": round(ts, 6),
                "source": source,
                "method": method,
                "path": path,
                "query": sanitize_query(list(query)),
                "status": status,
                "bytes": sent,
                "latency_ms": round((time.perf_counter() - started) * 1000, 3),
            }
        )


def _close(conn: socket.socket, *, reset: bool) -> None:
    try:
        if reset:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        log.debug("socket already closed")
    conn.close()


def fault_response(req: Request, rule: FaultRule) -> Response:
    """The error a real ``req.source`` sends with ``rule.status``."""
    status = rule.status
    headers = [("Retry-After", _fmt(rule.retry_after))] if rule.retry_after is not None else []
    source = req.source
    if status == 429:
        if source == "s2":
            body = {
                "message": "Too Many Requests. Please wait and try again or apply for a key for higher rate limits. "
                "https://www.semanticscholar.org/product/api#api-key-form",
                "code": "429",
            }
            return json_response(429, body, headers)
        if source == "openalex":
            return json_response(
                429, {"error": "Rate limit exceeded", "message": "Too many requests."}, headers
            )
        if source == "github":
            body = {
                "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
            }
            return json_response(429, body, headers)
        if source == "hf":
            return json_response(429, {"error": "Too many requests, please try again later."}, headers)
        return text_response(429, "Too Many Requests\n", headers=headers)
    if status == 403 and source == "github":
        body = {
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
            "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
            "If you reach out to GitHub Support for help, please include the request ID 0000:FAKE.",
        }
        return json_response(403, body, headers)
    reason = _REASONS.get(status, "Error")
    if source in ("s2", "github"):
        return json_response(status, {"message": reason}, headers)
    if source in ("openalex", "hf"):
        return json_response(status, {"error": reason}, headers)
    html = (
        f"<html><head><title>{status} {reason}</title></head><body><h1>{status} {reason}</h1></body></html>\n"
    )
    return text_response(status, html, "text/html", headers)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class FakeApis:
    """A local double of every API, serving real HTTP on 127.0.0.1 from a background thread.

    >>> with FakeApis([{"type": "repo", "full_name": "o/r", "stars": 3}]) as apis:  # doctest: +SKIP
    ...     requests.get(apis.endpoints.github + "/repos/o/r").json()["stargazers_count"]
    3

    ``catalog`` is a JSONL path, a :class:`Catalog` or a list of record dicts; ``faults`` a profile
    path (TOML/JSON) or :class:`FaultProfile`; ``rate_limits`` ``"off"``, ``"real"`` or a factor;
    ``seed`` is used when the profile sets none.
    """

    def __init__(
        self,
        catalog: Path | str | Catalog | Sequence[Mapping[str, Any]],
        *,
        faults: Path | str | FaultProfile | None = None,
        rate_limits: str | float = "off",
        log_path: Path | None = None,
        port: int = 0,
        seed: int = 0,
    ) -> None:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= MAX_PORT:
            raise InputError(f"--port {port}", f"must be a number from 0 to {MAX_PORT} (0: any free port)")
        if isinstance(catalog, Catalog):
            self.catalog = catalog
        elif isinstance(catalog, str | Path):
            self.catalog = load_catalog(Path(catalog))
        else:
            self.catalog = catalog_from(list(catalog))
        profile = load_fault_profile(Path(faults)) if isinstance(faults, str | Path) else faults
        self.seed = seed
        self.profile = profile or FaultProfile()
        self.limits = Limits(rate_limits, self.profile.limits)
        self._log = AccessLog(log_path)
        self._app = App(Context(self.catalog, self.limits), FaultPlan(self.profile, seed), self._log)
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakeApis:
        if self._server is not None:
            return self
        try:
            server = _Server(("127.0.0.1", self._port), _Handler)
        except OSError as exc:
            raise InputError(f"--port {self._port}", f"cannot listen on 127.0.0.1: {exc.strerror}") from None
        server.app = self._app
        self._server = server
        self._app.root = f"http://127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.name = "fake-apis"
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        self._app.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._log.close()

    def __enter__(self) -> FakeApis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what callers use --------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeApis is not running: use it as a context manager or call start()")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (without a source prefix)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoints(self) -> Endpoints:
        return Endpoints({source: self.url + PREFIXES[source] for source in SOURCES})

    def env(self) -> dict[str, str]:
        """``{"ENRICH_ARXIV_URL": "http://127.0.0.1:PORT/arxiv", ...}`` for every source."""
        return {ENV_VARS[source]: self.url + PREFIXES[source] for source in SOURCES}

    def access_log(self, source: str | None = None) -> list[dict[str, Any]]:
        """Every request so far (fields ``ts, source, method, path, query, status, bytes, latency_ms``)."""
        entries = self._log.entries()
        return [e for e in entries if source is None or e["source"] == source]

    def clear_log(self) -> None:
        self._log.clear()

    def set_faults(self, faults: Path | str | FaultProfile | None) -> None:
        """Swap the fault profile while running; request counters restart at 1."""
        profile = load_fault_profile(Path(faults)) if isinstance(faults, str | Path) else faults
        self.profile = profile or FaultProfile()
        self._app.set_plan(FaultPlan(self.profile, self.seed))


__all__ = ["LOG_FIELDS", "AccessLog", "FakeApis"]
