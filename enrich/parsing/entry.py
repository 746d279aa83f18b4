"""The parse stage's records: a :class:`Draft` per entry read off a list, then the typed :class:`Entry`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from enrich.errors import InputError
from enrich.ids import ENTRY_ID_COLUMNS, Ids, extract_ids

__all__ = [
    "KINDS",
    "LOW_CONFIDENCE",
    "SHAPES",
    "Draft",
    "Entry",
    "ListSummary",
    "ParseResult",
    "finalize_kind",
]

KINDS: Final = ("paper", "repo", "model", "dataset", "resource")
# every value of ``parse_shape``: the entry shape a reader recognised (docs/parsing.md)
SHAPES: Final = (
    "bold_name",  # **Name**: Title. 2023. [paper](url)
    "bold_title_authors",  # **Title**. *A, B*. Venue 2019. [pdf](url)  (bullet or paragraph)
    "dated",  # [2023/04] **Title** *Authors et al. Venue.* [[paper](url)]
    "link_first",  # [Name](url) - description
    "venue_first",  # [**Nature Medicine, 2024**] Name: Title [[paper]](url)
    "text_links",  # Title [[Paper]](url) [[Code]](url)
    "title_abstract",  # title bullet whose nested bullet is **Abstract:**
    "field_bullets",  # * Name： / * 地址：url / * 简介：text
    "plain_title",  # a bullet holding only a title, in a list of such bullets
    "citation",  # a reference in a citation style (numbered paragraph or bullet)
    "table_row",  # a markdown table row
    "html_row",  # a row of an HTML <table>
    "html_item",  # an <li> of an HTML list
    "plaintext",  # a line of a plain-text rendering
)
LOW_CONFIDENCE: Final = 0.5  # rows below this are "low confidence" in the per-list summary


@dataclass(frozen=True, slots=True)
class Draft:
    """What a format reader found for one entry, before identifiers, kind and keys are derived."""

    line: int  # 1-based line where the entry starts in its raw file
    section: str | None
    name: str | None = None
    title: str | None = None
    authors_raw: str | None = None
    year: int | None = None
    venue_raw: str | None = None
    urls: tuple[str, ...] = ()
    description: str | None = None
    kind_hint: str | None = None  # from the table or section the entry sits in (dataset, model)
    paper_link: bool = False  # a link labelled paper/pdf/article
    citation_raw: str | None = None  # the whole reference string, when the entry is a citation
    shape: str = "text_links"  # which recognised shape produced it (see SHAPES)
    confidence: float = 1.0  # how sure the shape reader is that this is an entry read right (0-1)


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of the entries table (docs/data-dictionary.md describes every column)."""

    entry_id: str
    list_id: str
    line: int
    section: str | None
    kind: str
    name: str | None
    title: str | None
    authors_raw: str | None
    year: int | None
    venue_raw: str | None
    arxiv_id: str | None
    arxiv_version: int | None
    doi: str | None
    pmcid: str | None
    pmid: str | None
    acl_id: str | None
    s2_corpus_id: int | None
    github_repo: str | None
    hf_id: str | None
    hf_kind: str | None
    urls: tuple[str, ...]
    work_key: str
    description: str | None = None
    citation_raw: str | None = None
    parse_shape: str | None = None  # always set by the parser; None for rows built elsewhere
    parse_confidence: float | None = None

    @property
    def ids(self) -> Ids:
        """The identifiers read off this entry (its flat id columns are this value's fields)."""
        return Ids.of(self, ENTRY_ID_COLUMNS)


