"""Fault profiles: per source, deterministic by seed, what goes wrong and when.

A profile is a JSON or TOML file (documented in docs/fakeapi.md)::

    seed = 7

    [[s2]]                 # rules for one source, tried in order; the first that fires wins
    fault = "status"       # see FAULT_KINDS
    status = 429
    retry_after = 2        # optional: adds a Retry-After header
    rate = 0.3             # probability per request (default 1.0), drawn from (seed, source, rule, n)
    after = 0              # skip the source's first N requests (default 0)
    first = 3              # then fire on at most the next N requests (a burst)
    every = 2              # or only on every Nth request after ``after``
    times = 5              # stop after firing this many times
    path = "/graph/v1/paper/batch"   # only requests whose path starts with this

    [limits.github]        # override the documented limits used by --rate-limits real|FACTOR
    core_token = 10

Request numbers ``n`` count from 1 per source, so the same client calls meet the same faults. A
``status`` fault answers with :func:`fault_response`: the body the real API sends with that status.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from enrich.config import SOURCES
from enrich.errors import InputError
from fakeapis.http import REASONS, Request, Response, json_response, text_response

FAULT_KINDS: Final = {
    "status": "answer with an HTTP error (429 with or without retry_after, 500/502/503 bursts, 403...)",
    "slow": "wait `delay` seconds before answering (longer than a client's timeout)",
    "reset": "reset the TCP connection (SO_LINGER 0, then close) without answering",
    "truncate": "send a Content-Length larger than the body actually sent, then close",
    "malformed": "200 with a body cut short: invalid JSON / XML",
    "empty_page": "arXiv only: a valid Atom feed with zero entries and totalResults 0",
    "batch_nulls": "S2 only: paper/batch answers null for a `fraction` of the papers it found",
    "graphql_errors": "GitHub only: /graphql answers null plus an error for a `fraction` of the aliases",
    "quota": "spend the source's quota until `reset_after` seconds from the first firing",
    "down": "close the connection immediately, without answering (as an unreachable host)",
}
SOURCE_ONLY: Final = {"empty_page": "arxiv", "batch_nulls": "s2", "graphql_errors": "github"}
_RULE_KEYS: Final = {
    "fault",
    "status",
    "retry_after",
    "rate",
    "after",
    "first",
    "every",
    "times",
    "path",
    "delay",
    "fraction",
    "reset_after",
}


@dataclass(frozen=True, slots=True)
class FaultRule:
    fault: str
    status: int = 503
    retry_after: float | None = None
    rate: float = 1.0
    after: int = 0
    first: int | None = None
    every: int | None = None
    times: int | None = None
    path: str | None = None
    delay: float = 0.0
    fraction: float = 0.5
    reset_after: float = 60.0


@dataclass(frozen=True, slots=True)
class FaultProfile:
    rules: Mapping[str, tuple[FaultRule, ...]] = field(default_factory=dict)
    seed: int | None = None
    limits: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "fault profile") -> FaultProfile:
        return _parse(data, where)


def draw(seed: int, *parts: object) -> float:
    """A uniform number in [0, 1) from the seed and the parts (stable across runs and platforms)."""
    text = ":".join(str(p) for p in (seed, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") / 2**64


class FaultPlan:
    """Decides, per request, which rule fires. Thread-safe use is the caller's (the server holds a lock)."""

    def __init__(self, profile: FaultProfile | None, seed: int) -> None:
        self.profile = profile or FaultProfile()
        self.seed = self.profile.seed if self.profile.seed is not None else seed
        self.fired: dict[tuple[str, int], int] = {}

    def pick(self, source: str, n: int, path: str) -> tuple[int, FaultRule] | None:
        for index, rule in enumerate(self.profile.rules.get(source, ())):
            if rule.path is not None and not path.startswith(rule.path):
                continue
            k = n - rule.after
            if k < 1:
                continue
            if rule.first is not None and k > rule.first:
                continue
            if rule.every is not None and k % rule.every != 0:
                continue
            key = (source, index)
            if rule.times is not None and self.fired.get(key, 0) >= rule.times:
                continue
            if rule.rate < 1.0 and draw(self.seed, source, index, n) >= rule.rate:
                continue
            self.fired[key] = self.fired.get(key, 0) + 1
            return index, rule
        return None


