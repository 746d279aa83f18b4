"""Hugging Face Hub: ``api/models|datasets|spaces/{id}`` one at a time (there is no multi-id lookup).

Facts (``docs/apis.md`` §8): limits are per 5-minute window (API bucket: 500 anonymous,
1,000 free user); a 429 carries the IETF-draft ``RateLimit: "api";r=<remaining>;t=<seconds>`` header,
which :class:`enrich.ratelimit.RateLimiter` reads. Renamed repos answer 307 to the new id (followed;
recorded as ``moved`` with ``moved_to``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self, Unpack
from urllib.parse import quote, unquote, urlsplit

import requests
from pydantic import SecretStr

from enrich.clients._common import as_int, text
from enrich.clients.base import BaseClient, decode_json
from enrich.clients.policy import ClientConfig, ClientOptions
from enrich.errors import SourceError
from enrich.ids import normalize_arxiv_id
from enrich.links import card_refs
from enrich.ratelimit import Pacing, utcnow
from enrich.records import FetchStatus, HfRecord

if TYPE_CHECKING:
    from enrich.clients.github import RepoState

ANONYMOUS_MIN_INTERVAL = 0.6
"""Anonymous API bucket: 500 requests per 5 minutes = one per 0.6 s (hub-docs ``rate-limits.md``,
Sep 2025 table; apis.md §8)."""
TOKEN_MIN_INTERVAL = 0.3
"""Free-user API bucket: 1,000 per 5 minutes = one per 0.3 s (same table)."""

KINDS = {"model": "models", "dataset": "datasets", "space": "spaces"}

MAX_REDIRECTS = 3
"""Redirect hops followed for a renamed repo (one is the norm: old id -> new id)."""


def _redirect_path(location: str, plural: str) -> str | None:
    """The API path a Hub redirect points to, or ``None`` if it leaves ``/api/<kind>s/``.

    The Hub answers renamed repos with a *root-relative* ``Location`` (``/api/models/new/id``);
    joining it onto the configured base URL (not the host) keeps mirrors/proxies with a path prefix
    working, and a redirect elsewhere is never followed (only known API hosts are called).
    """
    path = urlsplit(location).path
    marker = f"/api/{plural}/"
    if marker not in path:
        return None
    return marker + path.split(marker, 1)[1]


_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(?:/[A-Za-z0-9][A-Za-z0-9_.-]*)?$")


def parse_hf_item(data: Mapping[str, Any], *, kind: str, hf_id: str, fetched_at: datetime) -> HfRecord:
    """A Hub ``api/{kind}s/{id}`` body as a record; ``moved`` when the body's id differs (pure)."""
    actual = text(data.get("id")) or text(data.get("modelId")) or hf_id
    moved = actual.lower() != hf_id.lower()
    tags = tuple(str(t) for t in data.get("tags") or ())
    arxiv_ids = []
    for tag in tags:
        if tag.startswith("arxiv:"):
            parsed = normalize_arxiv_id(tag[len("arxiv:") :])
            if parsed and parsed[0] not in arxiv_ids:
                arxiv_ids.append(parsed[0])
    gated = data.get("gated")
    return HfRecord(
        key=f"{kind}:{hf_id}",
        kind=kind,
        hf_id=hf_id,
        status=FetchStatus.MOVED if moved else FetchStatus.OK,
        fetched_at=fetched_at,
        moved_to=actual if moved else None,
        likes=as_int(data.get("likes")),
        downloads=as_int(data.get("downloads")),
        last_modified=text(data.get("lastModified")),
        gated=None if gated is None else gated is not False,
        tags=tags,
        arxiv_ids=tuple(arxiv_ids),
        card_refs=card_refs(data.get("cardData")),
    )


