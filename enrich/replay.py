"""Replay a list's version history as nights and measure how well entry ids follow the entries.

Each version is parsed once, as the nightly run parses a list file; night ``k`` carries ids over from
night ``k-1`` exactly as :func:`enrich.pipeline.parse_lists` does with the previous snapshot
(``carry=False`` replays without carry-over: every night's ids are the ones a first run would give),
and computes ``list_changes`` with :func:`enrich.tables.list_changes`.

What the ids are judged against is what a maintainer sees in ``git diff`` of the two versions,
computed from the raw text alone (no parsing logic enters it):

* **Entry line**: the raw line where a parsed entry starts (``Entry.line``).
* **Line alignment**: :class:`difflib.SequenceMatcher` over the two versions' lines (no autojunk).
  Its equal runs are the lines the diff leaves alone; the other lines are the diff's removed and
  added lines, grouped in hunks (one non-equal opcode = one hunk).
* **Unchanged** pair: an old and a new entry whose entry lines are aligned in an equal run, or whose
  entry lines are identical text removed in one place and added in another (a move), paired
  one-to-one in file order. Entries starting on the same line are paired in order.
* **Slightly edited** pair: an old entry line removed and a new entry line added, texts not
  identical, whose case-folded word tokens (``\\w+``) share a common subsequence (``difflib``
  matching blocks) covering at least :data:`EDIT_MIN_CONTAINMENT` of the shorter line's tokens and
  :data:`EDIT_MIN_DICE` of both lines' tokens together (Dice). That is a typo fixed, a title
  re-cased, a code link or a venue prefix added, a bold short name put in front, a broken line
  joined; a line rewritten to another paper is not. Pairs are taken one-to-one: in the same hunk
  first, then by Dice, then in file order.
* Every other old entry is **removed**, every other new entry **added**.
* **Phantom** pair: an unchanged or slightly edited pair whose old id is reported ``lost`` and whose
  new id is reported ``gained`` in that night's ``list_changes``, where ``git diff`` shows one entry
  kept or changed in place.
* **False carry**: a new entry given the previous id of an old entry it is not paired with (the old
  one was removed, or is paired with another new entry).

Entries the parser finds on one side of an aligned line only (context changed, e.g. a section that
became a table of contents) are not paired; they are counted in ``unpaired``.
"""

from __future__ import annotations

import difflib
import re
import tarfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from enrich.parsing import Entry, entries_to_table, parse_text

__all__ = [
    "EDIT_MIN_CONTAINMENT",
    "EDIT_MIN_DICE",
    "GroundTruth",
    "ReplayFigures",
    "Version",
    "ground_truth",
    "load_history",
    "replay",
]

EDIT_MIN_CONTAINMENT: Final = 0.8
EDIT_MIN_DICE: Final = 0.5
_WORD: Final = re.compile(r"\w+")
_VERSION_FILE: Final = re.compile(r"^\d+_[0-9a-f]+\.md$")


@dataclass(frozen=True, slots=True)
class Version:
    """One version of a list file: a label (``NNN_<sha>``) and its text."""

    label: str
    text: str


def load_history(source: Path) -> list[Version]:
    """The versions in ``source``, oldest first: a directory of ``NNN_<sha>.md`` files, or a
    ``.tar.xz`` holding one such directory (``tests/data/history``)."""
    if source.is_dir():
        files = sorted(p for p in source.iterdir() if _VERSION_FILE.match(p.name))
        return [Version(p.stem, p.read_text(encoding="utf-8")) for p in files]
    versions: list[Version] = []
    with tarfile.open(source, "r:xz") as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            name = member.name.rsplit("/", 1)[-1]
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is not None and _VERSION_FILE.match(name):
                versions.append(Version(name.removesuffix(".md"), handle.read().decode("utf-8")))
    return versions


# ------------------------------------------------------------------------------- ground truth


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """The pairs of entries (indices into the old and new entry lists) the line diff implies."""

    unchanged: tuple[tuple[int, int], ...]
    edited: tuple[tuple[int, int], ...]
    removed: tuple[int, ...]
    added: tuple[int, ...]
    unpaired: int  # entries on aligned lines that the parser found on one side only


