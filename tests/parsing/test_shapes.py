"""Entry shapes of real lists, one small written-out list each (the corpus excerpts hold the real text)."""

from __future__ import annotations

import pytest

from enrich.parsing import Entry, ListSummary, parse_text, summarize


def fields(entries: list[Entry]) -> list[tuple[object, ...]]:
    return [
        (e.line, e.parse_shape, e.kind, e.name, e.title, e.authors_raw, e.year, e.venue_raw, e.urls)
        for e in entries
    ]


def test_toc_heading_skips_only_the_navigation_block() -> None:
    text = """# List

## 目录
- [1. 模型](#1-模型)
  - [1.1 文本](#11-文本)

### 1. 模型

#### 1.1 文本

* ChatGLM：
  * 地址：https://github.com/THUDM/ChatGLM-6B
  ![](https://img.shields.io/github/stars/THUDM/ChatGLM-6B.svg)
  * 简介：开源底座模型之一
"""
    [e] = parse_text(text, "t")
    assert (e.line, e.section, e.name, e.title, e.kind, e.parse_shape) == (
        11,
        "1. 模型 > 1.1 文本",
        "ChatGLM",
        None,
        "repo",
        "field_bullets",
    )
    assert e.urls == ("https://github.com/THUDM/ChatGLM-6B",)  # the star badge is not the entry's link
    assert e.description == "开源底座模型之一"


def test_plain_title_bullets_are_entries_and_prose_bullets_are_not() -> None:
    text = """# List

The roadmap follows four guidelines:

- From outline to detail
- From old to state-of-the-art

## Fundamental NLP Papers
- ELMo : Deep contextualized word representations
- BioBERT: a pre-trained biomedical language representation model (2020)
- Transformer : Attention is All You Need

## Notes
- We keep this list up to date, please open an issue.
- You can also e.g. send a mail.
"""
    assert fields(parse_text(text, "t")) == [
        (9, "plain_title", "paper", "ELMo", "Deep contextualized word representations", None, None, None, ()),
        (
            10,
            "plain_title",
            "paper",
            "BioBERT",
            "BioBERT: a pre-trained biomedical language representation model",
            None,
            2020,
            None,
            (),
        ),
        (11, "plain_title", "paper", "Transformer", "Attention is All You Need", None, None, None, ()),
    ]


def test_feature_bullets_and_group_labels_are_not_entries_and_glued_items_are() -> None:
    text = """# Agents

## Frameworks

- [CrewAI](https://github.com/joaomdmoura/crewAI) - Framework for agents

  - Role-based agent design
  - Agent collaboration- [saplings](https://github.com/shobrook/saplings) - Build smarter agents

- Groups at NIH / NLM:
  - [BioNLP group at NCBI](https://www.ncbi.nlm.nih.gov/research/bionlp/) - literature search
"""
    got = [(e.line, e.name or e.title, e.description) for e in parse_text(text, "t")]
    assert got == [
        (5, "CrewAI", "Framework for agents"),
        (8, "saplings", "Build smarter agents"),
        (11, "BioNLP group at NCBI", "literature search"),
    ]


def test_citation_paragraphs_and_bullets() -> None:
    text = """# Roadmap

## 1.1 Survey

**[1]** LeCun, Yann, Yoshua Bengio, and Geoffrey Hinton. "**Deep learning**." Nature 521.7553 (2015): 436-444. [[pdf]](http://www.cs.toronto.edu/~hinton/absps/NatureDeepReview.pdf) **(Three Giants' Survey)** :star::star:

## References

- Lee J, Yoon W, Kim S. BioBERT: a pre-trained biomedical language representation model. Bioinformatics. 2020;36(4):1234-40. doi:10.1093/bioinformatics/btz682
"""
    [first] = parse_text(text, "t")  # "References" holds no entries
    assert fields([first]) == [
        (
            5,
            "citation",
            "paper",
            None,
            "Deep learning",
            "LeCun, Yann, Yoshua Bengio, and Geoffrey Hinton",
            2015,
            "Nature",
            ("http://www.cs.toronto.edu/~hinton/absps/NatureDeepReview.pdf",),
        )
    ]
    assert first.citation_raw == (
        'LeCun, Yann, Yoshua Bengio, and Geoffrey Hinton. "Deep learning." Nature 521.7553 (2015): 436-444.'
    )
    assert first.description == "Three Giants' Survey"


def test_citation_bullet_under_a_content_heading_keeps_its_doi() -> None:
    text = """# L

## Papers

- Lee J, Yoon W, Kim S. BioBERT: a pre-trained biomedical language representation model. Bioinformatics. 2020;36(4):1234-40. doi:10.1093/bioinformatics/btz682
"""
    [e] = parse_text(text, "t")
    assert (e.parse_shape, e.title, e.authors_raw, e.venue_raw, e.year, e.doi, e.kind) == (
        "citation",
        "BioBERT: a pre-trained biomedical language representation model",
        "Lee J, Yoon W, Kim S.",
        "Bioinformatics",
        2020,
        "10.1093/bioinformatics/btz682",
        "paper",
    )
    assert e.citation_raw is not None and e.citation_raw.startswith("Lee J, Yoon W, Kim S. BioBERT")


