"""The session builder: User-Agent, expiry policy per URL, secrets out of cache keys and logs."""

from __future__ import annotations

import importlib.util
import logging
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from enrich.http import (
    CACHE_POLICY,
    CacheSettings,
    build_session,
    register_secrets,
    user_agent,
)


def kind(url: str) -> str:
    return next((k for pattern, k in CACHE_POLICY if pattern.search(url)), "volatile")


def test_user_agent_carries_contact() -> None:
    assert user_agent("team@example.org") == "awesome-enrich/0.1.0 (mailto:team@example.org)"
    assert user_agent() == "awesome-enrich/0.1.0"
    assert user_agent("a@b.c", url="https://example.org/tool") == (
        "awesome-enrich/0.1.0 (+https://example.org/tool; mailto:a@b.c)"
    )
    session = build_session(user_agent=user_agent("a@b.c"))
    assert session.headers["User-Agent"].endswith("mailto:a@b.c)")
    assert type(session) is requests.Session


def test_expiry_policy_per_url_pattern() -> None:
    assert {
        url: kind(url)
        for url in (
            "https://export.arxiv.org/api/query?search_query=&id_list=1706.03762",
            "https://export.arxiv.org/api/query",
            "https://api.semanticscholar.org/graph/v1/paper/search/match?query=x",
            "https://api.semanticscholar.org/graph/v1/paper/search?query=x",
            "https://api.openalex.org/works?search=attention&per_page=5",
            "https://api.crossref.org/works?query.bibliographic=x&rows=5",
            "https://api.github.com/repos/o/r",
            "https://api.github.com/repos/o/r/contents/README.md",
            "https://api.semanticscholar.org/graph/v1/paper/batch?fields=title",
            "https://api.openalex.org/works?filter=doi:10.1/x",
            "https://api.crossref.org/works/10.1/x",
            "https://api.github.com/graphql",
            "https://huggingface.co/api/models/gpt2",
        )
    } == {
        "https://export.arxiv.org/api/query?search_query=&id_list=1706.03762": "immutable",
        "https://export.arxiv.org/api/query": "immutable",  # id_list POSTs
        "https://api.semanticscholar.org/graph/v1/paper/search/match?query=x": "immutable",
        "https://api.semanticscholar.org/graph/v1/paper/search?query=x": "immutable",
        "https://api.openalex.org/works?search=attention&per_page=5": "immutable",
        "https://api.crossref.org/works?query.bibliographic=x&rows=5": "immutable",
        "https://api.github.com/repos/o/r": "revalidate",
        "https://api.github.com/repos/o/r/contents/README.md": "revalidate",
        "https://api.semanticscholar.org/graph/v1/paper/batch?fields=title": "volatile",
        "https://api.openalex.org/works?filter=doi:10.1/x": "volatile",
        "https://api.crossref.org/works/10.1/x": "volatile",
        "https://api.github.com/graphql": "volatile",
        "https://huggingface.co/api/models/gpt2": "volatile",
    }


def test_secrets_are_not_part_of_the_cache_key(tmp_path: Path) -> None:
    session = build_session(
        user_agent="t", cache=CacheSettings(tmp_path, immutable_ttl=timedelta(days=1)), name="probe"
    )
    cache = session.cache  # type: ignore[attr-defined]

    def key(**kwargs: object) -> str:
        request = requests.Request("GET", "https://api.openalex.org/works?search=x", **kwargs).prepare()  # type: ignore[arg-type]
        return str(cache.create_key(request))

    base = key()
    assert key(params={"api_key": "one"}) == key(params={"api_key": "two"})
    assert (
        key(headers={"Authorization": "Bearer one"}) == key(headers={"Authorization": "Bearer two"}) == base
    )
    assert key(headers={"x-api-key": "one"}) == key(headers={"x-api-key": "two"}) == base
    assert key(params={"mailto": "a@b.c"}) != base  # ordinary parameters still count
    assert (tmp_path / "probe.sqlite").exists()


def test_http_library_logs_are_scrubbed(caplog: pytest.LogCaptureFixture) -> None:
    register_secrets(["very-secret-value-42"])
    logger = logging.getLogger("urllib3.connectionpool")
    with caplog.at_level(logging.DEBUG, logger="urllib3"):
        logger.debug('%s "GET /works?filter=x&api_key=%s HTTP/1.1" 200', "http://h", "very-secret-value-42")
        logger.debug("token=%s and key abc", "other-token")
    assert caplog.messages == [
        'http://h "GET /works?filter=x&api_key=*** HTTP/1.1" 200',
        "token=*** and key abc",
    ]


def test_cached_session_leaves_the_other_backends_drivers_out(tmp_path: Path) -> None:
    """requests-cache imports every installed backend driver (boto3, redis: +30 MB); a cached session
    is built without them, and they can still be imported afterwards. In a fresh interpreter: this
    one may have imported requests-cache already."""
    import subprocess
    import sys

    from enrich.http import UNUSED_CACHE_DRIVERS

    code = f"""
import importlib.util, sys
from pathlib import Path
from enrich.http import CacheSettings, build_session
session = build_session(user_agent="t", cache=CacheSettings(Path({str(tmp_path)!r})), name="s")
assert type(session).__name__ == "CachedSession", type(session)
print(",".join(sorted(n for n in {UNUSED_CACHE_DRIVERS!r} if n in sys.modules)))
print(",".join(sorted(n for n in {UNUSED_CACHE_DRIVERS!r} if n not in sys.modules and importlib.util.find_spec(n) is not None and __import__(n) is not None)))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, importable_after = done.stdout.splitlines()
    assert loaded == ""
    installed = sorted(n for n in UNUSED_CACHE_DRIVERS if importlib.util.find_spec(n) is not None)
    assert importable_after == ",".join(installed)


def test_cache_connections_keep_a_small_page_cache(tmp_path: Path) -> None:
    """Both connections of a source's cache file (responses, redirects) get CACHE_PAGE_KIB of page
    cache, a reopened one too, and the cache still answers."""
    from enrich.http import CACHE_PAGE_KIB

    session = build_session(user_agent="t", cache=CacheSettings(tmp_path), name="s")
    backend = session.cache  # type: ignore[attr-defined]
    for table in (backend.responses, backend.redirects):
        with table.connection() as con:
            assert con.execute("PRAGMA cache_size").fetchone() == (-CACHE_PAGE_KIB,)
    backend.responses["k"] = "v"
    backend.responses.close()
    with backend.responses.connection() as con:
        assert con.execute("PRAGMA cache_size").fetchone() == (-CACHE_PAGE_KIB,)
    assert backend.responses["k"] == "v"
