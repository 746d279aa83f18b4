"""The fault matrix: every fault kind of the API double on one source and on all sources, night two
after a clean night one, through the library stages (``flows.fault_matrix``; no Prefect).

Asserts what a user and an operator see: the exit code ``enrich run`` would give, the manifest's
``partial`` and per-source verdicts, one line per source that did not serve (and none for the others),
and that night two loses none of night one's values (fresh or carried forward), including works whose
preprint and published version only S2's answer joined (``enrich.pipeline.remembered_links``).

``benchmarks/fault_matrix.py`` prints the same cases as a table.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from enrich.config import SOURCES
from flows.fault_matrix import (
    AUTH_REASON,
    FAULT_CASES,
    FaultCase,
    prepare_night_one,
    run_case,
    scopes,
)

CATALOG = Path(__file__).resolve().parent.parent / "data" / "catalog.jsonl"
CASES = [(case, scope) for i, case in enumerate(FAULT_CASES) for scope in scopes(case, i)]


@pytest.fixture(scope="module")
def night_one(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("night-one")
    night = prepare_night_one(root, CATALOG)
    assert (night.exit_code, night.partial, night.lines) == (0, False, ())
    return root


def test_matrix_covers_every_fault_kind() -> None:
    from fakeapis.faults import FAULT_KINDS

    assert {c.rule["fault"] for c in FAULT_CASES} == set(FAULT_KINDS)
    assert len(CASES) == 27


@pytest.mark.parametrize(("case", "scope"), CASES, ids=[f"{c.kind}-{s}" for c, s in CASES])
def test_fault_night(case: FaultCase, scope: str, night_one: Path, tmp_path: Path) -> None:
    result = run_case(case, scope, night_one, tmp_path / "case", CATALOG)
    night = result.night
    targets = case.sources if scope == "all" else (scope,)
    manifest = json.loads(night.manifest.read_text(encoding="utf-8"))

    if case.served:
        assert (night.exit_code, night.partial, night.lines, manifest["partial"]) == (0, False, (), False)
    else:
        assert (night.exit_code, night.partial, manifest["partial"]) == (3, True, True)
        named = [line.split(":", 1)[0] for line in night.lines]
        assert named == list(targets)  # one line per source that did not serve, the others silent
        for source in SOURCES:
            verdict = manifest["sources"][source]
            if source in targets:
                line = next(x for x in night.lines if x.startswith(f"{source}: "))
                assert (verdict["served"], verdict["reason"]) == (False, line)
                assert verdict["served_share"] < verdict["min_served"] == 0.95
                assert line.startswith(f"{source}: 0 of {verdict['requested']} items served (")
                assert line.endswith("); carried forward earlier values")
            else:
                assert (verdict["served"], verdict["reason"]) == (True, None)
        if scope != "all":
            expected = case.reason
            if case.kind == "401 (key set)" or (case.kind == "403 (key set)" and scope in ("s2", "openalex")):
                expected = AUTH_REASON[scope]
            assert expected in night.lines[0]
            assert manifest["sources"][scope]["auth_rejected"] is (expected == AUTH_REASON.get(scope))

    # zero values lost: everything night one had is still there (fresh or carried forward)
    assert result.lost == ()


def test_without_earlier_evidence_empty_feeds_and_nulls_are_not_found_at_once(tmp_path: Path) -> None:
    from fakeapis import FakeApis
    from fakeapis.faults import FaultProfile
    from flows.fault_matrix import NIGHT_ONE, run_night, write_list

    write_list(tmp_path / "lists")
    profile = FaultProfile.from_dict(
        {"arxiv": [{"fault": "empty_page"}], "s2": [{"fault": "batch_nulls", "fraction": 1.0}]}
    )
    with FakeApis(CATALOG, faults=profile) as apis:
        night = run_night(apis, tmp_path / "lists", tmp_path / "out", NIGHT_ONE)
        arxiv_requests = len(apis.access_log("arxiv"))
    # nothing seen before: no proof either way, so not_found (served), no blind retries
    assert (night.exit_code, night.lines) == (0, ())
    arxiv, s2 = night.sources["arxiv"], night.sources["s2"]
    assert (arxiv.ok, arxiv.not_found, arxiv.requested, arxiv_requests) == (0, 9, 9, 1)
    assert (s2.ok, s2.not_found, s2.requested) == (0, 13, 13)


def test_links_only_s2_made_survive_several_bad_nights_and_yield_to_contradiction(
    night_one: Path, tmp_path: Path
) -> None:
    import shutil
    from datetime import UTC, date, datetime

    from enrich import pipeline
    from enrich.records import FetchStatus, WorkRecord
    from enrich.snapshot import read_previous
    from fakeapis import FakeApis
    from flows.fault_matrix import NIGHT_ONE, profile_for, run_night, values_lost

    out = tmp_path / "out"
    shutil.copytree(night_one / "out", out)
    shutil.copy2(night_one / "work-ids.sqlite", tmp_path / "work-ids.sqlite")
    down = next(c for c in FAULT_CASES if c.kind == "down")
    for day in (date(2026, 11, 22), date(2026, 11, 23)):  # two nights in a row without S2
        with FakeApis(CATALOG, faults=profile_for(down, "s2")) as apis:
            night = run_night(apis, night_one / "lists", out, day)
        assert night.exit_code == 3
        assert values_lost(out, NIGHT_ONE, day) == []

    previous = read_previous(out, date(2026, 11, 24))
    links = {r.key: r for r in pipeline.remembered_links(previous, [])}
    assert links["arxiv:1901.08746"].doi == "10.1093/bioinformatics/btz682"
    assert links["arxiv:1901.08746"].source == pipeline.LINK_SOURCE
    # tonight S2 says that DOI belongs to another preprint: the old link is dropped
    other = WorkRecord(
        "s2",
        "DOI:10.1093/bioinformatics/btz682",
        FetchStatus.OK,
        datetime.now(UTC),
        doi="10.1093/bioinformatics/btz682",
        arxiv_id="2404.00001",
    )
    assert "arxiv:1901.08746" not in {r.key for r in pipeline.remembered_links(previous, [other])}
