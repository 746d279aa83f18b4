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

``--mode lists`` evaluates the whole night instead (works and entities) over the five seed lists:

    uv run --frozen python benchmarks/eval_matching.py --mode lists            # data/raw
    uv run --frozen python benchmarks/eval_matching.py --mode lists --lists ../shared/lists

It builds a catalog covering the lists (their real titles and ids; one work per paper, a preprint
and its journal version as one work; near-twin decoys one word or one year away; every repo and Hub
item, a repo's README or a Hub item's ``arxiv:`` tag / card citing its paper when the lists show
which paper it is; toolkits citing many papers), copies the lists with realistic damage (arXiv ids
copied from the row above, arXiv links rewritten to the journal DOI), runs the night's stages
(parse, title search, batched fetches, resolve, tables) against the API double and prints
works-level and entity-level pairwise precision/recall/F1 over entries, wrong matches (an entry
joined to a work whose ids belong to another paper or a decoy) and requests per source. The truth
comes from the clean lists and the catalog builder, never from the pipeline. Run it on another
checkout (``PYTHONPATH=<checkout> uv run --frozen python benchmarks/eval_matching.py --mode lists``)
for a before/after comparison; without ``entries.entity_id`` the entity view is the work, else
the repo, else the Hub item of each entry.
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


# --- lists mode: the whole night over the seed lists -------------------------------------------

WRONG_ID_EVERY = 29  # every 29th arXiv paper row gets the id of the paper row above it
JOURNAL_EVERY = 7  # every 7th arXiv work of two or more rows has a journal version some rows link
DECOY_EVERY = 3  # every 3rd titled work has a near-twin decoy in the catalog
TOOLKIT_MIN = 5
EVAL_DOI = "10.5555/eval."
DECOY_DOI = "10.5555/decoy."
ACL_OWNERS = {
    # the real owner of an ACL id two seed-list rows share (the other row copied it)
    "2020.clinicalnlp-1.17": "Pretrained Language Models for Biomedical and Clinical Tasks",
}
SWAP = {
    "medical": "legal",
    "clinical": "financial",
    "language": "vision",
    "chinese": "japanese",
    "large": "small",
    "models": "agents",
    "biomedical": "geospatial",
    "health": "climate",
    "question": "image",
    "dataset": "simulator",
}


def _hash(text: str) -> int:
    import hashlib

    return int(hashlib.sha1(text.encode()).hexdigest()[:10], 16)


def _words_of(text: str | None) -> list[str]:
    from enrich.ids import normalize_title

    stop = {"a", "an", "the", "of", "for", "and", "in", "on", "to", "with", "via", "by", "from", "is"}
    return [w for w in normalize_title(text or "").split() if w not in stop]


def _related(a: str | None, b: str | None) -> bool:
    wa, wb = set(_words_of(a)), set(_words_of(b))
    if not wa or not wb:
        return True
    return len(wa & wb) / min(len(wa), len(wb)) >= 0.5


def _entry_keys(e: Any) -> list[str]:
    keys = []
    if e.arxiv_id:
        keys.append(f"arxiv:{e.arxiv_id.lower()}")
    if e.doi:
        doi = e.doi.lower()
        keys.append(
            f"arxiv:{doi.split('arxiv.', 1)[1]}" if doi.startswith("10.48550/arxiv.") else f"doi:{doi}"
        )
    for prefix, value in (
        ("acl", e.acl_id),
        ("pmid", e.pmid),
        ("pmcid", e.pmcid),
        ("corpus", e.s2_corpus_id),
    ):
        if value:
            keys.append(f"{prefix}:{str(value).lower()}")
    return keys


def _paperish(e: Any) -> bool:
    """A row that names a paper (truth side; independent of the pipeline's own rules)."""
    if _entry_keys(e):
        return True
    if e.kind == "paper":
        return bool(e.title or e.name)
    return e.kind != "repo" and len((e.title or "").split()) >= 6


