"""Open report pages in headless Chromium (Debian's ``chromium``, driven by Playwright) and record what
a person would see: console messages, every request's URL, drawn chart marks, screenshots."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"


@dataclass
class Visit:
    console: list[tuple[str, str]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [text for kind, text in self.console if kind in {"error", "pageerror", "warning"}]

    @property
    def off_file(self) -> list[str]:
        return [url for url in self.requests if not url.startswith("file://")]


@contextmanager
def browser_page() -> Iterator[tuple[Any, Visit]]:
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium") or CHROMIUM
    assert Path(exe).exists(), "Debian's chromium is missing: apt-get install -y chromium (.ci/run does)"
    visit = Visit()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: visit.console.append((m.type, m.text)))
            page.on("pageerror", lambda e: visit.console.append(("pageerror", str(e))))
            page.on("request", lambda r: visit.requests.append(r.url))
            yield page, visit
        finally:
            browser.close()


def wait_for_charts(page: Any) -> list[tuple[str, int]]:
    """Waits until every chart holder is drawn; returns (chart id, number of drawn marks)."""
    page.wait_for_function(
        "Array.from(document.querySelectorAll('[data-chart]')).every(e => e.getAttribute('data-drawn'))",
        timeout=20_000,
    )
    marks: list[tuple[str, int]] = page.evaluate(
        """Array.from(document.querySelectorAll('[data-chart]')).map(e => [
            e.getAttribute('data-chart') + ':' + e.getAttribute('data-drawn'),
            e.querySelectorAll('g.mark-line path, g.mark-symbol path, g.mark-rect path').length])"""
    )
    return marks
