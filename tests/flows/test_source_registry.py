"""A seventh source is one client module plus one registry entry (``enrich.sources.REGISTRY``).

A toy source registered here (its client below, no network) shows up in the settings (its root
variable, ``ENRICH_SOURCES``/``--sources``), the clients of a run, the fetch plan with its client's
batch size, the per-source verdict and the run summary, with no other code touched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import ClassVar

import pytest
import requests

from enrich import pipeline, sources
from enrich.clients import Clients
from enrich.clients.base import BaseClient
from enrich.clients.github import RepoState
from enrich.clients.policy import ClientConfig
from enrich.config import Credentials, Endpoints
from enrich.http import cache_policy
from enrich.ratelimit import Pacing
from enrich.records import FetchStatus, WorkRecord
from enrich.settings import Settings
from enrich.sources import SourceClient, SourcePolicy, SourceSpec
from enrich.summary import Coverage, RunSummary, Share, render_markdown

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
TOY_ROOT = "https://api.toy.example"


class ToyClient(BaseClient):
    """A source that answers every key itself: ``ok`` for even numbers, ``not_found`` for odd ones."""

    source: ClassVar[str] = "toy"
    LABEL: ClassVar[str] = "Toy"
    BATCH_SIZE: ClassVar[int] = 2
    DEFAULT_MIN_INTERVAL: ClassVar[float] = 0.0

    @classmethod
    def configured(cls, root: str, session: requests.Session, config: ClientConfig) -> ToyClient:
        return cls(root, session, config.timeout, deadline=config.deadline, pacing=Pacing(min_interval=0.0))

    def fetch_keys(
        self, keys: Sequence[str], *, known: Mapping[str, RepoState] | None = None
    ) -> list[WorkRecord]:
        return [
            WorkRecord("toy", k, FetchStatus.OK if int(k) % 2 == 0 else FetchStatus.NOT_FOUND, NOW)
            for k in keys
        ]


TOY = SourceSpec(
    "toy",
    f"{__name__}:ToyClient",
    "works",
    "ENRICH_TOY_URL",
    TOY_ROOT,
    policy=SourcePolicy(min_served=0.5, deadline_s=60.0),
    cache=((r"/toy/items/", "immutable"),),
)


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> SourceSpec:
    monkeypatch.setattr(sources, "REGISTRY", [*sources.REGISTRY, TOY])
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("ENRICH_SOURCES", "ENRICH_TOY_URL"):
        monkeypatch.delenv(name, raising=False)
    return TOY


def test_the_six_sources_come_from_the_registry() -> None:
    assert sources.names() == ("arxiv", "s2", "openalex", "crossref", "github", "hf")
    assert sources.search_sources() == pipeline.SEARCH_SOURCES == ("s2", "openalex", "arxiv", "crossref")
    assert [s.batch_size for s in sources.registered()] == [2000, 500, 100, 100, 100, 50]
    clients = Clients.from_config(Endpoints(), Credentials(), cache_dir=None)
    assert all(isinstance(c, SourceClient) for c in clients.all())
    assert [c.source for c in clients.all()] == list(sources.names())


def test_a_registered_source_is_in_settings_plan_and_summary(
    toy: SourceSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    # settings: its root variable and the source selection
    assert Settings().sources[-1] == "toy"
    assert Settings().endpoints().toy == TOY_ROOT
    monkeypatch.setenv("ENRICH_TOY_URL", "http://127.0.0.1:8123/toy/")
    monkeypatch.setenv("ENRICH_SOURCES", "toy,s2")
    settings = Settings()
    assert settings.sources == ("s2", "toy")
    assert settings.url("toy") == "http://127.0.0.1:8123/toy"
    assert settings.public_dict()["toy_url"] == "http://127.0.0.1:8123/toy"
    assert sources.parse_sources("toy") == ("toy",)
    assert settings.source_policy()["toy"] == SourcePolicy(min_served=0.5, deadline_s=60.0)
    assert ("/toy/items/", "immutable") in [(p.pattern, k) for p, k in cache_policy()]

    # clients: built by its own class from the run's configuration
    clients = Clients.from_config(settings.endpoints(), Credentials(), cache_dir=None)
    client = clients.get("toy")
    assert isinstance(client, ToyClient)
    assert client.base_url == "http://127.0.0.1:8123/toy"

    # plan: batches of its client's size, after the six
    plan = pipeline.plan_batches({"toy": ["1", "2", "3", "4", "5"], "s2": ["CorpusId:1"]}, settings.sources)
    assert list(plan) == ["s2", "toy"]
    assert [b.items for b in plan["toy"]] == [("1", "2"), ("3", "4"), ("5",)]
    assert pipeline.batch_sizes()["toy"] == 2

    # fetch and verdict: 2 of 5 ok, 3 not found, all served
    results = [pipeline.fetch_batch(clients, b) for b in plan["toy"]]
    assert [r.key for res in results for r in res.works] == ["1", "2", "3", "4", "5"]
    stats = pipeline.source_stats(clients, ["toy"], results)
    assert list(stats) == ["toy"]
    toy_stats = stats["toy"]
    assert (toy_stats.requested, toy_stats.ok, toy_stats.not_found, toy_stats.served) == (5, 2, 3, True)

    # the run summary names it
    summary = RunSummary(
        snapshot_date=date(2026, 11, 22),
        partial=False,
        sources=stats,
        coverage=Coverage(*(Share(0, 0) for _ in range(5))),
    )
    assert "| toy | 0 | 2 | 3 | 0 | 0 | 0 | ok |" in render_markdown(summary)


def test_unknown_source_is_named() -> None:
    with pytest.raises(ValueError, match=r"unknown source\(s\) toy; choose from arxiv, s2"):
        sources.parse_sources("s2 toy")
    with pytest.raises(ValueError, match="at least one source"):
        sources.parse_sources(" , ")