def _title_forms(text: str) -> list[str]:
    import re

    from enrich.ids import normalize_title

    forms = []
    full = normalize_title(text)
    if len(full.split()) >= 3:
        forms.append("full:" + full)
    head, sep, tail = text.partition(":")
    if sep:
        rest = normalize_title(tail)
        if len(rest.split()) >= 4:
            forms.append("full:" + rest)
        name = head.strip()
        if len(name.split()) == 1 and len(name) >= 4 and re.search(r"[A-Z].*[A-Z]|\d|-", name[1:]):
            forms.append("name:" + name.lower())
    return forms


def _label_text(e: Any) -> str:
    return str(e.title or (e.name if e.kind == "paper" else "") or "")


@dataclass
class TruthWork:
    label: str
    title: str
    keys: set[str]
    entries: list[Any]


def truth_works(entries: Sequence[Any]) -> tuple[dict[tuple[str, int, str], str], dict[str, TruthWork]]:
    """Group paper rows into works: same normalised title, or a shared id unless the titles are unrelated
    (a copied id); each id is owned by one work. Returns (entry key -> label, label -> work)."""

    rows = [e for e in entries if _paperish(e)]
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    by_title: dict[str, int] = {}
    for i, e in enumerate(rows):
        # a title, its subtitle alone ("BioGPT: X" is cited as "X") and a name-like main title
        # ("PMC-LLaMA: <v1 title>" / "PMC-LLaMA: <v2 title>") name one paper
        for t in _title_forms(_label_text(e)):
            if t in by_title:
                union(i, by_title[t])
            else:
                by_title[t] = i
    by_key: dict[str, list[int]] = {}
    for i, e in enumerate(rows):
        for k in _entry_keys(e):
            by_key.setdefault(k, []).append(i)
    owner_of: dict[str, int] = {}
    for k, members in by_key.items():
        # the id's owner: a curated override, else the largest title-related set of its rows
        override = ACL_OWNERS.get(k.partition(":")[2])
        if override is not None:
            home = next((i for i in members if _label_text(rows[i]).startswith(override)), members[0])
        else:
            home = max(
                members,
                key=lambda i: (
                    sum(_related(_label_text(rows[i]), _label_text(rows[j])) for j in members),
                    -i,
                ),
            )
        owner_of[k] = home
        for i in members:
            if _related(_label_text(rows[i]), _label_text(rows[home])):
                union(i, home)
    groups: dict[int, list[int]] = {}
    for i in range(len(rows)):
        groups.setdefault(find(i), []).append(i)
    works: dict[str, TruthWork] = {}
    label_of: dict[tuple[str, int, str], str] = {}
    for root, members in sorted(groups.items()):
        title = max((_label_text(rows[i]) for i in members), key=len)
        keys = {k for k, home in owner_of.items() if find(home) == root}
        label = f"t{root}"
        works[label] = TruthWork(label, title, keys, [rows[i] for i in members])
        for i in members:
            label_of[(rows[i].list_id, rows[i].line, _label_text(rows[i]) or str(rows[i].name))] = label
    return label_of, works


