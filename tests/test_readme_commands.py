"""Every shell command in the README and in docs/ is accounted for: the cheap ones run here exactly as
written (in a copy of the repository's data, with ``uv run --frozen X`` standing for this environment's
``X``), the others name the test that runs them. A new documented command fails this test until it is
classified.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
DOCS = [README, *sorted((REPO / "docs").glob("*.md"))]
TWO_COMMANDS = [
    "pip install uv==0.13.9 && uv sync --frozen && uv run --frozen enrich run",
    "pip install uv==0.13.9 && uv sync --frozen && uv run --frozen scripts/check",
]

RUN = "run here"
# (pattern matched against the whole command line, what happens to it)
CLASSIFIED: list[tuple[str, str]] = [
    (
        r"^pip install uv==[\d.]+ && uv sync --frozen && uv run --frozen (enrich run|scripts/check)$",
        "the two set-up commands: CI runs them (.ci/run)",
    ),
    (r"^uv run --frozen python -c \"import duckdb; duckdb\.sql\(.*\)\.show\(\)\"$", RUN),
    (
        r"^uv run --frozen python -c \"import enrich; print\(enrich\.load\('works', snapshot='latest'\)\)\"$",
        RUN,
    ),
    (r"^uv run --frozen python -m enrich\.schemas > docs/data-dictionary\.md$", RUN),
    (r"^uv run --frozen enrich parse data/raw[^|&;]*--out /tmp/[a-z.]+\.parquet\b.*$", RUN),
    (r"^uv run --frozen enrich report --out data/enriched --snapshot latest\b.*$", RUN),
    (
        r"^uv run --frozen enrich demo\b.*$",
        "tests/report/test_demo.py runs enrich demo --to DIR (on the tests' copy of the lists)",
    ),
    (
        r"^uv run --frozen enrich run\b.*$",
        "Prefect runs: tests/flows/test_flows_e2e.py, tests/report/test_report_browser.py",
    ),
    (
        r"^(rm -f /tmp/fake\.env; )?uv run --frozen enrich fake-apis .*--print-env.*$",
        "a server: tests/flows/test_flows_e2e.py starts it the same way",
    ),
    (
        r"^until grep -q ENRICH_HF_URL /tmp/fake\.env 2>/dev/null; do sleep 0\.2; done$",
        "waits for the double above",
    ),
    (r"^PREFECT_API_URL=\S+ uv run --frozen enrich run$", "needs the Prefect server the reader starts"),
    (
        r"^(ARROW_DEFAULT_MEMORY_POOL=(mimalloc|system|jemalloc) )?uv run --frozen python benchmarks/[a-z_]+\.py\b.*$",
        "a benchmark: prints figures, minutes (docs/performance.md)",
    ),
    (r"^uv run --frozen enrich serve\b.*$", "a server: tests/flows/test_flows_served.py"),
    (r"^uv run --frozen prefect .*$", "Prefect's own CLI against a Prefect server the reader starts"),
    (r"^export .*$", "shell state for the commands after it"),
    (
        r"^uv run --frozen python -c \"from prefect\.blocks\.system import Secret; .*\"$",
        "a Secret block on the reader's Prefect server: tests/flows/test_flows_fleet.py stores one",
    ),
    (
        r"^ENRICH_OUT_DIR=s3://\S+ ENRICH_GITHUB_TOKEN_BLOCK=\S+ \\$",
        "a worker's environment (bucket, server): tests/flows/test_flows_fleet.py",
    ),
    (
        r"^git archive main \| \(mkdir -p /tmp/before && tar -x -C /tmp/before\)$",
        "the input of the benchmark after it",
    ),
    (r"^set -a; \. /tmp/fake\.env; set \+a$", "shell state for the commands after it"),
    (r"^kill %1$", "stops the double started above"),
    (r"^uv run --frozen pytest -m live$", "needs the network (live APIs)"),
]


def commands_in(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```(?:bash|sh)\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = re.sub(r"\s+#\s.*$", "", line).strip()  # trailing comments
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def readme_commands() -> list[str]:
    """Every command of the README and docs/*.md, in order, without repeats."""
    return list(dict.fromkeys(c for path in DOCS for c in commands_in(path)))


def classify(command: str) -> str:
    for pattern, what in CLASSIFIED:
        if re.match(pattern, command):
            return what
    raise AssertionError(f"README command not classified in tests/test_readme_commands.py: {command}")


def test_the_readme_is_a_front_page_with_the_two_commands() -> None:
    assert [c for c in commands_in(README) if c.startswith("pip install")] == TWO_COMMANDS
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 200


def test_every_readme_command_is_classified() -> None:
    commands = readme_commands()
    assert len(commands) > 20
    kinds = {c: classify(c) for c in commands}
    assert sum(1 for k in kinds.values() if k == RUN) >= 7
    assert not any("duckdb -c" in c for c in commands), "the project installs the duckdb module, not its CLI"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory laid out like the repository (data/raw, a two-night data/enriched) and a ``uv``
    on PATH that runs ``uv run --frozen X ...`` as this environment's ``X ...``."""
    sys.path.insert(0, str(REPO / "tests"))
    from report.world import write_night

    root = tmp_path_factory.mktemp("readme")
    shutil.copytree(
        REPO / "tests" / "data" / "lists", root / "data" / "raw"
    )  # the tests' copy of the seed lists
    for night in (1, 2):
        write_night(root / "data" / "raw", root / "data" / "enriched", night)
    (root / "docs").mkdir()
    bin_dir = root / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "uv"
    shim.write_text(
        "#!/bin/sh\n"
        '[ "$1" = run ] && [ "$2" = --frozen ] || { echo "shim: only uv run --frozen" >&2; exit 2; }\n'
        "shift 2\n"
        f'exec "{Path(sys.executable).parent}/$@"\n',
        encoding="utf-8",
    )
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    return root


@pytest.mark.parametrize("command", [c for c in readme_commands() if classify(c) == RUN])
def test_cheap_readme_command_runs_as_written(sandbox: Path, command: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENRICH_")}
    env["PATH"] = f"{sandbox / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=sandbox,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, (command, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    if "duckdb" in command:
        assert "│" in done.stdout  # a table was printed
    if "enrich.load" in command:
        assert "work_id" in done.stdout and "arxiv:" in done.stdout  # the works table was printed
    if "enrich.schemas" in command:
        written = (sandbox / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
        assert written == (REPO / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    if "enrich report" in command:
        assert done.stdout.strip().endswith("data/enriched/reports/2026-11-22/index.html")
