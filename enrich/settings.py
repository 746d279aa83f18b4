"""One typed settings object for a run, read from ``ENRICH_*`` variables and ``.env``.

Build it at the edge only (``flows.cli_run``, ``flows.cli_serve``, a flow's first lines), never at import
time: ``Settings()`` reads the environment when it is called. Values are handed on to the library as
plain arguments (:meth:`Settings.endpoints`, :meth:`Settings.credentials`).

Credentials come from ``GITHUB_TOKEN``, ``S2_API_KEY``, ``OPENALEX_API_KEY`` and ``HF_TOKEN`` (no prefix:
the names every tool uses) as :class:`pydantic.SecretStr`, or from Prefect ``Secret`` blocks named by
``ENRICH_GITHUB_TOKEN_BLOCK`` etc.; the block is loaded by a function the caller passes in, so this
module never imports Prefect. Secrets never appear in ``repr``, logs or :meth:`Settings.public_dict`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, AliasChoices, Field, SecretStr, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from enrich.config import Credentials, Endpoints, SourcePolicy, source_policy
from enrich.errors import InputError
from enrich.outroot import parse_root
from enrich.sources import names, parse_sources, registered

SecretLoader = Callable[[str], str | None]
"""Loads a named secret (e.g. a Prefect ``Secret`` block); returns ``None`` when there is none."""

_CRON_FIELDS = 5
_UNPRINTABLE = re.compile(r"[\x00-\x20\x7f-\x9f\u2028\u2029]")
"""Control characters and whitespace: in a header value (User-Agent, Authorization) or a URL, a CR/LF
would split the request, so none may reach one."""
_MAILTO = re.compile(r"^[^@\s]+@[^@\s]+$")


def check_root_url(value: str) -> str:
    """``value`` without a trailing slash if it can be an API root, else ``ValueError`` saying why.

    An API root is ``http(s)://host[:port][/path]``: a host is required, the port must be a number,
    and it holds no user info, whitespace, control character, query or fragment (every request is built
    under it, and the session layer refuses anything that leaves it).
    """
    if _UNPRINTABLE.search(value):
        raise ValueError("holds whitespace or a control character")
    if not value.lower().startswith(("http://", "https://")):
        raise ValueError(f"{value!r} is not an http(s) URL")
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        raise ValueError("has a port that is not a number from 0 to 65535") from None
    if not parts.hostname:
        raise ValueError("has no host (expected http(s)://host[:port][/path])")
    if parts.username is not None or parts.password is not None:
        raise ValueError("may not hold user info (user:password@); credentials go in their own variables")
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        raise ValueError("may not hold a query or fragment ('?' or '#')")
    return value.rstrip("/")


class _SourceRoots(PydanticBaseSettingsSource):
    """``roots`` from each registered source's ``url_env`` (``ENRICH_S2_URL``...): environment first,
    then ``.env``. Read when ``Settings()`` is called, so a registered source's variable counts at once."""

    def __init__(self, settings_cls: type[BaseSettings], dotenv: PydanticBaseSettingsSource) -> None:
        super().__init__(settings_cls)
        self._dotenv = dotenv

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        dotenv = self._dotenv.env_vars if isinstance(self._dotenv, DotEnvSettingsSource) else {}
        env = {k.lower(): v for k, v in dotenv.items() if v is not None}
        env.update({k.lower(): v for k, v in os.environ.items()})
        roots = {s.name: env[s.url_env.lower()] for s in registered() if s.url_env.lower() in env}
        return {"roots": roots} if roots else {}


