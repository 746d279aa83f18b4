"""The SQLite store base (enrich.resolve.store) as its two stores use it: files written by earlier
nights open unchanged, the cache keeps each decision at once, the work-id map one transaction a night."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from enrich.ids import Ids
from enrich.resolve.cache import ResolutionCache
from enrich.resolve.idmap import WorkIdMap
from enrich.resolve.match import TitleMatch, TitleQuery
from enrich.resolve.types import MatchEvidence, MatchMethod

# the tables as earlier nights wrote them (copied from the schemas of enrich/resolve/cache.py and
# idmap.py before they shared a base)
EARLIER_CACHE = """
CREATE TABLE resolutions (cache_key TEXT PRIMARY KEY, decision TEXT NOT NULL, evidence TEXT NOT NULL,
    ids TEXT NOT NULL, record TEXT, resolved_at TEXT NOT NULL);
INSERT INTO resolutions VALUES ('deep learning|2015', 'local', '{"method": "local"}', '{}', NULL,
    '2099-01-01T00:00:00+00:00');
"""
EARLIER_MAP = """
CREATE TABLE work_ids (id_key TEXT PRIMARY KEY, work_id TEXT NOT NULL, seq INTEGER NOT NULL);
CREATE TABLE work_aliases (old_id TEXT PRIMARY KEY, work_id TEXT NOT NULL);
INSERT INTO work_ids VALUES ('doi:10.1/a', 'arxiv:1111.1111', 1);
"""


def _earlier(path: Path, script: str) -> None:
    db = sqlite3.connect(path)
    db.executescript(script)
    db.commit()
    db.close()


def test_a_cache_file_of_an_earlier_night_opens_with_its_decisions(tmp_path: Path) -> None:
    path = tmp_path / "resolution.sqlite"
    _earlier(path, EARLIER_CACHE)
    with ResolutionCache(path) as cache:
        found = cache.get(TitleQuery("title:x", "Deep Learning", 2015))
        assert len(cache) == 1
    assert found is not None and found.evidence.method is MatchMethod.LOCAL and found.work_key == "title:x"


def test_a_work_id_map_of_an_earlier_night_opens_and_remembers(tmp_path: Path) -> None:
    path = tmp_path / "work-ids.sqlite"
    _earlier(path, EARLIER_MAP)
    with WorkIdMap(path) as ids:
        ids.start_run()
        assert ids.assign(["doi:10.1/a"], "doi:10.1/a") == "arxiv:1111.1111"
        assert ids.assign(["doi:10.1/b"], "doi:10.1/b") == "doi:10.1/b"
    with WorkIdMap(path) as ids:
        ids.start_run()
        assert ids.assign(["doi:10.1/b"], "other") == "doi:10.1/b"  # committed when closed normally


def test_a_failed_night_keeps_the_cached_decisions_but_not_the_work_ids(tmp_path: Path) -> None:
    query = TitleQuery("title:y", "Attention Is All You Need", 2017)
    none = TitleMatch("title:y", MatchEvidence(MatchMethod.LOCAL), ids=Ids())
    with pytest.raises(RuntimeError), ResolutionCache(tmp_path / "c.sqlite") as cache:
        assert cache.put(query, none)
        raise RuntimeError("the night fails")
    with pytest.raises(RuntimeError), WorkIdMap(tmp_path / "w.sqlite") as ids:
        ids.start_run()
        ids.assign(["doi:10.1/c"], "doi:10.1/c")
        raise RuntimeError("the night fails")
    with ResolutionCache(tmp_path / "c.sqlite") as cache:
        assert len(cache) == 1
    with WorkIdMap(tmp_path / "w.sqlite") as ids:
        ids.start_run()
        assert ids.assign(["doi:10.1/d"], "doi:10.1/c") == "doi:10.1/c"  # the failed night's id is free
