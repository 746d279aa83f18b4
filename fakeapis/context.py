"""What every API renderer shares: the catalog, per-source views and search indexes (built once)."""

from __future__ import annotations

import threading
from typing import Any

from fakeapis.catalog import Catalog, Work
from fakeapis.ratelimit import Limits
from fakeapis.search import Index

_ARXIV_FIELDS = {
    "ti": lambda w: w.title,
    "abs": lambda w: w.abstract or "",
    "au": lambda w: " ".join(a.name for a in w.authors),
    "all": lambda w: " ".join([w.title, w.abstract or "", *(a.name for a in w.authors)]),
}


class Context:
    def __init__(self, catalog: Catalog, limits: Limits) -> None:
        self.catalog = catalog
        self.limits = limits
        self._lock = threading.RLock()  # re-entrant: builders call _cached themselves
        self._cache: dict[str, Any] = {}

    def cached(self, key: str, build: Any) -> Any:
        """``build()`` once per ``key`` (thread-safe); for indexes an API module keeps to itself."""
        return self._cached(key, build)

    def _cached(self, key: str, build: Any) -> Any:
        value = self._cache.get(key)
        if value is None:
            with self._lock:
                value = self._cache.get(key)
                if value is None:
                    value = build()
                    self._cache[key] = value
        return value

    def works(self, source: str) -> list[Work]:
        """The works ``source`` knows, each in that source's view (overrides applied)."""
        result: list[Work] = self._cached("works:" + source, lambda: self.catalog.works_in(source))
        return result

    def catalog_view(self, source: str) -> dict[str, Work]:
        """arXiv: ``arxiv_id -> work`` for works present in arXiv."""
        result: dict[str, Work] = self._cached(
            "view:" + source, lambda: {w.arxiv_id.lower(): w for w in self.works(source) if w.arxiv_id}
        )
        return result

    def arxiv_index(self, field: str) -> Index[Work] | None:
        text_of = _ARXIV_FIELDS.get(field)
        if text_of is None:
            return None
        works = [w for w in self.works("arxiv") if w.arxiv_id]
        result: Index[Work] = self._cached("arxiv-index:" + field, lambda: Index(works, text_of))
        return result

    def title_index(self, source: str) -> Index[Work]:
        result: Index[Work] = self._cached(
            "title-index:" + source, lambda: Index(self.works(source), lambda w: w.title)
        )
        return result

    def text_index(self, source: str) -> Index[Work]:
        result: Index[Work] = self._cached(
            "text-index:" + source,
            lambda: Index(self.works(source), lambda w: w.title + " " + (w.abstract or "")),
        )
        return result

    def lookup(self, source: str, kind: str, value: str) -> Work | None:
        """Find a work by one id kind, in ``source``'s view; None when ``source`` does not have it."""
        return self.catalog.find(source, kind, value)

    def by_corpus(self, source: str, corpus_id: int) -> Work | None:
        return self.catalog.find(source, "corpus", corpus_id)
