"""The double as one object: :class:`FakeApis` serves every API on one port of 127.0.0.1 from a
background thread.

``http://127.0.0.1:PORT/arxiv`` stands in for ``https://export.arxiv.org``, ``/s2`` for
``https://api.semanticscholar.org``, ``/openalex``, ``/crossref``, ``/github`` and ``/hf`` likewise;
paths below each root are the real ones. Routing is :mod:`fakeapis.app`, the HTTP/1.1 wire
:mod:`fakeapis.wire`, faults :mod:`fakeapis.faults`, rate limits :mod:`fakeapis.ratelimit`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from enrich.config import ENV_VARS, SOURCES, Endpoints
from enrich.errors import InputError
from fakeapis.access import AccessLog
from fakeapis.app import PREFIXES, App
from fakeapis.catalog import Catalog
from fakeapis.catalog_load import catalog_from, load_catalog
from fakeapis.context import Context
from fakeapis.faults import FaultPlan, FaultProfile, load_fault_profile
from fakeapis.ratelimit import Limits
from fakeapis.wire import Handler, Server

MAX_PORT: Final = 65535


class FakeApis:
    """A local double of every API, serving real HTTP on 127.0.0.1 from a background thread.

    >>> with FakeApis([{"type": "repo", "full_name": "o/r", "stars": 3}]) as apis:  # doctest: +SKIP
    ...     requests.get(apis.endpoints.github + "/repos/o/r").json()["stargazers_count"]
    3

    ``catalog`` is a JSONL path, a :class:`Catalog` or a list of record dicts; ``faults`` a profile
    path (TOML/JSON) or :class:`FaultProfile`; ``rate_limits`` ``"off"``, ``"real"`` or a factor;
    ``seed`` is used when the profile sets none.
    """

    def __init__(
        self,
        catalog: Path | str | Catalog | Sequence[Mapping[str, Any]],
        *,
        faults: Path | str | FaultProfile | None = None,
        rate_limits: str | float = "off",
        log_path: Path | None = None,
        port: int = 0,
        seed: int = 0,
    ) -> None:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= MAX_PORT:
            raise InputError(f"--port {port}", f"must be a number from 0 to {MAX_PORT} (0: any free port)")
        if isinstance(catalog, Catalog):
            self.catalog = catalog
        elif isinstance(catalog, str | Path):
            self.catalog = load_catalog(Path(catalog))
        else:
            self.catalog = catalog_from(list(catalog))
        profile = load_fault_profile(Path(faults)) if isinstance(faults, str | Path) else faults
        self.seed = seed
        self.profile = profile or FaultProfile()
        self.limits = Limits(rate_limits, self.profile.limits)
        self._log = AccessLog(log_path)
        self._app = App(Context(self.catalog, self.limits), FaultPlan(self.profile, seed), self._log)
        self._port = port
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakeApis:
        if self._server is not None:
            return self
        try:
            server = Server(("127.0.0.1", self._port), Handler)
        except OSError as exc:
            raise InputError(f"--port {self._port}", f"cannot listen on 127.0.0.1: {exc.strerror}") from None
        server.app = self._app
        self._server = server
        self._app.root = f"http://127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.name = "fake-apis"
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        self._app.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._log.close()

    def __enter__(self) -> FakeApis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what callers use --------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeApis is not running: use it as a context manager or call start()")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (without a source prefix)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoints(self) -> Endpoints:
        return Endpoints({source: self.url + PREFIXES[source] for source in SOURCES})

    def env(self) -> dict[str, str]:
        """``{"ENRICH_ARXIV_URL": "http://127.0.0.1:PORT/arxiv", ...}`` for every source."""
        return {ENV_VARS[source]: self.url + PREFIXES[source] for source in SOURCES}

    def access_log(self, source: str | None = None) -> list[dict[str, Any]]:
        """Every request so far (fields ``ts, source, method, path, query, status, bytes, latency_ms``)."""
        entries = self._log.entries()
        return [e for e in entries if source is None or e["source"] == source]

    def clear_log(self) -> None:
        self._log.clear()

    def set_faults(self, faults: Path | str | FaultProfile | None) -> None:
        """Swap the fault profile while running; request counters restart at 1."""
        profile = load_fault_profile(Path(faults)) if isinstance(faults, str | Path) else faults
        self.profile = profile or FaultProfile()
        self._app.set_plan(FaultPlan(self.profile, self.seed))


__all__ = ["FakeApis"]