def _damage(lists: Path, out: Path, entries: Sequence[Any], works: dict[str, TruthWork]) -> dict[str, int]:
    """Copy ``lists`` to ``out`` with copied wrong arXiv ids and arXiv links rewritten to journal DOIs."""
    import re
    import shutil

    shutil.copytree(lists, out)
    edits: dict[tuple[str, int], tuple[str, str]] = {}
    counts = {"wrong_arxiv_id": 0, "journal_link": 0}
    from enrich.lists import list_files

    files = {spec.id: path for spec, path in list_files(out)}
    papers = [e for e in entries if e.kind == "paper" and e.arxiv_id]
    for n, e in enumerate(papers):
        prev = papers[n - 1] if n else None
        if (
            n % WRONG_ID_EVERY == WRONG_ID_EVERY - 1
            and prev
            and prev.list_id == e.list_id
            and prev.arxiv_id != e.arxiv_id
        ):
            edits[(e.list_id, e.line)] = (e.arxiv_id, prev.arxiv_id)
            counts["wrong_arxiv_id"] += 1
    for work in works.values():
        arxiv = next((k.partition(":")[2] for k in sorted(work.keys) if k.startswith("arxiv:")), None)
        linked = [e for e in work.entries if e.arxiv_id == arxiv and e.kind == "paper"]
        if (
            arxiv
            and len(linked) >= 2
            and _hash("journal:" + arxiv) % JOURNAL_EVERY == 0
            and not any(k.startswith("doi:") for k in work.keys)
        ):
            work.keys.add(f"doi:{EVAL_DOI}{arxiv}")
            e = linked[-1]
            if (e.list_id, e.line) not in edits:
                edits[(e.list_id, e.line)] = (arxiv, "journal")
                counts["journal_link"] += 1
    for list_id, path in files.items():
        lines = path.read_text(encoding="utf-8").split("\n")
        for (lid, line), (old, new) in edits.items():
            if lid != list_id or not 0 < line <= len(lines):
                continue
            text = lines[line - 1]
            if new == "journal":
                text = re.sub(
                    r"https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/" + re.escape(old) + r"(?:v\d+)?(?:\.pdf)?",
                    f"https://doi.org/{EVAL_DOI}{old}",
                    text,
                )
            else:
                text = text.replace(old, new)
            lines[line - 1] = text
        path.write_text("\n".join(lines), encoding="utf-8")
    return counts


def _decoy_title(title: str) -> str | None:
    words = title.split()
    for i, w in enumerate(words):
        swap = SWAP.get(w.lower().strip(":,"))
        if swap is not None:
            return " ".join(
                [
                    *words[:i],
                    w.replace(w.strip(":,"), swap.capitalize() if w[0].isupper() else swap),
                    *words[i + 1 :],
                ]
            )
    return None


