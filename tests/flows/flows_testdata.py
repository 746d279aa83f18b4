"""Small inputs shared by the flow tests: a list, a catalog for the API double that answers for it."""

from __future__ import annotations

import socket
from typing import Any

import pytest

LIST_TEXT = """# Test list

## Models

* **SciBERT**: A pretrained language model for scientific text. 2019. [paper](https://arxiv.org/abs/1903.10676)
* **PubMedBERT**: Domain-specific language model pretraining for biomedical natural language processing. 2021. [paper](https://doi.org/10.1145/3458754)
* **Visual Med-Alpaca**: A parameter-efficient biomedical llm with visual capabilities. 2023. [repo](https://github.com/cambridgeltl/visual-med-alpaca)
* **Meditron**: Open medical models. 2023. [model](https://huggingface.co/epfl-llm/meditron-7b)
"""

CATALOG: list[dict[str, Any]] = [
    {
        "type": "work",
        "arxiv_id": "1903.10676",
        "title": "SciBERT: A Pretrained Language Model for Scientific Text",
        "abstract": "Obtaining large-scale annotated data for NLP tasks in the scientific domain is challenging.",
        "authors": [{"name": "Iz Beltagy"}, {"name": "Kyle Lo"}, {"name": "Arman Cohan"}],
        "year": 2019,
        "publication_date": "2019-03-26",
        "venue": "EMNLP",
        "citation_count": 3000,
        "corpus_id": 202558505,
    },
    {
        "type": "work",
        "doi": "10.1145/3458754",
        "title": "Domain-Specific Language Model Pretraining for Biomedical Natural Language Processing",
        "abstract": "Pretraining large neural language models has led to impressive gains.",
        "authors": [{"name": "Yu Gu"}, {"name": "Robert Tinn"}],
        "year": 2021,
        "publication_date": "2021-10-15",
        "venue": "ACM Transactions on Computing for Healthcare",
        "citation_count": 1500,
    },
    {
        "type": "repo",
        "full_name": "cambridgeltl/visual-med-alpaca",
        "stars": 400,
        "forks": 40,
        "open_issues": 3,
        "watchers": 10,
        "pushed_at": "2023-06-01T00:00:00Z",
        "created_at": "2023-04-01T00:00:00Z",
        "archived": False,
        "license": "Apache-2.0",
        "topics": ["medical"],
        "description": "Visual Med-Alpaca",
        "language": "Python",
    },
    {"type": "hf", "id": "epfl-llm/meditron-7b", "kind": "model", "likes": 200, "downloads": 5000},
]


def closed_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def point_at(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """The night's environment pointed at the API double's ``env``: limits off, no tokens, every source."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ENRICH_INTERVAL_SCALE", "0")
    for name in ("GITHUB_TOKEN", "S2_API_KEY", "OPENALEX_API_KEY", "HF_TOKEN", "ENRICH_SOURCES"):
        monkeypatch.delenv(name, raising=False)
