"""The wire: stdlib ``ThreadingHTTPServer`` speaking HTTP/1.1 with keep-alive on 127.0.0.1.

Requests are read with a plain dict of headers (faster than the stdlib's email parser) and handed to
:meth:`fakeapis.app.App.serve`; answers are written in one ``sendall`` with a precomputed header block.
"""

from __future__ import annotations

import logging
import socket
import struct
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Final

from fakeapis.http import REASONS, Response

if TYPE_CHECKING:
    from fakeapis.app import App

log = logging.getLogger(__name__)

MAX_LINE: Final = 65536
MAX_HEADERS: Final = 100
NO_RESPONSE: Final = 0
"""``status`` logged when no HTTP answer was sent (reset, down, client gone)."""


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    app: App

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A failing connection is logged, not printed as a traceback on stderr."""
        log.debug("connection from %s failed", client_address, exc_info=True)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server
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


def send(h: Handler, resp: Response, *, truncate: bool = False) -> int:
    """Write ``resp`` in one write and return its status (:data:`NO_RESPONSE` when the client is gone);
    ``truncate`` sends half the body after a full ``Content-Length``, then closes (the truncate fault)."""
    body = resp.body
    head = [f"HTTP/1.1 {resp.status} {REASONS.get(resp.status, 'Unknown')}"]
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
        close_socket(h.connection, reset=False)
    return resp.status


def close_socket(conn: socket.socket, *, reset: bool) -> None:
    try:
        if reset:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        log.debug("socket already closed")
    conn.close()
