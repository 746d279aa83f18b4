"""Checks on where a request goes and why a connection failed (pure functions, no client state)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import requests

__all__ = ["classify_connection_error", "outside_reason"]

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
