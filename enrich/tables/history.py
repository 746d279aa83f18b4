"""``metrics_history`` rows: tonight's observations only (fresh values, never carried ones), so the
union of the partitions is the time series."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime

from enrich.records import HfRecord, RepoRecord, WorkRecord
from enrich.tables.common import Row
from enrich.tables.precedence import CITATION_PREFERENCE
from enrich.tables.text import as_utc


def _observation(
    entity_type: str, entity_id: str, metric: str, source: str, value: int | None, at: datetime
) -> Iterator[Row]:
    if value is not None:
        yield {
            "entity_type": entity_type,
            "entity_id": entity_id,
            "metric": metric,
            "source": source,
            "value": value,
            "observed_at": as_utc(at),
        }


def work_metrics(work_id: str, good: Mapping[str, WorkRecord]) -> Iterator[Row]:
    """One work's observations tonight (``good``: its records with data, by source)."""
    for src, rec in good.items():
        if src in CITATION_PREFERENCE:
            yield from _observation(
                "work", work_id, "citation_count", src, rec.citation_count, rec.fetched_at
            )
        if src == "s2":
            yield from _observation(
                "work",
                work_id,
                "influential_citation_count",
                src,
                rec.influential_citation_count,
                rec.fetched_at,
            )


def repo_metrics(repos: Mapping[str, RepoRecord]) -> Iterator[Row]:
    for repo_id, rec in repos.items():
        for metric, value in (
            ("stars", rec.stars),
            ("forks", rec.forks),
            ("open_issues", rec.open_issues),
            ("watchers", rec.watchers),
        ):
            yield from _observation("repo", repo_id, metric, "github", value, rec.fetched_at)


def hf_metrics(hf: Mapping[str, HfRecord]) -> Iterator[Row]:
    for item_id, rec in hf.items():
        yield from _observation("hf_item", item_id, "likes", "huggingface", rec.likes, rec.fetched_at)
        yield from _observation("hf_item", item_id, "downloads", "huggingface", rec.downloads, rec.fetched_at)
