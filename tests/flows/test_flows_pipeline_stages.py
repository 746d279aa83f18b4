"""The library stages without Prefect: exact outputs on small inputs, stub clients."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from enrich import pipeline
from enrich.clients import ContentsResult, GitHubClient, RepoState
from enrich.pipeline import Batch, BatchResult, RunFacts
from enrich.ratelimit import Pacing
from enrich.records import FetchStatus, HfRecord, RepoRecord, SourceStats, WorkRecord
from enrich.refresh import UpstreamFile
from enrich.sources import spec

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


@dataclass
class StubClient:
    source: str
    down_after: int | None = None  # calls before the source "goes down"
    calls: list[tuple[str, list[str]]] = field(default_factory=list)
    known_seen: list[object] = field(default_factory=list)

    @property
    def stats(self) -> SourceStats:
        down = self.down_after is not None and len(self.calls) > self.down_after
        message = f"{self.source}: unreachable (connection refused at 127.0.0.1:9)" if down else None
        return SourceStats(self.source, requests=len(self.calls), unreachable=down, message=message)

    def fetch_keys(
        self, keys: Sequence[str], *, known: Mapping[str, RepoState] | None = None
    ) -> list[WorkRecord] | list[RepoRecord] | list[HfRecord]:
        self.calls.append(("fetch_keys", list(keys)))
        kind = spec(self.source).kind
        if kind == "repos":
            self.known_seen.append(known)
            return [RepoRecord(key=n, status=FetchStatus.OK, fetched_at=NOW, stars=1) for n in keys]
        if kind == "hf":
            pairs = [k.split(":", 1) for k in keys]
            return [
                HfRecord(key=f"{k}:{i}", kind=k, hf_id=i, status=FetchStatus.OK, fetched_at=NOW)
                for k, i in pairs
            ]
        return [WorkRecord(source=self.source, key=i, status=FetchStatus.OK, fetched_at=NOW) for i in keys]


@dataclass
class StubClients:
    arxiv: StubClient = field(default_factory=lambda: StubClient("arxiv"))
    s2: StubClient = field(default_factory=lambda: StubClient("s2"))
    openalex: StubClient = field(default_factory=lambda: StubClient("openalex"))
    crossref: StubClient = field(default_factory=lambda: StubClient("crossref"))
    github: StubClient = field(default_factory=lambda: StubClient("github"))
    hf: StubClient = field(default_factory=lambda: StubClient("hf"))

    def get(self, source: str) -> StubClient:
        client: StubClient = getattr(self, source)
        return client


def test_chunk_keeps_order_and_drops_duplicates() -> None:
    assert pipeline.chunk(["a", "b", "a", "c", "d"], 2, "s2") == [
        Batch("s2", 0, 2, ("a", "b")),
        Batch("s2", 1, 2, ("c", "d")),
    ]
    assert pipeline.chunk([], 5, "s2") == []
    assert Batch("s2", 0, 2, ("a",)).name == "s2-1-of-2"


def test_plan_batches_uses_api_batch_sizes_and_selected_sources() -> None:
    items = {"s2": [f"ARXIV:{i}" for i in range(1001)], "github": ["a/b"], "hf": [], "crossref": ["10.1/x"]}
    batches = pipeline.plan_batches(items, ["github", "s2", "hf"])
    assert list(batches) == ["s2", "github", "hf"]
    assert [len(b.items) for b in batches["s2"]] == [500, 500, 1]
    assert batches["github"] == [Batch("github", 0, 1, ("a/b",))]
    assert batches["hf"] == []
    # one batch = one request of the largest documented size (arXiv POST, S2 batch, OpenAlex OR-filter,
    # Crossref DOI list, GraphQL aliases); Hugging Face has no batch endpoint
    assert pipeline.batch_sizes() == {
        "arxiv": 2000,
        "s2": 500,
        "openalex": 100,
        "crossref": 100,
        "github": 100,
        "hf": 50,
    }


def test_later_batches_hold_only_new_ids_numbered_after_the_first_round() -> None:
    first = pipeline.plan_batches(
        {"s2": ["a", "b", "c"], "github": ["o/r"]}, ["s2", "github", "hf"], {"s2": 2, "github": 100, "hf": 1}
    )
    later = pipeline.later_batches(
        first,
        {"s2": ["a", "b", "c", "d", "e", "f"], "github": ["o/r"], "hf": ["model:x/y"], "arxiv": ["1"]},
        ["s2", "github", "hf"],
        {"s2": 2, "github": 100, "hf": 1},
    )
    assert later == {
        "s2": [Batch("s2", 2, 4, ("d", "e")), Batch("s2", 3, 4, ("f",))],
        "github": [],
        "hf": [Batch("hf", 0, 1, ("model:x/y",))],
    }
    assert [b.name for b in later["s2"]] == ["s2-3-of-4", "s2-4-of-4"]


def test_fetch_batch_calls_the_right_method_per_source() -> None:
    clients = StubClients()
    for source in ("arxiv", "s2", "openalex", "crossref"):
        result = pipeline.fetch_batch(clients, Batch(source, 0, 1, ("x1", "x2")))  # type: ignore[arg-type]
        assert [r.key for r in result.works] == ["x1", "x2"]
        assert not result.skipped
    for source in ("arxiv", "s2", "openalex", "crossref"):
        assert clients.get(source).calls == [("fetch_keys", ["x1", "x2"])]
    hf = pipeline.fetch_batch(clients, Batch("hf", 0, 1, ("model:org/m", "dataset:org/d")))  # type: ignore[arg-type]
    assert [(r.kind, r.hf_id) for r in hf.hf] == [("model", "org/m"), ("dataset", "org/d")]


def test_fetch_batch_passes_known_repo_states() -> None:
    clients = StubClients()
    state = RepoState(fetched_at=NOW)
    known = {"owner/a": state, "x/y": state}
    pipeline.fetch_batch(clients, Batch("github", 0, 1, ("Owner/A", "o/b")), known=known)  # type: ignore[arg-type]
    assert clients.github.known_seen == [known]
    # the GitHub client hands on what is known about the batch's own repos only
    github = GitHubClient("http://127.0.0.1:9", pacing=Pacing(min_interval=0.0))
    seen: list[object] = []

    def get_repos(names: Sequence[str], known: Mapping[str, RepoState] | None = None) -> list[RepoRecord]:
        seen.append(known)
        return []

    github.get_repos = get_repos  # type: ignore[method-assign]
    github.fetch_keys(["Owner/A", "o/b"], known=known)
    assert seen == [{"Owner/A": state}]


def test_unreachable_source_skips_its_remaining_batches() -> None:
    clients = StubClients(openalex=StubClient("openalex", down_after=0))
    first = pipeline.fetch_batch(clients, Batch("openalex", 0, 3, ("doi:a",)))  # type: ignore[arg-type]
    assert first.unreachable and not first.skipped
    assert first.message == "openalex: unreachable (connection refused at 127.0.0.1:9)"
    second = pipeline.fetch_batch(clients, Batch("openalex", 1, 3, ("doi:b", "doi:c")), now=NOW)  # type: ignore[arg-type]
    assert second == BatchResult(
        Batch("openalex", 1, 3, ("doi:b", "doi:c")),
        works=tuple(
            WorkRecord(
                source="openalex",
                key=k,
                status=FetchStatus.ERROR,
                fetched_at=NOW,
                reason="openalex: unreachable (connection refused at 127.0.0.1:9)",
            )
            for k in ("doi:b", "doi:c")
        ),
        skipped=True,
        unreachable=True,
        message="openalex: unreachable (connection refused at 127.0.0.1:9)",
    )
    assert len(clients.openalex.calls) == 1  # nothing sent for the skipped batch
    github = StubClients(github=StubClient("github", down_after=-1))
    skipped = pipeline.fetch_batch(github, Batch("github", 0, 1, ("a/b",)), now=NOW)  # type: ignore[arg-type]
    assert skipped.repos == (
        RepoRecord(
            key="a/b",
            status=FetchStatus.ERROR,
            fetched_at=NOW,
            reason="github: unreachable (connection refused at 127.0.0.1:9)",
        ),
    )
    hf = StubClients(hf=StubClient("hf", down_after=-1))
    assert pipeline.fetch_batch(hf, Batch("hf", 0, 1, ("space:o/s",)), now=NOW).hf[0].kind == "space"  # type: ignore[arg-type]


def test_collect_and_stats() -> None:
    a = BatchResult(Batch("s2", 0, 1, ("x",)), works=(WorkRecord("s2", "x", FetchStatus.OK, NOW),))
    b = BatchResult(Batch("github", 0, 1, ("o/r",)), repos=(RepoRecord("o/r", FetchStatus.OK, NOW),))
    works, repos, hf = pipeline.collect([a, b])
    assert [w.key for w in works] == ["x"] and [r.key for r in repos] == ["o/r"] and hf == []
    clients = StubClients(s2=StubClient("s2", down_after=-1))
    stats = pipeline.source_stats(clients, ["github", "s2"])  # type: ignore[arg-type]
    assert list(stats) == ["s2", "github"]
    # nothing was requested from s2, but it stopped (unreachable): it did not serve the night
    assert pipeline.verdict_lines(stats) == [
        "s2: 0 of 0 items served (unreachable: connection refused at 127.0.0.1:9); carried forward earlier values"
    ]
    assert stats["s2"].errors == 0
    assert (stats["github"].served, stats["github"].reason) == (True, None)


def test_items_of_skipped_batches_count_as_errors() -> None:
    clients = StubClients(s2=StubClient("s2", down_after=-1))
    skipped = pipeline.fetch_batch(clients, Batch("s2", 0, 2, ("ARXIV:1", "ARXIV:2")), now=NOW)  # type: ignore[arg-type]
    also = pipeline.fetch_batch(clients, Batch("s2", 1, 2, ("ARXIV:3",)), now=NOW)  # type: ignore[arg-type]
    assert skipped.skipped and also.skipped
    stats = pipeline.source_stats(clients, ["s2"], [skipped, also])  # type: ignore[arg-type]
    assert (stats["s2"].errors, stats["s2"].unreachable, stats["s2"].requested) == (3, True, 3)
    assert (stats["s2"].served, stats["s2"].served_share, stats["s2"].stopped) == (False, 0.0, "unreachable")


@pytest.mark.parametrize(
    ("stats", "problems", "partial"),
    [
        ({"s2": SourceStats("s2", ok=3)}, (), False),
        ({"s2": SourceStats("s2", unreachable=True, served=False)}, (), True),
        ({"github": SourceStats("github", deferred=2, served=False)}, (), True),
        ({"github": SourceStats("github", ok=99, deferred=1, requested=100)}, (), False),
        ({"s2": SourceStats("s2")}, ("skipped x.md: empty file",), True),
    ],
)
def test_run_facts_partial(stats: dict[str, SourceStats], problems: tuple[str, ...], partial: bool) -> None:
    facts = RunFacts(date(2026, 11, 22), "run-1", NOW, stats, problems)
    assert facts.partial is partial


def test_manifest_from_facts() -> None:
    facts = RunFacts(
        date(2026, 11, 22),
        "run-1",
        NOW,
        {"s2": SourceStats("s2", requests=2, ok=5)},
        ("skipped x.md: empty",),
        ("note",),
    )
    m = pipeline.manifest(facts, ended_at=NOW)
    assert (m.snapshot_date, m.partial, m.run_id, m.started_at, m.ended_at) == (
        date(2026, 11, 22),
        True,
        "run-1",
        NOW,
        NOW,
    )
    assert m.sources == {
        "s2": {
            "requests": 2,
            "ok": 5,
            "not_found": 0,
            "errors": 0,
            "deferred": 0,
            "cache_hits": 0,
            "unreachable": False,
            "message": None,
            "auth_rejected": False,
            "stopped": None,
            "requested": 0,
            "served_share": 1.0,
            "min_served": 1.0,
            "served": True,
            "deadline_s": None,
            "reason": None,
        }
    }
    assert m.notes == ("skipped x.md: empty", "note")


def test_stalest_first() -> None:
    known = {
        "a/old": RepoState(fetched_at=datetime(2026, 1, 1, tzinfo=UTC)),
        "a/new": RepoState(fetched_at=datetime(2026, 11, 1, tzinfo=UTC)),
    }
    assert pipeline.stalest_first(["a/new", "A/Old", "b/never", "c/never"], known) == [
        "b/never",
        "c/never",
        "A/Old",
        "a/new",
    ]


@dataclass
class StubGitHub:
    answer: ContentsResult
    unreachable: bool = False

    @property
    def stats(self) -> SourceStats:
        return SourceStats(
            "github",
            unreachable=self.unreachable,
            message="github: unreachable (x)" if self.unreachable else None,
        )

    def get_contents(self, owner: str, repo: str, path: str, etag: str | None = None) -> ContentsResult:
        return self.answer


@pytest.mark.parametrize(
    ("answer", "unreachable", "expected"),
    [
        (
            ContentsResult(FetchStatus.OK, text="* a\n", etag='"e"'),
            False,
            UpstreamFile("ok", text="* a\n", etag='"e"'),
        ),
        (
            ContentsResult(FetchStatus.OK, etag='"e"', not_modified=True),
            False,
            UpstreamFile("not_modified", etag='"e"'),
        ),
        (
            ContentsResult(FetchStatus.NOT_FOUND),
            False,
            UpstreamFile("not_found", message="o/r/README.md not found upstream"),
        ),
        (
            ContentsResult(FetchStatus.ERROR, reason="HTTP 500"),
            False,
            UpstreamFile("error", message="o/r/README.md: HTTP 500"),
        ),
        (
            ContentsResult(FetchStatus.ERROR, reason="x"),
            True,
            UpstreamFile("unreachable", message="github: unreachable (x)"),
        ),
    ],
)
def test_github_fetcher(answer: ContentsResult, unreachable: bool, expected: UpstreamFile) -> None:
    clients = StubClients()
    clients.github = StubGitHub(answer, unreachable)  # type: ignore[assignment]
    assert pipeline.github_fetcher(clients)("o", "r", "README.md", None) == expected  # type: ignore[arg-type]


def test_parse_lists_keeps_going_past_a_bad_file(tmp_path: Path) -> None:
    from flows_testdata import LIST_TEXT

    (tmp_path / "test-list.md").write_text(LIST_TEXT, encoding="utf-8")
    (tmp_path / "empty.md").write_text("", encoding="utf-8")
    parsed = pipeline.parse_lists(tmp_path)
    assert [(e.list_id, e.name, e.kind) for e in parsed.entries] == [
        ("test-list", "SciBERT", "paper"),
        ("test-list", "PubMedBERT", "paper"),
        ("test-list", "Visual Med-Alpaca", "repo"),
        ("test-list", "Meditron", "model"),
    ]
    assert [str(p) for p in parsed.problems] == [f"{tmp_path / 'empty.md'}: empty file"]
    assert parsed.list_ids == ("empty", "test-list")
    assert parsed.unreadable == ("empty",)
    assert pipeline.source_items(parsed.entries) == {
        "arxiv": ["1903.10676"],
        "s2": ["ARXIV:1903.10676", "DOI:10.1145/3458754"],
        "openalex": ["doi:10.1145/3458754", "doi:10.48550/arxiv.1903.10676"],
        "crossref": ["10.1145/3458754"],
        "github": ["cambridgeltl/visual-med-alpaca"],
        "hf": ["model:epfl-llm/meditron-7b"],
    }
    assert pipeline.lookup_plan(parsed.entries).title_queries == ()


def test_parse_lists_missing_directory(tmp_path: Path) -> None:
    from enrich.errors import InputError

    with pytest.raises(InputError, match="no such directory"):
        pipeline.parse_lists(tmp_path / "nope")


def test_titles_skip_when_every_search_source_is_down(tmp_path: Path) -> None:
    from enrich.resolve.match import TitleQuery

    down = StubClients(**{s: StubClient(s, down_after=-1) for s in ("s2", "openalex", "arxiv", "crossref")})
    queries = [TitleQuery(work_key=f"k{i}", title=f"Title {i}") for i in range(3)]
    assert pipeline.live_search_sources(down) == []  # type: ignore[arg-type]
    assert pipeline.resolve_titles(down, tmp_path / "r.sqlite", queries) == {}  # type: ignore[arg-type]
    assert not (tmp_path / "r.sqlite").exists()
    assert pipeline.live_search_sources(StubClients(), ["crossref", "github", "s2"]) == ["s2", "crossref"]  # type: ignore[arg-type]
    assert [len(b) for b in pipeline.title_batches(queries * 20)] == [25, 25, 10]
