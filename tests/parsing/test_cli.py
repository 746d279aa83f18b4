"""`enrich parse`: bad inputs, exit codes, atomic output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from enrich.cli import EXIT_FAILURE, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, main
from enrich.errors import InputError
from enrich.parsing import ENTRIES_PARSE_SCHEMA, MAX_FILE_BYTES, entries_to_table, parse_file, parse_paths

RAW = (
    Path(__file__).resolve().parents[1] / "data" / "lists"
)  # the tests' copy of the seed lists (PROVENANCE.md)
GOOD = "* **BioBERT**: A pre-trained model. 2020. [paper](https://arxiv.org/abs/1901.08746)\n"


@pytest.fixture
def bad_inputs(tmp_path: Path) -> dict[str, Path]:
    """One file (or directory) per kind of unusable input."""
    d = tmp_path / "in"
    d.mkdir()
    (d / "binary.md").write_bytes(b"# x\n\x00\x01\x02\xff")
    (d / "latin1.md").write_bytes("* **Café**: naïve title\n".encode("latin-1"))
    (d / "empty.md").write_bytes(b"")
    (d / "blank.md").write_text("  \n\n")
    big = d / "big.md"
    with big.open("wb") as fh:  # sparse: the size check must refuse it before reading
        fh.truncate(MAX_FILE_BYTES + 1)
    (d / "utf16.md").write_bytes("* x".encode("utf-16"))
    (d / "data.json").write_text("{}")
    nolists = tmp_path / "nolists"
    nolists.mkdir()
    (nolists / "notes.csv").write_text("a,b\n")
    return {
        "binary": d / "binary.md",
        "latin1": d / "latin1.md",
        "empty": d / "empty.md",
        "blank": d / "blank.md",
        "big": big,
        "utf16": d / "utf16.md",
        "json": d / "data.json",
        "missing": tmp_path / "missing.md",
        "nolists": nolists,
    }


PROBLEMS = {
    "binary": "binary file (contains NUL bytes), not a text list",
    "latin1": "not UTF-8 text (invalid byte 0xe9 at offset 7)",
    "empty": "empty file",
    "blank": "empty file (only whitespace)",
    "big": f"file too large (50.0 MiB; the limit is {MAX_FILE_BYTES // 2**20} MiB)",
    "utf16": "UTF-16 text; lists must be UTF-8",
    "json": "unsupported file type '.json' (lists are .markdown, .md, .txt)",
    "missing": "no such file or directory",
    "nolists": "no list files (.markdown, .md, .txt) in this directory",
}


def test_each_bad_input_is_one_clear_problem(bad_inputs: dict[str, Path], tmp_path: Path) -> None:
    good = tmp_path / "good.md"
    good.write_text(GOOD)
    result = parse_paths([*bad_inputs.values(), good])
    assert {(p.path, p.problem) for p in result.problems} == {
        (str(bad_inputs[k]), PROBLEMS[k]) for k in bad_inputs
    }
    assert [(e.list_id, e.name) for e in result.entries] == [("good", "BioBERT")]
    assert result.files == 1


def test_parse_file_raises_input_error(bad_inputs: dict[str, Path]) -> None:
    with pytest.raises(InputError) as info:
        parse_file(bad_inputs["binary"], "x")
    assert str(info.value) == f"{bad_inputs['binary']}: binary file (contains NUL bytes), not a text list"


# one line per list, in manifest order: entries by shape, low-confidence rows, links in the file
SEED_SUMMARY = (
    "list medllms-practical-guide-2023: 131 entries (bold_name 66, text_links 65); "
    "0 low-confidence; 113 links in the file\n"
    "list llm-healthcare-assistant-review: 72 entries (dated 72); 0 low-confidence; 115 links in the file\n"
    "list medllms-practical-guide-2025-scraped: 11 entries (plaintext 11); 0 low-confidence; 1 links in the file\n"
    "list medical-healthcare-dataset-for-llm: 168 entries (table_row 121, text_links 47); "
    "0 low-confidence; 183 links in the file\n"
    "list llm-medical-abstracts: 5 entries (title_abstract 5); 0 low-confidence; 3 links in the file\n"
)


def test_cli_names_a_list_whose_format_is_not_understood(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # links only inside prose paragraphs: nothing the parser reads as an entry
    prose = "\n\n".join(
        f"As [shown here](https://example.org/page{k}) and [there](https://example.org/other{k}), it works."
        for k in range(4)
    )
    odd = tmp_path / "odd.md"
    odd.write_text(f"# Odd\n\n## Papers\n\n{prose}\n", encoding="utf-8")
    out = tmp_path / "entries.parquet"
    assert main(["parse", str(odd), str(RAW / "llm-medical-abstracts.md"), "--out", str(out)]) == EXIT_PARTIAL
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == (
        "list odd: 0 entries (none); 0 low-confidence; 8 links in the file; format not understood"
    )
    assert captured.err.splitlines() == [
        "enrich parse: list odd: format not understood (see its summary line)"
    ]
    assert pq.read_table(out).num_rows == 5


def test_cli_exit_codes_and_messages(
    bad_inputs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out" / "entries.parquet"
    assert main(["parse", str(RAW), "--out", str(out)]) == EXIT_OK
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out == SEED_SUMMARY + f"wrote 387 entries from 5 list file(s) (5 with entries) to {out}\n"
    first = out.read_bytes()
    table = pq.read_table(out)
    assert table.schema.equals(ENTRIES_PARSE_SCHEMA)
    assert table.num_rows == 387
    assert oct(out.stat().st_mode & 0o777) == "0o644"

    # partial: output written, bad inputs each named on one stderr line
    partial = tmp_path / "partial.parquet"
    code = main(
        ["parse", str(RAW / "llm-medical-abstracts.md"), str(bad_inputs["latin1"]), "--out", str(partial)]
    )
    assert code == EXIT_PARTIAL
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"enrich parse: skipped {bad_inputs['latin1']}: not UTF-8 text (invalid byte 0xe9 at offset 7)"
    ]
    assert pq.read_table(partial).num_rows == 5

    # nothing usable: exit 2, an existing output is left alone
    code = main(["parse", *map(str, bad_inputs.values()), "--out", str(out)])
    assert code == EXIT_USAGE
    err = capsys.readouterr().err.splitlines()
    assert len(err) == len(bad_inputs) + 1
    assert err[-1] == "enrich parse: error: no usable input; nothing written"
    assert out.read_bytes() == first


def test_cli_write_failure_leaves_output_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "is-a-directory.parquet"
    out_dir.mkdir()
    (out_dir / "keep").write_text("x")
    assert main(["parse", str(RAW / "llm-medical-abstracts.md"), "--out", str(out_dir)]) == EXIT_FAILURE
    err = capsys.readouterr().err
    assert err.startswith(f"enrich parse: error: {out_dir}: cannot write (")
    assert sorted(p.name for p in out_dir.iterdir()) == ["keep"]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_table_matches_entries() -> None:
    entries = parse_paths([RAW]).entries
    table = entries_to_table(entries)
    rows = table.to_pylist()
    assert len(rows) == len(entries)
    for e, r in zip(entries, rows, strict=True):
        assert r["entry_id"] == e.entry_id
        assert r["urls"] == list(e.urls)
        assert r["s2_corpus_id"] == e.s2_corpus_id
        assert r["description"] == e.description


@pytest.mark.slow
def test_cli_as_a_subprocess(tmp_path: Path) -> None:
    out = tmp_path / "entries.parquet"
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    done = subprocess.run(
        [sys.executable, "-m", "enrich.cli", "parse", str(RAW), str(tmp_path / "nope.md"), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == EXIT_PARTIAL
    assert done.stderr == f"enrich parse: skipped {tmp_path / 'nope.md'}: no such file or directory\n"
    assert done.stdout == SEED_SUMMARY + f"wrote 387 entries from 5 list file(s) (5 with entries) to {out}\n"
    assert pq.read_table(out).num_rows == 387
