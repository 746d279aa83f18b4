"""entry_id stays put when lines move; work_key joins the same work across lists."""

from __future__ import annotations

from pathlib import Path

from enrich.parsing import parse_paths, parse_text

RAW = (
    Path(__file__).resolve().parents[1] / "data" / "lists"
)  # the tests' copy of the seed lists (PROVENANCE.md)


def _ids(text: str, list_id: str = "l") -> dict[tuple[str | None, str | None], str]:
    return {(e.name, e.title): e.entry_id for e in parse_text(text, list_id)}


def test_entry_ids_survive_moves_insertions_and_deletions() -> None:
    original = (RAW / "medllms-practical-guide-2023.md").read_text(encoding="utf-8")
    before = _ids(original)
    lines = original.split("\n")
    # insert a new entry and blank lines at the top of a section, delete a neighbour, move a bullet
    # to another section, and prepend prose: every other entry keeps its id
    edited = list(lines)
    moved = edited.pop(96)  # "* **Dr. Knows**: ..." (line 97)
    del edited[65]  # "* **PubMedBERT**..." (line 66)
    edited.insert(64, "* **NewModel**: A brand new model. 2024. [paper](https://arxiv.org/abs/2401.00001)\n")
    edited.insert(250, moved)
    edited.insert(0, "Some new intro paragraph.\n\n")
    after = _ids("\n".join(edited))
    removed = (
        "PubMedBERT",
        "Domain-specific language model pretraining for biomedical natural language processing",
    )
    added = ("NewModel", "A brand new model")
    assert set(after) == (set(before) - {removed}) | {added}
    assert all(after[key] == before[key] for key in before if key != removed)


def test_true_duplicates_are_disambiguated_first_keeps_plain_id() -> None:
    one = "## A\n* **X**: Same paper here. 2023. [paper](https://arxiv.org/abs/2301.00001)\n"
    two = one + "## B\n* **X**: Same paper here. 2023. [paper](https://arxiv.org/abs/2301.00001v2)\n"
    three = two + "* **Y**: Same paper again. 2023. [paper](https://arxiv.org/abs/2301.00001)\n"
    a = [e.entry_id for e in parse_text(one, "l")]
    b = [e.entry_id for e in parse_text(two, "l")]
    c = [e.entry_id for e in parse_text(three, "l")]
    assert a[0] == b[0] == c[0]
    assert b[1] == c[1] != b[0]
    assert len(set(c)) == 3
    # the same paper (same arXiv id) shares one work key
    assert {e.work_key for e in parse_text(three, "l")} == {"arxiv:2301.00001"}


def test_entry_ids_depend_on_list_and_identity_only() -> None:
    text = "* **X**: A title of some length. 2023. [paper](https://arxiv.org/abs/2301.00001)\n"
    assert parse_text(text, "a")[0].entry_id.startswith("a:")
    assert parse_text(text, "a")[0].entry_id != parse_text(text, "b")[0].entry_id
    # a different title with the same arXiv id is the same entry for a paper
    other = "* **X**: Renamed title entirely. 2023. [paper](https://arxiv.org/abs/2301.00001v3)\n"
    assert parse_text(text, "a")[0].entry_id == parse_text(other, "a")[0].entry_id


def test_work_key_union_across_lists(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "* **Tool**: Chain-of-verification reduces hallucination in large language models. 2023."
        " [paper](https://arxiv.org/abs/2309.11495)\n"
        "* **Other**: Something entirely different about proteins. 2022. [paper](https://doi.org/10.1000/xyz)\n",
        encoding="utf-8",
    )
    (tmp_path / "b.txt").write_text(
        "- [Arxiv, 2023] CoVe: Chain-of-Verification Reduces Hallucination in Large Language Models. paper\n"
        "- [Nature, 2022] Lonely A paper nobody else lists at all. paper\n",
        encoding="utf-8",
    )
    (tmp_path / "c.md").write_text(
        "- [2022/01] **Something Entirely Different About Proteins** *A. B. et al.* "
        "[[paper](https://pubmed.ncbi.nlm.nih.gov/123/)]\n",
        encoding="utf-8",
    )
    result = parse_paths([tmp_path])
    keys = {(e.list_id, e.line): e.work_key for e in result.entries}
    assert keys[("a", 1)] == keys[("b", 1)] == "arxiv:2309.11495"
    assert keys[("a", 2)] == keys[("c", 1)] == "doi:10.1000/xyz"
    assert keys[("b", 2)].startswith("title:") and len(keys[("b", 2)]) == len("title:") + 16


def test_assign_work_keys_matches_parse_paths() -> None:
    from enrich.lists import list_files
    from enrich.parsing import assign_work_keys, parse_file

    one_by_one = [e for spec, path in list_files(RAW) for e in parse_file(path, spec.id)]
    together = parse_paths([RAW]).entries
    assert one_by_one != together  # lists parsed alone only know their own keys
    assert assign_work_keys(one_by_one) == together
