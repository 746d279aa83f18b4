"""Writes the static report: ``index.html``, ``search.html``, ``lists/<list>.html`` and ``assets/``.

Nothing in the written pages loads anything from the network: the Vega, Vega-Lite and vega-embed
JavaScript comes from ``vl-convert-python`` (:func:`vl_convert.javascript_bundle`, bundled inside the
wheel; built once per vl-convert version when a cache directory is given: :mod:`enrich.report_bundle`)
and is written to ``assets/vega.js``; chart data is inlined in each page; the search rows are
``assets/search-data.js``. The directory is written next to its final place and swapped in by renames,
so a reader never sees half a report.
"""

from __future__ import annotations

import re
import shutil
import uuid
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from enrich.report import charts
from enrich.report.data import MOVER_WINDOW_DAYS, ReportData, script_json
from enrich.report.lists import ListPage
from enrich.report_bundle import vega_bundle

REPORTS_DIR: Final = "reports"
NUMERIC_COLUMNS: Final = ("citations", "stars", "likes")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class ListLink:
    page: ListPage
    file: str


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("enrich.report", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def list_file_name(list_id: str) -> str:
    """A file name for a list's page: list ids are untrusted text, so never a path."""
    return (_SAFE_NAME.sub("_", list_id).strip("._") or "list") + ".html"


def default_target(out: Path, data: ReportData) -> Path:
    return out / REPORTS_DIR / data.snapshot_date.isoformat()


def _common(data: ReportData, root: str) -> dict[str, Any]:
    m = data.manifest
    return {
        "root": root,
        "day": data.snapshot_date.isoformat(),
        "partial_reason": data.partial_reason,
        "skipped_dates": data.skipped_dates,
        "schema_version": m.schema_version,
        "run_id": m.run_id,
        "code_version": m.code_version,
    }


def _charts(data: ReportData) -> dict[str, str | None]:
    specs: dict[str, Any] = {
        "stars": charts.line_chart(
            f"GitHub stars over time, top {len({r['repo'] for r in data.stars_series})} repos",
            data.stars_series,
            y="stars",
            y_title="stars (count)",
            series="repo",
        )
        if data.stars_series
        else None,
        "citations": charts.citations_chart(data.citation_series) if data.citation_series else None,
        "entries": charts.line_chart(
            "Entries per list over time",
            data.entries_series,
            y="entries",
            y_title="entries (count)",
            series="list",
        )
        if data.entries_series
        else None,
    }
    for kind, unit in (("repo", "stars"), ("work", "citations")):
        movers = [m for m in data.movers_previous if m.kind == kind]
        specs[f"movers_{unit}"] = (
            charts.movers_chart(f"Biggest {unit} changes since {data.previous_date}", movers, unit)
            if movers
            else None
        )
    return {k: script_json(v) if v is not None else None for k, v in specs.items()}


def write_report(data: ReportData, target: Path | None = None, *, cache_dir: Path | None = None) -> Path:
    """Render every page for ``data`` into ``target`` (default ``<out>/reports/<date>/``); returns
    the path of ``index.html``. ``cache_dir``: where the Vega bundle is kept between runs
    (:mod:`enrich.report_bundle`)."""
    target = target or default_target(data.out, data)
    env = _environment()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        _render_into(env, data, staging, cache_dir)
        old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
        if target.exists():
            target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target / "index.html"


def _render_into(env: Environment, data: ReportData, where: Path, cache_dir: Path | None) -> None:
    assets = where / "assets"
    (where / "lists").mkdir(parents=True)
    assets.mkdir()
    (assets / "vega.js").write_text(vega_bundle(cache_dir), encoding="utf-8")
    static = resources.files("enrich.report") / "static"
    for name in ("report.js", "report.css"):
        (assets / name).write_text((static / name).read_text(encoding="utf-8"), encoding="utf-8")
    search = {
        "columns": list(data.search_columns),
        "numeric": list(NUMERIC_COLUMNS),
        "rows": [list(r) for r in data.search_rows],
    }
    (assets / "search-data.js").write_text(
        f"window.ENRICH_SEARCH = {script_json(search)};\n", encoding="utf-8"
    )

    m = data.manifest
    lists = [ListLink(p, list_file_name(p.list_id)) for p in data.lists]
    index = env.get_template("index.html.j2").render(
        **_common(data, ""),
        counts=data.counts,
        started_at=m.started_at.strftime("%Y-%m-%d %H:%M"),
        ended_at=m.ended_at.strftime("%Y-%m-%d %H:%M"),
        previous_date=data.previous_date.isoformat() if data.previous_date else None,
        sources=data.sources,
        notes=m.notes,
        nights=len(data.history_dates),
        charts=_charts(data),
        movers_previous=data.movers_previous,
        movers_window=data.movers_window,
        window_days=MOVER_WINDOW_DAYS,
        window_since=data.window_since.isoformat() if data.window_since else None,
        lists=lists,
    )
    (where / "index.html").write_text(index, encoding="utf-8")
    first = data.previous_date is None
    for item in lists:
        page = item.page
        html = env.get_template("list.html.j2").render(
            **_common(data, "../"),
            page=page,
            first=first,
            kinds_spec=script_json(charts.kinds_chart(page.list_id, page.by_kind)),
        )
        (where / "lists" / item.file).write_text(html, encoding="utf-8")
    kinds = sorted({str(r[1]) for r in data.search_rows})
    html = env.get_template("search.html.j2").render(
        **_common(data, ""), columns=data.search_columns, numeric=NUMERIC_COLUMNS, kinds=kinds
    )
    (where / "search.html").write_text(html, encoding="utf-8")
