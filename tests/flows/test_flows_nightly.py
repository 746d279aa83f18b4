"""The ``nightly`` flow under ``prefect_test_harness`` against the API double."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pytest
from flows_testdata import CATALOG, closed_port, point_at

from enrich.config import ENV_VARS, SOURCES
from enrich.snapshot import read_table
from fakeapis import FakeApis

# the harness's server start is slow on a busy machine (it is shared: one per test session)
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness"), pytest.mark.timeout(900)]


def test_two_nights_complete_then_github_down(
    monkeypatch: pytest.MonkeyPatch, lists_dir: Path, tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.nightly import ARTIFACT_KEY, nightly

    out, cache = tmp_path / "out", tmp_path / "cache"
    monkeypatch.chdir(tmp_path)
    with FakeApis(CATALOG) as apis:
        point_at(monkeypatch, apis.env())
        first = nightly(
            lists_dir=lists_dir, out_dir=out, snapshot_date=date(2026, 11, 21), cache_dir=cache, refresh=False
        )
        assert first.partial is False
        assert first.messages == ()
        assert first.problems == ()
        manifest = json.loads((out / "manifests" / "2026-11-21.json").read_text(encoding="utf-8"))
        assert manifest["partial"] is False
        assert manifest["tables"]["entries"] == 4
        assert set(manifest["sources"]) == set(SOURCES)
        assert all(s["unreachable"] is False for s in manifest["sources"].values())
        assert manifest["sources"]["github"]["ok"] == 1
        assert manifest["sources"]["hf"]["ok"] == 1

        works = read_table(out, "works", date(2026, 11, 21)).to_pylist()
        by_arxiv = {w["arxiv_id"]: w for w in works if w["arxiv_id"]}
        scibert = by_arxiv["1903.10676"]
        assert scibert["title"] == "SciBERT: A Pretrained Language Model for Scientific Text"
        assert scibert["citation_count"] == 3000
        assert scibert["abstract"].startswith("Obtaining large-scale annotated data")
        by_doi = {w["doi"]: w for w in works if w["doi"]}
        assert by_doi["10.1145/3458754"]["citation_count"] == 1500
        repos = read_table(out, "repos", date(2026, 11, 21)).to_pylist()
        fetched_on = date(2026, 11, 21)  # *_as_of: the snapshot date of the night it was fetched
        assert [(r["repo_id"], r["stars"], r["stars_as_of"], r["status"]) for r in repos] == [
            ("cambridgeltl/visual-med-alpaca", 400, fetched_on, "ok")
        ]
        entries = read_table(out, "entries", date(2026, 11, 21)).to_pylist()
        assert sorted(e["repo_id"] for e in entries if e["repo_id"]) == ["cambridgeltl/visual-med-alpaca"]
        assert sum(1 for e in entries if e["work_id"]) == 2
        assert "# Enrichment run 2026-11-21: complete" in first.summary_markdown

        with get_client(sync_client=True) as client:
            artifacts = client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[ARTIFACT_KEY]))
            )
        assert any(a.data == first.summary_markdown for a in artifacts)
        with get_client(sync_client=True) as client:
            limit = client.read_global_concurrency_limit_by_name("enrich-github")
        assert limit.limit == 1

        # night two: GitHub is down -> stars carried forward, the run is partial, one line for GitHub;
        # and the list was edited: the edited entry keeps its id (carried over from night one)
        listed = lists_dir / "test-list.md"
        listed.write_text(
            listed.read_text(encoding="utf-8").replace(
                "Open medical models.", "Open medical models at scale."
            ),
            encoding="utf-8",
        )
        port = closed_port()
        monkeypatch.setenv(ENV_VARS["github"], f"http://127.0.0.1:{port}")
        second = nightly(
            lists_dir=lists_dir, out_dir=out, snapshot_date=date(2026, 11, 22), cache_dir=cache, refresh=False
        )
    assert second.partial is True
    assert second.messages == (
        f"github: 0 of 1 items served (unreachable: connection refused at 127.0.0.1:{port}); "
        "carried forward earlier values",
    )
    repos2 = read_table(out, "repos", date(2026, 11, 22)).to_pylist()
    assert [(r["repo_id"], r["stars"], r["stars_as_of"], r["status"], r["fetch_status"]) for r in repos2] == [
        ("cambridgeltl/visual-med-alpaca", 400, fetched_on, "stale", "error")
    ]
    manifest2 = json.loads((out / "manifests" / "2026-11-22.json").read_text(encoding="utf-8"))
    assert manifest2["partial"] is True
    assert manifest2["sources"]["github"]["unreachable"] is True
    assert "# Enrichment run 2026-11-22: partial" in second.summary_markdown
    meditron = next(e["entry_id"] for e in entries if e["name"] == "Meditron")
    changes = read_table(out, "list_changes", date(2026, 11, 22)).to_pylist()
    assert [(c["entry_id"], c["change"], c["label"], c["edited_columns"]) for c in changes] == [
        (meditron, "edited", "Open medical models at scale", ["title"])
    ]


def test_refresh_replaces_a_list_from_its_upstream(
    monkeypatch: pytest.MonkeyPatch, lists_dir: Path, tmp_path: Path
) -> None:
    from flows.nightly import nightly

    (lists_dir / "lists.toml").write_text(
        '[[list]]\nid = "test-list"\nfile = "test-list.md"\nupstream = "acme/awesome"\npath = "README.md"\nrefresh = true\n',
        encoding="utf-8",
    )
    new_text = "# Test list\n\n* **SciBERT**: A pretrained language model for scientific text. 2019. [paper](https://arxiv.org/abs/1903.10676)\n"
    catalog = [
        *CATALOG,
        {"type": "repo", "full_name": "acme/awesome", "stars": 1},
        {"type": "file", "repo": "acme/awesome", "path": "README.md", "content": new_text},
    ]
    monkeypatch.chdir(tmp_path)
    with FakeApis(catalog) as apis:
        point_at(monkeypatch, apis.env())
        result = nightly(
            lists_dir=lists_dir,
            out_dir=tmp_path / "out",
            snapshot_date=date(2026, 11, 21),
            cache_dir=tmp_path / "cache",
            sources=["github"],
        )
        again = nightly(
            lists_dir=lists_dir,
            out_dir=tmp_path / "out",
            snapshot_date=date(2026, 11, 22),
            cache_dir=tmp_path / "cache",
            sources=["github"],
        )
        contents = [e for e in apis.access_log("github") if "/contents/" in e["path"]]
    assert (lists_dir / "test-list.md").read_text(encoding="utf-8") == new_text
    assert (lists_dir / "history" / "test-list" / "2026-11-21.md").read_text(encoding="utf-8") == new_text
    assert [e["status"] for e in contents] == [200, 304]  # the second night asks conditionally
    assert sorted(p.name for p in (lists_dir / "history" / "test-list").iterdir()) == ["2026-11-21.md"]
    assert again.partial is False
    assert result.partial is False
    manifest = json.loads((tmp_path / "out" / "manifests" / "2026-11-21.json").read_text(encoding="utf-8"))
    assert manifest["tables"]["entries"] == 1
    assert list(manifest["sources"]) == ["github"]


def test_concurrency_limits_degrade_gracefully(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import httpx
    from prefect import flow

    import flows.concurrency as concurrency

    class NoServer:
        def __enter__(self) -> None:
            raise httpx.ConnectError("no server")

        def __exit__(self, *exc: object) -> None:
            return None

    @flow
    def probe() -> tuple[bool, str, str]:
        with monkeypatch.context() as m:
            m.setattr(concurrency, "get_client", lambda **_: NoServer())
            enabled = concurrency.ensure_source_limits(["github"], 1)
        with concurrency.source_slot("github", enabled):
            first = "ran without limits"
        with concurrency.source_slot("no-such-source", True):  # limit missing on the server
            second = "ran without its limit"
        return enabled, first, second

    # Prefect's run loggers do not reach the root; nor does enrich.slots once Prefect has configured
    # logging in this process (it depends on which test ran first): listen to both directly
    loggers = [logging.getLogger("prefect.flow_runs"), logging.getLogger("enrich.slots")]
    for logger in loggers:
        logger.addHandler(caplog.handler)
    try:
        assert probe() == (False, "ran without limits", "ran without its limit")
    finally:
        for logger in loggers:
            logger.removeHandler(caplog.handler)
    records = list(
        dict.fromkeys(caplog.records)
    )  # a record may reach the handler twice (root and run logger)
    warnings = [r.getMessage() for r in records if r.levelname == "WARNING"]
    assert (
        warnings.count("per-source concurrency limits unavailable (ConnectError); continuing without them")
        == 1
    )
    assert (
        sum(1 for w in warnings if w.startswith("no-such-source: running without its concurrency limit")) == 1
    )


def test_tokens_from_prefect_secret_blocks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from prefect.blocks.system import Secret
    from pydantic import SecretStr as Token

    from enrich.settings import Settings
    from flows.nightly import load_secret_block

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.setenv("ENRICH_GITHUB_TOKEN_BLOCK", "enrich-test-github-token")
    Secret(value="ghp_fromblock0123456789abcdefghij").save("enrich-test-github-token", overwrite=True)
    assert load_secret_block("enrich-test-github-token") == "ghp_fromblock0123456789abcdefghij"
    assert load_secret_block("no-such-block") is None
    creds = Settings().credentials(load_secret_block)
    assert creds.github_token == Token("ghp_fromblock0123456789abcdefghij")
    assert "fromblock" not in repr(creds)


def test_titles_run_alongside_the_first_round_and_only_their_new_ids_make_a_second(
    monkeypatch: pytest.MonkeyPatch, lists_dir: Path, tmp_path: Path
) -> None:
    """The title searches do not hold the fetches back: a batch is fetched while they run; the ids
    the titles found (and only those) go to a second round, numbered after the first."""
    import threading

    import enrich.pipeline
    import enrich.pipeline.fetching as fetching
    from enrich.ids.model import Ids
    from enrich.resolve.match import TitleMatch, TitleQuery
    from enrich.resolve.types import MatchEvidence, MatchMethod
    from flows.nightly import nightly

    listed = lists_dir / "test-list.md"
    listed.write_text(
        listed.read_text(encoding="utf-8")
        + "* **ClinicalBERT**: Publicly available clinical BERT embeddings. 2019.\n",
        encoding="utf-8",
    )
    fetched = threading.Event()
    order: list[tuple[str, ...]] = []
    real_fetch = fetching.fetch_batch

    def fetch_batch(clients: object, batch: enrich.pipeline.Batch, **kw: object) -> object:
        result = real_fetch(clients, batch, **kw)  # type: ignore[arg-type]
        order.append(("fetch", batch.source, f"{batch.index + 1}/{batch.total}", *batch.items))
        fetched.set()
        return result

    def resolve_titles(
        clients: object, cache_path: Path, queries: list[TitleQuery], sources: object = None
    ) -> dict[str, TitleMatch]:
        order.append(("titles start", str(fetched.wait(120))))
        order.append(("titles done",))
        evidence = MatchEvidence(method=MatchMethod.TITLE, score=0.99, source="s2")
        return {q.work_key: TitleMatch(q.work_key, evidence, ids=Ids(arxiv_id="2101.00001")) for q in queries}

    monkeypatch.setattr(fetching, "fetch_batch", fetch_batch)
    monkeypatch.setattr(enrich.pipeline, "resolve_titles", resolve_titles)
    with FakeApis(CATALOG) as apis:
        point_at(monkeypatch, apis.env())
        result = nightly(
            lists_dir=lists_dir,
            out_dir=tmp_path / "out",
            snapshot_date=date(2026, 11, 21),
            cache_dir=tmp_path / "cache",
            refresh=False,
        )
    assert result.problems == ()
    # the titles waited (up to 120 s) for a batch: had the fetches waited for the titles, none came
    assert ("titles start", "True") in order, order
    done = order.index(("titles done",))
    arxiv = [o for o in order if o[:2] == ("fetch", "arxiv")]
    assert arxiv == [("fetch", "arxiv", "1/1", "1903.10676"), ("fetch", "arxiv", "2/2", "2101.00001")]
    assert order.index(arxiv[1]) > done  # the second round waits for the titles
    second = [o for o in order if o[0] == "fetch" and any("2101.00001" in item for item in o[3:])]
    # one more batch for each source the found id is asked of, after the titles, holding nothing else
    assert sorted((o[1], o[2], len(o) - 3) for o in second) == [
        ("arxiv", "2/2", 1),
        ("openalex", "2/2", 1),
        ("s2", "2/2", 1),
    ]
    assert min(order.index(o) for o in second) > done
