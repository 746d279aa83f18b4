"""Entry ids across the real history of one list, replayed as nights.

Data: all 181 versions of the README of AI-in-Health/MedLLMsPracticalGuide (2023-11 to 2026-06),
``tests/data/history/medllms-practical-guide.tar.xz`` (provenance in ``PROVENANCE.md`` beside it).
Each version is parsed once; night k carries ids over from night k-1 exactly as the nightly run does
with the previous snapshot (``enrich.pipeline.carry_entry_ids``), and ``list_changes`` is computed by
the snapshot code (``enrich.tables.list_changes``).

The ids are judged against what a maintainer sees in ``git diff`` between consecutive versions,
computed from the raw text only (``enrich.replay.ground_truth``):

* an entry's line is the raw line where the parser says the entry starts;
* the two versions' lines are aligned with ``difflib.SequenceMatcher`` (no autojunk): equal runs
  are the lines the diff leaves alone, the other lines are its removed and added lines, in hunks;
* **unchanged**: the old and the new entry's lines are aligned in an equal run, or are the same
  text removed in one place and added in another (a moved line);
* **slightly edited**: an old entry's line was removed and a new entry's line added, not identical,
  whose case-folded word tokens share a common subsequence covering >= 80 % of the shorter line's
  tokens and >= 50 % of both lines' tokens together (Dice); paired one-to-one, the same hunk first,
  then by Dice. A typo fix, a re-cased title, an added code link, a venue prefix, a bold short name
  put in front or a broken line joined is a slight edit; a line rewritten to another paper is not;
* every other old entry was **removed**, every other new entry **added**;
* **phantom**: an unchanged or slightly edited pair reported in that night's ``list_changes`` as
  ``lost`` (the old id) and ``gained`` (the new id), where the diff shows one entry kept or edited.

Before ids were carried over (ids from the text alone) the same replay gave 99.96 % / 83.06 % /
49 phantom pairs (``benchmarks/replay_identity.py`` prints both).
"""

from __future__ import annotations

from pathlib import Path

from enrich.parsing import parse_text
from enrich.replay import ground_truth, load_history, replay

HISTORY = Path(__file__).resolve().parents[1] / "data" / "history" / "medllms-practical-guide.tar.xz"


def test_replay_of_the_history() -> None:
    """One test, so that the replay (about 6 s of CPU: 181 parses) runs once under xdist."""
    versions = load_history(HISTORY)
    assert len(versions) == 181
    assert versions[0].label == "001_a542a2ec19" and versions[-1].label == "181_54bda6b043"
    f = replay(versions, "medllms-practical-guide")
    report = "\n".join(f.lines())

    # unchanged entries keep their id
    assert f.unchanged > 40_000, report  # the diff pairs most entries unchanged every night
    assert f.unchanged_rate >= 0.999, report
    # slightly edited entries keep their id
    assert f.edited >= 200, report  # a few hundred small edits: the rate means something
    assert f.edited_rate >= 0.97, (report, f.edited_not_kept[:10])
    # list_changes agrees with the diff: no phantom removed+added pairs ...
    assert f.phantom <= 5, report
    # ... entries gained and lost are the entries the diff adds and removes (within a few) ...
    assert abs(f.changes.get("gained", 0) - f.added) <= 5, report
    assert abs(f.changes.get("lost", 0) - f.removed) <= 5, report
    # ... an id is rarely handed to an entry the diff does not pair it with ...
    assert f.false_carry <= 5, report
    # ... and edited rows come only from slight edits that changed the entry's columns
    # (markup-only edits, such as bold added to a venue, change no column and are silent)
    assert 0 < f.changes.get("edited", 0) <= f.edited, report


# ----------------------------------------------------------------------- the ground truth itself


def test_ground_truth_on_a_small_diff() -> None:
    old = (
        "# L\n## A\n"
        "* **Kept**: An entry that does not change. [paper](https://arxiv.org/abs/2301.00001)\n"
        "* **Typo**: Large langage models in medicine. [paper](https://arxiv.org/abs/2301.00002)\n"
        "* **Moved**: An entry that moves to B. [paper](https://arxiv.org/abs/2301.00003)\n"
        "* **Gone**: Something entirely unrelated to anything. [paper](https://arxiv.org/abs/2301.00004)\n"
        "## B\n"
    )
    new = (
        "# L\n## A\n"
        "* **Kept**: An entry that does not change. [paper](https://arxiv.org/abs/2301.00001)\n"
        "* **Typo**: Large language models in medicine. [paper](https://arxiv.org/abs/2301.00002)\n"
        "* **Fresh**: Protein folding with diffusion at scale. [paper](https://arxiv.org/abs/2301.00005)\n"
        "## B\n"
        "* **Moved**: An entry that moves to B. [paper](https://arxiv.org/abs/2301.00003)\n"
    )
    a, b = parse_text(old, "l"), parse_text(new, "l")
    truth = ground_truth(old, new, a, b)
    names = lambda pairs: sorted((a[i].name, b[j].name) for i, j in pairs)  # noqa: E731
    assert names(truth.unchanged) == [("Kept", "Kept"), ("Moved", "Moved")]
    assert names(truth.edited) == [("Typo", "Typo")]
    assert [a[i].name for i in truth.removed] == ["Gone"]
    assert [b[j].name for j in truth.added] == ["Fresh"]
    assert truth.unpaired == 0