@dataclass(frozen=True, slots=True)
class ListSummary:
    """How one list parsed: entries by shape, low-confidence rows, and the links the file holds.

    ``understood`` is False when most rows are low-confidence, or when the parser found far fewer
    entries than the file has links (fewer than one per :data:`LINKS_PER_ENTRY` links): the list's
    format is not one the parser reads, and the night says so by name.
    """

    list_id: str
    entries: int
    links: int
    low_confidence: int
    shapes: tuple[tuple[str, int], ...] = ()

    @property
    def understood(self) -> bool:
        if self.entries == 0:
            return self.links < MIN_LINKS_FOR_ENTRIES
        if self.low_confidence * 2 > self.entries:
            return False
        return self.entries * LINKS_PER_ENTRY >= self.links

    def line(self) -> str:
        """One line for the ``enrich parse`` output and the run summary."""
        shapes = ", ".join(f"{shape} {n}" for shape, n in self.shapes) or "none"
        text = (
            f"list {self.list_id}: {self.entries} entries ({shapes}); "
            f"{self.low_confidence} low-confidence; {self.links} links in the file"
        )
        if not self.understood:
            text += "; format not understood"
        return text


LINKS_PER_ENTRY: Final = 5  # a list with more links than this per entry found was not read
MIN_LINKS_FOR_ENTRIES: Final = 5  # a file with this many links and no entry was not read


@dataclass(frozen=True, slots=True)
class ParseResult:
    """Entries of every usable input, and one :class:`InputError` per input that was skipped."""

    entries: list[Entry] = field(default_factory=list)
    problems: list[InputError] = field(default_factory=list)
    files: int = 0  # list files that parsed
    summaries: list[ListSummary] = field(default_factory=list)  # one per list file that parsed


def finalize_kind(draft: Draft, ids: Ids) -> str:
    """The entry's kind: the table/section hint, else what its identifiers and links say.

    A dataset hint yields to the entry's own words when it links a GitHub repo and calls itself a
    tool, library, framework or code before it mentions data (a heading ending in "Data" does not
    make a tool a dataset).

    paper: a paper identifier (arXiv, DOI, PMID, PMCID, ACL, CorpusId), a link labelled
    paper/pdf, or a title with no link at all (abstract and scraped lists); dataset: a DOI of a data
    repository (Zenodo, Dryad, Dataverse, figshare, PANGAEA) and no arXiv id; model: a Hugging Face
    model; dataset: a Hugging Face dataset; repo: a GitHub repository; else resource.
    """
    if draft.kind_hint == "dataset" and ids.github_repo and _tool_text(draft):
        return "repo"  # "Open-Source Toolkit for ... Data Processing" under "LLM Data": a tool, not data
    if draft.kind_hint is not None:
        return draft.kind_hint
    if ids.doi and not ids.arxiv_id and ids.doi.startswith(_DATA_DOI_PREFIXES):
        return "dataset"  # a DOI minted by a data repository (Zenodo, Dryad, Dataverse, figshare)
    if ids.arxiv_id or ids.doi or ids.pmid or ids.pmcid or ids.acl_id or ids.corpus_id is not None:
        return "paper"
    if draft.paper_link:
        return "paper"
    if ids.hf_kind == "model":
        return "model"
    if ids.hf_kind == "dataset":
        return "dataset"
    if ids.github_repo:
        return "repo"
    if not draft.urls and draft.title:
        return "paper"
    return "resource"


# DOI prefixes of data repositories: Zenodo, Dryad, Harvard Dataverse, DataverseNL, figshare, PANGAEA
_DATA_DOI_PREFIXES: Final = ("10.5281/", "10.5061/", "10.7910/", "10.34894/", "10.6084/", "10.1594/")
_TOOL: Final = re.compile(
    r"\b(?:tool|toolkit|toolbox|library|framework|platform|pipeline|package|sdk|api|engine|code|codebase|"
    r"implementation|processing|app|application|plugin)s?\b",
    re.IGNORECASE,
)
_DATA_WORD: Final = re.compile(
    r"\b(?:datasets?|corpus|corpora|benchmarks?|annotations?|annotated|data ?points|collection|dump|cases)\b|数据",
    re.IGNORECASE,
)


def _tool_text(draft: Draft) -> bool:
    """The entry's own words call it a tool before (or without) calling it data."""
    text = " ".join(t for t in (draft.name, draft.title, draft.description) if t)
    tool = _TOOL.search(text)
    if tool is None:
        return False
    data = _DATA_WORD.search(text)
    return data is None or tool.start() < data.start()


def ids_of(draft: Draft) -> Ids:
    return extract_ids(draft.urls)
