"""Text clean-up shared by the list formats: mojibake repair, headings, titles, names, years."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

import ftfy

__all__ = [
    "MOJIBAKE_MARKERS",
    "clean_heading",
    "clean_title",
    "leading_name",
    "repair_line",
    "repair_text",
    "split_name",
    "split_title_year",
    "year_of",
]

# ftfy settings that keep the text as written apart from encoding repair: no quote uncurling, no
# full-width folding (Chinese punctuation is legitimate), no line-break changes (line numbers must
# not move), no HTML unescaping (markdown does that itself).
_FTFY: Final = ftfy.TextFixerConfig(
    unescape_html=False,
    uncurl_quotes=False,
    fix_character_width=False,
    fix_line_breaks=False,
    fix_latin_ligatures=False,
    explain=False,
)


def _mojibake_alphabet() -> frozenset[str]:
    chars: set[str] = set()
    for codec in ("latin-1", "cp1252", "mac_roman"):
        for b in range(0x80, 0x100):
            try:
                chars.add(bytes([b]).decode(codec))
            except UnicodeDecodeError:
                continue
    return frozenset(chars)


# characters that UTF-8 bytes turn into when read as Latin-1, cp1252 or Mac Roman; a line without
# any of them cannot hold such mojibake, so it skips the (slow) repair
_SUSPECT: Final = _mojibake_alphabet()
_NON_ASCII_RUN: Final = re.compile(r"[^\x00-\x7f]+")
# typical leftovers of UTF-8 read as a single-byte code page (tests assert none survive)
MOJIBAKE_MARKERS: Final = ("Ã", "Â", "Ô", "‚", "ð", "â€", "Ÿ", "\uf8ff", "Ï", "√")


def _mac_roman_run(m: re.Match[str]) -> str:
    run = m.group(0)
    try:
        fixed = run.encode("mac_roman").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return run
    return fixed if len(fixed) < len(run) else run


def repair_line(line: str) -> str:
    """Undo mojibake in one line: UTF-8 read as Mac Roman (``Ôºö`` → ``：``), then what ftfy fixes
    (UTF-8 read as cp1252/Latin-1, ``ðŸ””`` → ``🔔``). Lines that cannot hold mojibake are returned
    unchanged without further work."""
    if line.isascii() or _SUSPECT.isdisjoint(line):
        return line
    line = _NON_ASCII_RUN.sub(_mac_roman_run, line)
    if _SUSPECT.isdisjoint(line):
        return line
    return ftfy.fix_text(line, _FTFY)


def repair_text(text: str) -> str:
    """:func:`repair_line` on every line; the number of lines never changes."""
    if text.isascii():
        return text
    return "\n".join(repair_line(line) for line in text.split("\n"))


_SPACES: Final = re.compile(r"\s+")


def _is_symbol(c: str) -> bool:
    cat = unicodedata.category(c)
    return cat in {"So", "Sk", "Cs", "Co", "Cn", "Mn", "Me", "Cf"} or c in "\ufe0f\u200d\u20e3"


def clean_heading(text: str) -> str:
    """A heading as a section name: emoji and symbols dropped, spaces collapsed, edges trimmed."""
    text = "".join(" " if _is_symbol(c) else c for c in text)
    text = _SPACES.sub(" ", text).strip()
    # keep a leading bracket or digit ("[2023] ...", "3D ...")
    while text and not (text[0].isalnum() or text[0] in "[(\"'"):
        text = text[1:].lstrip()
    return text.rstrip(" :：-–—|")


def clean_title(text: str | None) -> str | None:
    """Whitespace collapsed, surrounding brackets/separators trimmed, one trailing period dropped."""
    if text is None:
        return None
    text = _SPACES.sub(" ", text).strip().strip(" ,;:：-–—|")
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1].rstrip()
    # "summaries?." -> "summaries?"
    return text or None


_YEAR_TAIL: Final = re.compile(
    r"^(?P<title>.*?)[\s]*[.,;]\s*\(?(?P<year>(?:19|20)\d{2})\)?\s*[.,;]?\s*$", re.DOTALL
)
_YEAR: Final = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def split_title_year(text: str) -> tuple[str | None, int | None]:
    """``"Title. 2023."`` → ``("Title", 2023)``; text without a trailing year → ``(text, None)``."""
    m = _YEAR_TAIL.match(text)
    if m:
        return clean_title(m.group("title")), int(m.group("year"))
    return clean_title(text), None


def year_of(text: str | None) -> int | None:
    """The first plausible year (1900–2099) in ``text``: ``"2023-08"``, ``"06/2022"``, ``"[2022/10]"``."""
    if not text:
        return None
    m = _YEAR.search(text)
    return int(m.group(1)) if m else None


_NAME_WORD: Final = re.compile(r"[A-Za-z]\S*?[A-Z0-9-]|\d|[+]")
_COLON: Final = re.compile(r"\s*[:：]\s*")


def _name_like(word: str) -> bool:
    """A word that looks like a system's name: an inner capital, a digit, a hyphen or a plus."""
    return bool(_NAME_WORD.search(word[1:] if len(word) > 1 else "")) or any(c.isdigit() for c in word)


def split_name(title: str) -> str | None:
    """The system name a title starts with, if any: ``"ChatDoctor: A Medical ..."`` → ``"ChatDoctor"``.

    A prefix before a colon counts when it is one word, or two or three words of which one looks
    like a name (inner capital, digit, hyphen: ``"Med-PaLM 2"``, ``"Visual Med-Alpaca"``), and it
    is at most 40 characters. ``"Language Model Behavior: A Survey"`` gives ``None``.
    """
    m = _COLON.search(title)
    if m is None or m.start() == 0 or m.start() > 40 or m.end() >= len(title):
        return None
    prefix = title[: m.start()].strip()
    words = prefix.split()
    if len(words) == 1 or (len(words) <= 3 and any(_name_like(w) for w in words)):
        return prefix
    return None


def leading_name(title: str) -> tuple[str | None, str]:
    """For colon-less scraped lines: ``"NYUTron Health system-scale ..."`` → ``("NYUTron", "Health ...")``.

    The first word is a name when it looks like one (inner capital or digit: ``BiomedGPT``,
    ``NYUTron``) and the next word starts with a capital letter.
    """
    name = split_name(title)
    if name is not None:
        return name, _COLON.split(title, maxsplit=1)[1]
    parts = title.split(" ", 2)
    if len(parts) >= 2 and _name_like(parts[0]) and parts[1][:1].isupper() and parts[0][:1].isupper():
        return parts[0], title[len(parts[0]) :].strip()
    return None, title
