"""Entry ids carried over from the previous version of a list (``enrich.parsing.carry_ids.carry_entry_ids``).

Each test parses two versions of a small list the way two nights do and checks which ids survive,
and what ``list_changes`` says about it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from enrich import pipeline
from enrich.ids import Ids
from enrich.parsing import Entry, entries_to_table, parse_text
from enrich.parsing.carry_ids import PreviousEntry, carry_entry_ids
from enrich.pipeline.lists import previous_lists
from enrich.snapshot import Manifest, read_previous, write_snapshot
from enrich.tables import EDIT_COLUMNS, build_tables, list_changes

A = "2301.00001"
B = "2302.00002"


def night(text: str, previous: list[Entry] | None = None, list_id: str = "l") -> list[Entry]:
    """Tonight's entries of ``text``, ids carried over from ``previous`` as the nightly run does."""
    entries = parse_text(text, list_id)
    if previous is None:
        return entries
    return pipeline.carry_entry_ids(entries, entries_to_table(previous))


def _row(e: Entry) -> dict[str, object]:
    row = {name: getattr(e, name) for name in Entry.__slots__}
    row["urls"] = list(e.urls)
    return row


def changes(before: list[Entry], after: list[Entry]) -> list[tuple[str, str | None, list[str] | None]]:
    rows = list_changes([_row(e) for e in after], [_row(e) for e in before])
    return sorted((r["change"], r["label"], r["edited_columns"]) for r in rows)


def test_without_a_previous_version_ids_are_the_text_ids() -> None:
    text = (
        "## A\n* **X**: Same paper here. 2023. [paper](https://arxiv.org/abs/2301.00001)\n"
        "## B\n* **X**: Same paper here. 2023. [paper](https://arxiv.org/abs/2301.00001v2)\n"
        "* A title-only entry about something. [pdf](https://www.example.org/1.pdf)\n"
    )
    entries = parse_text(text, "l")
    assert carry_entry_ids([], entries) == [e.entry_id for e in entries]
    assert [e.entry_id for e in night(text, None)] == [e.entry_id for e in entries]
    # the same text again: every id stays, nothing changes
    again = night(text, entries)
    assert [e.entry_id for e in again] == [e.entry_id for e in entries]
    assert changes(entries, again) == []


@pytest.mark.parametrize(
    ("before", "after", "edited", "text_id_changes"),
    [
        pytest.param(
            "* Large langage models encode clinical knowledge. 2023. [paper](https://www.example.org/medpalm.pdf)\n",
            "* Large language models encode clinical knowledge. 2023. [paper](https://www.example.org/medpalm.pdf)\n",
            ["title"],
            True,
            id="typo fixed in a title-only entry",
        ),
        pytest.param(
            "* Large language models encode clinical knowledge. 2023. [paper](https://www.example.org/medpalm.pdf)\n",
            "* **Med-PaLM**: Large language models encode clinical knowledge. 2023. [paper](https://www.example.org/medpalm.pdf)\n",
            ["name"],
            True,
            id="bold short name put in front",
        ),
        pytest.param(
            "* Large language models encode clinical knowledge. [code](https://github.com/o/medpalm)\n",
            "* Large language models encode clinical knowledge. [paper](https://arxiv.org/abs/2212.13138)"
            " [code](https://github.com/o/medpalm)\n",
            ["urls"],
            True,
            id="paper link added to a code-only entry (kind and identity change)",
        ),
        pytest.param(
            "* **BioGPT**: generative pre-trained transformer for biomedical text generation and minning."
            " [paper](https://academic.oup.com/bib/article/23/6/bbac409/6713511)\n",
            "* [**Bioinformatics, 2022**] **BioGPT**: Generative Pre-trained Transformer for Biomedical Text"
            " Generation and Mining. [paper](https://academic.oup.com/bib/article/23/6/bbac409/6713511)\n",
            ["title", "year", "venue_raw"],
            True,
            id="venue prefix added, title re-cased and a typo fixed",
        ),
        pytest.param(
            f"* **Foo**: A first title of the paper. [paper](https://arxiv.org/abs/{A})\n",
            f"* **Foo**: Entirely retitled in the published version. [paper](https://arxiv.org/abs/{A})\n",
            ["title"],
            False,
            id="title rewritten, arXiv link kept",
        ),
    ],
)
def test_small_edits_keep_the_id_and_are_reported_as_edited(
    before: str, after: str, edited: list[str], text_id_changes: bool
) -> None:
    head = "# List\n## Papers\n* **Other**: Some neighbour entry that stays. [paper](https://arxiv.org/abs/2303.00003)\n"
    one = night(head + before)
    two = night(head + after, one)
    assert [e.entry_id for e in two] == [e.entry_id for e in one]
    # from the text alone (no previous version) the edited entry would have a new id
    assert (parse_text(head + after, "l")[1].entry_id != one[1].entry_id) is text_id_changes
    assert [(c, cols) for c, _, cols in changes(one, two)] == [
        ("edited", sorted(edited, key=EDIT_COLUMNS.index))
    ]


