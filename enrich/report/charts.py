"""Vega-Lite specifications for the report's charts (plain dicts, data inlined).

Every chart names its axes with units, shows dates as YYYY-MM-DD, draws points on its lines (a
single night still shows marks) and carries a legend, so it reads without hovering.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from enrich.report.data import CITATION_SOURCES, Mover

SCHEMA: Final = "https://vega.github.io/schema/vega-lite/v6.json"  # an identifier, never fetched
WIDTH: Final = 560
HEIGHT: Final = 240

Spec = dict[str, Any]
_SOURCE_NAMES: Final = {"s2": "S2", "openalex": "OpenAlex"}


def _date_axis() -> dict[str, Any]:
    return {
        "field": "date",
        "type": "temporal",
        "timeUnit": "yearmonthdate",
        "title": "snapshot date",
        "axis": {"format": "%Y-%m-%d", "labelAngle": -30, "tickCount": {"interval": "day", "step": 1}},
    }


def _base(title: str, rows: Sequence[dict[str, Any]]) -> Spec:
    return {
        "$schema": SCHEMA,
        "title": title,
        "data": {"values": list(rows)},
        "config": {"legend": {"orient": "right", "labelLimit": 260}, "view": {"stroke": None}},
    }


def line_chart(title: str, rows: Sequence[dict[str, Any]], *, y: str, y_title: str, series: str) -> Spec:
    spec = _base(title, rows)
    spec.update(
        width=WIDTH,
        height=HEIGHT,
        mark={"type": "line", "point": {"filled": True, "size": 50}, "strokeWidth": 2},
        encoding={
            "x": _date_axis(),
            "y": {"field": y, "type": "quantitative", "title": y_title, "scale": {"zero": False}},
            "color": {"field": series, "type": "nominal", "title": series},
        },
    )
    return spec


def citations_chart(rows: Sequence[dict[str, Any]]) -> Spec:
    """Citations over time, S2 and OpenAlex side by side (one panel per source, shared y)."""
    spec = _base("Citations over time, top works: Semantic Scholar vs OpenAlex", rows)
    spec.update(
        facet={
            "column": {
                "field": "source",
                "type": "nominal",
                "title": None,
                "header": {
                    "labelExpr": "datum.value == 's2' ? 'Semantic Scholar' : 'OpenAlex'",
                    "labelFontSize": 13,
                },
                "sort": list(CITATION_SOURCES),
            }
        },
        spec={
            "width": WIDTH // 2 - 20,
            "height": HEIGHT,
            "mark": {"type": "line", "point": {"filled": True, "size": 50}, "strokeWidth": 2},
            "encoding": {
                "x": _date_axis(),
                "y": {
                    "field": "citations",
                    "type": "quantitative",
                    "title": "citations (count)",
                    "scale": {"zero": False},
                },
                "color": {"field": "work", "type": "nominal", "title": "work"},
            },
        },
        resolve={"scale": {"y": "shared"}},
    )
    return spec


def movers_chart(title: str, movers: Sequence[Mover], unit: str) -> Spec:
    rows = [
        {
            "label": m.label if m.kind == "repo" else f"{m.label} ({_SOURCE_NAMES.get(m.source, m.source)})",
            "change": m.delta,
            "direction": "up" if m.delta > 0 else "down",
        }
        for m in sorted(movers, key=lambda m: -m.delta)
    ]  # drawn in this order (largest gain on top)
    spec = _base(title, rows)
    spec.update(
        width=WIDTH - 160,
        height={"step": 22},
        encoding={
            "y": {
                "field": "label",
                "type": "nominal",
                "title": None,
                "sort": None,
                "axis": {"labelLimit": 320},
            },
            "x": {"field": "change", "type": "quantitative", "title": f"change ({unit})"},
        },
        layer=[
            {
                "mark": {"type": "bar"},
                "encoding": {
                    "color": {
                        "field": "direction",
                        "type": "nominal",
                        "title": "direction",
                        "scale": {"domain": ["up", "down"], "range": ["#2e7d32", "#c62828"]},
                    }
                },
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 4},
                "encoding": {"text": {"field": "change", "type": "quantitative", "format": "+,d"}},
            },
        ],
    )
    return spec


def kinds_chart(list_id: str, by_kind: Sequence[tuple[str, int]]) -> Spec:
    rows = [{"kind": k, "entries": n} for k, n in sorted(by_kind, key=lambda kn: -kn[1])]
    spec = _base(f"Entries by kind in {list_id}", rows)
    spec.update(
        width=WIDTH - 160,
        height={"step": 24},
        encoding={
            "y": {"field": "kind", "type": "nominal", "title": "kind", "sort": None},
            "x": {
                "field": "entries",
                "type": "quantitative",
                "title": "entries (count)",
                "axis": {"tickMinStep": 1, "format": "d"},
            },
        },
        layer=[
            {"mark": {"type": "bar", "color": "#1565c0"}},
            {
                "mark": {"type": "text", "align": "left", "dx": 4},
                "encoding": {"text": {"field": "entries", "type": "quantitative"}},
            },
        ],
    )
    return spec
