"""Catalog loading: every record kind, derived ids, and clear errors naming file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from enrich.errors import InputError
from fakeapis import catalog_from, load_catalog
from fakeapis.catalog import stable_hex, stable_int


def test_test_catalog_loads(catalog_path: Path) -> None:
    catalog = load_catalog(catalog_path)
    assert (len(catalog.works), len(catalog.repos), len(catalog.files), len(catalog.hf)) == (18, 12, 4, 10)
    biobert_s2 = catalog.find("s2", "arxiv", "1901.08746")
    biobert_arxiv = catalog.find("arxiv", "arxiv", "1901.08746")
    assert biobert_s2 is not None and biobert_arxiv is not None
    assert (biobert_s2.doi, biobert_arxiv.doi) == ("10.1093/bioinformatics/btz682", None)


def test_derived_ids_are_stable_and_views_apply_overrides() -> None:
    catalog = catalog_from(
        [
            {
                "type": "work",
                "arxiv_id": "2101.00001",
                "title": "T",
                "citation_count": 5,
                "overrides": {"openalex": {"citation_count": 7}},
            }
        ]
    )
    work = catalog.works[0]
    assert work.s2_paper_id == stable_hex("s2:2101.00001")
    assert work.openalex_id == f"W{stable_int('oa:2101.00001', 10)}"
    assert (work.view("s2").citation_count, work.view("openalex").citation_count) == (5, 7)
    repo = catalog_from([{"type": "repo", "full_name": "A/B"}]).repos[0]
    assert repo.id == stable_int("gh:a/b", 9)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"type": "work"}', "field 'title' is required"),
        ('{"type": "work", "title": "x", "arxiv_id": "2101.1"}', "field 'arxiv_id' is not an arXiv id"),
        ('{"type": "work", "title": "x", "doi": "doi:10.1/x"}', "field 'doi' is not a bare DOI"),
        ('{"type": "work", "title": "x", "year": "2020"}', "field 'year' must be a non-negative integer"),
        (
            '{"type": "work", "title": "x", "authors": [{"nom": "a"}]}',
            "authors[0] must be an object with a string 'name'",
        ),
        ('{"type": "work", "title": "x", "sources": ["scholar"]}', "names unknown source(s) ['scholar']"),
        ('{"type": "work", "title": "x", "colour": 1}', "unknown field(s) 'colour'"),
        ('{"type": "repo", "full_name": "nope"}', "field 'full_name' must be 'owner/name'"),
        ('{"type": "repo", "full_name": "a/b", "status": 500}', "field 'status' must be 404 or 451"),
        ('{"type": "hf", "id": "a/b", "kind": "paper"}', "field 'kind' must be model, dataset or space"),
        ('{"type": "file", "repo": "a/b", "path": "README.md"}', "exactly one of 'content'"),
        ('{"type": "paper", "title": "x"}', "field 'type' must be one of work, repo, file, hf"),
        ("[1, 2]", "each catalog line must be a JSON object"),
        ('{"type": "work", "title": "x"', "not valid JSON"),
    ],
)
def test_bad_lines_name_file_and_line(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "catalog.jsonl"
    path.write_text('# comment\n\n{"type": "work", "title": "ok"}\n' + line + "\n")
    with pytest.raises(InputError) as caught:
        load_catalog(path)
    assert caught.value.path == f"{path}:4"
    assert problem in caught.value.problem


def test_cross_record_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"two works in arxiv share the id arxiv:2101\.00001"):
        catalog_from(
            [
                {"type": "work", "title": "a", "arxiv_id": "2101.00001"},
                {"type": "work", "title": "b", "arxiv_id": "2101.00001"},
            ]
        )
    with pytest.raises(InputError, match="renamed_to x/y, which is not in the catalog"):
        catalog_from([{"type": "repo", "full_name": "a/b", "renamed_to": "x/y"}])
    with pytest.raises(InputError, match="repository listed twice: a/b"):
        catalog_from([{"type": "repo", "full_name": "a/b"}, {"type": "repo", "full_name": "A/B"}])


def test_unreadable_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="catalog file does not exist"):
        load_catalog(tmp_path / "missing.jsonl")
    binary = tmp_path / "bin.jsonl"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="not UTF-8"):
        load_catalog(binary)
    missing_content = tmp_path / "c.jsonl"
    missing_content.write_text('{"type": "file", "repo": "a/b", "path": "R.md", "content_file": "nope.md"}\n')
    with pytest.raises(InputError, match=r"content_file 'nope\.md' cannot be read"):
        load_catalog(missing_content)
