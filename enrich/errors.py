"""The project's small exception tree.

Every exception here pickles (Prefect may run tasks in other processes), carries only plain data,
and never holds a token, key or a URL with credentials in it: messages are built from redacted
values (see :func:`enrich.http.sanitize_url`).
"""

from __future__ import annotations


class EnrichError(Exception):
    """Base class of every error this package raises on purpose."""

    def __reduce__(self) -> tuple[type[EnrichError], tuple[object, ...]]:
        return (self.__class__, self.args)


class InputError(EnrichError):
    """A user's input is unusable: a missing path, a binary file, a bad date, a bad catalog line.

    ``path`` names the input and ``problem`` says what is wrong; ``str()`` gives one clear line.
    """

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(path, problem)
        self.path = path
        self.problem = problem

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


class SourceError(EnrichError):
    """A remote source failed in a way the caller may degrade around (down, out of quota, bad body)."""

    def __init__(self, source: str, reason: str, *, status: int | None = None) -> None:
        super().__init__(source, reason, status)
        self.source = source
        self.reason = reason
        self.status = status

    def __reduce__(self) -> tuple[type[SourceError], tuple[object, ...]]:
        return (_rebuild_source_error, (self.__class__, self.source, self.reason, self.status))  # type: ignore[return-value]

    def __str__(self) -> str:
        code = f" (HTTP {self.status})" if self.status is not None else ""
        return f"{self.source}: {self.reason}{code}"


class RateLimitedError(SourceError):
    """The source said "too many requests" or the budget is spent; ``retry_after`` is seconds, if known."""

    def __init__(
        self, source: str, reason: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(source, reason, status=status)
        self.retry_after = retry_after

    def __reduce__(self) -> tuple[type[RateLimitedError], tuple[object, ...]]:
        return (
            _rebuild_rate_limited,  # type: ignore[return-value]
            (self.__class__, self.source, self.reason, self.status, self.retry_after),
        )


class SourceUnavailableError(SourceError):
    """The source cannot be reached at all (DNS, refused connection, repeated timeouts)."""


class OutsideApiError(SourceError):
    """A request would leave the source's configured base URL (host and path prefix): never sent.

    Raised by the session layer (:meth:`enrich.clients.base.BaseClient.request` and its redirect hook)
    whatever built the URL, so an identifier that slipped past validation cannot reach another API,
    another route or another host, nor carry the source's credentials there.
    """


class AuthRejectedError(SourceError):
    """The source refused the configured credential (HTTP 401, or 403 without rate-limit signals).

    Not a transient error: the client stops asking that source for the rest of the run, and the run
    names it ("S2 rejected the API key") instead of counting the items as plain errors.
    """


class SourceDeferredError(RateLimitedError):
    """The source cannot be served tonight: told to wait past its deadline, quota spent, or its deadline
    passed. The client stops asking it for the rest of the run; the remaining items are ``deferred``."""


class SnapshotError(EnrichError):
    """Writing or reading a snapshot failed; nothing already stored was changed."""


def _rebuild_source_error(
    cls: type[SourceError], source: str, reason: str, status: int | None
) -> SourceError:
    return cls(source, reason, status=status)


def _rebuild_rate_limited(
    cls: type[RateLimitedError], source: str, reason: str, status: int | None, retry_after: float | None
) -> RateLimitedError:
    return cls(source, reason, status=status, retry_after=retry_after)
