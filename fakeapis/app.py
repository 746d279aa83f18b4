"""Routing: one request through the fault plan, the rate limits, then the source's renderer.

The first path segment names the source (``/arxiv``, ``/s2``, ``/openalex``, ``/crossref``, ``/github``,
``/hf``); paths below it are the real ones. Identical GETs reuse an earlier rendering (the catalog
never changes while the double runs).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from enrich.config import SOURCES
from enrich.redact import sanitize_query
from fakeapis.access import AccessLog
from fakeapis.apis import arxiv, crossref, github, github_graphql, hf, openalex, s2
from fakeapis.context import Context
from fakeapis.faults import FaultPlan, FaultRule, fault_response
from fakeapis.http import Request, Response, text_response
from fakeapis.wire import NO_RESPONSE, Handler, close_socket, send

log = logging.getLogger(__name__)

PREFIXES: Final = {source: "/" + source for source in SOURCES}
RENDER_CACHE_SIZE: Final = 4096


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

    def serve(self, h: Handler) -> None:
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
            send(h, resp)
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
            close_socket(h.connection, reset=kind == "reset")
            return
        try:
            resp = self._answer(req, rule)
        except Exception as exc:  # a bug in the double must show, not drop the connection
            log.exception("fake-apis: %s %s failed", h.command, path)
            resp = text_response(500, f"fake-apis internal error: {type(exc).__name__}: {exc}\n")
        truncate = kind == "truncate" and bool(resp.body)
        sent = max(1, len(resp.body) // 2) if truncate else len(resp.body)
        self._log(ts, started, source, h.command, path, query, resp.status, sent)
        send(h, resp, truncate=truncate)

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
                return github_graphql.graphql(req, ctx, fail_fraction=rule.fraction, seed=seed)
            return github.handle(req, ctx)
        return hf.handle(req, ctx)

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