def test_renamed_section_and_moved_duplicates_keep_their_ids() -> None:
    entry = f"* **X**: Same paper here. 2023. [paper](https://arxiv.org/abs/{A})\n"
    one = night(f"## Alpha\n{entry}## Beta\n{entry}")
    two = night(f"## Gamma renamed\n{entry}## Beta\n{entry}", one)
    assert [e.entry_id for e in two] == [e.entry_id for e in one]
    assert changes(one, two) == []  # a renamed heading is not a change of its entries
    # without carry-over the duplicates' ids depend on the section names and change
    assert [e.entry_id for e in parse_text(f"## Gamma renamed\n{entry}## Beta\n{entry}", "l")] != [
        e.entry_id for e in one
    ]


def test_a_duplicate_added_elsewhere_is_gained_and_the_original_keeps_its_id() -> None:
    entry = f"* **X**: Same paper here. 2023. [paper](https://arxiv.org/abs/{A})\n"
    one = night(f"## Beta\n{entry}")
    # the copy lands in a section that sorts first: from the text alone it would take the plain id
    two = night(f"## Alpha\n{entry}## Beta\n{entry}", one)
    assert two[1].entry_id == one[0].entry_id
    assert two[0].entry_id != one[0].entry_id
    # from the text alone the copy in "Alpha" would have taken the original's id
    assert parse_text(f"## Alpha\n{entry}## Beta\n{entry}", "l")[0].entry_id == one[0].entry_id
    assert [(c, label) for c, label, _ in changes(one, two)] == [("gained", "Same paper here")]


def test_different_papers_are_never_carried_over() -> None:
    head = "## Papers\n"
    # same title, other arXiv id: two papers (a re-used title), not an edit
    one = night(
        head + f"* A survey of large language models in medicine. [paper](https://arxiv.org/abs/{A})\n"
    )
    two = night(
        head + f"* A survey of large language models in medicine. [paper](https://arxiv.org/abs/{B})\n", one
    )
    assert two[0].entry_id == one[0].entry_id  # identical titles: the link was fixed
    three = night(
        head + f"* A survey of large language models in medicine II. [paper](https://arxiv.org/abs/{A})\n",
        two,
    )
    assert three[0].entry_id != two[0].entry_id  # similar titles, other arXiv id: another paper
    # numbers name other works: Qwen2 -> Qwen3 is a replacement, not a typo
    qwen2 = night("* Qwen2 technical report. 2024. [paper](https://www.example.org/qwen2.pdf)\n")
    qwen3 = night("* Qwen3 technical report. 2025. [paper](https://www.example.org/qwen3.pdf)\n", qwen2)
    assert qwen3[0].entry_id != qwen2[0].entry_id
    assert [c for c, _, _ in changes(qwen2, qwen3)] == ["gained", "lost"]
    # short texts must be nearly identical
    gpt = night("* **GPT-J** [model](https://www.example.org/gpt)\n")
    other = night("* **GPT-Q** [model](https://www.example.org/gpt)\n", gpt)
    assert other[0].entry_id != gpt[0].entry_id


def test_matching_is_one_to_one_and_prefers_the_closest_text() -> None:
    text = (
        "## S\n"
        "* Deep learning for medical image segmentation: a review. 2021. [pdf](https://www.example.org/1.pdf)\n"
        "* Deep learning for medical image registration: a review. 2021. [pdf](https://www.example.org/2.pdf)\n"
    )
    one = night(text)
    # both titles fixed at once, in swapped order: each keeps its own id
    two = night(
        "## S\n"
        "* Deep learning for medical image registration: a review. 2022. [pdf](https://www.example.org/2.pdf)\n"
        "* Deep learning for medical image segmentation: a reveiw. 2021. [pdf](https://www.example.org/1.pdf)\n",
        one,
    )
    assert two[0].entry_id == one[1].entry_id
    assert two[1].entry_id == one[0].entry_id


