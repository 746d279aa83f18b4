"""The real ``enrich run``, cold then warm, on generated lists against the local API double.

    uv run --frozen python benchmarks/bench_nightly.py                       # 1,000 papers
    uv run --frozen python benchmarks/bench_nightly.py --papers 10000
    uv run --frozen python benchmarks/bench_nightly.py --papers 1000 --rate-limits real
    uv run --frozen python benchmarks/bench_nightly.py --papers 10000 --rate-limits 0.01   # clocks 100x

Generates N papers (70 % arXiv links, 20 % DOI links, 10 % DOI links of papers that also have an
arXiv preprint; an arXiv link to a preprint merged into its published version would cost OpenAlex
one single look-up each, as the OR-filter answers with the published record),
0.3 N GitHub repos, 0.03 N Hugging Face items and 0.01 N title-only entries, spread over seven
Markdown lists, plus a catalog for the API double (``fakeapis``) that answers every one of
them. Starts the double (``enrich fake-apis``, its own process, access log on), then runs
``enrich run`` (or, with ``--engine none``, the same stages without Prefect) twice in a child process: a cold night (empty caches, no previous snapshot) and a warm
night (the next day: same caches, previous snapshot present, nothing changed upstream).

Prints, per night: wall and CPU time per stage (from the pipeline's progress events, timed inside
the ``enrich run`` process), peak RSS of that process and of its children (Prefect's server), the
requests each source received (the double's access log), the floor per source (the fewest requests
at the largest documented batch sizes, and the time they take at the documented spacing,
``docs/apis.md`` §11) and the ratio measured/floor. With ``--rate-limits real`` (or a factor, which
scales the double's limit clocks and the clients' spacing alike) the per-source time is measured from
the access log and compared with the floor time; with limits off only the request ratio means much.

Nothing here touches the network. ``--keep DIR`` keeps the generated inputs and outputs in DIR.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
N_LISTS = 7
STAGES = ("startup", "refresh", "parse", "titles", "fetch", "resolve", "build", "write", "finish")


@dataclass(frozen=True)
class Floor:
    """Largest documented batch and the documented spacing between requests (docs/apis.md)."""

    batch: int
    interval_s: float
    basis: str


FLOORS: dict[str, Floor] = {
    "arxiv": Floor(2000, 3.0, "POST id_list <=2000/call; 1 request / 3 s (TOU)"),
    "s2": Floor(500, 1.0, "POST /paper/batch <=500; key at 1 rps"),
    "openalex": Floor(100, 0.01, "OR-filter <=100 values; <=100 rps"),
    "crossref": Floor(100, 1 / 3, "filter=doi:...x100 (cap undocumented); polite list pool 3 rps"),
    "github": Floor(100, 60 / 2000, "GraphQL ~100 aliases; 2,000 points/min secondary"),
    "hf": Floor(1, 300 / 1000, "no batch endpoint; free token 1,000 / 5 min"),
}
TITLE_FLOOR = Floor(1, 1.0, "one S2 /search/match per title at 1 rps")


# --------------------------------------------------------------------------- inputs


def _vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    consonants, vowels = "bcdfghklmnprstvz", "aeiou"
    words: set[str] = set()
    while len(words) < size:
        n = rng.randint(2, 4)
        words.add("".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(n)))
    return sorted(words)


def _title(rng: random.Random, vocab: list[str]) -> str:
    return " ".join(rng.choice(vocab) for _ in range(rng.randint(6, 10))).capitalize()


def generate(root: Path, papers: int, repos: int, hf: int, titles: int, seed: int = 7) -> dict[str, int]:
    """Write ``root/lists/*.md`` and ``root/catalog.jsonl``; returns counts by kind."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    lists = root / "lists"
    lists.mkdir(parents=True, exist_ok=True)
    lines: list[list[str]] = [[] for _ in range(N_LISTS)]
    catalog: list[dict[str, Any]] = []

    def work(i: int, title: str, year: int, **ids: Any) -> dict[str, Any]:
        return {
            "type": "work",
            "title": title,
            "abstract": f"{title}. We study {vocab[i % len(vocab)]} at scale.",
            "authors": [{"name": f"{vocab[(i + j) % len(vocab)].capitalize()} Author{j}"} for j in range(3)],
            "year": year,
            "publication_date": f"{year}-0{1 + i % 9}-1{i % 9}",
            "venue": "Bench Conference",
            "citation_count": i % 997,
            **ids,
        }

    for i in range(papers):
        title = _title(rng, vocab)
        year = 2015 + i % 10
        arxiv = f"{2101 + i // 90000}.{10000 + i % 90000:05d}"
        doi = f"10.9999/bench.{i}"
        kind = i % 10
        if kind < 7:
            catalog.append(work(i, title, year, arxiv_id=arxiv))
            link = f"https://arxiv.org/abs/{arxiv}"
        elif kind < 9:
            catalog.append(work(i, title, year, doi=doi))
            link = f"https://doi.org/{doi}"
        else:  # a published paper that also has a preprint, linked by its DOI
            catalog.append(work(i, title, year, arxiv_id=arxiv, doi=doi))
            link = f"https://doi.org/{doi}"
        lines[i % N_LISTS].append(f"* **P{i}**: {title}. {year}. [paper]({link})")
    for i in range(titles):
        title = _title(rng, vocab)
        year = 2016 + i % 9
        catalog.append(work(papers + i, title, year, doi=f"10.9999/titled.{i}"))
        lines[i % N_LISTS].append(f"* **T{i}**: {title}. {year}.")
    for i in range(repos):
        name = f"owner{i % 997}/repo-{i}"
        catalog.append(
            {
                "type": "repo",
                "full_name": name,
                "stars": i % 5000,
                "forks": i % 300,
                "open_issues": i % 40,
                "watchers": i % 70,
                "pushed_at": "2026-01-01T00:00:00Z",
                "created_at": "2020-01-01T00:00:00Z",
                "license": "MIT",
                "topics": ["bench"],
                "description": f"Repo {i}",
                "language": "Python",
            }
        )
        lines[i % N_LISTS].append(f"* [{name}](https://github.com/{name}): code.")
    for i in range(hf):
        hub_kind = "model" if i % 3 else "dataset"
        hub_id = f"org{i % 101}/item-{i}"
        catalog.append({"type": "hf", "id": hub_id, "kind": hub_kind, "likes": i % 900, "downloads": i * 7})
        prefix = "" if hub_kind == "model" else "datasets/"
        lines[i % N_LISTS].append(f"* [{hub_id}](https://huggingface.co/{prefix}{hub_id}): a {hub_kind}.")
    for n, body in enumerate(lines):
        text = f"# Bench list {n}\n\n## Papers and code\n\n" + "\n".join(body) + "\n"
        (lists / f"bench-{n}.md").write_text(text, encoding="utf-8")
    with (root / "catalog.jsonl").open("w", encoding="utf-8") as f:
        for record in catalog:
            f.write(json.dumps(record) + "\n")
    return {"papers": papers, "titles": titles, "repos": repos, "hf": hf}


def planned_items(lists: Path) -> tuple[dict[str, int], int]:
    """What the pipeline will ask each source for (its own plan), and how many title queries."""
    from enrich import pipeline

    entries = pipeline.parse_lists(lists).entries
    items = pipeline.source_items(entries)
    return {s: len(dict.fromkeys(v)) for s, v in items.items()}, len(
        pipeline.lookup_plan(entries).title_queries
    )


# --------------------------------------------------------------------------- the double


class Double:
    """``enrich fake-apis`` in its own process (so it does not share a GIL with the pipeline)."""

    def __init__(self, catalog: Path, log: Path, rate_limits: str) -> None:
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "enrich.cli", "fake-apis", "--catalog", str(catalog), "--log", str(log),
             "--rate-limits", rate_limits, "--print-env"],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )  # fmt: skip
        self.env: dict[str, str] = {}
        assert self.proc.stdout is not None
        while len(self.env) < 6:
            line = self.proc.stdout.readline()
            if not line:
                raise SystemExit("bench: the API double did not start")
            key, _, value = line.strip().partition("=")
            self.env[key] = value

    def log_lines(self) -> int:
        return sum(1 for _ in self.log.open()) if self.log.exists() else 0

    def entries(self, skip: int) -> list[dict[str, Any]]:
        with self.log.open() as f:
            return [json.loads(line) for n, line in enumerate(f) if n >= skip]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


# --------------------------------------------------------------------------- one night


def peak_rss_mb() -> float:
    """This process's own peak resident memory (``VmHWM``). Not ``ru_maxrss``: Linux carries the
    parent's peak across fork and exec into it, so a child started by this script (which generated
    and parsed the lists: ~320 MB at 100k papers) would report the parent's peak until it passed it."""
    status = Path("/proc/self/status")
    lines = status.read_text().splitlines() if status.exists() else []
    for line in lines:
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: the best there is


def child_main(events_path: str, argv: list[str]) -> int:
    """Inside the ``enrich run`` process: time every progress event, then run the real command."""
    import atexit
    import logging

    t0, c0 = time.perf_counter(), time.process_time()
    events: list[dict[str, Any]] = []

    class Recorder(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            event = getattr(record, "event", None)
            if event is not None:
                events.append(
                    {"t": time.perf_counter() - t0, "cpu": time.process_time() - c0, "stage": event.stage,
                     "kind": event.kind, "source": event.source,
                     "rss_mb": peak_rss_mb()}
                )  # fmt: skip

    marks: dict[str, float] = {}
    if argv[0] == "run":  # the flow's body begins with settings.source_policy(): start-up split in two
        from enrich.settings import Settings

        policy = Settings.source_policy

        def first_policy(self: Settings) -> Any:
            marks.setdefault("flow_begun", time.perf_counter() - t0)
            return policy(self)

        Settings.source_policy = first_policy  # type: ignore[method-assign]
    progress = logging.getLogger("enrich.progress")
    progress.addHandler(Recorder(logging.INFO))
    progress.setLevel(logging.INFO)  # `enrich run` sets this too; the stages mode needs it
    fetches = _time_fetches(t0)

    def dump() -> None:
        Path(events_path).write_text(
            json.dumps(
                {"events": events, "end": time.perf_counter() - t0, "end_cpu": time.process_time() - c0,
                 "rss_mb": peak_rss_mb(), "fetches": fetches, "marks": marks}
            )
        )  # fmt: skip

    atexit.register(dump)
    if argv[0] == "stages":
        return stages_main(argv[1:])
    from enrich.cli import main

    return main(argv)


def _time_fetches(t0: float) -> list[dict[str, Any]]:
    """Time every ``pipeline.fetch_source`` call (one per source and round, in the flow's task or the
    stages' thread) and the time its thread spent inside ``BaseClient.request`` meanwhile (HTTP,
    spacing, cache look-ups); returns the list the calls are appended to."""
    import threading

    from enrich import pipeline
    from enrich.clients.base import BaseClient

    spent = threading.local()
    calls: list[dict[str, Any]] = []
    request, fetch_source = BaseClient.request, pipeline.fetch_source

    def timed_request(self: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return request(self, *args, **kwargs)
        finally:
            spent.s = getattr(spent, "s", 0.0) + time.perf_counter() - started

    def timed_fetch_source(clients: Any, batches: Any, **kwargs: Any) -> Any:
        before, started = getattr(spent, "s", 0.0), time.perf_counter()
        try:
            return fetch_source(clients, batches, **kwargs)
        finally:
            calls.append(
                {"source": batches[0].source if batches else "", "batches": len(batches), "start": started - t0,
                 "wall": time.perf_counter() - started, "requests_s": getattr(spent, "s", 0.0) - before}
            )  # fmt: skip

    BaseClient.request = timed_request  # type: ignore[method-assign]
    pipeline.fetch_source = timed_fetch_source
    return calls


def stages_main(argv: list[str]) -> int:
    """``--engine none``: the night's stages without Prefect (:func:`run_stages`)."""
    return run_stages(argv)


def run_stages(
    argv: list[str], mark: Callable[[str], None] = lambda stage: None, *, finish: bool = False
) -> int:
    """The flow's stages called in the same order without Prefect (sources in parallel threads, the
    batches of one source in order, one ``fetch_source`` each, the title searches alongside the
    first round, then the ids only the titles found), as ``flows.nightly`` wires them (missing
    answers settled, remembered links, remembered titles), each stage's inputs dropped once the
    next has them. ``mark(stage)`` is called after each stage (``benchmarks/profile_memory.py``);
    ``finish`` adds the flow's finish: the run summary, then the report read back from disk."""
    import gc
    from concurrent.futures import ThreadPoolExecutor
    from datetime import UTC, datetime

    from enrich import pipeline
    from enrich.arrow_pool import prepare_night, trim_heap
    from enrich.clients import Clients
    from enrich.handoff import Handoff
    from enrich.settings import Settings

    prepare_night()  # as the flow does first
    opts = dict(zip(argv[::2], argv[1::2], strict=True))
    lists, out, cache = Path(opts["--lists"]), Path(opts["--out"]), Path(opts["--cache"])
    day = date.fromisoformat(opts["--date"])
    started = datetime.now(UTC)
    settings = Settings()
    clients = Clients.from_config(
        settings.endpoints(), settings.credentials(), cache_dir=cache, timeout=settings.timeout,
        interval_scale=settings.interval_scale,
    )  # fmt: skip
    mark("startup")
    previous = pipeline.previous_snapshot(out, day)
    parsed = pipeline.parse_lists(lists, previous)
    trim_heap()  # as the flow does at each stage boundary
    mark("parse")
    plan = pipeline.lookup_plan(parsed.entries)  # once, as the flow does
    known = pipeline.repo_states(previous)
    chosen = settings.sources
    first = pipeline.plan_batches(pipeline.source_items(parsed.entries, None, known, plan=plan), chosen)

    def titles(groups: list[tuple[Any, ...]]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for group in groups:
            found.update(pipeline.resolve_titles(clients, cache / "resolution.sqlite", group, chosen))
        return found

    def fetch(batches: list[pipeline.Batch]) -> pipeline.SourceFetch:
        return pipeline.fetch_source(clients, batches, known=known)

    # as the flow does: the title searches alongside the first round, then the ids only titles found
    with ThreadPoolExecutor(max_workers=2 * len(first) + 1) as pool:
        searching = pool.submit(titles, pipeline.title_batches(plan.title_queries))
        rounds = [pool.submit(fetch, bs) for bs in first.values() if bs]
        matches = searching.result()
        later = pipeline.later_batches(  # every id's wire form lives only while the later batches are cut
            first, pipeline.source_items(parsed.entries, matches, known, plan=plan), chosen
        )
        rounds += [pool.submit(fetch, bs) for bs in later.values() if bs]
        fetched = [f.result() for f in rounds]
    # each stage's inputs go as soon as the next stage has them, as in the flow (whose fetch futures go
    # with the fetch phase: here the futures would keep every batch's records)
    del first, later, rounds, searching, plan  # the plan too: nothing after the fetch reads it
    results = pipeline.settle_missing([r for f in fetched for r in f.results], previous)
    del fetched
    works, repos, hf = pipeline.collect(results)
    works = works + pipeline.remembered_links(previous, works)
    stats = pipeline.source_stats(clients, settings.sources, results, carried=previous is not None)
    del results
    gc.collect()  # as the flow does here (where it frees the fetch futures' reference cycles)
    trim_heap()
    mark("fetch")  # the title searches included: they run alongside the fetches
    resolved = pipeline.resolve(
        parsed.entries, works, matches, id_map_path=cache / "work-ids.sqlite", previous=previous
    )
    del works, matches
    trim_heap()
    mark("resolve")
    # handed over, as in the flow: build_tables drops each input once it is done with it
    inputs = Handoff(parsed.entries), Handoff(resolved), Handoff(repos), Handoff(hf)
    unreadable = parsed.unreadable
    del parsed, resolved, repos, hf
    built = pipeline.build(*inputs, snapshot_date=day, previous=previous, unreadable_lists=unreadable)
    del inputs, previous
    trim_heap()
    mark("build")
    facts = pipeline.RunFacts(snapshot_date=day, run_id="bench", started_at=started, sources=stats)
    pipeline.write(out, built.tables, facts)
    trim_heap()
    mark("write")
    if finish:  # as the flow: the summary from tonight's tables, then (tables released) the report from disk
        from enrich.report import build_report
        from enrich.summary import render_markdown

        render_markdown(pipeline.summarise(built, facts))
        del built
        trim_heap()
        mark("summary")
        build_report(out, day.isoformat(), cache_dir=cache)
        mark("report")
    return 3 if facts.partial else 0


def _tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and every descendant (Prefect's server runs as a child), from /proc."""
    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            pid = int(stat.parent.name)
            parent[pid], rss[pid] = int(fields[1]), int(fields[21]) * resource.getpagesize()
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += [c for c, pp in parent.items() if pp == pid]
    return total / 2**20


class TreeSampler:
    """Peak of :func:`_tree_rss_mb` sampled every half second while a process runs."""

    def __init__(self, pid: int) -> None:
        import threading

        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(pid,), daemon=True)
        self._thread.start()

    def _run(self, pid: int) -> None:
        while not self._stop.wait(0.5):
            self.peak = max(self.peak, _tree_rss_mb(pid))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


@dataclass
class Night:
    label: str
    exit_code: int
    wall: float
    cpu: float
    rss_mb: float
    tree_rss_mb: float
    stages: list[tuple[str, float, float, float]]
    requests: Counter[str]
    statuses: Counter[tuple[str, int]]
    source_span: dict[str, float]
    fetches: list[dict[str, Any]]
    phase: tuple[float, float]
    flow_begun: (
        float | None
    )  # when Prefect said "Beginning flow run" (Prefect mode)  # titles + fetch: from the end of parsing to the last fetch event


def fetch_phase(data: dict[str, Any]) -> tuple[float, float]:
    """When the title searches and fetches ran: from the last event before them (parsing) to the
    last event of either (they overlap, so the two stages are timed together)."""
    events = data["events"]
    inside = [e["t"] for e in events if e["stage"] in ("titles", "fetch")]
    if not inside:
        return (0.0, 0.0)
    start = max(
        (e["t"] for e in events if e["stage"] in ("refresh", "parse") and e["t"] <= min(inside)), default=0.0
    )
    return (start, max(inside))


def stage_times(data: dict[str, Any]) -> list[tuple[str, float, float, float]]:
    """Wall, CPU and peak RSS so far per stage: each stage ends at its last progress event; start-up
    ends at the first."""
    last: dict[str, tuple[float, float, float]] = {}
    first_t = None
    for e in data["events"]:
        last[e["stage"]] = (e["t"], e["cpu"], e.get("rss_mb", 0.0))
        if first_t is None:
            first_t = (e["t"], e["cpu"], e.get("rss_mb", 0.0))
    end = (data["end"], data["end_cpu"], data["rss_mb"])
    marks = [("startup", first_t or end)]
    # in the order they ended (the title searches and the fetches overlap: either may end first)
    marks += sorted(((s, last[s]) for s in STAGES[1:-1] if s in last), key=lambda m: m[1][0])
    marks.append(("finish", end))
    out: list[tuple[str, float, float, float]] = []
    prev = (0.0, 0.0)
    for name, (t, cpu, rss) in marks:
        out.append((name, t - prev[0], cpu - prev[1], rss))
        prev = (t, cpu)
    return out


def run_night(label: str, work: Path, double: Double, day: date, env: dict[str, str], engine: str) -> Night:
    events = work / f"events-{label}.json"
    skip = double.log_lines()
    argv = ["run" if engine == "prefect" else "stages", "--lists", str(work / "lists"), "--out", str(work / "out"), "--cache", str(work / "cache"),
            "--date", day.isoformat()] + (["--no-refresh"] if engine == "prefect" else [])  # fmt: skip
    if engine == "prefect":
        # the run itself in the timed child: `enrich run` would otherwise supervise a grandchild
        # (flows.cli_run.supervise), whose stages and RSS this process cannot see
        env = {**env, "ENRICH_RUN_SUPERVISOR_PID": "1"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", str(events), "--", *argv],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(work / f"stderr-{label}.txt", "w"),  # noqa: SIM115 - closed with the process
    )
    sampler = TreeSampler(proc.pid)
    _, status, usage = os.wait4(proc.pid, 0)
    tree_peak = sampler.stop()
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    data: dict[str, Any] = {"events": [], "end": wall, "end_cpu": 0.0, "rss_mb": 0.0}  # a crashed child
    if events.exists():
        data = json.loads(events.read_text())
    log = double.entries(skip)
    by_source: dict[str, list[float]] = {}
    for e in log:
        by_source.setdefault(e["source"], []).append(e["ts"])
    return Night(
        label=label,
        exit_code=code,
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        rss_mb=data["rss_mb"],
        tree_rss_mb=tree_peak,
        stages=stage_times(data),
        requests=Counter(e["source"] for e in log),
        statuses=Counter((e["source"], e["status"]) for e in log),
        source_span={s: max(ts) - min(ts) for s, ts in by_source.items()},
        fetches=data.get("fetches", []),
        phase=fetch_phase(data),
        flow_begun=data.get("marks", {}).get("flow_begun"),
    )


# --------------------------------------------------------------------------- report


def floors(items: dict[str, int], titles: int, scale: float) -> dict[str, tuple[int, float, str]]:
    out: dict[str, tuple[int, float, str]] = {}
    for source, f in FLOORS.items():
        n = math.ceil(items.get(source, 0) / f.batch)
        out[source] = (n, max(n - 1, 0) * f.interval_s * scale, f.basis)
    out["titles"] = (titles, max(titles - 1, 0) * TITLE_FLOOR.interval_s * scale, TITLE_FLOOR.basis)
    return out


def report(night: Night, floor: dict[str, tuple[int, float, str]], items: dict[str, int], scale: float) -> Iterator[str]:  # fmt: skip
    timed = scale > 0
    yield f"\n== {night.label}: exit {night.exit_code}, wall {night.wall:.1f} s, CPU {night.cpu:.1f} s "
    yield f"   peak RSS: enrich process {night.rss_mb:.0f} MB; with its children (Prefect server), sampled: {night.tree_rss_mb:.0f} MB"
    yield f"   {'stage':<10} {'wall s':>8} {'CPU s':>8} {'peak RSS MB so far':>19}"
    for name, wall, cpu, rss in night.stages:
        yield f"   {name:<10} {wall:8.2f} {cpu:8.2f} {rss:19.0f}"
    if night.flow_begun is not None and night.stages:
        startup = night.stages[0][1]
        yield (f"   startup: {night.flow_begun:.2f} s until the flow's body began (imports, embedded server, "
               f"flow run), {startup - night.flow_begun:.2f} s in the flow before its first stage event")  # fmt: skip
    yield f"   {'source':<9} {'items':>7} {'requests':>9} {'floor req':>9} {'ratio':>7} {'span s':>8} {'floor s':>8}  statuses"  # fmt: skip
    for source in FLOORS:
        n_floor, t_floor, _ = floor[source]
        got = night.requests.get(source, 0)
        ratio = f"{got / n_floor:.2f}" if n_floor else "-"
        span = night.source_span.get(source, 0.0)
        codes = ",".join(f"{code}x{n}" for (s, code), n in sorted(night.statuses.items()) if s == source)
        span_text = f"{span:8.1f}" if timed else f"{'-':>8}"
        yield f"   {source:<9} {items.get(source, 0):7d} {got:9d} {n_floor:9d} {ratio:>7} {span_text} {t_floor:8.1f}  {codes}"  # fmt: skip
    yield f"   title-only entries: {floor['titles'][0]} (floor {floor['titles'][1]:.1f} s: {floor['titles'][2]})"
    yield from overlap_lines(night, floor, scale)


def slowest_floor(floor: dict[str, tuple[int, float, str]], scale: float) -> tuple[str, float, str]:
    """The slowest source's floor with its title searches (S2 answers ``search/match``: its batches
    and the titles share its 1 rps)."""
    best = ("", 0.0, "")
    for source, f in FLOORS.items():
        n = floor[source][0]
        searches = floor["titles"][0] if source == "s2" else 0
        t = max(n + searches - 1, 0) * f.interval_s * scale
        what = (
            f"{n} request(s)"
            + (f" + {searches} title searches" if searches else "")
            + f", {f.interval_s:.2f} s apart"
        )
        if t > best[1]:
            best = (source, t, what)
    return best


def overlap_lines(night: Night, floor: dict[str, tuple[int, float, str]], scale: float) -> Iterator[str]:
    """The fetch phase against the slowest source's floor, and the per-batch orchestration cost."""
    start, end = night.phase
    wall = end - start
    batches = sum(c["batches"] for c in night.fetches)
    rounds = Counter(c["source"] for c in night.fetches)
    if scale > 0:
        source, t_floor, what = slowest_floor(floor, scale)
        ratio = f"{wall / t_floor:.2f}" if t_floor else "-"
        yield (f"   run wall (titles+fetch stages) {wall:.1f} s / slowest source floor {t_floor:.1f} s "
               f"({source}: {what}) = {ratio}")  # fmt: skip
    if not night.fetches:
        return
    slowest = max(night.fetches, key=lambda c: c["start"] + c["wall"])
    inside = sum(c["wall"] - c["requests_s"] for c in night.fetches)
    covered, reach = 0.0, start
    for c in sorted(night.fetches, key=lambda c: c["start"]):  # the union of the fetch_source calls
        lo, hi = max(c["start"], reach), c["start"] + c["wall"]
        if hi > lo:
            covered, reach = covered + hi - lo, hi
    idle = max(wall - covered, 0.0)
    yield (f"   fetch_source calls: {len(night.fetches)} ({', '.join(f'{s} {n}' for s, n in sorted(rounds.items()))}), "
           f"{batches} batches; time in requests {sum(c['requests_s'] for c in night.fetches):.2f} s; "
           f"last to finish: {slowest['source']} at +{slowest['start'] + slowest['wall'] - start:.1f} s")  # fmt: skip
    yield (f"   per-batch overhead: {1000 * inside / max(batches, 1):.1f} ms inside fetch_source outside requests; "
           f"{1000 * idle / max(batches, 1):.1f} ms orchestration (the {idle:.2f} s of the phase when no "
           f"fetch_source ran: task start-up, slots, the wait for titles that outlast the first round)")  # fmt: skip


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        return child_main(sys.argv[2], sys.argv[4:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--repos", type=int, default=None, help="default: 0.3 x papers")
    parser.add_argument("--hf", type=int, default=None, help="default: 0.03 x papers")
    parser.add_argument(
        "--titles", type=int, default=None, help="title-only entries (default: 0.01 x papers)"
    )
    parser.add_argument("--rate-limits", default="off", metavar="off|real|FACTOR")
    parser.add_argument("--nights", default="cold,warm", help="which nights to run (cold, warm)")
    parser.add_argument(
        "--engine",
        choices=("prefect", "none"),
        default="prefect",
        help="prefect: the real `enrich run`; none: the same stages called without Prefect",
    )
    parser.add_argument("--keep", type=Path, default=None, help="keep inputs and outputs in this directory")
    args = parser.parse_args()
    repos = args.repos if args.repos is not None else args.papers * 3 // 10
    hf = args.hf if args.hf is not None else args.papers * 3 // 100
    titles = args.titles if args.titles is not None else args.papers // 100
    scale = {"off": 0.0, "real": 1.0}.get(args.rate_limits)
    if scale is None:
        scale = float(args.rate_limits)
    with tempfile.TemporaryDirectory(prefix="bench-nightly-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        generate(work, args.papers, repos, hf, titles)
        items, n_titles = planned_items(work / "lists")
        print(f"generated {args.papers} papers, {repos} repos, {hf} Hub items, {titles} title-only entries "
              f"in {time.perf_counter() - t:.1f} s; rate limits {args.rate_limits}")  # fmt: skip
        floor = floors(items, n_titles, scale if scale else 1.0)
        double = Double(work / "catalog.jsonl", work / "access.jsonl", args.rate_limits)
        env = {
            **os.environ,
            **double.env,
            "ENRICH_INTERVAL_SCALE": str(scale),
            "GITHUB_TOKEN": "bench-token",
            "S2_API_KEY": "bench-key",
            "HF_TOKEN": "bench-token",
        }
        env.setdefault("PREFECT_HOME", str(work / "prefect-home"))
        try:
            day = date(2026, 11, 1)
            for n, label in enumerate(x.strip() for x in args.nights.split(",")):
                night = run_night(label, work, double, day + timedelta(days=n), env, args.engine)
                for line in report(night, floor, items, scale):
                    print(line, flush=True)
                load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
                print(
                    f"   machine: {os.cpu_count()} cores, load average {load} (wall times stretch with load)"
                )
                if night.exit_code not in (0,):
                    print(f"   (stderr in {work / f'stderr-{label}.txt'})")
        finally:
            double.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
