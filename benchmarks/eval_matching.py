"""Precision and recall of title matching on a generated catalog with decoy titles.

    uv run --frozen python benchmarks/eval_matching.py                 # dev seed + 3 held-out seeds
    uv run --frozen python benchmarks/eval_matching.py --seeds 7 --works 2000 --queries 1000
    uv run --frozen python benchmarks/eval_matching.py --mode direct   # scorer only, no HTTP
    uv run --frozen python benchmarks/eval_matching.py --write-catalog /tmp/cat.jsonl --seeds 7

What it does, per seed:

1. Generates a catalog (JSONL, the API double's format: ``{"type": "work", ...}``) of ``--works``
   works with realistic titles and deliberate decoys: titles that differ by one meaningful word
   ("... for Medicine" / "... for Law"), the same title in two years (errata, re-used titles),
   subtitle variants ("M: A Survey" / "M: Methods and Benchmarks"), many titles under one generic
   prefix ("Deep Learning for ..."), very short generic titles, numbered variants ("X-2" / "X-3").
   Works are arXiv-only, published-only or both; some sources lack some works; OpenAlex sometimes
   dates the published version a year after the preprint.
2. Builds labelled title-only queries: noisy copies of catalog titles (case, punctuation, typos,
   dropped subtitles, year off by one, missing year, author formats) and queries whose work is *not*
   in the catalog (fresh titles, and near-misses one word away from a catalog title).
3. ``--mode double`` (default): runs :class:`enrich.resolve.resolver.TitleResolver` with the real
   clients against :class:`fakeapis.FakeApis` in-process and counts requests from the access
   log. ``--mode direct``: scores candidates from a BM25 ranking of the catalog with
   :func:`enrich.resolve.match.decide` (no HTTP; for developing the scorer).
4. Prints precision (correct accepts / accepts), recall (correct accepts / queries whose work is in
   the catalog), abstain rate, wrong-accept count and requests per query.

Seed 7 is the development seed; seeds 11, 23 and 42 are held out (the weights were never tuned on them).
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from enrich.resolve.match import TitleMatch, TitleQuery, decide, score_candidate
from enrich.resolve.types import MatchMethod

DEV_SEED = 7
HELD_OUT = (11, 23, 42)

# --- vocabulary -------------------------------------------------------------------------------


def _words(text: str, sep: str = " ") -> tuple[str, ...]:
    return tuple(text.split(sep))


ADJ = _words(
    "Scalable Efficient Robust Interpretable Federated Adaptive Contrastive Generative Sparse "
    "Hierarchical Probabilistic Causal Multimodal Self-Supervised Differentiable Neural Bayesian "
    "Lightweight Unsupervised Semi-Supervised Continual Zero-Shot Few-Shot Explainable Equivariant "
    "Distributed Fair Private Adversarial Variational Recurrent Temporal Spectral Geometric Implicit "
    "Structured Compositional Incremental Hybrid Dynamic Latent Deep Stochastic Graph-Based"
)
NOUN = _words(
    "Transformers Representations Embeddings Networks Models Agents Retrieval Attention Diffusion "
    "Priors Kernels Policies Encoders Decoders Autoencoders Objectives Optimizers Benchmarks Datasets "
    "Features Graphs Tokenizers Adapters Prompts Rewards Memories Estimators Classifiers Detectors "
    "Segmenters Planners Simulators Architectures Ensembles Distillation Pretraining Alignment"
)
TASK = _words(
    "Question Answering|Image Segmentation|Protein Folding|Drug Discovery|Machine Translation|"
    "Speech Recognition|Code Generation|Time Series Forecasting|Object Detection|Text Summarization|"
    "Recommendation|Anomaly Detection|Molecule Generation|Named Entity Recognition|Dialogue Systems|"
    "Video Understanding|Robot Manipulation|Medical Imaging|Weather Prediction|Sentiment Analysis|"
    "Link Prediction|Graph Classification|Semantic Parsing|Document Retrieval|Image Captioning|"
    "Pose Estimation|Depth Estimation|Program Synthesis|Theorem Proving|Math Reasoning|"
    "Relation Extraction|Knowledge Graph Completion|Visual Question Answering|Table Understanding|"
    "Clinical Note Analysis|Legal Judgment Prediction|Fraud Detection|Traffic Forecasting",
    sep="|",
)
DOMAIN = _words(
    "Medicine Law Finance Chemistry Biology Education Agriculture Astronomy Healthcare Robotics "
    "Climate Genomics Materials Physics Economics Cybersecurity Manufacturing Neuroscience Radiology "
    "Oncology Linguistics Music Sports Retail Energy Transportation"
)
METHOD = _words(
    "Reinforcement Learning|Large Language Models|Graph Neural Networks|Diffusion Models|"
    "Vision Transformers|Contrastive Learning|Knowledge Distillation|Retrieval-Augmented Generation|"
    "Mixture of Experts|Neural Architecture Search|Meta-Learning|Active Learning|Prompt Tuning|"
    "Low-Rank Adaptation|Gaussian Processes|Normalizing Flows|Energy-Based Models|Optimal Transport|"
    "State Space Models|Spiking Neural Networks|Capsule Networks|Neural Radiance Fields|"
    "Instruction Tuning|Chain-of-Thought Prompting|Speculative Decoding|Federated Learning",
    sep="|",
)
SUBTITLE = _words(
    "A Survey|A Comprehensive Survey|Methods and Benchmarks|Theory and Practice|A Unified View|"
    "An Empirical Study|Challenges and Opportunities|A Review|Lessons Learned|A Case Study|"
    "Beyond the Baseline|Revisiting the Basics|A Critical Analysis|Towards Robustness|"
    "Scaling Laws and Limits|A Benchmark|An Open Toolkit|Foundations and Trends",
    sep="|",
)
PROPERTY = _words(
    "Robustness|Generalization|Calibration|Expressivity|Sample Complexity|Convergence|Stability|"
    "Identifiability|Memorization|Emergence|Transferability|Fairness|Privacy Leakage|Faithfulness",
    sep="|",
)
ACRONYM_PARTS = ("BERT", "GPT", "T5", "ViT", "CLIP", "SAM", "LoRA", "DINO", "MAE", "NeRF", "PaLM", "OPT")
FIRST = _words(
    "Ana Wei Jian Li Maria Ahmed Yuki Olga Pierre Lucas Sofia Rahul Priya Chen Hannah Mateo Noor "
    "Ivan Elena Kenji Fatima Jonas Amelie Tomás José Zoë Björn"
)
LAST = _words(
    "Smith Wang Zhang Garcia Müller Kumar Tanaka Ivanova Dubois Silva Rossi Patel Nguyen Kim Chen "
    "Johansson Novak Cohen Okafor Haddad Schmidt Yilmaz Costa Andersen Moreau Lopez Sato Nowak "
    "Fernández Østergaard"
)
GENERIC_SHORT = _words(
    "Deep Learning|Neural Networks|Attention|Representation Learning|Graph Learning|Language Models|"
    "Reinforcement Learning|Machine Translation|Transfer Learning|Self-Supervised Learning|"
    "Generative Models|Optimization|Memory Networks|Visual Reasoning|Program Synthesis",
    sep="|",
)


# --- catalog generation -----------------------------------------------------------------------


@dataclass
class GenWork:
    title: str
    year: int
    authors: list[str]
    arxiv_id: str | None
    doi: str | None
    sources: list[str]
    overrides: dict[str, dict[str, Any]]

    def ident(self) -> str:
        return self.arxiv_id or self.doi or ""

    def record(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "work",
            "title": self.title,
            "year": self.year,
            "publication_date": f"{self.year}-06-15",
            "authors": [{"name": a} for a in self.authors],
            "sources": self.sources,
        }
        if self.arxiv_id:
            out["arxiv_id"] = self.arxiv_id
        if self.doi:
            out["doi"] = self.doi
        if self.overrides:
            out["overrides"] = self.overrides
        return out


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used_titles: set[str] = set()
        self.arxiv_seq = 0
        self.doi_seq = 0

    def authors(self) -> list[str]:
        r = self.rng
        return [f"{r.choice(FIRST)} {r.choice(LAST)}" for _ in range(r.randint(1, 6))]

    def plain_title(self) -> str:
        r = self.rng
        forms = (
            lambda: f"{r.choice(ADJ)} {r.choice(NOUN)} for {r.choice(TASK)}",
            lambda: f"{r.choice(METHOD)} for {r.choice(TASK)} in {r.choice(DOMAIN)}",
            lambda: f"Towards {r.choice(ADJ)} {r.choice(TASK)} with {r.choice(METHOD)}",
            lambda: f"On the {r.choice(PROPERTY)} of {r.choice(ADJ)} {r.choice(NOUN)}",
            lambda: f"Learning {r.choice(ADJ)} {r.choice(NOUN)} for {r.choice(TASK)}",
            lambda: (
                f"{r.choice(ACRONYM_PARTS)}-{r.choice(string.ascii_uppercase)}{r.randint(1, 9)}: "
                f"{r.choice(ADJ)} {r.choice(NOUN)} for {r.choice(TASK)}"
            ),
            lambda: f"{r.choice(METHOD)}: {r.choice(SUBTITLE)}",
            lambda: f"{r.choice(ADJ)} and {r.choice(ADJ)} {r.choice(NOUN)} via {r.choice(METHOD)}",
            lambda: f"Rethinking {r.choice(NOUN)} in {r.choice(METHOD)} for {r.choice(DOMAIN)}",
        )
        return r.choice(forms)()

    def ids(self, year: int) -> tuple[str | None, str | None, list[str]]:
        r = self.rng
        kind = r.random()
        self.arxiv_seq += 1
        self.doi_seq += 1
        yymm = f"{year % 100:02d}{r.randint(1, 12):02d}"
        # ids before 2015 have 4 digits after the dot, later ones 5 (arXiv identifier scheme)
        arxiv = f"{yymm}.{self.arxiv_seq:04d}" if year < 2015 else f"{yymm}.{10000 + self.arxiv_seq:05d}"
        doi = f"10.{r.choice((1109, 1145, 18653, 1038, 1016, 48550 + 1))}/bench.{self.doi_seq}"
        if kind < 0.45:  # preprint only
            return arxiv, None, ["arxiv", "s2", "openalex"]
        if kind < 0.75:  # both
            return arxiv, doi, ["arxiv", "s2", "openalex", "crossref"]
        return None, doi, ["s2", "openalex", "crossref"]  # published only

    def work(self, title: str, year: int | None = None, authors: list[str] | None = None) -> GenWork:
        r = self.rng
        year = year or r.randint(2012, 2025)
        arxiv, doi, sources = self.ids(year)
        if r.random() < 0.1 and len(sources) > 2:  # a source that does not know this work
            sources = [s for s in sources if s != r.choice(("openalex", "s2"))]
        overrides: dict[str, dict[str, Any]] = {}
        if arxiv and doi and r.random() < 0.3:  # the published version a year later
            overrides["openalex"] = {"year": year + 1}
            overrides["crossref"] = {"year": year + 1}
        self.used_titles.add(title.lower())
        return GenWork(title, year, authors or self.authors(), arxiv, doi, sources, overrides)

    def fresh(self) -> str:
        for _ in range(1000):
            t = self.plain_title()
            if t.lower() not in self.used_titles:
                return t
        raise RuntimeError("vocabulary exhausted")

    def catalog(self, n: int) -> list[GenWork]:
        r = self.rng
        works: list[GenWork] = []
        while len(works) < n:
            family = r.random()
            if family < 0.45:
                works.append(self.work(self.fresh()))
            elif family < 0.58:  # one meaningful word differs
                method, task = r.choice(METHOD), r.choice(TASK)
                for dom in r.sample(DOMAIN, r.randint(2, 4)):
                    t = f"{method} for {task} in {dom}"
                    if t.lower() not in self.used_titles:
                        works.append(self.work(t))
            elif family < 0.66:  # the same title in two years (errata, re-used titles)
                t = self.fresh()
                self.used_titles.add(t.lower())
                first = self.work(t)
                works.append(first)
                gap = r.choice((1, 2, 3, 5))
                same_authors = first.authors if r.random() < 0.5 else None
                works.append(self.work(t, first.year + gap, same_authors))
            elif family < 0.76:  # subtitle variants
                main = f"{r.choice(ADJ)} {r.choice(NOUN)} for {r.choice(TASK)}"
                if main.lower() in self.used_titles:
                    continue
                for sub in r.sample(SUBTITLE, r.randint(2, 3)):
                    if f"{main}: {sub}".lower() not in self.used_titles:
                        works.append(self.work(f"{main}: {sub}"))
                if r.random() < 0.5:
                    works.append(self.work(main))
            elif family < 0.86:  # shared generic prefix
                prefix = r.choice(
                    ("Deep Learning for", "A Survey of", "Large Language Models for", "Benchmarking")
                )
                for task in r.sample(TASK, r.randint(2, 5)):
                    t = f"{prefix} {task}"
                    if t.lower() not in self.used_titles:
                        works.append(self.work(t))
            elif family < 0.93:  # very short generic titles
                t = r.choice(GENERIC_SHORT)
                if t.lower() in self.used_titles:
                    t = f"{t} {r.choice(('Revisited', 'Reconsidered', 'in Practice', 'at Scale', 'Made Easy'))}"
                if t.lower() not in self.used_titles:
                    works.append(self.work(t))
            else:  # numbered variants
                base = f"{r.choice(ACRONYM_PARTS)}-{r.randint(2, 4)}"
                tail = f"{r.choice(ADJ)} {r.choice(NOUN)} at Scale"
                for k in (0, 1):
                    t = f"{base[:-1]}{int(base[-1]) + k}: {tail}"
                    if t.lower() not in self.used_titles:
                        works.append(self.work(t))
        return works[:n]


# --- queries ----------------------------------------------------------------------------------


@dataclass
class Labelled:
    query: TitleQuery
    truth: GenWork | None
    family: str


def typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    op = rng.choice(("swap", "drop", "double", "replace"))
    if op == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == "drop":
        return word[:i] + word[i + 1 :]
    if op == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice(string.ascii_lowercase) + word[i + 1 :]


def noisy_title(rng: random.Random, title: str, used: set[str]) -> str:
    t = title
    if ":" in t and rng.random() < 0.25 and t.split(":", 1)[0].lower() not in used:
        t = t.split(":", 1)[0]  # (never when the main title alone is another work's title)
    n_typos = rng.choices((0, 1, 2), weights=(60, 30, 10))[0]
    words = t.split(" ")
    for _ in range(n_typos):
        long_words = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
        if long_words:
            i = rng.choice(long_words)
            words[i] = typo(rng, words[i])
    t = " ".join(words)
    style = rng.random()
    if style < 0.25:
        t = t.lower()
    elif style < 0.35:
        t = t.upper()
    elif style < 0.5:
        t = t.replace(":", " -").replace("-", " ")
    if rng.random() < 0.2:
        t = t + "."
    return t


def author_format(rng: random.Random, name: str) -> str:
    first, last = name.split(" ", 1)
    return rng.choice(
        (name, f"{last}, {first[0]}.", f"{first[0]}. {last}", f"{last} et al.", f"{last} {first[0]}")
    )


def queries(gen: Generator, works: Sequence[GenWork], n: int) -> list[Labelled]:
    rng = gen.rng
    out: list[Labelled] = []
    for i in range(n):
        kind = rng.random()
        truth: GenWork | None
        if kind < 0.82:
            truth = rng.choice(works)
            title, family = noisy_title(rng, truth.title, gen.used_titles), "in-catalog"
        elif kind < 0.91:
            truth, title, family = None, gen.fresh(), "absent"
        else:  # one word away from a catalog title: must not match it
            base = rng.choice(works).title.split(" ")
            idx = [j for j, w in enumerate(base) if len(w) >= 4 and w[0].isupper()]
            if not idx:
                continue
            j = rng.choice(idx)
            base[j] = rng.choice([w for w in (*DOMAIN, *NOUN) if w != base[j]])
            title = " ".join(base)
            if title.lower() in gen.used_titles:
                continue
            truth, family = None, "near-miss"
        year: int | None = None
        if rng.random() < 0.7:
            year = (truth.year if truth else rng.randint(2012, 2025)) + (1 if rng.random() < 0.15 else 0)
        author = None
        if rng.random() < 0.4:
            author = author_format(
                rng, truth.authors[0] if truth else " ".join((rng.choice(FIRST), rng.choice(LAST)))
            )
        out.append(Labelled(TitleQuery(f"q{i:05d}", title, year, author), truth, family))
    return out


# --- evaluation -------------------------------------------------------------------------------


def correct(match: TitleMatch, truth: GenWork | None) -> bool:
    if truth is None:
        return False
    ids = match.ids
    return (truth.arxiv_id is not None and ids.arxiv_id == truth.arxiv_id) or (
        truth.doi is not None and ids.doi == truth.doi
    )


@dataclass
class Result:
    seed: int
    queries: int
    in_catalog: int
    accepted: int
    right: int
    abstained: int
    requests: int
    seconds: float
    wrong_examples: list[str]

    @property
    def precision(self) -> float:
        return self.right / self.accepted if self.accepted else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.in_catalog if self.in_catalog else 1.0


def tally(
    seed: int, labelled: Sequence[Labelled], matches: dict[str, TitleMatch], requests: int, secs: float
) -> Result:
    accepted = right = abstained = 0
    wrong: list[str] = []
    for item in labelled:
        m = matches[item.query.work_key]
        if m.evidence.method is MatchMethod.ABSTAINED:
            abstained += 1
        if m.accepted:
            accepted += 1
            if correct(m, item.truth):
                right += 1
            elif len(wrong) < 8:
                wrong.append(
                    f"  [{item.family}] {item.query.title!r} y={item.query.year} a={item.query.first_author!r} -> "
                    f"{m.evidence.candidate_title!r} score={m.evidence.score} truth={item.truth.title if item.truth else None!r}"
                )
    in_cat = sum(1 for item in labelled if item.truth is not None)
    return Result(seed, len(labelled), in_cat, accepted, right, abstained, requests, secs, wrong)


def run_direct(works: Sequence[GenWork], labelled: Sequence[Labelled]) -> tuple[dict[str, TitleMatch], int]:
    """Score a BM25 top-10 of the catalog per query (as each search endpoint would return)."""
    from datetime import UTC, datetime

    from enrich.records import Author, FetchStatus, WorkRecord
    from fakeapis.search import Index

    now = datetime(2026, 1, 1, tzinfo=UTC)
    records = [
        WorkRecord(
            source="s2",
            key=w.ident(),
            status=FetchStatus.OK,
            fetched_at=now,
            title=w.title,
            year=w.year,
            authors=tuple(Author(a) for a in w.authors),
            arxiv_id=w.arxiv_id,
            doi=w.doi,
        )
        for w in works
    ]
    index = Index(records, lambda r: r.title or "")
    out = {}
    for item in labelled:
        cands = [r for r, _ in index.search(item.query.title)[:10]]
        out[item.query.work_key] = decide(item.query, cands)
        for c in cands:  # reliability of the score itself, over every (query, candidate) pair
            score = score_candidate(item.query, c).score
            truth = item.truth
            hit = truth is not None and c.key == truth.ident()
            CALIBRATION[min(int(score * 10), 9)].append(hit)
    return out, len(labelled)


CALIBRATION: dict[int, list[bool]] = {i: [] for i in range(10)}


def print_calibration() -> None:
    print("score calibration over all (query, candidate) pairs: bin, pairs, share that is the true work")
    for i, hits in CALIBRATION.items():
        if hits:
            print(f"  [{i / 10:.1f}, {(i + 1) / 10:.1f})  {len(hits):>6}  {sum(hits) / len(hits):.3f}")


def run_double(works: Sequence[GenWork], labelled: Sequence[Labelled]) -> tuple[dict[str, TitleMatch], int]:
    """The real resolver and clients against the API double, in-process."""
    from enrich.clients import Clients
    from enrich.config import Credentials
    from enrich.resolve.cache import ResolutionCache
    from enrich.resolve.resolver import TitleResolver
    from fakeapis import FakeApis

    records = [w.record() for w in works]
    with tempfile.TemporaryDirectory() as tmp, FakeApis(records, rate_limits="off") as apis:
        clients = Clients.from_config(
            apis.endpoints, Credentials(), cache_dir=None, timeout=10.0, rate_limits=False
        )
        resolver = TitleResolver(clients, ResolutionCache(Path(tmp) / "resolutions.sqlite"))
        out = resolver.resolve([item.query for item in labelled])
        log = apis.access_log()
        n_requests = len(log)
    return out, n_requests


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--seeds", type=int, nargs="*", default=[DEV_SEED, *HELD_OUT])
    p.add_argument("--works", type=int, default=2000)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--mode", choices=("double", "direct"), default="double")
    p.add_argument(
        "--write-catalog", type=Path, default=None, help="also write the (first seed's) catalog JSONL"
    )
    p.add_argument("--show-wrong", action="store_true", help="print a few wrong accepts per seed")
    args = p.parse_args(argv)

    results: list[Result] = []
    for k, seed in enumerate(args.seeds):
        gen = Generator(seed)
        works = gen.catalog(args.works)
        labelled = queries(gen, works, args.queries)
        if args.write_catalog is not None and k == 0:
            with args.write_catalog.open("w", encoding="utf-8") as fh:
                for w in works:
                    fh.write(json.dumps(w.record(), ensure_ascii=False) + "\n")
        start = time.perf_counter()
        runner = run_direct if args.mode == "direct" else run_double
        matches, requests = runner(works, labelled)
        results.append(tally(seed, labelled, matches, requests, time.perf_counter() - start))

    print(f"title matching, mode={args.mode}, {args.works} works, {args.queries} queries per seed")
    print(
        f"{'seed':>6} {'queries':>7} {'in-cat':>6} {'precision':>9} {'recall':>7} {'abstain':>7} {'wrong':>5} {'req/query':>9} {'secs':>6}"
    )
    for r in results:
        tag = " (dev)" if r.seed == DEV_SEED else ""
        print(
            f"{r.seed:>6} {r.queries:>7} {r.in_catalog:>6} {r.precision:>9.4f} {r.recall:>7.4f} "
            f"{r.abstained / r.queries:>7.3f} {r.accepted - r.right:>5} {r.requests / r.queries:>9.2f} {r.seconds:>6.1f}{tag}"
        )
        if args.show_wrong:
            for line in r.wrong_examples:
                print(line)
    if args.mode == "direct":
        print_calibration()
    ok = all(r.precision >= 0.99 and r.recall >= 0.9 for r in results)
    print("target precision >= 0.99 and recall >= 0.90:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
