"""The fault matrix: two nights through the library stages against the API double, the second with a fault.

Night one runs clean and writes its snapshot; night two runs with one fault profile (one fault kind on
one source, or on all sources) and writes its own, carrying night one's values forward for whatever
was not served. :func:`run_case` reports what a user and an operator see (exit code, ``partial``, the
per-source lines, the manifest's per-source verdicts) and how many of night one's values night two
lost (:func:`values_lost`: the catalog never changes, so every value cell of night one must be equal
on night two, fresh or carried forward).

The same stages as ``flows.nightly`` (``enrich.pipeline``), without Prefect, batches in order, so a
case takes about a second. Used by ``tests/flows/test_fault_matrix.py`` and
``benchmarks/fault_matrix.py``. It lives with the application: it drives the library against the API
double, which itself depends on nothing but the public configuration.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

from pydantic import SecretStr

from enrich import pipeline
from enrich.clients import Clients
from enrich.config import SOURCES, Credentials, source_policy
from enrich.records import SourceStats
from enrich.snapshot import read_table
from fakeapis import FakeApis
from fakeapis.faults import FaultProfile

NIGHT_ONE: Final = date(2026, 11, 21)
NIGHT_TWO: Final = date(2026, 11, 22)
KEYS: Final = {"S2_API_KEY": "s2-good-key", "OPENALEX_API_KEY": "oa-good-key"}

LIST_TEXT: Final = """# Fault matrix list (ids from tests/data/catalog.jsonl)

## Papers

