"""Time and size of ``enrich report`` on a large generated snapshot, and how fast its pages open.

    uv run --frozen python benchmarks/bench_report.py                       # 100,000 entries, two nights
    uv run --frozen python benchmarks/bench_report.py --works 20000 --repos 5000 --hf 5000

Two nights are built with ``bench_snapshot.inputs`` (night two: a third of S2 and GitHub fail). Prints
seconds to aggregate (DuckDB) and render, the bytes of each written file, and, when Debian's chromium
is installed, the seconds until each page has loaded and drawn its charts / filled its table in
headless Chromium. Nothing here touches the network.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from bench_snapshot import inputs, timed

from enrich.report import collect, write_report
from enrich.snapshot import Manifest, read_previous, write_snapshot
from enrich.tables import build_tables

OPEN = """async () => {
  const t0 = performance.timeOrigin;
  const holders = Array.from(document.querySelectorAll('[data-chart]'));
  while (!holders.every(e => e.getAttribute('data-drawn'))) { await new Promise(r => setTimeout(r, 20)); }
  const table = document.getElementById('search-table');
  while (table && !table.getAttribute('data-rows')) { await new Promise(r => setTimeout(r, 20)); }
  return (performance.now()) / 1000;
}"""


def open_times(index: Path) -> None:
    exe = shutil.which("chromium")
    if exe is None:
        print("chromium not installed: page open times skipped (apt-get install -y chromium)")
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        for path in (
            index,
            index.parent / "search.html",
            *sorted((index.parent / "lists").glob("*.html"))[:1],
        ):
            page.goto(path.as_uri())
            seconds = page.evaluate(OPEN)
            print(f"open {path.relative_to(index.parent).as_posix():<32} {seconds:8.2f} s (load to drawn)")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--works", type=int, default=60_000)
    parser.add_argument("--repos", type=int, default=25_000)
    parser.add_argument("--hf", type=int, default=15_000)
    args = parser.parse_args()
    print(
        f"entries={args.works + args.repos + args.hf} works={args.works} repos={args.repos} hf_items={args.hf}"
    )
    days = (date(2026, 11, 20), date(2026, 11, 21))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for night, day in enumerate(days):
            at = datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
            n = inputs(args.works, args.repos, args.hf, at, failing=night == 1)
            tables = build_tables(
                n["entries"],
                n["resolved"],
                n["repos"],
                n["hf"],
                snapshot_date=day,
                previous=read_previous(out, day),
            )
            write_snapshot(out, tables, Manifest.create(snapshot_date=day, started_at=at, ended_at=at))
        data = timed("aggregate (DuckDB, collect)", lambda: collect(out))
        index = timed("render and write", lambda: write_report(data))
        for path in sorted(index.parent.rglob("*")):
            if path.is_file():
                print(f"  {path.relative_to(index.parent).as_posix():<40} {path.stat().st_size:>12,} bytes")
        open_times(index)


if __name__ == "__main__":
    main()
