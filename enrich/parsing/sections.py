"""Which sections of a list hold entries, and which sections hint at an entry's kind.

Paths are tuples of cleaned headings; answers are cached (a list has few distinct sections).
"""

from __future__ import annotations

import functools
import re
from typing import Final

__all__ = ["SECTION_SEP", "dataset_section", "join_section", "skipped_section", "toc_heading"]

SECTION_SEP: Final = " > "

# headings whose whole subtree is never entries: navigation, news, thanks, citing, people, licences,
# and links to other lists ("Other Awesome List" points at another list; it is navigation, not an item)
_SKIP: Final = re.compile(
    r"^(?:news|latest news|update news|update notes|updates?|update records?|update logs?|changelog|"
    r"acknowledge?ments?|thanks|citations?|citing|cite|cite us|how to cite|bibtex|references|"
    r"contributors?|contributing|how to contribute|(?:project )?maintainers?(?: (?:&|and) contributors)?|"
    r"licen[cs]es?|star history|stargazers|other awesome lists?|related awesome lists?|see also|"
    r"引用|致谢|贡献者?|更新|更新日志|许可证?)$",
    re.IGNORECASE,
)
# a table-of-contents heading: its navigation block (links to #anchors) is never entries, but the
# content headings a list nests below it are, so it only drops out of section paths
_TOC: Final = re.compile(r"^(?:table of contents?|contents|toc|目录|目錄)$", re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def toc_heading(heading: str) -> bool:
    """True for a table-of-contents heading (``Contents``, ``Table of Contents``, ``目录``)."""
    return bool(_TOC.match(heading.strip(" .:：!?")))


# a heading component naming data ("Practical Guide for Medical Data", "Fine-tuning Data", "Datasets",
# "数据集"), but not "Domain Data Limitations"
_DATA: Final = re.compile(r"(?:^|\s)(?:data|datasets?|corpora|corpus)$|数据集?$", re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def skipped_section(path: tuple[str, ...]) -> bool:
    """True when any heading on ``path`` opens a section that holds no entries."""
    return any(_SKIP.match(part.strip(" .:：!?")) for part in path)


@functools.lru_cache(maxsize=1024)
def dataset_section(path: tuple[str, ...]) -> bool:
    """True when a heading on ``path`` names data: its entries are datasets."""
    return any(_DATA.search(part.strip(" .:：")) for part in path)


@functools.lru_cache(maxsize=1024)
def join_section(path: tuple[str, ...]) -> str | None:
    """``["A", "B"]`` → ``"A > B"``; an empty path → ``None``."""
    parts = [p for p in path if p]
    return SECTION_SEP.join(parts) if parts else None
