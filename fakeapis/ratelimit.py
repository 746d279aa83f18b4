"""Rate limits and budgets per source, answered the way each real API answers when exceeded.

Modes: ``off`` (nothing enforced; informational headers still sent, as the real APIs send them),
``real`` (the documented limits, see ``docs/apis.md`` and ``docs/fakeapi.md``), or a
``FACTOR`` such as ``0.01``: every window is that fraction of its real length (a clock 100x faster),
so a benchmark can exercise limits without waiting hours.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from enrich.errors import InputError
from fakeapis.http import Request, Response, json_response, text_response


def parse_mode(value: str | float) -> float | None:
    """``off`` -> None, ``real`` -> 1.0, a positive number -> that factor."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        factor = float(value)
    else:
        text = str(value).strip().lower()
        if text == "off":
            return None
        if text == "real":
            return 1.0
        try:
            factor = float(text)
        except ValueError:
            raise InputError(
                "--rate-limits", f"must be off, real or a positive factor, got {value!r}"
            ) from None
    if not factor > 0:
        raise InputError("--rate-limits", f"factor must be positive, got {value!r}")
    return factor


class Window:
    """A fixed window of ``limit`` units per ``seconds`` (scaled by the mode's factor)."""

    def __init__(self, limit: float, seconds: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.seconds = seconds
        self.clock = clock
        self.used = 0.0
        self.start = clock()
        self.blocked_until = 0.0

    def _roll(self) -> None:
        now = self.clock()
        if now - self.start >= self.seconds:
            self.start = now - ((now - self.start) % self.seconds)
            self.used = 0.0

    def take(self, cost: float = 1.0) -> bool:
        self._roll()
        if self.clock() < self.blocked_until:
            return False
        if self.used + cost > self.limit + 1e-9:
            return False
        self.used += cost
        return True

    def refund(self, cost: float = 1.0) -> None:
        self.used = max(0.0, self.used - cost)

    def remaining(self) -> float:
        self._roll()
        if self.clock() < self.blocked_until:
            return 0.0
        return max(0.0, self.limit - self.used)

    def reset_in(self) -> float:
        now = self.clock()
        if now < self.blocked_until:
            return self.blocked_until - now
        return max(0.0, self.start + self.seconds - now)

    def exhaust(self, seconds: float) -> None:
        self.blocked_until = self.clock() + seconds


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    headers: list[tuple[str, str]]
    denied: Response | None = None


HOUR = 3600.0
DAY = 86400.0

# The documented limits (per source; see docs/fakeapi.md and docs/apis.md).
REAL_LIMITS: Mapping[str, Mapping[str, float]] = {
    "arxiv": {"requests": 1, "seconds": 3},
    "s2": {"requests": 1, "seconds": 1},
    "openalex": {"requests": 100, "seconds": 1, "budget_usd_key": 1.0, "budget_usd_anonymous": 0.1},
    "crossref": {"single_public": 5, "list_public": 1, "single_polite": 10, "list_polite": 3},
    "github": {"core_token": 5000, "core_anonymous": 60, "graphql_points": 5000, "secondary_per_minute": 900},
    "hf": {"token": 1000, "anonymous": 500, "seconds": 300},
}

OPENALEX_COST_SINGLETON = 0.0
OPENALEX_COST_LIST = 0.0001
OPENALEX_COST_SEARCH = 0.001


def _is_authenticated(req: Request) -> bool:
    return bool(req.header("authorization"))


def _mailto(req: Request) -> bool:
    return bool(req.param("mailto")) or "mailto:" in (req.header("user-agent") or "")


class Limits:
    """Every source's windows; thread-safe. ``overrides`` replace numbers in :data:`REAL_LIMITS`."""

    def __init__(
        self,
        mode: str | float = "off",
        overrides: Mapping[str, Mapping[str, float]] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.factor = parse_mode(mode)
        self.enforce = self.factor is not None
        self.scale = self.factor or 1.0
        self.clock = clock
        self.wall = wall
        self.lock = threading.Lock()
        self.numbers: dict[str, dict[str, float]] = {s: dict(v) for s, v in REAL_LIMITS.items()}
        for source, values in (overrides or {}).items():
            if source not in self.numbers:
                raise InputError("fault profile", f"limits: unknown source {source!r}")
            for key, value in values.items():
                if key not in self.numbers[source]:
                    raise InputError(
                        "fault profile",
                        f"limits.{source}: unknown key {key!r}; known: {sorted(self.numbers[source])}",
                    )
                self.numbers[source][key] = float(value)
        self.windows: dict[str, Window] = {}

    def _window(self, name: str, limit: float, seconds: float) -> Window:
        w = self.windows.get(name)
        if w is None:
            w = Window(limit, seconds * self.scale, self.clock)
            self.windows[name] = w
        return w

    def exhaust(self, source: str, seconds: float) -> None:
        """Spend ``source``'s quota until ``seconds`` (real seconds, not scaled) from now."""
        with self.lock:
            for name in self._window_names(source):
                if (source == "openalex" and "budget" not in name) or name == "github:secondary":
                    continue  # a spent quota is the budget, not a per-second/per-minute limit
                self.windows[name].exhaust(seconds)

    def _window_names(self, source: str) -> list[str]:
        n = self.numbers
        table: dict[str, list[tuple[str, float, float]]] = {
            "arxiv": [("arxiv", n["arxiv"]["requests"], n["arxiv"]["seconds"])],
            "s2": [("s2", n["s2"]["requests"], n["s2"]["seconds"])],
            "openalex": [
                ("openalex", n["openalex"]["requests"], n["openalex"]["seconds"]),
                ("openalex:budget:key", n["openalex"]["budget_usd_key"], DAY),
                ("openalex:budget:anonymous", n["openalex"]["budget_usd_anonymous"], DAY),
            ],
            "crossref": [
                (f"crossref:{kind}_{pool}", n["crossref"][f"{kind}_{pool}"], 1)
                for kind in ("single", "list")
                for pool in ("public", "polite")
            ],
            "github": [
                ("github:core:token", n["github"]["core_token"], HOUR),
                ("github:core:anonymous", n["github"]["core_anonymous"], HOUR),
                ("github:graphql", n["github"]["graphql_points"], HOUR),
                ("github:secondary", n["github"]["secondary_per_minute"], 60),
            ],
            "hf": [
                ("hf:token", n["hf"]["token"], n["hf"]["seconds"]),
                ("hf:anonymous", n["hf"]["anonymous"], n["hf"]["seconds"]),
            ],
        }
        names = table[source]
        for name, limit, seconds in names:
            self._window(name, limit, seconds)
        return [name for name, _, _ in names]

    # -- per source -------------------------------------------------------------------------

    def check(self, req: Request) -> Decision:
        with self.lock:
            self._window_names(req.source)
            return getattr(self, "_" + req.source)(req)  # type: ignore[no-any-return]

    def refund(self, req: Request) -> None:
        """A GitHub 304 costs no quota: give the unit back."""
        if req.source != "github" or req.path == "/graphql":
            return
        with self.lock:
            name = "github:core:token" if _is_authenticated(req) else "github:core:anonymous"
            self.windows[name].refund()

    def _take(self, w: Window, cost: float = 1.0) -> bool:
        """Spend ``cost`` units; with limits off nothing is counted, only spent quotas deny."""
        if self.clock() < w.blocked_until:
            return False
        return w.take(cost) if self.enforce else True

    def _arxiv(self, req: Request) -> Decision:
        w = self.windows["arxiv"]
        if self._take(w):
            return Decision(True, [])
        return Decision(False, [], text_response(429, "Rate exceeded.\n"))

    def _s2(self, req: Request) -> Decision:
        w = self.windows["s2"]
        if self._take(w):
            return Decision(True, [])
        body = {
            "message": "Too Many Requests. Please wait and try again or apply for a key for higher rate limits. "
            "https://www.semanticscholar.org/product/api#api-key-form",
            "code": "429",
        }
        return Decision(False, [], json_response(429, body))

    def _openalex(self, req: Request) -> Decision:
        keyed = bool(req.param("api_key"))
        budget = self.windows["openalex:budget:key" if keyed else "openalex:budget:anonymous"]
        rps = self.windows["openalex"]
        cost = openalex_cost(req)
        reset = str(int(budget.reset_in()) if self.enforce else int(DAY - (self.wall() % DAY)))

        def headers(spent: float) -> list[tuple[str, str]]:
            remaining = budget.remaining()
            return [
                ("x-ratelimit-limit", str(round(budget.limit * 10000))),
                ("x-ratelimit-remaining", str(round(remaining * 10000))),
                ("x-ratelimit-limit-usd", _fmt_usd(budget.limit)),
                ("x-ratelimit-remaining-usd", _fmt_usd(remaining)),
                ("x-ratelimit-cost-usd", _fmt_usd(spent)),
                ("x-ratelimit-credits-used", str(round(spent * 10000))),
                ("x-ratelimit-onetime-remaining", "0"),
                ("x-ratelimit-prepaid-remaining-usd", "0"),
                ("x-ratelimit-reset", reset),
            ]

        if not self._take(rps):
            body = {
                "error": "Rate limit exceeded",
                "message": "Too many requests per second: max 100 requests per second.",
            }
            return Decision(False, [], json_response(429, body, [*headers(0.0), ("retry-after", "1")]))
        if not self._take(budget, cost):
            body = {
                "error": "Rate limit exceeded",
                "message": "Daily budget exhausted. Resets at midnight UTC. Get a free API key at https://openalex.org/settings/api",
            }
            return Decision(False, [], json_response(429, body, [*headers(0.0), ("retry-after", reset)]))
        return Decision(True, headers(cost))

    def _crossref(self, req: Request) -> Decision:
        pool = "polite" if _mailto(req) else "public"
        kind = "list" if req.path.rstrip("/") == "/works" else "single"
        w = self.windows[f"crossref:{kind}_{pool}"]
        headers = [
            ("x-rate-limit-limit", str(int(w.limit))),
            ("x-rate-limit-interval", "1s"),
            ("x-concurrency-limit", "3" if pool == "polite" else "1"),
            ("x-api-pool", pool),
        ]
        if self._take(w):
            return Decision(True, headers)
        return Decision(False, headers, text_response(429, "Too Many Requests", headers=headers))

    def github_headers(self, req: Request, resource: str) -> list[tuple[str, str]]:
        with self.lock:
            return self._github_headers(req, resource)

    def _github_headers(self, req: Request, resource: str) -> list[tuple[str, str]]:
        self._window_names("github")
        w = self._github_window(req, resource)
        remaining = int(w.remaining())
        return [
            ("x-ratelimit-limit", str(int(w.limit))),
            ("x-ratelimit-remaining", str(remaining)),
            ("x-ratelimit-reset", str(int(self.wall() + w.reset_in()))),
            ("x-ratelimit-used", str(int(w.limit) - remaining)),
            ("x-ratelimit-resource", resource),
        ]

    def _github_window(self, req: Request, resource: str) -> Window:
        if resource == "graphql":
            return self.windows["github:graphql"]
        return self.windows["github:core:token" if _is_authenticated(req) else "github:core:anonymous"]

    def _github(self, req: Request) -> Decision:
        if req.path == "/rate_limit":  # free against the primary limit
            return Decision(True, self._github_headers(req, "core"))
        resource = "graphql" if req.path == "/graphql" else "core"
        if resource == "graphql" and not _is_authenticated(req):
            return Decision(True, [])  # the renderer answers 401
        secondary = self.windows["github:secondary"]
        if resource == "core" and self.enforce and not secondary.take():
            retry = str(max(1, math.ceil(secondary.reset_in())))
            body403 = {
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
                "#about-secondary-rate-limits",
                "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            }
            headers = [*self._github_headers(req, resource), ("retry-after", retry)]
            return Decision(False, headers, json_response(403, body403, headers))
        w = self._github_window(req, resource)
        if self._take(w):
            return Decision(True, self._github_headers(req, resource))
        headers = self._github_headers(req, resource)
        if resource == "graphql":
            gql_body = {
                "errors": [
                    {
                        "type": "RATE_LIMITED",
                        "code": "graphql_rate_limit",
                        "message": "API rate limit already exceeded for user ID 1.",
                    }
                ]
            }
            return Decision(False, headers, json_response(200, gql_body, headers))
        body = {
            "message": "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests "
            "get a higher rate limit. Check out the documentation for more details.)",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        }
        if _is_authenticated(req):
            body["message"] = "API rate limit exceeded for user ID 1."
        return Decision(False, headers, json_response(403, body, headers))

    def _hf(self, req: Request) -> Decision:
        w = self.windows["hf:token" if _is_authenticated(req) else "hf:anonymous"]
        allowed = self._take(w)
        remaining = int(w.remaining())
        reset = (
            max(1, math.ceil(w.reset_in()))
            if self.enforce or not allowed
            else int(self.numbers["hf"]["seconds"])
        )
        headers = [
            ("RateLimit", f'"api";r={remaining};t={reset}'),
            (
                "RateLimit-Policy",
                f'"fixed window";"api";q={int(w.limit)};w={int(self.numbers["hf"]["seconds"])}',
            ),
        ]
        if allowed:
            return Decision(True, headers)
        body = {"error": "You have exceeded our hourly quotas for action: api. We invite you to retry later."}
        return Decision(False, headers, json_response(429, body, [*headers, ("Retry-After", str(reset))]))


def _fmt_usd(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def openalex_cost(req: Request) -> float:
    """OpenAlex prices calls: singletons free, lists $0.0001, searches $0.001."""
    path = req.path.rstrip("/")
    if path.startswith("/works/") or path == "/rate-limit":
        return OPENALEX_COST_SINGLETON
    if req.param("search") or any(".search" in (v or "") for k, v in req.query if k == "filter"):
        return OPENALEX_COST_SEARCH
    return OPENALEX_COST_LIST
