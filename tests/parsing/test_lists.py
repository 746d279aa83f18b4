"""The list directory and its manifest."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from enrich.errors import InputError
from enrich.lists import ListSpec, list_files, load_manifest

RAW = (
    Path(__file__).resolve().parents[1] / "data" / "lists"
)  # the tests' copy of the seed lists (PROVENANCE.md)


def test_real_manifest() -> None:
    got = list_files(RAW)
    assert [(spec.id, path.name) for spec, path in got] == [
        ("medllms-practical-guide-2023", "medllms-practical-guide-2023.md"),
        ("llm-healthcare-assistant-review", "llm-healthcare-assistant-review.md"),
        ("medllms-practical-guide-2025-scraped", "medllms-practical-guide-2025-scraped.txt"),
        ("medical-healthcare-dataset-for-llm", "medical-healthcare-dataset-for-llm.md"),
        ("llm-medical-abstracts", "llm-medical-abstracts.md"),
    ]
    assert got[0][0] == ListSpec(
        id="medllms-practical-guide-2023",
        file="medllms-practical-guide-2023.md",
        upstream="AI-in-Health/MedLLMsPracticalGuide",
        path="README.md",
        refresh=True,
        licence="MIT",
        captured="2023-11",
    )
    assert got[2][0].refresh is False


def test_no_manifest_ids_from_stems(tmp_path: Path) -> None:
    (tmp_path / "b.md").write_text("x")
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "a.md").write_text("x")
    (tmp_path / "notes.json").write_text("{}")
    (tmp_path / "CONTRIBUTING.md").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.md").write_text("x")
    assert [(s.id, p.name) for s, p in list_files(tmp_path)] == [
        ("a", "a.md"),
        ("a.txt", "a.txt"),
        ("b", "b.md"),
    ]
    assert load_manifest(tmp_path)[0] == ListSpec(id="a", file="a.md")


def test_manifest_partial_and_ignore(tmp_path: Path) -> None:
    (tmp_path / "lists.toml").write_text(
        'ignore = ["skip.md"]\n[[list]]\nid = "named"\nfile = "x.md"\nupstream = "o/r"\nrefresh = true\n'
        '[[list]]\nid = "gone"\nfile = "missing.md"\n'
    )
    for name in ("x.md", "y.markdown", "skip.md"):
        (tmp_path / name).write_text("x")
    assert [s.id for s in load_manifest(tmp_path)] == ["named", "gone", "y"]
    assert [(s.id, p.name) for s, p in list_files(tmp_path)] == [("named", "x.md"), ("y", "y.markdown")]


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        ("[[list]]\nid = 1\nfile = 'a.md'\n", "id must be a non-empty string"),
        ("[[list]]\nfile = 'a.md'\n", "every [[list]] needs id and file"),
        ("[[list]]\nid = 'a b'\nfile = 'a.md'\n", "list id 'a b' must be letters, digits, '.', '_' or '-'"),
        (
            "[[list]]\nid = 'a'\nfile = '../a.md'\n",
            "file '../a.md' must be a file name in the list directory, not a path",
        ),
        (
            "[[list]]\nid = 'a'\nfile = 'a.md'\nupstream = 'nope'\n",
            "upstream 'nope' must be a GitHub owner/repo",
        ),
        (
            "[[list]]\nid = 'a'\nfile = 'a.md'\nrefresh = true\n",
            "list 'a' has refresh = true but no upstream",
        ),
        ("[[list]]\nid = 'a'\nfile = 'a.md'\nrefresh = 'yes'\n", "refresh must be true or false"),
        ("[[list]]\nid = 'a'\nfile = 'a.md'\ncolour = 'red'\n", "unknown key(s) colour"),
        (
            "[[list]]\nid = 'a'\nfile = 'a.md'\n[[list]]\nid = 'a'\nfile = 'b.md'\n",
            "list id 'a' is used twice",
        ),
        (
            "[[list]]\nid = 'a'\nfile = 'a.md'\n[[list]]\nid = 'b'\nfile = 'a.md'\n",
            "file 'a.md' is named twice",
        ),
        ("list = 3\n", "'list' must be an array of tables ([[list]])"),
        ("ignore = 'x'\n", "'ignore' must be an array of file names"),
    ],
)
def test_bad_manifest(tmp_path: Path, toml: str, problem: str) -> None:
    (tmp_path / "lists.toml").write_text(toml)
    (tmp_path / "a.md").write_text("x")
    with pytest.raises(InputError) as info:
        list_files(tmp_path)
    assert info.value.path == str(tmp_path / "lists.toml")
    assert info.value.problem == problem


def test_unparseable_manifest(tmp_path: Path) -> None:
    (tmp_path / "lists.toml").write_text("[[list]\n")
    with pytest.raises(InputError, match="unreadable manifest"):
        load_manifest(tmp_path)


def test_directory_without_lists(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("a,b")
    with pytest.raises(InputError) as info:
        list_files(tmp_path)
    assert str(info.value) == f"{tmp_path}: no list files (.markdown, .md, .txt) in this directory"
    with pytest.raises(InputError, match="not a directory"):
        list_files(tmp_path / "missing")


def test_the_tests_copy_of_the_lists_is_as_its_provenance_note_says() -> None:
    """tests/data/lists is the tests' own copy of the seed lists: every file is listed in PROVENANCE.md
    with its SHA-256, so an accidental edit (or a copy over it from a refreshed data/raw) fails here."""
    note = (RAW / "PROVENANCE.md").read_text(encoding="utf-8")
    sums = dict(re.findall(r"^\| `([^`]+)` \| `([0-9a-f]{64})` \|$", note, re.M))
    assert sorted(sums) == sorted(p.name for p in RAW.iterdir() if p.name != "PROVENANCE.md")
    for name, digest in sums.items():
        assert hashlib.sha256((RAW / name).read_bytes()).hexdigest() == digest, name
    assert [spec.id for spec, _ in list_files(RAW)] == [spec.id for spec in load_manifest(RAW)]
    assert "PROVENANCE.md" not in {path.name for _, path in list_files(RAW)}
