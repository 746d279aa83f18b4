"""``enrich.fleet``: a night's fetch units and their outputs through the object store (moto on loopback),
and a worker's client counters added into the night's clients (``BaseClient.absorb``). No engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from s3double import S3Double

from enrich import fleet, pipeline
from enrich.clients import Clients
from enrich.config import Credentials
from enrich.errors import InputError
from fakeapis import FakeApis

ROOT = f"s3://{S3Double.BUCKET}/night"


def _clients(apis: FakeApis, cache: Path) -> Clients:
    return Clients.from_config(apis.endpoints, Credentials(), cache_dir=cache, interval_scale=0)


def test_a_unit_travels_through_the_store_and_its_counters_reach_the_night(
    s3_double: S3Double, fake_apis: FakeApis, tmp_path: Path
) -> None:
    batches = tuple(pipeline.chunk(["model:dmis-lab/biobert-v1.1", "model:no-such/model"], 50, "hf"))
    unit = fleet.FetchUnit("hf", batches, {})
    url = fleet.put_unit(ROOT, "run-1", unit)
    assert url == f"{ROOT}/_fleet/run-1/hf.unit.pickle"
    assert fleet.get_output(ROOT, "run-1", "hf") is None

    # the worker's side: its own clients, the unit from the store, the output back to it
    worker = _clients(fake_apis, tmp_path / "worker-cache")
    got = fleet.get_unit(ROOT, "run-1", "hf")
    assert got == unit
    fetched = pipeline.fetch_source(worker, got.batches, known=got.known)
    fleet.put_output(ROOT, "run-1", fleet.UnitOutput("hf", fetched, worker.hf.stats, fleet.worker_label()))

    # the night's side: results as the worker got them, counters added to its own client
    night = _clients(fake_apis, tmp_path / "night-cache")
    output = fleet.get_output(ROOT, "run-1", "hf")
    assert output is not None
    assert output.fetched == fetched
    assert output.worker == fleet.worker_label()
    night.hf.absorb(output.stats)
    assert night.hf.stats == worker.hf.stats
    assert night.hf.stats.requests == 2
    stats = pipeline.source_stats(night, ["hf"], list(output.fetched.results))
    assert (stats["hf"].ok, stats["hf"].not_found, stats["hf"].served) == (1, 1, True)

    fleet.clear(ROOT, "run-1")
    assert not [k for k in s3_double.object_keys() if "_fleet" in k]
    with pytest.raises(InputError):
        fleet.put_unit(ROOT, "../escape", unit)


def test_absorb_takes_an_unreachable_verdict_and_adds_counters(fake_apis: FakeApis, tmp_path: Path) -> None:
    from dataclasses import replace

    night = _clients(fake_apis, tmp_path / "cache")
    night.s2._count(requests=2, cache_hits=1)  # the night's own title searches
    remote = replace(
        night.s2.stats, requests=3, cache_hits=0, unreachable=True, message="s2: unreachable (timeout at x:1)"
    )
    night.s2.absorb(remote)
    stats = night.s2.stats
    assert (stats.requests, stats.cache_hits, stats.unreachable) == (5, 1, True)
    assert stats.message == "s2: unreachable (timeout at x:1)"
