"""Which sections of a list hold entries, and which sections hint at an entry's kind.

Paths are tuples of cleaned headings; answers are cached (a list has few distinct sections).
"""

from __future__ import annotations

import functools
import re
from typing import Final

__all__ = ["SECTION_SEP", "dataset_section", "join_section", "skipped_section"]

SECTION_SEP: Final = " > "

# headings whose whole subtree is never entries: navigation, news, thanks, citing, people, licences,
# and links to other lists ("Other Awesome List" points at another list; it is navigation, not an item)
_SKIP: Final = re.compile(
    r"^(?:table of contents|contents|toc|news|latest news|update news|update notes|updates?|changelog|"
    r"acknowledge?ments?|thanks|citations?|citing|cite|cite us|how to cite|bibtex|references|"
    r"contributors?|contributing|how to contribute|(?:project )?maintainers?(?: (?:&|and) contributors)?|"
    r"licen[cs]es?|star history|stargazers|other awesome lists?|related awesome lists?|see also|"
    r"引用|致谢|贡献者?|更新|更新日志|目录|许可证?)$",
    re.IGNORECASE,
)
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
