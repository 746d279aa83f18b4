"""What ``enrich run`` shows: ✓/⚠/✗ by outcome, a spinner while nothing else moves, the end summary.

Progress and problems go to stderr (they are about the run); the end-of-run summary goes to stdout
(it is the run's result), and is the same text as ``<out>/manifests/<date>/summary.md``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

MARKS: Final = {"ok": "[green]✓[/green]", "warn": "[yellow]⚠[/yellow]", "fail": "[red]✗[/red]"}
SOURCE_MARKS: Final = {"ok": "ok", "partial": "warn", "failed": "fail"}
STARTUP_TEXT: Final = "starting Prefect (the first start takes ~20 s)"


def mark(outcome: str) -> str:
    """The rich markup for an outcome (``ok``, ``warn``, ``fail``); unknown outcomes warn."""
    return MARKS.get(outcome, MARKS["warn"])


class Phases:
    """One spinner line per running phase: Prefect's start-up, then each stage until it is done."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.running: dict[str, TaskID] = {}

    def start(self, name: str, text: str) -> None:
        if name not in self.running:
            self.running[name] = self.progress.add_task(text, total=None)

    def stop(self, name: str) -> None:
        task = self.running.pop(name, None)
        if task is not None:
            self.progress.remove_task(task)

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)


def _source_line(name: str, s: dict[str, Any]) -> tuple[str, str]:
    if s.get("unreachable"):
        # the reason is already one line of its own (stderr); this line says what it means tonight
        return "fail", f"{name}: failed (no answer tonight; earlier values, if any, are kept)"
    parts = [f"{s.get('ok', 0)} ok"]
    for key, label in (("not_found", "not found"), ("errors", "errors"), ("deferred", "deferred")):
        if s.get(key):
            parts.append(f"{s[key]} {label}")
    outcome = "warn" if s.get("errors") or s.get("deferred") else "ok"
    return outcome, f"{name}: {', '.join(parts)} ({s.get('requests', 0)} requests)"


def summary_lines(result: Any) -> list[tuple[str, str]]:
    """(outcome, text) lines for the end of a run, from its manifest and report outcome."""
    if isinstance(result.manifest_path, str):  # on an object store (enrich.storage)
        from enrich.storage import read_text

        manifest = json.loads(read_text(result.manifest_path))
    else:
        manifest = json.loads(Path(result.manifest_path).read_text(encoding="utf-8"))
    tables = manifest.get("tables", {})
    state = "partial" if result.partial else "complete"
    counts = ", ".join(f"{tables.get(t, 0)} {t}" for t in ("entries", "works", "repos", "hf_items"))
    lines = [
        ("warn" if result.partial else "ok", f"snapshot {result.snapshot_date.isoformat()} {state}: {counts}")
    ]
    lines += [_source_line(name, s) for name, s in manifest.get("sources", {}).items()]
    lines += [("warn", p) for p in result.problems]
    outcome = result.report
    if outcome is not None:
        if outcome.index is not None:
            lines.append(("ok", f"report: {outcome.index}"))
        elif outcome.problem is not None:
            lines.append(("warn", f"report not written: {outcome.problem}"))
        lines.append(("ok", f"summary: {outcome.summary_md} (and summary.json)"))
    return lines


def print_summary(result: Any, console: Console) -> None:
    from rich.markup import escape

    for outcome, text in summary_lines(result):
        console.print(f"{mark(outcome)} {escape(text)}", soft_wrap=True, highlight=False)


def stdout_console() -> Console:
    from rich.console import Console

    return Console(highlight=False)
