"""Lists are untrusted input (issue 9, point 8 and 10): links out of the directory, credentials in
URLs, unusable list ids and cut nesting each give one line and never reach a snapshot."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from enrich.cli import main
from enrich.errors import InputError
from enrich.lists import list_files, list_id_problem
from enrich.parsing import parse_paths, parse_text
from enrich.parsing.markdown import MAX_LIST_DEPTH
from enrich.parsing.reader import read_list_text
from enrich.redact import strip_userinfo

LIST = "# A list\n\n- [BERT](https://arxiv.org/abs/1810.04805) - a paper\n"
SECRET = "root:x:0:0:TOPSECRET\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    target = tmp_path / "elsewhere" / "shadow.md"
    target.parent.mkdir()
    target.write_text(f"# stolen\n\n- [{SECRET.strip()}](https://example.org/{SECRET.strip()})\n")
    return target


@pytest.fixture
def lists(tmp_path: Path) -> Path:
    d = tmp_path / "raw"
    d.mkdir()
    (d / "good.md").write_text(LIST)
    return d


def test_symlink_out_of_the_lists_directory_is_refused_with_one_line(lists: Path, outside: Path) -> None:
    (lists / "evil.md").symlink_to(outside)
    (outside.parent / "other.md").write_text(outside.read_text())
    (lists / "evil-rel.md").symlink_to(Path("..") / "elsewhere" / "other.md")
    result = parse_paths([lists])
    assert sorted(str(p) for p in result.problems) == [
        f"{lists / 'evil-rel.md'}: symbolic link to a file outside the lists directory; refused",
        f"{lists / 'evil.md'}: symbolic link to a file outside the lists directory; refused",
    ]
    assert [e.list_id for e in result.entries] == ["good"]
    assert all("TOPSECRET" not in repr(e) for e in result.entries)
    with pytest.raises(InputError, match="outside the lists directory"):
        read_list_text(lists / "evil.md")


def test_symlink_inside_the_directory_is_read_once(lists: Path) -> None:
    (lists / "alias.md").symlink_to(lists / "good.md")
    result = parse_paths([lists])
    assert result.problems == []
    assert len(result.entries) == 1  # the same file is not read twice


def test_dangling_and_looping_symlinks_give_one_line(lists: Path) -> None:
    (lists / "gone.md").symlink_to(lists / "missing.md")
    (lists / "loop.md").symlink_to(lists / "loop.md")
    with pytest.raises(InputError, match="symbolic link to a missing file; refused"):
        read_list_text(lists / "gone.md")
    with pytest.raises(InputError, match="cannot be resolved"):
        read_list_text(lists / "loop.md")


def test_a_symlinked_manifest_out_of_the_directory_is_refused(lists: Path, tmp_path: Path) -> None:
    toml = tmp_path / "other.toml"
    toml.write_text('[[list]]\nid = "x"\nfile = "good.md"\n')
    (lists / "lists.toml").symlink_to(toml)
    with pytest.raises(InputError) as info:
        list_files(lists)
    assert (
        str(info.value)
        == f"{lists / 'lists.toml'}: symbolic link to a file outside the lists directory; refused"
    )


def test_cli_refuses_a_link_to_any_file_and_publishes_nothing_of_it(
    lists: Path, outside: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (lists / "evil.md").symlink_to(outside)
    out = tmp_path / "entries.parquet"
    main(["parse", "--out", str(out), str(lists)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"{lists / 'evil.md'}: symbolic link to a file outside the lists directory; refused" in err
    assert "TOPSECRET" not in repr(pq.read_table(out).to_pylist())


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("https://user:ghp_token123@github.com/a/b", "https://github.com/a/b"),
        ("http://token@example.org/x?y=1", "http://example.org/x?y=1"),
        ("see HTTPS://u:p@h.org/p, and ftp://a:b@f.org", "see HTTPS://h.org/p, and ftp://f.org"),
        ("mailto:someone@example.org", "mailto:someone@example.org"),
        ("https://example.org/@user/post", "https://example.org/@user/post"),
        ("https://example.org/p?email=a@b.org", "https://example.org/p?email=a@b.org"),
    ],
)
def test_strip_userinfo(text: str, clean: str) -> None:
    assert strip_userinfo(text) == clean


def test_url_userinfo_never_reaches_an_entry(tmp_path: Path) -> None:
    text = (
        "# L\n\n"
        "- [nanoGPT](https://bob:ghp_SECRET@github.com/karpathy/nanogpt) - mirror at "
        "https://alice:hunter2@example.org/x\n"
        "- https://tok@arxiv.org/abs/1706.03762\n"
    )
    entries = parse_text(text, "l")
    stored = repr(entries)
    assert "ghp_SECRET" not in stored and "hunter2" not in stored and "tok@" not in stored
    assert entries[0].urls[0] == "https://github.com/karpathy/nanogpt"
    assert entries[0].github_repo == "karpathy/nanogpt"
    assert entries[1].arxiv_id == "1706.03762"
    d = tmp_path / "raw"
    d.mkdir()
    (d / "l.md").write_text(text)
    out = tmp_path / "e.parquet"
    assert main(["parse", "--out", str(out), str(d)]) == 0
    table = pq.read_table(out).to_pylist()
    assert "ghp_SECRET" not in repr(table) and "hunter2" not in repr(table)


@pytest.mark.parametrize(
    ("list_id", "problem"),
    [
        ("awesome-llm", None),
        ("My List (2024)", None),
        ("bad\nid", "contains a control character or a path separator"),
        ("tab\there", "contains a control character or a path separator"),
        ("back\\slash", "contains a control character or a path separator"),
        ("nel\x85x", "contains a control character or a path separator"),
        ("   ", "is empty"),
        ("x" * 129, "is longer than 128 characters"),
    ],
)
def test_list_id_problem(list_id: str, problem: str | None) -> None:
    assert list_id_problem(list_id) == problem


def test_a_file_name_that_cannot_be_a_list_id_is_one_escaped_line(lists: Path) -> None:
    (lists / "evil\nskipped forged.md").write_text(LIST)
    result = parse_paths([lists])
    assert [str(p) for p in result.problems] == [
        f"{lists}/evil\\nskipped forged.md: the file name as list id contains a control character "
        "or a path separator"
    ]
    assert "\n" not in str(result.problems[0])
    assert {e.list_id for e in result.entries} == {"good"}


def test_manifest_list_ids_are_validated(lists: Path) -> None:
    (lists / "lists.toml").write_text('[[list]]\nid = "a\\nb"\nfile = "good.md"\n')
    with pytest.raises(InputError) as info:
        list_files(lists)
    assert "\n" not in str(info.value)
    assert "list id 'a\\nb' must be letters, digits" in str(info.value)


def test_nesting_beyond_the_cap_is_reported_not_silent(lists: Path) -> None:
    lines = ["# Deep", ""]
    lines += ["  " * i + f"- [Paper {i}](https://arxiv.org/abs/2101.{i:05d})" for i in range(14)]
    (lists / "deep.md").write_text("\n".join(lines) + "\n")
    result = parse_paths([lists])
    deep = [e for e in result.entries if e.list_id == "deep"]
    assert len(deep) == MAX_LIST_DEPTH == 9
    assert [str(p) for p in result.problems] == [
        f"{lists / 'deep.md'}: lines 12-16 are nested deeper than 9 list levels and were not read"
    ]


def test_nesting_within_the_cap_gives_no_line(lists: Path) -> None:
    lines = ["# Ok", ""]
    lines += ["  " * i + f"- [Paper {i}](https://arxiv.org/abs/2101.{i:05d})" for i in range(MAX_LIST_DEPTH)]
    (lists / "ok.md").write_text("\n".join(lines) + "\n")
    result = parse_paths([lists])
    assert result.problems == []
    assert len([e for e in result.entries if e.list_id == "ok"]) == MAX_LIST_DEPTH


def test_the_nightly_parse_stage_reports_the_same_lines(lists: Path, outside: Path) -> None:
    from enrich import pipeline

    (lists / "evil.md").symlink_to(outside)
    (lists / "bad\rname.md").write_text(LIST)
    lines = ["# Deep", ""]
    lines += ["  " * i + f"- [Paper {i}](https://arxiv.org/abs/2101.{i:05d})" for i in range(12)]
    (lists / "deep.md").write_text("\n".join(lines) + "\n")
    (lists / "creds.md").write_text("# C\n\n- [x](https://u:SECRETPW@github.com/a/b)\n")
    parsed = pipeline.parse_lists(lists)
    assert sorted(str(p) for p in parsed.problems) == sorted(
        [
            f"{lists}/bad\\rname.md: the file name as list id contains a control character or a path separator",
            f"{lists / 'deep.md'}: lines 12-14 are nested deeper than 9 list levels and were not read",
            f"{lists / 'evil.md'}: symbolic link to a file outside the lists directory; refused",
        ]
    )
    assert "deep" not in parsed.unreadable  # read, though not all of it
    assert sorted(parsed.unreadable) == ["bad\rname", "evil"]
    assert "SECRETPW" not in repr(parsed.entries) and "TOPSECRET" not in repr(parsed.entries)
    assert {e.list_id for e in parsed.entries} == {"good", "deep", "creds"}
