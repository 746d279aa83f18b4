"""The 17 real lists of ../shared/corpus/lists, parsed whole: floors from a hand count.

HAND COUNT, made by reading each file (provenance: ../shared/corpus/SOURCES.md). An entry is what a
careful curator would count as one item of the list: a paper, model, dataset, tool or resource the
list points to. Never entries: tables of contents, news/update notes, contributor and citation
sections, intro prose, group labels over nested entries, feature bullets under an entry, tables of
statistics (counts per journal, model sizes), HTML-commented-out items.

==================================================  =====  ==============================================
list                                                 hand   how it was counted
==================================================  =====  ==============================================
caufieldjh_awesome-bioie                              115   bullets opening with an external link, top
                                                            level or nested, outside the TOC; not the
                                                            labels "Groups at ... NIH/NLM:" and
                                                            "ClinicalBERT - ..." over nested entries, nor
                                                            the LBD note (l. 60) citing works in passing
dair-ai_ml-papers-of-the-week                        1300   numbered rows "| N) ..." of the weekly tables
                                                            (1,560 table lines - 130 headers - 130 rules)
eugeneyan_applied-ml                                  543   542 numbered items opening with a link + the
                                                            "hate speech [Part 1]...[Part 4]" item; not
                                                            the 4 intro bullets, not "More in [awful-ai]"
floodsung_deep-learning-papers-reading-roadmap        133   "**[n]**" citation paragraphs
hahajjjun_awesome-biomedical-nlp                       26   22 lecture rows + 4 paper-title bullets
hannibal046_awesome-llm                               368   306 bullets opening with a link + 62 rows of
                                                            the milestone-papers table (in <details>)
hqwu-hitcs_awesome-chinese-llm                        195   bullets whose sub-bullets are 地址/简介 fields
                                                            (all below the 目录 heading)
jianing-qiu_awesome-healthcare-foundation-models      293   279 bullets after the TOC (News not counted)
                                                            + 14 dataset table rows
jxliu-ai_awesome-medical-llm-in-top-journals          409   every "- " bullet (the journal-count table is
                                                            statistics); recent-additions sections repeat
                                                            papers, each listing counts
jxzhangjhu_awesome-llm-rag                             53   45 bold-title paragraphs outside <!-- --> + 8
                                                            bullets opening with a link (one of them in
                                                            the Contents block)
kaushikb11_awesome-llm-agents                          59   27 bullets at line start + 32 glued onto the
                                                            line before ("collaboration- [saplings](...)")
mli_paper-reading                                     149   every table row (175 lines - 13 - 13)
openmedlab_awesome-medical-dataset                    420   400 table rows (one with a leading space) +
                                                            20 link bullets
paitesanshi_llm-agent-survey                          153   rows of the 3 HTML tables (157 <tr> - 4 header
                                                            rows); not the "Update Records" notes
thunlp_plmpapers                                      128   127 numbered bold-title items + the survey
                                                            paragraph
wangrongsheng_awesome-llm-resourses                   649   list items (bullets, numbered) with a URL
                                                            after the TOC; not the blockquote pointers
woooodyy_llm-agent-paper-list                         325   dated bullets "[YYYY/MM]" / "[YYYY-MM]"
==================================================  =====  ==============================================

Found may exceed the hand count only by rows the parser itself marks low-confidence (< 0.5): the
LBD note in caufieldjh and "More in [awful-ai]" in eugeneyan. Titles are clean when the displayed
text (title, else name) holds no markdown or URL, no leading "N)" numbering, no glued summary (at
most 300 characters), no dangling bracket, is not a date or a check mark and is not an author list. Ids are right when every
identifier read off a row appears in that row's URLs (or its citation), and as many rows carry a
paper identifier / a GitHub repo as counted below (floors).
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import pytest

from enrich.parsing import LOW_CONFIDENCE, Entry, parse_paths
from enrich.parsing.text import MOJIBAKE_MARKERS

# list -> (hand count, paper-id floor, GitHub floor)
HAND: dict[str, tuple[int, int, int]] = {
    "caufieldjh_awesome-bioie": (115, 40, 30),
    "dair-ai_ml-papers-of-the-week": (1300, 1100, 45),
    "eugeneyan_applied-ml": (543, 135, 25),
    "floodsung_deep-learning-papers-reading-roadmap": (133, 85, 0),
    "hahajjjun_awesome-biomedical-nlp": (26, 2, 0),
    "hannibal046_awesome-llm": (368, 50, 145),
    "hqwu-hitcs_awesome-chinese-llm": (195, 0, 175),
    "jianing-qiu_awesome-healthcare-foundation-models": (293, 210, 110),
    "jxliu-ai_awesome-medical-llm-in-top-journals": (409, 405, 1),
    "jxzhangjhu_awesome-llm-rag": (53, 28, 20),
    "kaushikb11_awesome-llm-agents": (59, 0, 59),
    "mli_paper-reading": (149, 100, 0),
    "openmedlab_awesome-medical-dataset": (420, 35, 95),
    "paitesanshi_llm-agent-survey": (153, 145, 60),
    "thunlp_plmpapers": (128, 105, 35),
    "wangrongsheng_awesome-llm-resourses": (649, 60, 400),
    "woooodyy_llm-agent-paper-list": (325, 300, 140),
}


def _corpus() -> Path:
    """``$ENRICH_CORPUS_DIR``, else the copy in ``tests/data/corpus/lists`` (provenance beside it),
    else the first ``shared/corpus/lists`` above this checkout."""
    env = os.environ.get("ENRICH_CORPUS_DIR")
    if env:
        return Path(env)
    copy = Path(__file__).resolve().parents[1] / "data" / "corpus" / "lists"
    if copy.is_dir():
        return copy
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "corpus" / "lists"
        if candidate.is_dir():
            return candidate
    pytest.fail("the real-list corpus (shared/corpus/lists) was not found; set ENRICH_CORPUS_DIR")


@cache
def _parsed() -> dict[str, list[Entry]]:
    result = parse_paths([_corpus()])
    assert result.problems == []
    out: dict[str, list[Entry]] = {}
    for e in result.entries:
        out.setdefault(e.list_id, []).append(e)
    return out


_RESIDUE = re.compile(r"\*\*|\]\(|\[\[|<br|https?://|^\s*\d{1,3}\)\s|[\[(]\s*$|\s·\s.*(?:19|20)\d{2}")
_NAME = re.compile(r"^[A-Z][\w'\-]*\.?(?:\s[A-Z][\w'\-]*\.?){1,3}$")  # two to four capitalised words


_NOT_A_NAME = re.compile(r"^[\W\d_]+$")  # a date, a number, a check mark: never a name


def _author_list(text: str) -> bool:
    parts = [p.strip() for p in re.split(r",|\band\b", text.split(". ")[0]) if p.strip()]
    return len(parts) >= 3 and all(_NAME.match(p) for p in parts)


def title_clean(e: Entry) -> bool:
    text = e.title or e.name
    return bool(
        text
        and len(text) <= 300
        and not _RESIDUE.search(text)
        and not _NOT_A_NAME.match(text)
        and not _author_list(text)
        and not any(m in text for m in MOJIBAKE_MARKERS)
    )


def test_every_corpus_list_is_counted() -> None:
    assert sorted(p.stem for p in _corpus().glob("*.md")) == sorted(HAND)


@pytest.mark.parametrize("list_id", sorted(HAND))
def test_entries_found_against_the_hand_count(list_id: str) -> None:
    entries = _parsed().get(list_id, [])
    hand = HAND[list_id][0]
    confident = [e for e in entries if e.parse_confidence >= LOW_CONFIDENCE]
    assert len(confident) == hand, (len(confident), len(entries))
    assert len(entries) - len(confident) <= 1


@pytest.mark.parametrize("list_id", sorted(HAND))
def test_titles_clean(list_id: str) -> None:
    entries = _parsed()[list_id]
    dirty = [(e.line, e.title or e.name) for e in entries if not title_clean(e)]
    assert len(dirty) * 100 <= len(entries), dirty[:5]


@pytest.mark.parametrize("list_id", sorted(HAND))
def test_ids_right(list_id: str) -> None:
    entries = _parsed()[list_id]
    _, paper_floor, github_floor = HAND[list_id]
    assert len({e.entry_id for e in entries}) == len(entries)
    for e in entries:
        where = " ".join((*e.urls, e.citation_raw or "")).lower()
        if e.arxiv_id:
            assert e.arxiv_id.lower() in where, (e.line, e.arxiv_id)
        if e.github_repo:
            assert f"github.com/{e.github_repo}" in where, (e.line, e.github_repo)
        if e.doi:
            assert e.doi.startswith("10.")
        assert 0.0 <= e.parse_confidence <= 1.0 and e.parse_shape
    papers = sum(1 for e in entries if e.arxiv_id or e.doi or e.pmid or e.pmcid or e.acl_id)
    assert papers >= paper_floor
    assert sum(1 for e in entries if e.github_repo) >= github_floor


def test_every_corpus_list_is_understood() -> None:
    result = parse_paths([_corpus()])
    assert [s.list_id for s in result.summaries if not s.understood] == []