class Settings(BaseSettings):
    """Everything a run needs to know about its environment.

    ============================ ======================================== ===========================
    variable                     field                                    default
    ============================ ======================================== ===========================
    ENRICH_LISTS_DIR             lists_dir: raw lists (manifest optional)  ``data/raw``
    ENRICH_OUT_DIR               out_dir: snapshot root, a directory or    ``data/enriched``
                                 ``s3://bucket/prefix`` (enrich.storage)
    ENRICH_CACHE_DIR             cache_dir: HTTP + resolution caches       ``.cache/enrich``
    ENRICH_SOURCES               sources: comma-separated subset           every source
    ENRICH_TIMEOUT               timeout: seconds per HTTP request         30
    ENRICH_MAILTO                mailto: contact e-mail (polite pools)     none
    ENRICH_ARXIV_URL ... HF_URL  roots: API roots (mirror, proxy, API      the real hosts
                                 double), one ``url_env`` per source of
                                 ``enrich.sources.REGISTRY``
    ENRICH_SCHEDULE_CRON         schedule_cron for ``enrich serve``        ``0 3 * * *``
    ENRICH_SCHEDULE_TIMEZONE     schedule_timezone (IANA name)             ``UTC``
    ENRICH_SOURCE_CONCURRENCY    source_concurrency: batches of one source 1
                                 running at once across all workers
    ENRICH_INTERVAL_SCALE        interval_scale: multiplies each API's     1
                                 documented minimum interval between
                                 requests (0 only against
                                 ``enrich fake-apis --rate-limits off``)
    ENRICH_SOURCE_DEADLINE       source_deadline: seconds from the run's   2700 per source
                                 start after which a source is asked       (``SOURCE_POLICY``)
                                 nothing more; its rest is deferred
    ENRICH_MIN_SERVED            min_served: share of requested items a   0.95 per source
                                 source must serve, else the run is        (``SOURCE_POLICY``)
                                 partial (exit 3) and names it
    ENRICH_FETCH_DEPLOYMENT      fetch_deployment: a deployment of         none (fetch in the
                                 ``flows.fleet.fetch_unit`` the fetch       nightly's own run)
                                 fans out to (object-store root only)
    ENRICH_UNIT_TIMEOUT          unit_timeout: seconds a fleet unit may    3600
                                 take before it is started again
    GITHUB_TOKEN, S2_API_KEY,    credentials (``SecretStr``)               none
    OPENALEX_API_KEY, HF_TOKEN
    ENRICH_<NAME>_BLOCK          name of a Prefect Secret block to use     none
                                 when the variable above is unset
    ============================ ======================================== ===========================
    """

    model_config = SettingsConfigDict(
        env_prefix="ENRICH_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        frozen=True,
    )

    lists_dir: Path = Path("data/raw")
    # ENRICH_OUT_DIR; ENRICH_OUT (what enrich.load read first) is an alias (enrich.outroot)
    # a directory (Path) or an object-store URL (str, ``s3://bucket/prefix``): enrich.outroot.parse_root
    out_dir: Path | str = Field(
        default=Path("data/enriched"),
        validation_alias=AliasChoices("ENRICH_OUT_DIR", "ENRICH_OUT", "out_dir"),
    )
    cache_dir: Path = Path(".cache/enrich")
    sources: Annotated[tuple[str, ...], NoDecode] = Field(default_factory=names)
    timeout: float = Field(default=30.0, gt=0, allow_inf_nan=False)
    mailto: str | None = None

    roots: dict[str, Annotated[str, AfterValidator(check_root_url)]] = Field(
        default_factory=dict
    )  # source -> the root given (the real one otherwise)

    github_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("GITHUB_TOKEN", "github_token")
    )
    s2_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("S2_API_KEY", "s2_api_key")
    )
    openalex_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENALEX_API_KEY", "openalex_api_key")
    )
    hf_token: SecretStr | None = Field(default=None, validation_alias=AliasChoices("HF_TOKEN", "hf_token"))

    github_token_block: str | None = None
    s2_api_key_block: str | None = None
    openalex_api_key_block: str | None = None
    hf_token_block: str | None = None

    schedule_cron: str = "0 3 * * *"
    schedule_timezone: str = "UTC"
    source_concurrency: int = Field(default=1, ge=1)
    interval_scale: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    source_deadline: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    min_served: float | None = Field(default=None, ge=0, le=1)
    fetch_deployment: str | None = None
    unit_timeout: float = Field(default=3600.0, gt=0, allow_inf_nan=False)

    @field_validator("out_dir", mode="before")
    @classmethod
    def _parse_out_dir(cls, value: Any) -> Any:
        if not isinstance(value, (str, Path)):
            return value
        try:
            return parse_root(value)
        except InputError as exc:
            raise ValueError(exc.problem) from None

    @field_validator("fetch_deployment")
    @classmethod
    def _check_deployment(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[\w.-]+/[\w.-]+", value):
            raise ValueError(f"{value!r} is not <flow name>/<deployment name> (e.g. fetch-unit/fetch-unit)")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        roots = _SourceRoots(settings_cls, dotenv_settings)
        return init_settings, env_settings, dotenv_settings, roots, file_secret_settings

    @field_validator("sources", mode="before")
    @classmethod
    def _parse_sources(cls, value: Any) -> Any:
        if isinstance(value, str | list | tuple) and all(isinstance(v, str) for v in value):
            return parse_sources(value)  # canonical order, no duplicates; ValueError names unknown ones
        return value

    @field_validator("roots")
    @classmethod
    def _known_roots(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(names()))
        if unknown:
            raise ValueError(f"unknown source(s) {', '.join(unknown)}; choose from {', '.join(names())}")
        return value

    def url(self, source: str) -> str:
        """The root of ``source`` this run uses."""
        return self.endpoints().root(source)

    @field_validator("mailto")
    @classmethod
    def _mailto(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if _UNPRINTABLE.search(value):
            raise ValueError("holds whitespace or a control character (CR/LF would forge request headers)")
        if not _MAILTO.match(value):
            raise ValueError("is not an e-mail address (name@host)")
        return value

    @field_validator("github_token", "s2_api_key", "openalex_api_key", "hf_token", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, str) and _UNPRINTABLE.search(value.strip()):
            # the value itself is never shown: it is a credential
            raise ValueError("holds whitespace or a control character (a CR/LF would forge request headers)")
        return value.strip() if isinstance(value, str) else value

    @field_validator("schedule_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        if len(value.split()) != _CRON_FIELDS:
            raise ValueError(f"{value!r} is not a 5-field cron expression (e.g. '0 3 * * *')")
        return value

    @field_validator("schedule_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. 'Europe/Berlin')") from exc
        return value

    def endpoints(self) -> Endpoints:
        """The API roots as the clients take them."""
        return Endpoints(self.roots)

    def source_policy(self) -> dict[str, SourcePolicy]:
        """Each source's threshold and deadline: ``enrich.config.SOURCE_POLICY`` with the overrides."""
        return source_policy(deadline_s=self.source_deadline, min_served=self.min_served)

    def credentials(self, load_secret: SecretLoader | None = None) -> Credentials:
        """Credentials for the clients: the environment first, then the named secret blocks.

        ``load_secret`` is called with a block name only when the environment has no value and a
        ``*_block`` setting names one (``flows`` passes a Prefect ``Secret`` loader).
        """

        def pick(value: SecretStr | None, block: str | None) -> SecretStr | None:
            if value is not None:
                return value
            if block and load_secret is not None:
                loaded = load_secret(block)
                if loaded and loaded.strip():
                    return SecretStr(loaded.strip())
            return None

        return Credentials(
            github_token=pick(self.github_token, self.github_token_block),
            s2_api_key=pick(self.s2_api_key, self.s2_api_key_block),
            openalex_api_key=pick(self.openalex_api_key, self.openalex_api_key_block),
            hf_token=pick(self.hf_token, self.hf_token_block),
            mailto=(self.mailto or "").strip() or None,
        )

    def public_dict(self) -> dict[str, object]:
        """The settings that may be shown (logs, artifacts): no secrets, only whether each is set."""
        out: dict[str, object] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if name == "roots":
                out.update({f"{s}_url": root for s, root in self.endpoints().roots.items()})
            elif isinstance(value, SecretStr):
                out[name] = "set"
            elif name in {s.credential for s in registered() if s.credential}:
                out[name] = "unset"
            elif isinstance(value, Path):
                out[name] = str(value)
            else:
                out[name] = value
        return out
