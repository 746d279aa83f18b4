"""``metrics_history`` rows: tonight's observations only (fresh values, never carried ones), so the
union of the partitions is the time series."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from enrich.records import WorkRecord
from enrich.tables.common import Row
from enrich.tables.precedence import CITATION_PREFERENCE
from enrich.tables.text import as_utc


def metrics_rows(
    works: Mapping[str, Mapping[str, WorkRecord]], repos: Mapping[str, Any], hf: Mapping[str, Any]
) -> list[Row]:
    rows: list[Row] = []

    def add(
        entity_type: str, entity_id: str, metric: str, source: str, value: int | None, at: datetime
    ) -> None:
        if value is not None:
            rows.append(
                {
                    "entity_type": entity_type,
                    "entity_id": entity_id,
                    "metric": metric,
                    "source": source,
                    "value": value,
                    "observed_at": as_utc(at),
                }
            )

    for work_id, good in works.items():
        for src, rec in good.items():
            if src in CITATION_PREFERENCE:
                add("work", work_id, "citation_count", src, rec.citation_count, rec.fetched_at)
            if src == "s2":
                add(
                    "work",
                    work_id,
                    "influential_citation_count",
                    src,
                    rec.influential_citation_count,
                    rec.fetched_at,
                )
    for repo_id, rec in repos.items():
        for metric, value in (
            ("stars", rec.stars),
            ("forks", rec.forks),
            ("open_issues", rec.open_issues),
            ("watchers", rec.watchers),
        ):
            add("repo", repo_id, metric, "github", value, rec.fetched_at)
    for item_id, rec in hf.items():
        add("hf_item", item_id, "likes", "huggingface", rec.likes, rec.fetched_at)
        add("hf_item", item_id, "downloads", "huggingface", rec.downloads, rec.fetched_at)
    return rows
