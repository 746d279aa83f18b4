"""The double's own inputs (issue 9, point 10): a port out of range and a catalog naming a file outside
its directory are one line each, never a traceback, and nothing outside the catalog is ever served."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from enrich.errors import InputError
from fakeapis import FakeApis
from fakeapis.catalog_load import load_catalog

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "tests" / "data" / "catalog.jsonl"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "enrich.cli", "fake-apis", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )


@pytest.mark.parametrize("port", ["99999", "-1", "65536"])
def test_a_port_out_of_range_is_one_line_exit_2(catalog_path: Path, port: str) -> None:
    proc = run_cli("--catalog", str(catalog_path), "--port", port)
    assert proc.returncode == 2
    assert (
        proc.stderr
        == f"enrich fake-apis: error: --port {port}: must be a number from 0 to 65535 (0: any free port)\n"
    )


def test_a_port_out_of_range_in_process(catalog_path: Path) -> None:
    with pytest.raises(InputError, match="must be a number from 0 to 65535"):
        FakeApis(catalog_path, port=70000)


def file_record(content_file: str) -> str:
    return (
        json.dumps({"type": "file", "repo": "a/b", "path": "README.md", "content_file": content_file}) + "\n"
    )


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    target = tmp_path / "etc" / "shadow"
    target.parent.mkdir()
    target.write_text("root:TOPSECRET:19000::::::\n")
    return target


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink", "symlinked-dir"])
def test_content_file_outside_the_catalog_directory_is_refused(
    tmp_path: Path, secret: Path, how: str
) -> None:
    home = tmp_path / "catalog"
    home.mkdir()
    if how == "dotdot":
        name = "../etc/shadow"
    elif how == "absolute":
        name = str(secret)
    elif how == "symlink":
        (home / "readme.md").symlink_to(secret)
        name = "readme.md"
    else:
        (home / "files").symlink_to(secret.parent)
        name = "files/shadow"
    catalog = home / "catalog.jsonl"
    catalog.write_text(file_record(name))
    with pytest.raises(InputError) as info:
        load_catalog(catalog)
    assert (
        str(info.value) == f"{catalog}:1: content_file {name!r} is outside the catalog's directory; refused"
    )
    proc = run_cli("--catalog", str(catalog))
    assert proc.returncode == 2
    assert proc.stderr == f"enrich fake-apis: error: {info.value}\n"
    assert "TOPSECRET" not in proc.stderr + proc.stdout


def test_content_file_inside_the_catalog_directory_is_served(tmp_path: Path) -> None:
    home = tmp_path / "catalog"
    (home / "files").mkdir(parents=True)
    (home / "files" / "list.md").write_text("# A list\n")
    (home / "alias.md").symlink_to(home / "files" / "list.md")  # a link that stays inside is fine
    catalog = home / "catalog.jsonl"
    catalog.write_text(file_record("files/list.md").replace("README.md", "A.md") + file_record("alias.md"))
    files = {f.path: f.content for f in load_catalog(catalog).files}
    assert files == {"A.md": b"# A list\n", "README.md": b"# A list\n"}


def test_the_test_catalog_serves_the_tests_copy_of_the_lists() -> None:
    """The catalog's upstream READMEs are the tests' own copy of the seed lists (tests/data/lists;
    content_file may not leave tests/data), never data/raw, which the nightly run rewrites."""
    lines = CATALOG.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip() and not line.startswith("#")]
    files = sorted(r["content_file"] for r in records if r.get("type") == "file")
    assert files == [
        "lists/llm-healthcare-assistant-review.md",
        "lists/llm-medical-abstracts.md",
        "lists/medical-healthcare-dataset-for-llm.md",
        "lists/medllms-practical-guide-2023.md",
    ]
    for name in files:
        assert (CATALOG.parent / name).is_file(), name
