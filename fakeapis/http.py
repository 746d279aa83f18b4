"""Plain request/response values passed between the server, the API renderers and the fault layer."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Final

Json = Any
REASONS: Final = {s.value: s.phrase for s in HTTPStatus}
"""The reason phrase of every status code, for status lines and error bodies."""


@dataclass(slots=True)
class Request:
    """One HTTP request as a renderer sees it: ``path`` is below the source's root (``/api/query``)."""

    method: str
    source: str
    path: str
    query: list[tuple[str, str]]
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""
    root: str = ""  # this source's root URL on the double, for Location headers
    target_length: int = 0  # length of the real request target (path + query), for arXiv's 414

    def param(self, name: str) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json_body(self) -> Json:
        return json.loads(self.body.decode("utf-8"))


@dataclass(slots=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None


def json_response(
    status: int, payload: Json, headers: list[tuple[str, str]] | None = None, *, compact: bool = True
) -> Response:
    sep = (",", ":") if compact else (", ", ": ")
    body = json.dumps(payload, ensure_ascii=False, separators=sep).encode("utf-8")
    return Response(status, body, "application/json", list(headers or []))


def text_response(
    status: int, text: str, content_type: str = "text/plain", headers: list[tuple[str, str]] | None = None
) -> Response:
    return Response(status, text.encode("utf-8"), content_type, list(headers or []))