def test_an_unmatched_entry_never_takes_an_id_already_used() -> None:
    # night 1: paper A. Night 2: its link changes to B (same title, id carried: A's text id).
    # Night 3: a new entry for paper A appears next to it: from its text it would get A's id,
    # which is taken, so it gets a fresh, distinct one.
    one = night(f"* **Foo**: The foo paper. [paper](https://arxiv.org/abs/{A})\n")
    two = night(f"* **Foo**: The foo paper. [paper](https://arxiv.org/abs/{B})\n", one)
    assert two[0].entry_id == one[0].entry_id
    three_text = (
        f"* **Foo**: The foo paper. [paper](https://arxiv.org/abs/{B})\n"
        f"* **Bar**: Another reading of the foo paper. [paper](https://arxiv.org/abs/{A})\n"
    )
    three = night(three_text, two)
    ids = [e.entry_id for e in three]
    assert ids[0] == one[0].entry_id
    assert ids[1] != ids[0] and ids[1] != parse_text(three_text, "l")[1].entry_id
    assert ids[1].startswith("l:")
    # deterministic: the same inputs give the same ids
    assert [e.entry_id for e in night(three_text, two)] == ids


def test_previous_entry_from_a_snapshot_row() -> None:
    (entry,) = parse_text(f"* **Foo**: The foo paper. [paper](https://arxiv.org/abs/{A})\n", "l")
    prev = PreviousEntry.from_row(_row(entry) | {"urls": list(entry.urls)})
    assert prev.entry_id == entry.entry_id and prev.ids.arxiv_id == A and prev.urls == entry.urls
    assert carry_entry_ids([prev], [entry]) == [entry.entry_id]


def test_previous_entries_from_a_table_in_its_order() -> None:
    """``PreviousEntry.from_table``: one per row, the table's order, the same as ``from_row`` of each row."""
    entries = parse_text(
        "## Papers\n"
        f"* **Foo**: The foo paper. [paper](https://arxiv.org/abs/{A}v2) [doi](https://doi.org/10.1000/XYZ)\n"
        "* A title-only entry about something. 2023.\n"
        "## Code\n* [o/r](https://github.com/o/r): code. [model](https://huggingface.co/org/m)\n",
        "l",
    )
    table = entries_to_table(entries[::-1])
    assert PreviousEntry.from_table(table) == [
        PreviousEntry(
            "l:84f554ef1adb4b3b",
            "Code",
            "model",
            "o/r",
            None,
            Ids(github_repo="o/r", hf_kind="model", hf_id="org/m"),
            ("https://github.com/o/r", "https://huggingface.co/org/m"),
        ),
        PreviousEntry(
            "l:9b991cc41aaddd91", "Papers", "paper", None, "A title-only entry about something", Ids()
        ),
        PreviousEntry(
            "l:4090484aa623bbcd",
            "Papers",
            "paper",
            "Foo",
            "The foo paper",
            Ids(arxiv_id=A, doi="10.1000/xyz"),  # carry-over reads no version
            (f"https://arxiv.org/abs/{A}v2", "https://doi.org/10.1000/XYZ"),
        ),
    ]
    assert PreviousEntry.from_table(table) == [
        PreviousEntry.from_row({c: row[c] for c in PreviousEntry.COLUMNS}) for row in table.to_pylist()
    ]
    assert PreviousEntry.from_table(table.slice(0, 0)) == []


def test_previous_lists_one_list_at_a_time_in_file_order() -> None:
    """``previous_lists``: only the lists asked for, in the order asked, each list's rows by line
    then entry id (rows of several lists interleaved, two rows on one line), only the columns read."""
    a = parse_text(
        f"* **Foo**: The foo paper. [paper](https://arxiv.org/abs/{A})\n"
        "* **Baz**: The second paper of a. [paper](https://arxiv.org/abs/2303.00003)\n",
        "a",
    )
    b = parse_text(
        f"* **Bar**: The bar paper. [paper](https://arxiv.org/abs/{B})\n"
        "* **Qux**: The second paper of b. [paper](https://arxiv.org/abs/2304.00004)\n",
        "b",
    )
    tie = replace(b[1], entry_id="b:0000000000000000", line=b[0].line)  # same line as b[0], smaller id
    table = entries_to_table([b[1], a[1], tie, b[0], a[0]])
    got = list(previous_lists(table, ["b", "gone", "a"]))
    assert [(list_id, rows.column("entry_id").to_pylist()) for list_id, rows in got] == [
        ("b", ["b:0000000000000000", b[0].entry_id, b[1].entry_id]),
        ("a", [a[0].entry_id, a[1].entry_id]),
    ]
    assert [rows.column("line").to_pylist() for _, rows in got] == [[1, 1, 2], [1, 2]]
    assert got[0][1].column_names == ["list_id", "line", *PreviousEntry.COLUMNS]
    assert list(previous_lists(table, [])) == []