def _tokens(line: str) -> list[str]:
    return _WORD.findall(line.casefold())


def _edit_score(old: str, new: str) -> float | None:
    """Dice of the lines' common token subsequence, when it makes a slight edit; else None."""
    a, b = _tokens(old), _tokens(new)
    if not a or not b:
        return None
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    common = sum(block.size for block in matcher.get_matching_blocks())
    dice = 2 * common / (len(a) + len(b))
    if common / min(len(a), len(b)) >= EDIT_MIN_CONTAINMENT and dice >= EDIT_MIN_DICE:
        return dice
    return None


def _starts(entries: Sequence[Entry]) -> dict[int, list[int]]:
    by_line: dict[int, list[int]] = defaultdict(list)
    for k, e in enumerate(entries):
        by_line[e.line - 1].append(k)
    return by_line


def ground_truth(
    old_text: str, new_text: str, old_entries: Sequence[Entry], new_entries: Sequence[Entry]
) -> GroundTruth:
    """The unchanged, slightly edited, removed and added entries between two versions (module doc)."""
    a, b = old_text.split("\n"), new_text.split("\n")
    old_at, new_at = _starts(old_entries), _starts(new_entries)
    unchanged: list[tuple[int, int]] = []
    removed: list[tuple[int, int]] = []  # (hunk, old entry)
    added: list[tuple[int, int]] = []  # (hunk, new entry)
    unpaired = 0
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for hunk, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                olds, news = old_at.get(i, []), new_at.get(j, [])
                unchanged.extend(zip(olds, news, strict=False))
                unpaired += abs(len(olds) - len(news))
            continue
        removed.extend((hunk, k) for i in range(i1, i2) for k in old_at.get(i, []))
        added.extend((hunk, k) for j in range(j1, j2) for k in new_at.get(j, []))

    def line_of(entries: Sequence[Entry], lines: Sequence[str], k: int) -> str:
        return lines[entries[k].line - 1].rstrip()

    # moves: identical entry lines removed in one place and added in another
    waiting: dict[str, list[int]] = defaultdict(list)
    for _, k in removed:
        waiting[line_of(old_entries, a, k)].append(k)
    moved_old: set[int] = set()
    moved_new: set[int] = set()
    for _, k in added:
        queue = waiting.get(line_of(new_entries, b, k))
        if queue:
            i = queue.pop(0)
            unchanged.append((i, k))
            moved_old.add(i)
            moved_new.add(k)
    removed = [(h, k) for h, k in removed if k not in moved_old]
    added = [(h, k) for h, k in added if k not in moved_new]

    candidates: list[tuple[bool, float, int, int]] = []
    for ha, i in removed:
        old_line = line_of(old_entries, a, i)
        for hb, j in added:
            score = _edit_score(old_line, line_of(new_entries, b, j))
            if score is not None:
                candidates.append((ha != hb, -score, i, j))
    candidates.sort()
    edited: list[tuple[int, int]] = []
    used_old: set[int] = set()
    used_new: set[int] = set()
    for _, _, i, j in candidates:
        if i not in used_old and j not in used_new:
            edited.append((i, j))
            used_old.add(i)
            used_new.add(j)
    return GroundTruth(
        unchanged=tuple(sorted(unchanged)),
        edited=tuple(sorted(edited)),
        removed=tuple(sorted(k for _, k in removed if k not in used_old)),
        added=tuple(sorted(k for _, k in added if k not in used_new)),
        unpaired=unpaired,
    )


# ------------------------------------------------------------------------------------- replay