def test_bold_title_paragraphs_split_by_hard_breaks() -> None:
    text = """# RAG

## Survey

**Benchmarking Large Language Models in Retrieval-Augmented Generation** \\
*Jiawei Chen, Hongyu Lin, Xianpei Han, Le Sun* \\
arXiv 2023. [[Paper](https://arxiv.org/abs/2309.01431)][[Github](https://github.com/chen700564/RGB)] \\
4 Sep 2023

**Improving Retrieval Augmented Language Model with Self-Reasoning** \\
Yuan Xia, Jingbo Zhou, Zhenhui Shi \\
AAAI 25 – Mar 2025 [[paper](https://arxiv.org/abs/2407.19813)]

**Self-RAG: Learning to Retrieve, Generate, and Critique through Self-Reflection**
*Anonymous*
ICLR 24 – Oct 2023 [[paper](https://openreview.net/forum?id=hSyW5go0v8)]

<!--
**Commented out** \\
*A B, C D* \\
arXiv 2023 [[Paper](https://arxiv.org/abs/2305.06983)]
-->
"""
    assert [(e.line, e.title, e.authors_raw, e.year, e.venue_raw) for e in parse_text(text, "t")] == [
        (
            5,
            "Benchmarking Large Language Models in Retrieval-Augmented Generation",
            "Jiawei Chen, Hongyu Lin, Xianpei Han, Le Sun",
            2023,
            "arXiv",
        ),
        (
            10,
            "Improving Retrieval Augmented Language Model with Self-Reasoning",
            "Yuan Xia, Jingbo Zhou, Zhenhui Shi",
            2025,
            "AAAI 25",
        ),
        (
            14,
            "Self-RAG: Learning to Retrieve, Generate, and Critique through Self-Reflection",
            "Anonymous",
            2023,
            "ICLR 24",
        ),
    ]


def test_bold_title_italic_authors_bullet_and_dot_separated_fields() -> None:
    text = """# L

## Papers

1. **Fusion of Detected Objects in Text for Visual Question Answering**. *Chris Alberti, Jeffrey Ling, Michael Collins*. EMNLP 2019. [[pdf](https://arxiv.org/pdf/1908.05054.pdf)] (**B2T2**)
- <img src="https://img.shields.io/badge/NEW-FFD1DC" alt="new">&nbsp;**[Use of GPT-4 to Diagnose Complex Clinical Cases](https://doi.org/10.1056/aip2300031)**<br/>Eriksen A et al. · *NEJM AI* · 2024-01-01
"""
    assert fields(parse_text(text, "t")) == [
        (
            5,
            "bold_title_authors",
            "paper",
            "B2T2",
            "Fusion of Detected Objects in Text for Visual Question Answering",
            "Chris Alberti, Jeffrey Ling, Michael Collins",
            2019,
            "EMNLP",
            ("https://arxiv.org/pdf/1908.05054.pdf",),
        ),
        (
            6,
            "bold_title_authors",
            "paper",
            None,
            "Use of GPT-4 to Diagnose Complex Clinical Cases",
            "Eriksen A et al",
            2024,
            "NEJM AI",
            ("https://doi.org/10.1056/aip2300031",),
        ),
    ]


def test_venue_prefix_with_month_malformed_links_and_years() -> None:
    text = """# L

## Models

* [**Arxiv, 2024.8**] **Med42-v2**: A Suite of Clinical LLMs [[paper]](https://arxiv.org/abs/2408.06142)
* Med-PaLM 2: Towards expert-level medical QA [[paper]]( https://arxiv.org/abs/2305.09617)
* BioBERT: a pre-trained biomedical language representation model (2020) [paper]((https://doi.org/10.1093/bioinformatics/btz682))
1. [Marginal Posterior Sampling for Slate Bandits](https://www.ijcai.org/proceedings/2019/308) ([Paper](https://www.ijcai.org/proceedings/2019/0308.pdf)) `Netflix` `2019`
"""
    got = [
        (e.name, e.title, e.year, e.venue_raw, e.arxiv_id or e.doi, e.description)
        for e in parse_text(text, "t")
    ]
    assert got == [
        ("Med42-v2", "A Suite of Clinical LLMs", 2024, "Arxiv", "2408.06142", None),
        ("Med-PaLM 2", "Med-PaLM 2: Towards expert-level medical QA", None, None, "2305.09617", None),
        (
            "BioBERT",
            "BioBERT: a pre-trained biomedical language representation model",
            2020,
            None,
            "10.1093/bioinformatics/btz682",
            None,
        ),
        (None, "Marginal Posterior Sampling for Slate Bandits", 2019, None, None, "Netflix"),
    ]