def lists_catalog(
    entries: Sequence[Any], works: dict[str, TruthWork]
) -> tuple[list[dict[str, Any]], dict[str, str], dict[str, str]]:
    """The double's catalog, id key -> truth label (decoys: ``decoy:N``), artefact -> owning truth label."""
    records: list[dict[str, Any]] = []
    key_label: dict[str, str] = {}
    arxiv_of: dict[str, str] = {}
    for label, w in sorted(works.items()):
        year = next((e.year for e in w.entries if e.year), None) or 2019 + _hash("y:" + label) % 6
        rec: dict[str, Any] = {"type": "work", "title": w.title, "year": year}
        rec["authors"] = [f"Ann {chr(65 + _hash('a:' + w.title) % 26)}{_hash('a:' + w.title) % 997}", "Bo Li"]
        for k in sorted(w.keys):
            kind, _, value = k.partition(":")
            field = {
                "arxiv": "arxiv_id",
                "doi": "doi",
                "acl": "acl_id",
                "pmid": "pmid",
                "pmcid": "pmcid",
                "corpus": "corpus_id",
            }[kind]
            if kind == "pmcid":
                value = value.upper()
            if field not in rec:
                rec[field] = int(value) if kind == "corpus" else value
                key_label[f"{kind}:{value.lower()}"] = label
        if "arxiv_id" in rec:
            arxiv_of[label] = f"arxiv:{rec['arxiv_id']}"
        elif "doi" in rec:
            arxiv_of[label] = f"doi:{rec['doi']}"
        if "arxiv_id" not in rec and "doi" not in rec and "acl_id" not in rec and "pmid" not in rec:
            rec["doi"] = f"{EVAL_DOI}t{_hash(w.title)}"  # a journal paper the lists cite by title only
            key_label[f"doi:{rec['doi']}"] = label
            arxiv_of[label] = f"doi:{rec['doi']}"
        if "arxiv_id" not in rec:
            rec["sources"] = ["s2", "openalex", "crossref"]
        rec["citation_count"] = _hash("c:" + label) % 3000
        records.append(rec)
        if _hash("decoy:" + label) % DECOY_EVERY == 0 and (twin := _decoy_title(w.title)) is not None:
            n = len([r for r in records if r.get("doi", "").startswith(DECOY_DOI)])
            doi = f"{DECOY_DOI}{n}"
            records.append(
                {
                    "type": "work",
                    "title": twin,
                    "year": year + 2,
                    "doi": doi,
                    "authors": ["Zed Quux"],
                    "sources": ["s2", "openalex", "crossref"],
                }
            )
            key_label[f"doi:{doi}"] = f"decoy:{n}"
    # artefacts: which paper each is (the lists show it: same row, or a row named as the paper)
    work_of_entry: dict[tuple[str, int], str] = {}
    for label, w in works.items():
        for e in w.entries:
            work_of_entry[(e.list_id, e.line)] = label
    main_title: dict[str, str] = {}
    for label, w in works.items():
        head = w.title.split(":", 1)[0].strip().lower()
        if 1 <= len(head.split()) <= 2:
            main_title.setdefault(head, label)
    beside: dict[str, set[str]] = {}
    named: dict[str, set[str]] = {}
    for e in entries:
        for art in ([f"repo:{e.github_repo.lower()}"] if e.github_repo else []) + (
            [f"hf:{e.hf_kind}:{e.hf_id.lower()}"] if e.hf_id else []
        ):
            if (e.list_id, e.line) in work_of_entry:
                beside.setdefault(art, set()).add(work_of_entry[(e.list_id, e.line)])
            elif (label := main_title.get((e.name or "").strip().lower())) is not None:
                named.setdefault(art, set()).add(label)
    owner: dict[str, str] = {}
    cites: dict[str, list[str]] = {}
    for art in sorted(set(beside) | set(named)):
        papers = beside.get(art, set()) | named.get(art, set())
        if len(papers) >= TOOLKIT_MIN:
            cites[art] = [arxiv_of[p] for p in sorted(papers) if p in arxiv_of]  # a toolkit cites them all
        elif len(papers) == 1:
            (label,) = papers
            owner[art] = label
            if _hash("cite:" + art) % 10 < 8 and label in arxiv_of:
                cites[art] = [arxiv_of[label]]
    for name in sorted({e.github_repo for e in entries if e.github_repo}):
        art = f"repo:{name.lower()}"
        records.append(
            {
                "type": "repo",
                "full_name": name,
                "stars": _hash("s:" + name) % 20000,
                "description": f"{name.split('/')[-1]} code",
            }
        )
        refs = cites.get(art)
        if refs:
            text = "\n".join(
                f"- https://arxiv.org/abs/{r[6:]}" if r.startswith("arxiv:") else f"- https://doi.org/{r[4:]}"
                for r in refs
            )
            records.append(
                {
                    "type": "file",
                    "repo": name,
                    "path": "README.md",
                    "content": f"# {name}\n\nPaper:\n{text}\n",
                }
            )
    for kind, hf_id in sorted({(e.hf_kind or "model", e.hf_id) for e in entries if e.hf_id}):
        art = f"hf:{kind}:{hf_id.lower()}"
        refs = cites.get(art, [])
        item: dict[str, Any] = {
            "type": "hf",
            "id": hf_id,
            "kind": kind,
            "likes": _hash("l:" + hf_id) % 500,
            "downloads": _hash("d:" + hf_id) % 90000,
        }
        arx = [r for r in refs if r.startswith("arxiv:")]
        if arx and _hash("card:" + hf_id) % 3 == 0:
            item["hub"] = {"cardData": {"arxiv": arx[0][6:]}}
        else:
            item["tags"] = [f"arxiv:{r[6:]}" for r in arx]
        records.append(item)
    return records, key_label, owner


def _pairs(labels: Sequence[str]) -> set[tuple[int, int]]:
    groups: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(label, []).append(i)
    return {(a, b) for g in groups.values() for n, a in enumerate(g) for b in g[n + 1 :]}