def test_carry_over_reads_each_list_from_the_previous_table_alone() -> None:
    """Two lists with the same text: each entry keeps the id of its own list's previous version;
    a list absent from the previous table keeps its text ids."""
    text = f"* **Foo**: The foo paper. [paper](https://arxiv.org/abs/{A})\n"
    edited = f"* **Foo**: The foo paper, edited. [paper](https://arxiv.org/abs/{A})\n"
    before = [
        replace(e, entry_id=f"{e.list_id}:carried") for e in (*parse_text(text, "a"), *parse_text(text, "b"))
    ]
    tonight = [*parse_text(edited, "b"), *parse_text(edited, "a"), *parse_text(edited, "c")]
    carried = pipeline.carry_entry_ids(tonight, entries_to_table(before))
    assert [(e.list_id, e.entry_id) for e in carried] == [
        ("b", "b:carried"),
        ("a", "a:carried"),
        ("c", parse_text(edited, "c")[0].entry_id),
    ]
    assert [replace(e, entry_id="") for e in carried] == [replace(e, entry_id="") for e in tonight]


def test_two_nights_through_a_written_snapshot(tmp_path: Path) -> None:
    """The nightly wiring: parse_lists reads the previous snapshot's entries and carries ids over."""
    lists, out = tmp_path / "lists", tmp_path / "out"
    lists.mkdir()
    (lists / "guide.md").write_text(
        "# Guide\n## Models\n"
        "* Large langage models encode clinical knowledge. 2023. [pdf](https://www.example.org/1.pdf)\n"
        "* **Gone**: An entry that will be removed tomorrow. 2022. [pdf](https://www.example.org/2.pdf)\n",
        encoding="utf-8",
    )
    d1, d2 = date(2026, 11, 20), date(2026, 11, 21)
    first = pipeline.parse_lists(lists, None)
    tables = build_tables(first.entries, [], [], [], snapshot_date=d1, previous=None)
    start = datetime(2026, 11, 20, 2, tzinfo=UTC)
    write_snapshot(
        out, tables, Manifest.create(snapshot_date=d1, sources=[], started_at=start, ended_at=start)
    )
    (lists / "guide.md").write_text(
        "# Guide\n## Clinical models\n"
        "* **Med-PaLM**: Large language models encode clinical knowledge. 2023. [pdf](https://www.example.org/1.pdf)\n"
        "* **New**: A new entry added tonight. 2024. [pdf](https://www.example.org/3.pdf)\n",
        encoding="utf-8",
    )
    previous = read_previous(out, before=d2)
    second = pipeline.parse_lists(lists, previous)
    assert second.entries[0].entry_id == first.entries[0].entry_id
    night2 = build_tables(second.entries, [], [], [], snapshot_date=d2, previous=previous)
    rows = [
        (r["change"], r["label"], r["previous_label"], r["edited_columns"])
        for r in night2.list_changes.to_pylist()
    ]
    assert rows == [
        (
            "edited",
            "Large language models encode clinical knowledge",
            "Large langage models encode clinical knowledge",
            ["name", "title"],
        ),
        ("gained", "A new entry added tonight", None, None),
        ("lost", "An entry that will be removed tomorrow", None, None),
    ]


def test_a_shared_hugging_face_or_github_link_needs_some_likeness() -> None:
    hf = "[model](https://huggingface.co/epfl-llm/meditron-7b)"
    one = night(f"## Models\n* **Meditron**: Open medical models. 2023. {hf}\n")
    # a model's description reworded: its text id changes, its link stays
    two = night(f"## Models\n* **Meditron**: Open medical models at scale. 2023. {hf}\n", one)
    assert (
        parse_text(f"## Models\n* **Meditron**: Open medical models at scale. 2023. {hf}\n", "l")[0].entry_id
        != one[0].entry_id
    )
    assert two[0].entry_id == one[0].entry_id
    # another row that merely links the same model is another entry
    three = night(f"## Models\n* **Quantised weights for phones**: GGUF builds. 2024. {hf}\n", two)
    assert three[0].entry_id != two[0].entry_id


def test_the_fuzzy_stage_stays_within_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    from enrich.parsing import carry_ids

    def text(typo: bool) -> str:
        fix = "langage" if typo else "language"
        return "".join(
            f"## {section}\n"
            + "".join(
                f"* Large {fix} models for {topic} in {section.lower()}. [pdf](https://www.example.org/{section}{k}.pdf)\n"
                for k, topic in enumerate(("radiology", "pathology"))
            )
            for section in ("Alpha", "Beta")
        )

    one = night(text(True))
    # every title fixed (and every link unchanged): all four go to the fuzzy stage, 4 x 4 pairs
    assert [e.entry_id for e in night(text(False), one)] == [e.entry_id for e in one]
    # a budget of 6 pairs: past it, section by section in name order: Alpha (2 x 2) fits, Beta does not
    monkeypatch.setattr(carry_ids, "FUZZY_BUDGET", 6)
    two = night(text(False), one)
    assert [a.entry_id == b.entry_id for a, b in zip(one, two, strict=True)] == [True, True, False, False]