class HfClient(BaseClient):
    """Hugging Face models, datasets and spaces by id."""

    source: ClassVar[str] = "hf"
    DEFAULT_MIN_INTERVAL: ClassVar[float] = ANONYMOUS_MIN_INTERVAL
    LABEL: ClassVar[str] = "Hugging Face"
    BATCH_SIZE: ClassVar[int] = 50  # one request per item: batches keep task runs few but progress visible
    CREDENTIAL: ClassVar[str] = "token"
    AUTH_REJECTED_STATUSES: ClassVar[frozenset[int]] = frozenset({401})

    def __init__(
        self,
        base_url: str,
        session: requests.Session | None = None,
        timeout: float = 30.0,
        token: SecretStr | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        pacing = options.get("pacing") or Pacing()
        if pacing.min_interval is None:  # the documented interval with or without a token
            pacing = replace(pacing, min_interval=TOKEN_MIN_INTERVAL if token else ANONYMOUS_MIN_INTERVAL)
        self._token = token
        options["pacing"] = pacing
        super().__init__(base_url, session, timeout, **options)

    def _secrets(self) -> list[str]:
        return [self._token.get_secret_value()] if self._token else []

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token.get_secret_value()}"} if self._token else {}

    @classmethod
    def configured(cls, root: str, session: requests.Session, config: ClientConfig) -> Self:
        token = config.credentials.hf_token
        documented = TOKEN_MIN_INTERVAL if token else ANONYMOUS_MIN_INTERVAL
        return cls(root, session, config.timeout, token, **cls._run_options(config, documented))

    def fetch_keys(
        self, keys: Sequence[str], *, known: Mapping[str, RepoState] | None = None
    ) -> list[HfRecord]:
        """``kind:id`` keys (``model:org/name``)."""
        pairs = [(k.split(":", 1)[0], k.split(":", 1)[1]) for k in keys]
        return self.get_items(pairs)

    def get_items(self, items: Sequence[tuple[str, str]]) -> list[HfRecord]:
        """One record per ``(kind, id)``, same order; ``key`` = ``kind:id``."""
        seen: dict[tuple[str, str], HfRecord] = {}
        out: list[HfRecord] = []
        for kind, hf_id in items:
            item = (kind, hf_id.strip())
            if item not in seen:
                seen[item] = self._one(*item)
            out.append(seen[item])
        self._tally(r.status for r in out)
        return out

    def _one(self, kind: str, hf_id: str) -> HfRecord:
        now = utcnow()

        def failed(status: FetchStatus, reason: str | None = None) -> HfRecord:
            return HfRecord(f"{kind}:{hf_id}", kind, hf_id, status, now, reason=reason)

        if kind not in KINDS or not _ID.match(hf_id):
            return failed(FetchStatus.ERROR, "malformed Hugging Face id: not sent")
        path = f"/api/{KINDS[kind]}/{quote(hf_id)}"
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                reply = self.request(
                    "GET",
                    path,
                    headers=self._headers(),
                    allow_redirects=False,
                    decode=lambda r: parse_hf_item(
                        decode_json(r), kind=kind, hf_id=hf_id, fetched_at=utcnow()
                    ),
                )
                location = reply.headers.get("Location")
                if reply.status not in (301, 302, 307, 308) or not location:
                    break
                next_path = _redirect_path(location, KINDS[kind])
                if next_path is None:
                    return failed(FetchStatus.ERROR, f"redirected off the API (HTTP {reply.status})")
                path = next_path
        except SourceError as exc:
            return failed(*self.failure(exc))
        if reply.data is not None:
            record = reply.data
            moved_to = unquote(path.split(f"/api/{KINDS[kind]}/", 1)[-1])
            if record.status == FetchStatus.OK and moved_to.lower() != hf_id.lower():
                record = replace(record, status=FetchStatus.MOVED, moved_to=moved_to)
            return record
        if reply.status == 404:
            return failed(FetchStatus.NOT_FOUND)
        if reply.status == 401:
            return failed(FetchStatus.NOT_FOUND, "HTTP 401: not found, private or gated")
        return failed(FetchStatus.ERROR, f"HTTP {reply.status}")
