"""A small, fast reader for the *inline* markdown of one block (a list item's paragraph, a table cell).

Block structure (headings, nested lists, tables, HTML blocks, code fences) comes from markdown-it
(see :mod:`enrich.parsing.markdown`); the inline content of each block is read here with compiled
regexes, because markdown-it-py's inline pass costs about four times its block pass and the lists
only use a handful of inline forms: ``**bold**``, ``*italic*``, ``[text](url)``, ``![alt](url)``
(one level of brackets nested in the text, one level of parentheses in the URL, as in
``PIIS2589-7500(23)00021-3``), ``<autolinks>``, bare ``https://`` URLs, ``<br>`` and inline HTML,
backslash escapes and entities.
"""

from __future__ import annotations

import html
import re
from typing import Final, NamedTuple

__all__ = ["Seg", "plain", "tokenize", "unescape"]

# possessive quantifiers (Python 3.11+) keep a failed match from backtracking through long URLs
_URL: Final = r"\s*+<?([^()\s<>]*+(?:\([^()\s]*+\)[^()\s<>]*+)*+)>?(?:\s+\"[^\"]*+\")?\s*+"
_TEXT: Final = r"((?:[^\[\]\\]++|\\.|\[(?:[^\[\]\\]++|\\.)*+\])*+)"
_INLINE: Final = re.compile(
    r"(?=[!\[*_<h])"  # every form starts with one of these: other positions fail at once
    rf"(?:(?P<img>!\[{_TEXT}\]\({_URL}\))"
    rf"|(?P<link>\[{_TEXT}\]\({_URL}\))"
    r"|(?P<bold>\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__)"
    r"|(?P<ital>(?<![\w*\\])\*(?=[^*\s])([^*]+?)(?<=\S)\*(?!\*)|(?<![\w\\])_(?=[^_\s])([^_]+?)(?<=\S)_(?!\w))"
    r"|(?P<auto><(https?://[^>\s]+)>)"
    r"|(?P<bare>https?://[^\s<>|\]\[]+)"
    r"|(?P<br><br\s*/?>)"
    r"|(?P<html></?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|<!--.*?-->))",
    re.DOTALL,
)
_ESCAPE: Final = re.compile(r"\\([!-/:-@\[-`{-~])")
_BARE_TRAIL: Final = ".,;:!?'\")"


class Seg(NamedTuple):
    """One inline piece: ``kind`` is text, bold, italic, link or image.

    ``text`` is the plain text (for link/image: the link text or alt text, markup removed);
    ``url`` is set for links, images and bare/auto links (kind link); ``children`` are the
    pieces inside a bold/italic/link. A named tuple: thousands are made per list, and tuples are
    several times cheaper to build than frozen dataclasses.
    """

    kind: str
    text: str
    url: str | None = None
    children: tuple[Seg, ...] = ()


def unescape(text: str) -> str:
    """Drop markdown backslash escapes and decode HTML entities."""
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    if "&" in text:
        text = html.unescape(text)
    return text


def _clean_url(url: str) -> str:
    url = _ESCAPE.sub(r"\1", url.strip())
    if url.startswith("(") and url.endswith(")"):  # "[paper]((https://...))": one pair of parens too many
        url = url[1:-1].strip()
    return url


_SPECIAL: Final = re.compile(r"[!\[*_<&\\]|https?://")


def tokenize(src: str) -> list[Seg]:
    """The inline pieces of ``src`` in order (adjacent text merged)."""
    if not _SPECIAL.search(src):  # plain text: the common case for link labels and cells
        return [Seg("text", src)] if src else []
    out: list[Seg] = []
    pos = 0
    for m in _INLINE.finditer(src):
        if m.start() > pos:
            _text(out, src[pos : m.start()])
        pos = m.end()
        kind = m.lastgroup
        if kind == "img":
            out.append(Seg("image", plain(tokenize(m.group(2))), _clean_url(m.group(3))))
        elif kind == "link":
            children = tuple(tokenize(m.group(5)))
            out.append(Seg("link", plain(children), _clean_url(m.group(6)), children))
        elif kind == "bold":
            children = tuple(tokenize(m.group(8) if m.group(8) is not None else m.group(9)))
            out.append(Seg("bold", plain(children), None, children))
        elif kind == "ital":
            children = tuple(tokenize(m.group(11) if m.group(11) is not None else m.group(12)))
            out.append(Seg("italic", plain(children), None, children))
        elif kind == "auto":
            url = m.group(14)
            out.append(Seg("link", url, url))
        elif kind == "bare":
            url = m.group(15)
            stripped = url
            # trailing punctuation ends the sentence, not the URL; a ")" stays when it is balanced
            while stripped and stripped[-1] in _BARE_TRAIL:
                if stripped[-1] == ")" and stripped.count("(") >= stripped.count(")"):
                    break
                stripped = stripped[:-1]
            out.append(Seg("link", _clean_url(stripped), _clean_url(stripped)))
            if len(stripped) < len(url):
                _text(out, url[len(stripped) :])
        elif kind == "br":
            _text(out, " ")
        # inline HTML tags and comments are dropped
    if pos < len(src):
        _text(out, src[pos:])
    return out


def _text(out: list[Seg], text: str) -> None:
    text = unescape(text)
    if out and out[-1].kind == "text":
        out[-1] = Seg("text", out[-1].text + text)
    else:
        out.append(Seg("text", text))


def plain(segs: list[Seg] | tuple[Seg, ...]) -> str:
    """The visible text of ``segs`` (images dropped), whitespace collapsed.

    Not a markup stripper: :func:`tokenize` already dropped inline HTML as tokens of its one pass
    over list markdown; text that sources send is stripped by :func:`enrich.markup.strip_tags`.
    """
    return " ".join("".join([s.text for s in segs if s.kind != "image"]).split())


def urls(segs: list[Seg] | tuple[Seg, ...]) -> list[str]:
    """Every URL in ``segs``, depth first, in order (links, images, bare URLs)."""
    found: list[str] = []
    for s in segs:
        if s.url is not None and s.kind != "bold":
            found.append(s.url)
        if s.children:
            inner = urls(s.children)
            if s.kind == "link" and s.url is not None:
                found.extend(u for u in inner if u != s.url)
            else:
                found.extend(inner)
    return found
