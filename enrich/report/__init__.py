"""``enrich report``: a static, offline HTML report of one snapshot (see :func:`build_report`)."""

from __future__ import annotations

from pathlib import Path

from enrich.report.data import ReportData, collect
from enrich.report.render import write_report


def build_report(
    out: Path | str, snapshot: str = "latest", to: Path | str | None = None, *, cache_dir: Path | None = None
) -> Path:
    """Write the report of ``snapshot`` (``latest`` or ``YYYY-MM-DD``) found under ``out``.

    Returns the path of its ``index.html`` (default ``<out>/reports/<date>/index.html``). Raises
    :class:`enrich.errors.InputError` (no snapshot, bad ``snapshot``) or
    :class:`enrich.errors.SnapshotError` (a snapshot this code cannot read) with one clear line.
    ``cache_dir`` (``enrich run``'s ``--cache``): the Vega bundle is kept there between runs
    (:mod:`enrich.report_bundle`).
    """
    data = collect(Path(out), snapshot)
    return write_report(data, Path(to) if to is not None else None, cache_dir=cache_dir)


__all__ = ["ReportData", "build_report", "collect", "write_report"]