- [GPT-4 on medical challenge problems](https://arxiv.org/abs/2303.13375)
- [BioBERT](https://arxiv.org/abs/1901.08746)
- [BioBERT in Bioinformatics](https://doi.org/10.1093/bioinformatics/btz682)
- [2304.01097](https://arxiv.org/abs/2304.01097)
- [Med-PaLM](https://arxiv.org/abs/2212.13138)
- [Med-PaLM in Nature](https://doi.org/10.1038/s41586-023-06291-2)
- [2305.15075](https://arxiv.org/abs/2305.15075)
- [2303.14070](https://arxiv.org/abs/2303.14070)
- [Cureus](https://doi.org/10.7759/cureus.40895)
- [Clinical BERT](https://doi.org/10.18653/v1/w19-1909)
- [2304.14454](https://arxiv.org/abs/2304.14454)
- [2304.08247](https://arxiv.org/abs/2304.08247)
- [2305.09617](https://arxiv.org/abs/2305.09617)

## Code

- [DoctorGLM](https://github.com/xionghonglin/DoctorGLM)
- [HuatuoGPT](https://github.com/FreedomIntelligence/HuatuoGPT)
- [ChatDoctor](https://github.com/Kent0n-Li/ChatDoctor)
- [Visual Med-Alpaca](https://github.com/cambridgeltl/visual-med-alpaca)
- [COVID-Dialogue](https://github.com/UCSD-AI4H/COVID-Dialogue)
- [MedLLMsPracticalGuide](https://github.com/AI-in-Health/MedLLMsPracticalGuide)

## Models and data

- [Bio_ClinicalBERT](https://huggingface.co/emilyalsentzer/Bio_ClinicalBERT)
- [BioGPT](https://huggingface.co/microsoft/biogpt)
- [PubMedGPT](https://huggingface.co/stanford-crfm/pubmedgpt)
- [GatorTron](https://huggingface.co/UFNLP/gatortron-base)
- [Wikidoc](https://huggingface.co/datasets/medalpaca/medical_meadow_wikidoc)
"""


@dataclass(frozen=True, slots=True)
class FaultCase:
    """One fault kind: its rule, the sources it can apply to, and what night two must say."""

    kind: str
    rule: Mapping[str, Any]
    sources: tuple[str, ...] = SOURCES  # sources the fault exists for (the double's SOURCE_ONLY)
    served: bool = False  # True: the clients get around it (the night is complete)
    reason: str = ""  # a fragment of the named source's line (one-source scope)


FAULT_CASES: Final[tuple[FaultCase, ...]] = (
    FaultCase("429", {"fault": "status", "status": 429}, reason="rate limited"),
    FaultCase(
        "429 Retry-After 3600",
        {"fault": "status", "status": 429, "retry_after": 3600},
        reason="told to retry after 3600 s",
    ),
    FaultCase("500", {"fault": "status", "status": 500}, reason="HTTP 500"),
    FaultCase("503", {"fault": "status", "status": 503}, reason="HTTP 503"),
    FaultCase("401 (key set)", {"fault": "status", "status": 401}, reason="401"),
    FaultCase("403 (key set)", {"fault": "status", "status": 403}, reason="403"),
    FaultCase("slow", {"fault": "slow", "delay": 1.0}, reason="timed out"),
    FaultCase("reset", {"fault": "reset"}, reason="connection failed"),
    FaultCase("truncate", {"fault": "truncate"}, reason=""),
    FaultCase("malformed", {"fault": "malformed"}, reason="bad body"),
    FaultCase("empty_page", {"fault": "empty_page"}, sources=("arxiv",), reason="empty feed for these ids"),
    FaultCase(
        "batch_nulls",
        {"fault": "batch_nulls", "fraction": 1.0},
        sources=("s2",),
        reason="null in S2's batch answer",
    ),
    FaultCase(
        "graphql_errors", {"fault": "graphql_errors", "fraction": 1.0}, sources=("github",), served=True
    ),
    FaultCase("quota", {"fault": "quota", "reset_after": 3600}, reason=""),
    FaultCase("down", {"fault": "down"}, reason="unreachable"),
)
"""Every fault kind of ``fakeapis.faults.FAULT_KINDS`` (``status`` as its six common answers)."""

AUTH_REASON: Final = {
    "s2": "S2 rejected the API key",
    "openalex": "OpenAlex rejected the API key",
    "github": "GitHub rejected the token",
    "hf": "Hugging Face rejected the token",
}


@dataclass(frozen=True, slots=True)
class Night:
    """What one night produced and said."""

    exit_code: int
    partial: bool
    lines: tuple[str, ...]
    sources: Mapping[str, SourceStats]
    manifest: Path
    wall_s: float


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: FaultCase
    scope: str  # a source name, or "all"
    night: Night
    lost: tuple[str, ...] = field(default=())  # "table key column: before -> after"


def write_list(lists: Path) -> None:
    lists.mkdir(parents=True, exist_ok=True)
    (lists / "matrix.md").write_text(LIST_TEXT, encoding="utf-8")


def credentials() -> Credentials:
    return Credentials(
        s2_api_key=SecretStr(KEYS["S2_API_KEY"]),
        openalex_api_key=SecretStr(KEYS["OPENALEX_API_KEY"]),
        github_token=SecretStr("ghp_fault_matrix"),
        hf_token=SecretStr("hf_fault_matrix"),
    )


def run_night(
    apis: FakeApis,
    lists: Path,
    out: Path,
    day: date,
    *,
    deadline_s: float = 30.0,
    timeout: float = 0.5,
    fast_retries: bool = True,
) -> Night:
    """One night through the library stages (as ``flows.nightly`` wires them).

    ``fast_retries`` shortens the backoff (the double answers at once) and the longest wait the
    limiter sleeps through to 5 s; without it the clients keep their real policy (``enrich.clients.base``).
    """
    started = time.monotonic()
    policy = source_policy(deadline_s=deadline_s)
    clients = Clients.from_config(
        apis.endpoints,
        credentials(),
        cache_dir=None,
        rate_limits=False,
        timeout=timeout,
        deadlines={s: p.deadline_s for s, p in policy.items()},
    )
    for client in clients.all() if fast_retries else ():
        client.retry = replace(client.retry, backoff_base=0.01, backoff_max=0.05)
        client.limiter.max_wait = 5.0
    parsed = pipeline.parse_lists(lists)
    previous = pipeline.previous_snapshot(out, day)
    known = pipeline.repo_states(previous)
    batches = pipeline.plan_batches(pipeline.source_items(parsed.entries, {}, known))
    results = [pipeline.fetch_batch(clients, b, known=known) for bs in batches.values() for b in bs]
    results = pipeline.settle_missing(results, previous)
    stats = pipeline.source_stats(clients, SOURCES, results, policy=policy, carried=previous is not None)
    works, repos, hf = pipeline.collect(results)
    works = works + pipeline.remembered_links(previous, works)
    resolved = pipeline.resolve(
        parsed.entries, works, {}, id_map_path=out.parent / "work-ids.sqlite", previous=previous
    )
    built = pipeline.build(parsed.entries, resolved, repos, hf, snapshot_date=day, previous=previous)
    facts = pipeline.RunFacts(
        snapshot_date=day, run_id=f"matrix-{day.isoformat()}", started_at=datetime.now(UTC), sources=stats
    )
    manifest = Path(pipeline.write(out, built.tables, facts))  # `out` is a directory here
    return Night(
        exit_code=3 if facts.partial else 0,
        partial=facts.partial,
        lines=tuple(pipeline.verdict_lines(stats)),
        sources=stats,
        manifest=manifest,
        wall_s=time.monotonic() - started,
    )


_BOOKKEEPING: Final = frozenset(
    {"status", "fetch_status", "fetched_at", "metadata_as_of", "sources", "etag"}
    | {"match_method", "match_score", "match_source"}  # how tonight resolved, not a value
)
_KEYS: Final = {"works": "work_id", "repos": "repo_id", "hf_items": "hf_item_id"}


def _is_value_column(name: str) -> bool:
    return name not in _BOOKKEEPING and not name.endswith("_as_of") and not name.startswith("status_")


def values_lost(out: Path, before: date = NIGHT_ONE, after: date = NIGHT_TWO) -> list[str]:
    """Every value cell of ``before``'s works, repos and Hugging Face items that ``after`` lost or changed.

    Bookkeeping columns (statuses, ``*_as_of``, ``fetched_at``, ``sources``, tonight's ``match_*``
    evidence) are not values. A row missing on ``after`` loses all its values.
    """
    lost: list[str] = []
    for table, key in _KEYS.items():
        one = {r[key]: r for r in read_table(out, table, before).to_pylist()}
        two = {r[key]: r for r in read_table(out, table, after).to_pylist()}
        for item, row in sorted(one.items()):
            later = two.get(item, {})
            for column, value in row.items():
                if not _is_value_column(column) or value is None or value == []:
                    continue
                if later.get(column) != value:
                    lost.append(f"{table} {item} {column}: {value!r} -> {later.get(column)!r}")
    return lost


def profile_for(case: FaultCase, scope: str) -> FaultProfile:
    targets = case.sources if scope == "all" else (scope,)
    return FaultProfile.from_dict({"seed": 1, **{s: [dict(case.rule)] for s in targets}})


def run_case(
    case: FaultCase,
    scope: str,
    night_one: Path,
    work: Path,
    catalog: Path,
    *,
    deadline_s: float = 30.0,
    fast_retries: bool = True,
) -> CaseResult:
    """Night two with ``case`` on ``scope`` over a copy of ``night_one``'s snapshot root."""
    out = work / "out"
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(night_one / "out", out)
    shutil.copy2(night_one / "work-ids.sqlite", work / "work-ids.sqlite")
    with FakeApis(catalog, faults=profile_for(case, scope), seed=1) as apis:
        night = run_night(
            apis, night_one / "lists", out, NIGHT_TWO, deadline_s=deadline_s, fast_retries=fast_retries
        )
    return CaseResult(case, scope, night, tuple(values_lost(out)))


def prepare_night_one(root: Path, catalog: Path) -> Night:
    """The clean night every case starts from (``root/lists``, ``root/out``)."""
    write_list(root / "lists")
    with FakeApis(catalog, seed=1) as apis:
        return run_night(apis, root / "lists", root / "out", NIGHT_ONE)


def scopes(case: FaultCase, rotate: int) -> list[str]:
    """One source (rotating over the sources the fault exists for) and, for shared kinds, all."""
    one = case.sources[rotate % len(case.sources)]
    return [one, "all"] if len(case.sources) > 1 else [one]


def matrix(
    root: Path,
    catalog: Path,
    cases: Sequence[FaultCase] = FAULT_CASES,
    *,
    deadline_s: float = 30.0,
    fast_retries: bool = True,
) -> list[CaseResult]:
    """Every case, each on one source and on all (see :func:`scopes`)."""
    prepare_night_one(root / "night-one", catalog)
    out: list[CaseResult] = []
    for i, case in enumerate(FAULT_CASES):
        if case not in cases:
            continue
        for scope in scopes(case, i):
            out.append(
                run_case(
                    case,
                    scope,
                    root / "night-one",
                    root / "case",
                    catalog,
                    deadline_s=deadline_s,
                    fast_retries=fast_retries,
                )
            )
    return out