def _parse(data: Mapping[str, Any], where: str) -> FaultProfile:
    if not isinstance(data, Mapping):
        raise InputError(where, "a fault profile must be a table/object at the top level")
    seed = data.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise InputError(where, f"'seed' must be an integer, got {seed!r}")
    limits = data.get("limits", {})
    if not isinstance(limits, Mapping) or not all(isinstance(v, Mapping) for v in limits.values()):
        raise InputError(where, "'limits' must map a source to a table of numbers")
    rules: dict[str, tuple[FaultRule, ...]] = {}
    for key, value in data.items():
        if key in ("seed", "limits"):
            continue
        if key not in SOURCES:
            raise InputError(
                where, f"unknown key {key!r}: expected seed, limits or a source in {list(SOURCES)}"
            )
        if isinstance(value, Mapping):
            value = [value]
        if not isinstance(value, Sequence) or isinstance(value, str):
            raise InputError(where, f"{key}: expected a list of fault rules")
        rules[key] = tuple(_rule(key, i, r, where) for i, r in enumerate(value))
    return FaultProfile(rules=rules, seed=seed, limits={k: dict(v) for k, v in limits.items()})


def _rule(source: str, index: int, raw: Any, where: str) -> FaultRule:
    here = f"{source}[{index}]"
    if not isinstance(raw, Mapping):
        raise InputError(where, f"{here}: a rule must be a table/object")
    unknown = sorted(set(raw) - _RULE_KEYS)
    if unknown:
        raise InputError(where, f"{here}: unknown key(s) {unknown}; known: {sorted(_RULE_KEYS)}")
    kind = raw.get("fault")
    if kind not in FAULT_KINDS:
        raise InputError(where, f"{here}: 'fault' must be one of {sorted(FAULT_KINDS)}, got {kind!r}")
    only = SOURCE_ONLY.get(kind)
    if only is not None and only != source:
        raise InputError(where, f"{here}: fault {kind!r} applies to {only} only")

    def number(name: str, default: float | None, *, integer: bool = False, low: float = 0.0) -> Any:
        value = raw.get(name, default)
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (integer and not isinstance(value, int))
        ):
            raise InputError(
                where, f"{here}: {name!r} must be a{'n integer' if integer else ' number'}, got {value!r}"
            )
        if value < low:
            raise InputError(where, f"{here}: {name!r} must be >= {low}, got {value!r}")
        return value

    rate = number("rate", 1.0)
    if rate > 1:
        raise InputError(where, f"{here}: 'rate' is a probability in [0, 1], got {rate!r}")
    fraction = number("fraction", 0.5)
    if fraction > 1:
        raise InputError(where, f"{here}: 'fraction' must be in [0, 1], got {fraction!r}")
    status = number("status", 503, integer=True, low=400)
    if status > 599:
        raise InputError(where, f"{here}: 'status' must be an HTTP error status, got {status!r}")
    path = raw.get("path")
    if path is not None and not (isinstance(path, str) and path.startswith("/")):
        raise InputError(where, f"{here}: 'path' must start with '/', got {path!r}")
    return FaultRule(
        fault=kind,
        status=status,
        retry_after=number("retry_after", None),
        rate=float(rate),
        after=number("after", 0, integer=True),
        first=number("first", None, integer=True, low=1),
        every=number("every", None, integer=True, low=1),
        times=number("times", None, integer=True, low=1),
        path=path,
        delay=float(number("delay", 0.0)),
        fraction=float(fraction),
        reset_after=float(number("reset_after", 60.0)),
    )


def load_fault_profile(path: Path) -> FaultProfile:
    """Read a profile from ``.toml`` or ``.json``; errors name the file and the rule."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), "fault profile does not exist") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot read fault profile: {exc.strerror}") from None
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(raw.decode("utf-8"))
        else:
            data = tomllib.loads(raw.decode("utf-8"))
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            str(path), f"not valid {'JSON' if path.suffix.lower() == '.json' else 'TOML'}: {exc}"
        ) from None
    return _parse(data, str(path))


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
    reason = REASONS.get(status, "Error")
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