def pairwise(truth: Sequence[str], predicted: Sequence[str]) -> tuple[float, float, float]:
    t, p = _pairs(truth), _pairs(predicted)
    precision = len(t & p) / len(p) if p else 1.0
    recall = len(t & p) / len(t) if t else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _before_requests(checkout: Path, lists: Path) -> dict[str, int]:
    """Requests per source of the same evaluation run on another checkout (its ``enrich`` package)."""
    import os
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(checkout.resolve())}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--mode", "lists", "--lists", str(lists.resolve())],
        env=env,
        cwd=str(checkout),
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("REQUESTS ")), None)
    if line is None:
        raise SystemExit(
            f"--before {checkout}: the run printed no request counts:\n{done.stdout}{done.stderr}"
        )
    print("before (" + str(checkout) + "):")
    for x in done.stdout.splitlines():
        if x.startswith(("works ", "entities ", "wrong matches", "entity view", "requests per source")):
            print("  " + x)
    counts: dict[str, int] = json.loads(line[len("REQUESTS ") :])
    return counts


def run_lists(lists: Path, before: Path | None = None) -> int:
    """``--mode lists``: see the module docstring."""
    import logging
    from collections import Counter
    from datetime import date

    from pydantic import SecretStr

    from enrich import pipeline
    from enrich.clients import Clients
    from enrich.config import Credentials
    from fakeapis import FakeApis

    logging.getLogger("enrich").setLevel(logging.WARNING)
    clean = pipeline.parse_lists(lists).entries
    label_of, works = truth_works(clean)
    with tempfile.TemporaryDirectory() as tmp:
        damaged = Path(tmp) / "lists"
        damage = _damage(lists, damaged, clean, works)
        records, key_label, owner = lists_catalog(clean, works)
        parsed = pipeline.parse_lists(damaged)
        with FakeApis(records, rate_limits="off") as apis:
            clients = Clients.from_config(
                apis.endpoints,
                Credentials(github_token=SecretStr("ghp_" + "EvalOnly" * 5)),
                cache_dir=None,
                timeout=10.0,
                rate_limits=False,
            )
            plan = pipeline.lookup_plan(parsed.entries)
            matches = pipeline.resolve_titles(clients, Path(tmp) / "titles.sqlite", plan.title_queries)
            items = pipeline.source_items(parsed.entries, matches, {}, plan=plan)
            results = [
                pipeline.fetch_batch(clients, b) for bs in pipeline.plan_batches(items).values() for b in bs
            ]
            results = pipeline.settle_missing(results, None)
            got_works, got_repos, got_hf = pipeline.collect(results)
            resolved = pipeline.resolve(parsed.entries, got_works, matches)
            built = pipeline.build(
                parsed.entries, resolved, got_repos, got_hf, snapshot_date=date(2026, 12, 1), previous=None
            )
            requests = Counter(str(e["source"]) for e in apis.access_log())
    rows = built.tables.entries.to_pylist()
    has_entities = "entity_id" in built.tables.entries.column_names

    def truth_entity(r: dict[str, Any], work_label: str | None) -> str:
        if work_label is not None:
            return work_label
        arts = ([f"repo:{r['github_repo']}"] if r.get("github_repo") else []) + (
            [f"hf:{r['hf_kind']}:{str(r['hf_id']).lower()}"] if r.get("hf_id") else []
        )
        for art in arts:
            if art in owner:
                return owner[art]
        return arts[0] if arts else f"single:{r['entry_id']}"

    work_truth: list[str] = []
    work_pred: list[str] = []
    ent_truth: list[str] = []
    ent_pred: list[str] = []
    wrong: list[str] = []
    for r in rows:
        key = (
            r["list_id"],
            r["line"],
            str(r.get("title") or (r.get("name") if r["kind"] == "paper" else "") or "")
            or str(r.get("name")),
        )
        label = label_of.get(key)
        pred_work = r.get("work_id")
        if label is not None:
            work_truth.append(label)
            work_pred.append(pred_work or f"none:{r['entry_id']}")
        owner_label = key_label.get(str(pred_work).lower()) if pred_work else None
        if owner_label is not None and owner_label != label:
            wrong.append(
                f"  {r['list_id']}:{r['line']} {str(r.get('title') or r.get('name'))[:60]!r} -> {pred_work} ({owner_label})"
            )
        ent_truth.append(truth_entity(r, label))
        if has_entities:
            ent_pred.append(r.get("entity_id") or f"none:{r['entry_id']}")
        else:
            ent_pred.append(
                pred_work
                or (f"repo:{r['repo_id']}" if r.get("repo_id") else None)
                or (f"hf:{r['hf_item_id']}" if r.get("hf_item_id") else None)
                or f"none:{r['entry_id']}"
            )
    wp, wr, wf = pairwise(work_truth, work_pred)
    ep, er, ef = pairwise(ent_truth, ent_pred)
    decoys = sum(1 for v in key_label.values() if v.startswith("decoy:"))
    print(
        f"lists mode: {lists} ({len(rows)} entries, {len(works)} true works, {decoys} decoys in the catalog)"
    )
    print(
        f"damage: {damage['wrong_arxiv_id']} copied wrong arXiv ids, {damage['journal_link']} arXiv links rewritten to the journal DOI"
    )
    print(
        f"entity view: {'entries.entity_id' if has_entities else 'work, else repo, else Hub item (no entries.entity_id)'}"
    )
    print(f"works    pairwise precision {wp:.4f} recall {wr:.4f} F1 {wf:.4f}  ({len(work_truth)} entries)")
    print(f"entities pairwise precision {ep:.4f} recall {er:.4f} F1 {ef:.4f}  ({len(ent_truth)} entries)")
    print(f"wrong matches: {len(wrong)}")
    for line in wrong:
        print(line)
    print(
        "requests per source: "
        + ", ".join(
            f"{s} {requests.get(s, 0)}" for s in ("arxiv", "s2", "openalex", "crossref", "github", "hf")
        )
        + f"; total {sum(requests.values())}"
    )
    print("REQUESTS " + json.dumps(dict(sorted(requests.items()))))
    ok = wf >= 0.97 and ef >= 0.92 and not wrong
    print("aim works F1 >= 0.97, entity F1 >= 0.92, 0 wrong matches:", "met" if ok else "NOT met")
    if before is not None:
        old = _before_requests(before, lists)
        sources = ("arxiv", "s2", "openalex", "crossref", "github", "hf")
        print(
            "requests before -> after: "
            + ", ".join(f"{s} {old.get(s, 0)} -> {requests.get(s, 0)}" for s in sources)
        )
        ratio = sum(requests.values()) / max(1, sum(old.values()))
        print(
            f"total {sum(old.values())} -> {sum(requests.values())}: {ratio:.3f}x (limit 1.2x: {'within' if ratio <= 1.2 else 'OVER'})"
        )
        ok = ok and ratio <= 1.2
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--seeds", type=int, nargs="*", default=[DEV_SEED, *HELD_OUT])
    p.add_argument("--works", type=int, default=2000)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--mode", choices=("double", "direct", "lists"), default="double")
    p.add_argument("--lists", type=Path, default=Path("data/raw"), help="--mode lists: the lists directory")
    p.add_argument(
        "--before",
        type=Path,
        default=None,
        help="--mode lists: also run the checkout at this path (e.g. `git archive main`) and compare requests",
    )
    p.add_argument(
        "--write-catalog", type=Path, default=None, help="also write the (first seed's) catalog JSONL"
    )
    p.add_argument("--show-wrong", action="store_true", help="print a few wrong accepts per seed")
    args = p.parse_args(argv)
    if args.mode == "lists":
        return run_lists(args.lists, args.before)

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