@dataclass
class ReplayFigures:
    """Totals over every night of a replay (see the module docstring for the definitions)."""

    versions: int = 0
    entries: int = 0  # entries parsed, summed over versions
    unchanged: int = 0
    unchanged_kept: int = 0
    edited: int = 0
    edited_kept: int = 0
    removed: int = 0
    added: int = 0
    unpaired: int = 0
    phantom: int = 0
    false_carry: int = 0
    changes: dict[str, int] = field(default_factory=dict)  # list_changes rows by change
    edited_not_kept: list[tuple[str, str, str]] = field(default_factory=list)  # (version, old, new line)

    def rate(self, kept: int, total: int) -> float:
        return kept / total if total else 1.0

    @property
    def unchanged_rate(self) -> float:
        return self.rate(self.unchanged_kept, self.unchanged)

    @property
    def edited_rate(self) -> float:
        return self.rate(self.edited_kept, self.edited)

    def lines(self) -> list[str]:
        """The figures as printable lines."""
        changes = ", ".join(f"{k} {v}" for k, v in sorted(self.changes.items())) or "none"
        return [
            f"versions {self.versions}, nights {max(self.versions - 1, 0)}, entries parsed {self.entries}",
            f"unchanged entries keeping their id: {self.unchanged_kept}/{self.unchanged}"
            f" = {100 * self.unchanged_rate:.2f} %",
            f"slightly edited entries keeping their id: {self.edited_kept}/{self.edited}"
            f" = {100 * self.edited_rate:.2f} %",
            f"phantom removed+added pairs: {self.phantom}",
            f"false carries (an id given to an entry the diff does not pair it with): {self.false_carry}",
            f"git diff: {self.removed} entries removed, {self.added} added, {self.edited} slightly edited"
            f" ({self.unpaired} unpaired by the parser)",
            f"list_changes rows: {changes}",
        ]


def _rows(entries: Iterable[Entry]) -> list[dict[str, Any]]:
    from enrich.tables import EDIT_COLUMNS

    columns = ("entry_id", "list_id", "line", "section", "kind", *EDIT_COLUMNS)
    extra = ("arxiv_id", "doi", "pmid", "pmcid", "acl_id", "s2_corpus_id", "github_repo", "hf_id", "hf_kind")
    rows = []
    for e in entries:
        row: dict[str, Any] = {c: getattr(e, c) for c in (*columns, *extra)}
        row["urls"] = list(e.urls)
        rows.append(row)
    return rows


def replay(versions: Sequence[Version], list_id: str, *, carry: bool = True) -> ReplayFigures:
    """Parse every version once and replay them as nights (see the module docstring)."""
    from enrich.pipeline import carry_entry_ids

    figures = ReplayFigures(versions=len(versions))
    previous: list[Entry] | None = None
    previous_text = ""
    for version in versions:
        entries = parse_text(version.text, list_id)
        figures.entries += len(entries)
        if previous is not None and carry:
            entries = carry_entry_ids(entries, entries_to_table(previous))
        if previous is not None:
            _judge(figures, version, previous_text, previous, entries)
        previous, previous_text = entries, version.text
    return figures


def _judge(
    figures: ReplayFigures, version: Version, old_text: str, old: Sequence[Entry], new: Sequence[Entry]
) -> None:
    from enrich.tables import list_changes

    truth = ground_truth(old_text, version.text, old, new)
    changes = list_changes(_rows(new), _rows(old))
    kinds: defaultdict[str, set[str]] = defaultdict(set)
    for row in changes:
        kinds[row["change"]].add(row["entry_id"])
        figures.changes[row["change"]] = figures.changes.get(row["change"], 0) + 1
    figures.unchanged += len(truth.unchanged)
    figures.edited += len(truth.edited)
    figures.removed += len(truth.removed)
    figures.added += len(truth.added)
    figures.unpaired += truth.unpaired
    partner = {j: i for i, j in (*truth.unchanged, *truth.edited)}
    old_index = {e.entry_id: i for i, e in enumerate(old)}
    new_lines = version.text.split("\n")
    old_lines = old_text.split("\n")
    for pairs, is_edit in ((truth.unchanged, False), (truth.edited, True)):
        for i, j in pairs:
            kept = old[i].entry_id == new[j].entry_id
            if is_edit:
                figures.edited_kept += kept
                if not kept:
                    figures.edited_not_kept.append(
                        (version.label, old_lines[old[i].line - 1], new_lines[new[j].line - 1])
                    )
            else:
                figures.unchanged_kept += kept
            if old[i].entry_id in kinds["lost"] and new[j].entry_id in kinds["gained"]:
                figures.phantom += 1
    for j, e in enumerate(new):
        carried_from = old_index.get(e.entry_id)
        if carried_from is not None and partner.get(j) != carried_from:
            figures.false_carry += 1
