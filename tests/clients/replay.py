"""Serve recorded real responses (tests/fixtures/recorded) through a requests transport adapter."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "recorded"
T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Recorded:
    status: int
    headers: dict[str, str]
    body: bytes
    request: dict[str, Any]

    def json(self) -> Any:
        return json.loads(self.body)


def _flatten(headers: Any) -> dict[str, str]:
    if not headers:
        return {}
    if isinstance(headers, list):
        return {str(k): str(v) for k, v in headers}
    out = {}
    for k, v in headers.items():
        out[str(k)] = ", ".join(v) if isinstance(v, list) else str(v)
    return out


def recorded(source: str, name: str) -> Recorded:
    """The recorded response ``<source>/<name>.*`` (body file + ``.meta.json``)."""
    folder = RECORDED / source
    meta = json.loads((folder / f"{name}.meta.json").read_text())
    bodies = [p for p in folder.glob(f"{name}.*") if not p.name.endswith(".meta.json")]
    assert len(bodies) == 1, bodies
    headers = _flatten(meta.get("headers"))
    # the body file is decoded: wire-level length/encoding headers no longer apply
    headers = {k: v for k, v in headers.items() if k.lower() not in ("content-length", "content-encoding")}
    status = (meta.get("status") or {}).get("code") or 200  # status not recorded: a saved 200 body
    return Recorded(status, headers, bodies[0].read_bytes(), meta["request"])


def all_recorded() -> list[tuple[str, str]]:
    """Every ``(source, name)`` in the recorded tree."""
    out = []
    for meta in sorted(RECORDED.glob("*/*.meta.json")):
        out.append((meta.parent.name, meta.name[: -len(".meta.json")]))
    return out


@dataclass
class Route:
    method: str
    pattern: str
    responses: Sequence[Recorded]
    hits: int = 0


@dataclass
class ReplayAdapter(BaseAdapter):  # type: ignore[misc]
    """Answers each request with the next recorded response of the first matching route."""

    routes: list[Route] = field(default_factory=list)
    sent: list[requests.PreparedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def add(self, method: str, pattern: str, *responses: Recorded) -> ReplayAdapter:
        self.routes.append(Route(method, pattern, list(responses)))
        return self

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.sent.append(request)
        target = request_target(request)
        for route in self.routes:
            if route.method == request.method and re.search(route.pattern, target):
                rec = route.responses[min(route.hits, len(route.responses) - 1)]
                route.hits += 1
                return _response(request, rec)
        return _response(request, Recorded(599, {}, b"no route", {}))

    def close(self) -> None:
        return None


def request_target(request: requests.PreparedRequest) -> str:
    """The URL, followed (after a newline) by a form body if any: routes match POSTed parameters too."""
    body = request.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    return (request.url or "") + (f"\n{body}" if isinstance(body, str) else "")


def _response(request: requests.PreparedRequest, rec: Recorded) -> requests.Response:
    response = requests.Response()
    response.status_code = rec.status
    response.headers = CaseInsensitiveDict(rec.headers)
    response._content = rec.body
    response.url = request.url or ""
    response.request = request
    response.encoding = "utf-8"
    response.reason = "replayed"
    return response


def replay_session(adapter: ReplayAdapter) -> requests.Session:
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