def test_tables_pick_the_name_column_by_header_and_content() -> None:
    text = """# L

## 视频理解

| 已录制 | 年份 | 名字 | 简介 | 引用 |
| ------ | ---- | ---- | ---- | ---- |
| ✅ | 2014 | [Two-stream](https://arxiv.org/pdf/1406.2199.pdf) | 引入光流做时序建模 | [![citation](https://img.shields.io/badge/x)](https://www.semanticscholar.org/paper/abc) |
|  | 2016 | [TSN](https://arxiv.org/pdf/1608.00859.pdf) | 视频分段建模 | |

## Stats

| 刊物 | 收录数 |
| --- | ---: |
| Nature Medicine | 76 |
| NEJM AI | 45 |

## Weekly

| **Paper**  | **Links** |
| ------------- | ------------- |
| 1) Ultra-Fast Diffusion-based Language Models  This paper introduces Mercury. | [Paper](https://arxiv.org/abs/2506.17298) |
| 10) **Bi-Mamba** - a scalable 1-bit Mamba architecture | [Paper](https://arxiv.org/abs/2411.11843) |
| 4) Building Agents with Workflow Graphs This paper presents a framework. | [Paper](https://arxiv.org/abs/2505.23006) |
"""
    got = [(e.line, e.name, e.title, e.year, e.description) for e in parse_text(text, "t")]
    assert got == [
        (7, "Two-stream", None, 2014, "引入光流做时序建模; 已录制: ✅"),  # a badge is no description
        (8, "TSN", None, 2016, "视频分段建模"),
        (
            21,
            None,
            "Ultra-Fast Diffusion-based Language Models",
            None,
            "This paper introduces Mercury",
        ),
        (22, None, "Bi-Mamba", None, "a scalable 1-bit Mamba architecture"),
        (23, None, "Building Agents with Workflow Graphs", None, "This paper presents a framework"),
    ]


def test_html_table_and_list_blocks() -> None:
    text = """# Survey

## Applications

<table>
    <tr>
        <td align='center'>Model</td>
        <td colspan='2' align='center'>Memory</td>
        <td align='center'>Paper</td>
    </tr>
    <tr>
        <td align='center'>Operation</td>
        <td align='center'>Structure</td>
    </tr>
    <tr>
        <td align='center'>WebGPT</td>
        <td align='center'>-</td>
        <td align='center'>Unified<br/>memory</td>
        <td align='center'><a href="https://arxiv.org/abs/2112.09332">Paper</a></td>
    </tr>
</table>

<ul>
<li><a href="https://github.com/org/tool">Tool</a> - a tool<br/>for things</li>
</ul>
"""
    got = [
        (e.line, e.parse_shape, e.name, e.arxiv_id, e.github_repo, e.description)
        for e in parse_text(text, "t")
    ]
    assert got == [
        (15, "html_row", "WebGPT", "2112.09332", None, "Memory: Unified memory"),
        (24, "html_item", "Tool", None, "org/tool", "a tool for things"),
    ]


def test_a_data_heading_does_not_make_a_tool_a_dataset() -> None:
    text = """# L

## LLM Data

- [Datatrove](https://github.com/huggingface/datatrove) - a library to process, filter and deduplicate text data
- [Alpaca-GPT-4](https://github.com/Instruction-Tuning-with-GPT-4/GPT-4-LLM) - 52K instruction-following data
- [Dataverse set](https://dataverse.nl/dataset.xhtml?persistentId=doi:10.34894/AECRSD) - images
"""
    assert [(e.name, e.kind, e.doi) for e in parse_text(text, "t")] == [
        ("Datatrove", "repo", None),
        ("Alpaca-GPT-4", "dataset", None),
        ("Dataverse set", "dataset", "10.34894/aecrsd"),
    ]


@pytest.mark.parametrize(
    ("summary", "understood"),
    [
        (ListSummary("a", entries=100, links=150, low_confidence=0), True),
        (ListSummary("b", entries=10, links=376, low_confidence=0), False),  # far fewer entries than links
        (ListSummary("c", entries=10, links=10, low_confidence=6), False),  # most rows low-confidence
        (ListSummary("d", entries=0, links=3, low_confidence=0), True),  # a near-empty file
        (ListSummary("e", entries=0, links=40, low_confidence=0), False),
    ],
)
def test_format_not_understood(summary: ListSummary, understood: bool) -> None:
    assert summary.understood is understood
    assert summary.line().endswith("format not understood") is not understood


def test_summary_line() -> None:
    text = "# L\n\n## A\n\n- [X](https://github.com/a/x) - a tool\n- [Y](https://github.com/a/y) - another\n"
    summary = summarize("l", text, parse_text(text, "l"))
    assert summary.line() == "list l: 2 entries (link_first 2); 0 low-confidence; 2 links in the file"
